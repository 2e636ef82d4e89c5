"""Forms of the internal-audit pages. Choices are scoped to the organisation (its members, active
sites and processes) and to the programme (the clauses of its editions)."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import bounds
from core.forms import BoundedForm, SubmitOnceForm
from core.widgets import filtered
from improvement.enums import ChecklistResult, InternalFindingGrade
from improvement.forms.gap import EditionChoiceField
from improvement.models import InternalAudit, InternalAuditProgramme
from improvement.models.internal_audits import a_year_after
from improvement.selectors.internal_audits import scope_units
from organisations.models import Organisation, User
from standards.models import Clause, Edition, Standard

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return user.full_name or user.email


class ClauseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, clause: Clause) -> str:
        return f"{clause.edition.label} {clause.number} {clause.title}"


class ClausesChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, clause: Clause) -> str:
        return f"{clause.edition.label} {clause.number} {clause.title}"


def _members(organisation: Organisation):
    return User.objects.filter(
        organisation_memberships__organisation=organisation, organisation_memberships__is_active=True
    ).order_by("full_name", "pk")


def _programme_clauses(programme: InternalAuditProgramme):
    return Clause.objects.filter(edition__in=programme.editions.all(), assessable=True).select_related(
        "edition__standard"
    )


# --- Processes and training ----------------------------------------------------------------------


class ProcessForm(BoundedForm, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=TEXT, required=False)
    owner = MemberChoiceField(
        label=_("Owner"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("The member responsible for the process (rule 39: they do not audit it)."),
    )
    sites = forms.ModelMultipleChoiceField(
        label=_("Sites"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked if it runs everywhere."),
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _members(organisation)
        self.fields["sites"].queryset = organisation.sites.filter(is_active=True)


class ProcessCreateForm(SubmitOnceForm, ProcessForm):
    pass


class ReasonForm(BoundedForm, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RequiredReasonForm(BoundedForm, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class AuditorTrainingForm(BoundedForm, SubmitOnceForm, forms.Form):
    member = forms.ModelChoiceField(label=_("Member"), queryset=None)
    standard = forms.ModelChoiceField(label=_("Standard"), queryset=Standard.objects.order_by("number", "pk"))
    course = forms.CharField(label=_("Course"), max_length=200)
    completed_on = forms.DateField(label=_("Completed on"), widget=DATE)

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = organisation.memberships.filter(is_active=True).select_related(
            "user"
        )
        self.fields["member"].label_from_instance = lambda m: str(m.user)

    def clean_completed_on(self) -> datetime.date:
        day = self.cleaned_data["completed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(
                _("A training is recorded once completed: its date cannot be in the future.")
            )
        return day


# --- Programmes ----------------------------------------------------------------------------------


class ProgrammeForm(BoundedForm, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    editions = EditionChoiceField(
        label=_("Editions"),
        queryset=Edition.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Several make an integrated programme: a shared Harmonized Structure clause is covered once."
        ),
    )
    starts_on = forms.DateField(label=_("From"), widget=DATE)
    ends_on = forms.DateField(
        label=_("To"), widget=DATE, required=False, help_text=_("Empty: twelve months.")
    )
    objectives = forms.CharField(
        label=_("Objectives and methods"),
        widget=TEXT,
        required=False,
        help_text=_(
            "Frequency, methods, responsibilities; the importance of the processes and past results."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["editions"].queryset = Edition.objects.select_related("standard").order_by(
            "standard__number", "year"
        )

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and not end and "ends_on" not in self.errors:
            data["ends_on"] = a_year_after(start)
        if start and data.get("ends_on") and data["ends_on"] < start:
            self.add_error("ends_on", _("The period must end on or after its first day."))
        return data


class ProgrammeCreateForm(SubmitOnceForm, ProgrammeForm):
    pass


# --- Audits --------------------------------------------------------------------------------------


class AuditForm(BoundedForm, forms.Form):
    """The audit's scope. Clauses come from the programme's editions (HS-shared ones once); whole
    chapters can be ticked at once instead of every clause."""

    title = forms.CharField(label=_("Title"), max_length=200)
    criteria = forms.CharField(
        label=_("Criteria"),
        widget=TEXT,
        required=False,
        help_text=_("The requirements audited against: standards, procedures, law."),
    )
    starts_on = forms.DateField(label=_("First day"), widget=DATE)
    ends_on = forms.DateField(label=_("Last day"), widget=DATE)
    processes = forms.ModelMultipleChoiceField(
        label=_("Processes"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    sites = forms.ModelMultipleChoiceField(
        label=_("Sites"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    chapters = ClausesChoiceField(
        label=_("Whole chapters"),
        queryset=Clause.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every assessable clause of a ticked chapter is in scope."),
    )
    clauses = ClausesChoiceField(
        label=_("Clauses"),
        queryset=Clause.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=_("And single clauses (hold Ctrl or Cmd to choose several)."),
    )

    def __init__(self, *args, programme: InternalAuditProgramme, **kwargs):
        super().__init__(*args, **kwargs)
        organisation = programme.organisation
        self.fields["processes"].queryset = organisation.processes.filter(is_active=True)
        self.fields["sites"].queryset = organisation.sites.filter(is_active=True)
        editions = list(programme.editions.all())
        units = [clause.pk for clause, _key in scope_units(editions)]
        filtered(self.fields["clauses"], _("Find clauses"))
        self.fields["clauses"].queryset = (
            _programme_clauses(programme)
            .filter(pk__in=units)
            .order_by("edition__standard__number", "edition__year", "position")
        )
        self.fields["chapters"].queryset = (
            Clause.objects.filter(edition__in=editions, children__assessable=True)
            .select_related("edition__standard")
            .distinct()
            .order_by("edition__standard__number", "edition__year", "position")
        )
        self.units = set(units)

    def clean(self) -> dict:
        data = super().clean()
        chosen = {c.pk for c in data.get("clauses") or []}
        for chapter in data.get("chapters") or []:
            chosen |= {c.pk for c in chapter.children.filter(assessable=True) if c.pk in self.units}
        if not chosen and not self.errors:
            self.add_error("clauses", _("Choose the clauses in the audit's scope (at least one)."))
        data["clauses"] = list(Clause.objects.filter(pk__in=chosen))
        data.pop("chapters", None)
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The last day must be on or after the first day."))
        return data


class AuditCreateForm(SubmitOnceForm, AuditForm):
    pass


def audit_initial(audit: InternalAudit) -> dict:
    return {
        "title": audit.title,
        "criteria": audit.criteria,
        "starts_on": audit.starts_on,
        "ends_on": audit.ends_on,
        "processes": list(audit.processes.all()),
        "sites": list(audit.sites.all()),
        "clauses": list(audit.clauses.all()),
    }


class AuditorForm(BoundedForm, SubmitOnceForm, forms.Form):
    user = MemberChoiceField(label=_("Member"), queryset=User.objects.none(), required=False)
    external_name = forms.CharField(label=_("Or an external auditor: name"), max_length=200, required=False)
    external_organisation = forms.CharField(label=_("Their organisation"), max_length=200, required=False)
    is_lead = forms.BooleanField(label=_("Lead auditor"), required=False)
    independence_justification = forms.CharField(
        label=_("Why they may audit their own area"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Rule 39: needed only when they own a process in the audit's scope."),
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _members(organisation)

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("user") and not (data.get("external_name") or "").strip() and not self.errors:
            self.add_error("user", _("Choose a member, or give the name of the external auditor."))
        if data.get("user") and (data.get("external_name") or "").strip():
            self.add_error("external_name", _("Choose a member or name an external auditor, not both."))
        return data


class ChecklistItemForm(BoundedForm, forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=ChecklistResult.choices)
    notes = forms.CharField(
        label=_("Evidence seen"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class FindingForm(BoundedForm, forms.Form):
    grade = forms.ChoiceField(label=_("Grade"), choices=InternalFindingGrade.choices)
    clause = ClauseChoiceField(label=_("Clause"), queryset=Clause.objects.none())
    process = forms.ModelChoiceField(label=_("Process"), queryset=None, required=False)
    site = forms.ModelChoiceField(label=_("Site"), queryset=None, required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    statement = forms.CharField(
        label=_("Statement"),
        widget=TEXT,
        required=False,
        help_text=_("What was found, against which requirement."),
    )
    evidence = forms.CharField(label=_("Objective evidence"), widget=TEXT, required=False)

    def __init__(self, *args, audit: InternalAudit, **kwargs):
        super().__init__(*args, **kwargs)
        organisation = audit.programme.organisation
        self.fields["clause"].queryset = _programme_clauses(audit.programme).order_by(
            "edition__standard__number", "edition__year", "position"
        )
        filtered(self.fields["clause"], _("Find a clause"))
        self.fields["process"].queryset = organisation.processes.filter(is_active=True)
        self.fields["site"].queryset = organisation.sites.filter(is_active=True)


class FindingCreateForm(SubmitOnceForm, FindingForm):
    pass


class ReportForm(BoundedForm, forms.Form):
    conclusions = forms.CharField(
        label=_("Conclusions"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=bounds.LONG_TEXT_MAX,
        required=False,
    )
    distribution = forms.CharField(
        label=_("Distribution"),
        widget=TEXT,
        required=False,
        help_text=_("The managers the report goes to, by name and function."),
    )
