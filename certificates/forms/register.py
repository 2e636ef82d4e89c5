import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from certificates.enums import CertificateStatus
from certificates.selectors.register import RegisterFilters
from core.forms import BoundedForm
from core.widgets import FastSelect

EXPIRY_PRESETS = (30, 90, 180)
SEARCH_MAX_LENGTH = 100


def _select() -> FastSelect:
    return FastSelect(attrs={"class": "form-select"})


class RegisterFilterForm(BoundedForm, forms.Form):
    """The register's filter, from the query string: a value that is not valid is ignored and said
    so; the others still filter. The standards and organisations offered are those of the
    certificates the user sees."""

    q = forms.CharField(
        label=_("Number or holder"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"class": "form-control", "type": "search"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *CertificateStatus.choices],
        widget=_select(),
        error_messages={"invalid_choice": _("There is no such status; every status is shown.")},
    )
    standard = forms.TypedChoiceField(
        label=_("Standard"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=_select(),
        error_messages={"invalid_choice": _("There is no such standard here; every standard is shown.")},
    )
    organisation = forms.TypedChoiceField(
        label=_("Organisation"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=_select(),
        error_messages={"invalid_choice": _("There is no such organisation here; all are shown.")},
    )
    expiring = forms.TypedChoiceField(
        label=_("Expiring within"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("Any time")),
            *((days, _("%(days)s days") % {"days": days}) for days in EXPIRY_PRESETS),
        ],
        widget=_select(),
        error_messages={"invalid_choice": _("Choose 30, 90 or 180 days; expiry dates are not filtered.")},
    )
    expires_from = forms.DateField(
        label=_("Expiring from"),
        required=False,
        widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}),
    )
    expires_until = forms.DateField(
        label=_("Expiring until"),
        required=False,
        widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}),
    )

    def __init__(
        self,
        *args,
        standards: list[tuple[int, str]],
        organisations: list[tuple[int, str]] | None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["standard"].choices = [("", _("All standards")), *standards]
        if organisations is None:  # too many to list: the search by holder finds them by name
            del self.fields["organisation"]
        else:
            self.fields["organisation"].choices = [("", _("All organisations")), *organisations]

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("expires_from"), data.get("expires_until")
        if data.get("expiring") and (start or end):
            self.add_error("expiring", _("Choose a number of days or dates, not both; the dates are used."))
        if start and end and start > end:
            self.add_error("expires_until", _("The window ends before it starts; its end is ignored."))
        return data

    def filters(self, today: datetime.date) -> RegisterFilters:
        """The valid filters (all of them when the form is valid); "within N days" counts from today."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        start, end = data.get("expires_from"), data.get("expires_until")
        if data.get("expiring"):
            start, end = today, today + datetime.timedelta(days=data["expiring"])
        return RegisterFilters(
            status=data.get("status") or "",
            standard_id=data.get("standard"),
            organisation_id=data.get("organisation"),
            expires_from=start,
            expires_until=end,
            text=(data.get("q") or "").strip(),
        )
