"""Forms of the management-review pages. Members offered are the organisation's; editions come
from the catalogue (any edition may be reviewed)."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import bounds
from core.forms import BoundedForm, SubmitOnceForm
from improvement.enums import ReviewOutputKind
from improvement.forms.gap import EditionChoiceField
from improvement.forms.internal_audits import DATE, MemberChoiceField, _members
from organisations import access as tenancy
from organisations.models import Organisation, User
from standards.models import Edition

TEXT = forms.Textarea(attrs={"rows": 3})


class ReviewForm(BoundedForm, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=bounds.SHORT_TEXT_MAX)
    editions = EditionChoiceField(
        label=_("Editions"),
        queryset=Edition.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The review's inputs are those every standard shares, then each covered standard's own."),
    )
    planned_on = forms.DateField(label=_("Date of the meeting"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["editions"].queryset = Edition.objects.select_related("standard").order_by(
            "standard__number", "year"
        )


class ReviewCreateForm(SubmitOnceForm, ReviewForm):
    pass


class AttendeeForm(BoundedForm, SubmitOnceForm, forms.Form):
    user = MemberChoiceField(label=_("Member"), queryset=User.objects.none(), required=False)
    name = forms.CharField(
        label=_("Or a person without an account: name"), max_length=bounds.SHORT_TEXT_MAX, required=False
    )
    function = forms.CharField(
        label=_("Function"),
        max_length=bounds.SHORT_TEXT_MAX,
        required=False,
        help_text=_("For example: Secretary-General."),
    )
    is_top_management = forms.BooleanField(label=_("Top management"), required=False)

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _members(organisation)

    def clean(self) -> dict:
        data = super().clean()
        name = (data.get("name") or "").strip()
        if not data.get("user") and not name and not self.errors:
            self.add_error("user", _("Choose a member, or give the attendee's name."))
        if data.get("user") and name:
            self.add_error("name", _("Choose a member or give a name, not both."))
        return data


class InputForm(BoundedForm, forms.Form):
    answer = forms.CharField(label=_("What was considered"), widget=TEXT, required=False)
    not_applicable = forms.BooleanField(label=_("Not applicable"), required=False)
    not_applicable_reason = forms.CharField(label=_("Why not applicable"), widget=TEXT, required=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("not_applicable") and not (data.get("not_applicable_reason") or "").strip():
            self.add_error("not_applicable_reason", _("Say why this input does not apply (rule 41)."))
        return data


class HoldForm(BoundedForm, forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DATE)
    summary = forms.CharField(
        label=_("Summary of the discussion"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=bounds.LONG_TEXT_MAX,
    )

    def clean_held_on(self) -> datetime.date:
        day = self.cleaned_data["held_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A review is marked held once it took place: not in the future."))
        return day


class OutputForm(BoundedForm, SubmitOnceForm, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ReviewOutputKind.choices)
    decision = forms.CharField(label=_("Decision"), widget=TEXT)


class OutputActionForm(BoundedForm, SubmitOnceForm, forms.Form):
    title = forms.CharField(label=_("Title of the action"), max_length=bounds.SHORT_TEXT_MAX)
    owner = MemberChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("Due on"), widget=DATE, required=False)

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(
            organisation_memberships__organisation=organisation,
            organisation_memberships__is_active=True,
            organisation_memberships__role__in=tenancy.CONTRIBUTING_ROLES,
        ).order_by("full_name", "pk")
