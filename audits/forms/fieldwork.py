"""Forms of the audit itself: adding an audit, the plan and its timetable, the lifecycle buttons
that take a reason, and the report."""

from django import forms
from django.utils.translation import gettext_lazy as _

from audits.enums import EXTRA_KINDS, NC_TYPES, AssignmentStatus, AuditKind, FindingStatus
from audits.models import Audit, AuditPlan, AuditProgramme, AuditReport, PlanSession
from audits.services.fieldwork import REPEATABLE, REPORT_FIELDS, ReportContent
from core.forms import NOT_CONFIRMED, BoundedForm, SubmitOnceForm
from core.widgets import filtered
from organisations.models import User
from standards.models import Clause

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
ADDABLE_KINDS = (*EXTRA_KINDS, *REPEATABLE)
REPORT_TEXTS = (
    "internal_audit_and_review",
    "previous_actions_effective",
    "deviations_from_plan",
    "significant_issues",
    "changes_since_last_audit",
    "unresolved_issues",
)


class AuditChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, audit: Audit) -> str:
        return f"{audit.get_kind_display()} {audit.starts_on} ({audit.get_status_display()})"


class AuditAddForm(BoundedForm, SubmitOnceForm, forms.ModelForm):
    """An audit beyond the planned cycle, or a stage done again."""

    repeat_of = AuditChoiceField(
        label=_("Repeats"),
        queryset=Audit.objects.none(),
        required=False,
        help_text=_("For a stage 1 or stage 2 done again: the stage it repeats."),
    )
    follows_up = AuditChoiceField(
        label=_("Verifies the corrections of"),
        queryset=Audit.objects.none(),
        required=False,
        help_text=_("For a follow-up audit: the audit whose nonconformities it verifies."),
    )

    class Meta:
        model = Audit
        fields = [
            "kind",
            "starts_on",
            "ends_on",
            "planned_days",
            "on_site_days",
            "purpose",
            "repeat_of",
            "follows_up",
            "short_notice",
        ]
        widgets = {"starts_on": DATE, "ends_on": DATE, "purpose": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, programme: AuditProgramme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.value, k.label) for k in ADDABLE_KINDS]
        self.fields["purpose"].help_text = _(
            "Required: the reason for a special, follow-up, transfer or transition audit, and the "
            "justification of a repeated stage (EA FAQ 49.2)."
        )
        audits = list(programme.audits.order_by("starts_on", "pk"))
        with_ncs = set(
            programme.audits.filter(findings__type__in=NC_TYPES)
            .exclude(findings__status=FindingStatus.WITHDRAWN)
            .values_list("pk", flat=True)
        )
        self._offer("repeat_of", [a for a in audits if a.kind in REPEATABLE])
        self._offer("follows_up", [a for a in audits if a.pk in with_ncs])

    def _offer(self, name: str, audits: list[Audit]) -> None:
        field = self.fields[name]
        field.queryset = Audit.objects.filter(pk__in=[a.pk for a in audits])
        field.choices = [("", "—"), *((a.pk, field.label_from_instance(a)) for a in audits)]


class PlanForm(BoundedForm, forms.ModelForm):
    class Meta:
        model = AuditPlan
        fields = ["objectives", "language", "confidentiality", "arrangements"]
        widgets = {
            "objectives": forms.Textarea(attrs={"rows": 4}),
            "confidentiality": forms.Textarea(attrs={"rows": 2}),
            "arrangements": forms.Textarea(attrs={"rows": 3}),
        }


class ClauseChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, clause: Clause) -> str:
        return f"{clause.edition.label} {clause.number} {clause.title}"


class PlanSessionForm(BoundedForm, SubmitOnceForm, forms.ModelForm):
    """One line of the timetable; sites, clauses and auditors offered are the audit's own."""

    clauses = ClauseChoiceField(
        label=_("Clauses"),
        queryset=Clause.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    auditors = forms.ModelMultipleChoiceField(
        label=_("Auditors"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = PlanSession
        fields = ["day", "starts_at", "ends_at", "site", "mode", "activity", "clauses", "auditors"]
        widgets = {"day": DATE, "starts_at": TIME, "ends_at": TIME}

    def __init__(self, *args, audit: Audit, **kwargs):
        super().__init__(*args, **kwargs)
        programme = audit.programme
        self.fields["site"].queryset = programme.sites.all()
        clauses = self.fields["clauses"]
        clauses.queryset = Clause.objects.filter(
            edition__in=programme.editions.all(), assessable=True
        ).select_related("edition__standard")
        clauses.choices = [
            (c.pk, clauses.label_from_instance(c))
            for c in clauses.queryset.order_by("edition__standard__number", "position")
        ]
        filtered(clauses, _("Find clauses"))
        filtered(self.fields["site"], _("Find a site"))
        self.fields["auditors"].queryset = User.objects.filter(
            assignments__audit=audit, assignments__status=AssignmentStatus.ACTIVE
        )
        if not self.is_bound:
            self.initial.setdefault("day", audit.starts_on)

    def clean_clauses(self) -> list[Clause]:
        return list(self.cleaned_data["clauses"])

    def clean_auditors(self) -> list[User]:
        return list(self.cleaned_data["auditors"])


class LifecycleReasonForm(BoundedForm, forms.Form):
    """The reason a lifecycle button needs (cancelling an audit, reopening its fieldwork)."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class AuditStartForm(BoundedForm, forms.Form):
    """Starting the audit cannot be undone: the box says so and must be ticked."""

    confirm = forms.BooleanField(
        required=True,
        error_messages={"required": NOT_CONFIRMED},
    )
    early_start_reason = forms.CharField(
        label=_("Why it starts before its planned first day"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    stage_gap_justification = forms.CharField(
        label=_("Justification of the gap since stage 1"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Only when stage 2 starts later (or sooner) after stage 1 than the certification body allows "
            "(rule 2): why stage 1's conclusions still hold."
        ),
    )


class ReportForm(BoundedForm, forms.ModelForm):
    """The team's conclusions; a stage 1 concludes on readiness, the other audits recommend."""

    class Meta:
        model = AuditReport
        fields = list(REPORT_FIELDS)
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in REPORT_TEXTS} | {
            "summary": forms.Textarea(attrs={"rows": 6})
        }

    def __init__(self, *args, audit: Audit, **kwargs):
        super().__init__(*args, **kwargs)
        drop = "recommendation" if audit.kind == AuditKind.STAGE1 else "stage1_outcome"
        del self.fields[drop]

    def content(self) -> ReportContent:
        return ReportContent(
            **{name: self.cleaned_data[name] for name in REPORT_FIELDS if name in self.fields}
        )
