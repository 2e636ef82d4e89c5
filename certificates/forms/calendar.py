"""The calendar's filters, from the query string (the month, the agenda)."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from certificates.selectors.calendar import Filters
from core import bounds
from core.forms import BoundedForm
from core.widgets import FastSelect

MONTH = "month"
AGENDA = "agenda"
AGENDA_DAYS = 90
AGENDA_DAYS_MAX = 366
MONTH_FORMAT = "%Y-%m"
KEPT = ("organisation", "organisation_name", "standard")  # the links between the pages keep these


def _select() -> FastSelect:
    return FastSelect(attrs={"class": "form-select"})


class CalendarFilterForm(BoundedForm, forms.Form):
    """Which organisation (chosen from a list, or for those who see too many to list, searched by a
    part of its name), standard and kinds of item the calendar shows, and the month (the month
    page) or the first day and the number of days (the agenda). A value that is not valid is said
    so, and then no filter is applied: the page shows everything, from today."""

    organisation = forms.TypedChoiceField(
        label=_("Organisation"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=_select(),
        error_messages={"invalid_choice": _("There is no such organisation here.")},
    )
    standard = forms.TypedChoiceField(
        label=_("Standard"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=_select(),
        error_messages={"invalid_choice": _("There is no such standard in the catalogue.")},
    )
    kind = forms.MultipleChoiceField(
        label=_("What falls due"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("There is no such kind of item: %(value)s.")},
    )
    month = forms.DateField(
        label=_("Month"),
        required=False,
        input_formats=[MONTH_FORMAT],
        widget=forms.DateInput(
            format=MONTH_FORMAT,
            attrs={
                "class": "form-control",
                "type": "month",
                "min": bounds.EARLIEST_DATE.strftime(MONTH_FORMAT),
                "max": bounds.LATEST_DATE.strftime(MONTH_FORMAT),
            },
        ),
        error_messages={"invalid": _("Enter a month as year and month, e.g. 2027-03.")},
    )
    organisation_name = forms.CharField(
        label=_("Organisation"),
        required=False,
        max_length=100,
        strip=True,
        widget=forms.TextInput(attrs={"class": "form-control", "type": "search"}),
        help_text=_("A part of its name."),
    )
    days = forms.IntegerField(
        label=_("Number of days"),
        required=False,
        min_value=1,
        max_value=AGENDA_DAYS_MAX,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )

    def __init__(
        self,
        *args,
        page: str,
        organisations: list[tuple[int, str]] | None,
        standards: list[tuple[int, str]],
        kinds: list[tuple[str, str]],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword: the field is added here rather than declared
        self.fields["from"] = forms.DateField(
            label=_("From"),
            required=False,
            widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}),
        )
        for name in ("from", "days") if page == MONTH else ("month",):
            del self.fields[name]
        if page == AGENDA:
            self.order_fields(["from", "days"])
        if organisations is None:  # too many to list: searched by name
            del self.fields["organisation"]
        else:
            del self.fields["organisation_name"]
            self.fields["organisation"].choices = [("", _("All organisations")), *organisations]
        self.fields["standard"].choices = [("", _("All standards")), *standards]
        self.fields["kind"].choices = kinds

    def _valid(self) -> dict:
        """The cleaned values, or none at all when one of them is not valid."""
        return self.cleaned_data if self.is_valid() else {}

    def filters(self) -> Filters:
        data = self._valid()
        return Filters(
            organisation_id=data.get("organisation"),
            organisation_name=data.get("organisation_name") or "",
            standard_id=data.get("standard"),
            kinds=tuple(data.get("kind") or ()),
        )

    def first_of_month(self, today: datetime.date) -> datetime.date:
        return (self._valid().get("month") or today).replace(day=1)

    def agenda_range(self, today: datetime.date) -> tuple[datetime.date, datetime.date]:
        """The agenda's first and last day: from today for 90 days unless asked otherwise."""
        data = self._valid()
        start = data.get("from") or today
        return start, start + datetime.timedelta(days=(data.get("days") or AGENDA_DAYS) - 1)

    def kept(self) -> list[tuple[str, object]]:
        """The valid filters as query parameters, for the links that keep them."""
        data = self._valid()
        pairs = [
            (name, data[name]) for name in ("organisation", "organisation_name", "standard") if data.get(name)
        ]
        return pairs + [("kind", kind) for kind in data.get("kind") or ()]
