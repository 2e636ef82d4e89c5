"""The Statement of Applicability's forms. The editions offered are those that keep one
(`improvement.soa_rules`); the gap analyses and actions are the organisation's own."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedForm, SubmitOnceForm
from improvement.enums import Implementation
from improvement.models import Action, GapAnalysis
from improvement.soa_rules import SOA_STANDARD_CODES
from organisations.models import Organisation
from standards.models import Edition

TEXTAREA = {"rows": 3}
ACTION_REFERENCE = re.compile(r"^\s*(?:A-)?(\d{1,9})\s*$", re.IGNORECASE)


def soa_editions():
    return (
        Edition.objects.select_related("standard")
        .filter(standard__code__in=SOA_STANDARD_CODES)
        .exclude(status="withdrawn")
    )


class EditionField(forms.ModelChoiceField):
    def label_from_instance(self, edition: Edition) -> str:
        return edition.label


class AnalysisField(forms.ModelChoiceField):
    def label_from_instance(self, analysis: GapAnalysis) -> str:
        return f"{analysis.title} ({analysis.created_at:%Y-%m-%d})"


class SoaNewForm(BoundedForm, SubmitOnceForm, forms.Form):
    """A new draft version: by hand (a copy of the latest approved version, or empty), or drafted
    from a gap analysis of the organisation."""

    edition = EditionField(label=_("Edition"), queryset=Edition.objects.none(), empty_label=None)
    from_analysis = AnalysisField(
        label=_("Gap analysis"),
        queryset=GapAnalysis.objects.none(),
        required=False,
        help_text=_("Each control takes the answer of its clause: status, justification, open action."),
    )

    def __init__(self, *args, organisation: Organisation, analyses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edition"].queryset = soa_editions()
        self.fields["from_analysis"].queryset = analyses.filter(
            organisation=organisation, editions__standard__code__in=SOA_STANDARD_CODES
        ).distinct()


APPLICABILITY = [("", _("Not yet decided")), ("yes", _("Applicable")), ("no", _("Not applicable"))]


class SoaControlForm(BoundedForm, forms.Form):
    """One control of a draft. The action is named by its reference in the register (A-12): a
    register may hold thousands, so it is typed, not picked from a list."""

    applicable = forms.TypedChoiceField(
        label=_("Applicability"),
        choices=APPLICABILITY,
        coerce=lambda value: {"yes": True, "no": False}.get(value),
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    justification = forms.CharField(
        label=_("Justification"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Why it is included (a risk, a requirement) or excluded."),
    )
    implementation = forms.ChoiceField(
        label=_("Implementation"),
        choices=[("", _("—")), *Implementation.choices],
        required=False,
        help_text=_("Left empty for a control that is not applicable."),
    )
    evidence = forms.CharField(
        label=_("Evidence"), required=False, help_text=_("Where it is: a policy, a procedure, a record.")
    )
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=12,
        help_text=_("Its reference in the register, e.g. A-12."),
    )

    def __init__(self, *args, organisation: Organisation, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.actions = actions

    def clean_action(self) -> Action | None:
        text = self.cleaned_data["action"]
        if not text.strip():
            return None
        match = ACTION_REFERENCE.match(text)
        action = match and self.actions.filter(organisation=self.organisation, number=int(match[1])).first()
        if not action:
            raise forms.ValidationError(
                _("No action %(reference)s in this organisation's register.") % {"reference": text.strip()}
            )
        return action


class SoaApproveForm(BoundedForm, forms.Form):
    approver_name = forms.CharField(label=_("Approved by"), max_length=200)
    approver_function = forms.CharField(
        label=_("Function"),
        max_length=200,
        help_text=_("Top management or the information security officer."),
    )
    approved_on = forms.DateField(label=_("Approved on"), widget=forms.DateInput(attrs={"type": "date"}))


class SoaShareForm(BoundedForm, forms.Form):
    shared = forms.TypedChoiceField(
        label=_("Share with our certification body"),
        choices=[("on", _("Share")), ("off", _("Stop sharing"))],
        coerce=lambda value: value == "on",
        error_messages={
            "required": _("Say whether to share this version with the certification body."),
            "invalid_choice": _("Say whether to share this version with the certification body."),
        },
    )
