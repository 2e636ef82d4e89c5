"""The CB's planning side (DOMAIN.md §1.1, §3–§5, §9): programmes, planned audits, teams."""

from dataclasses import dataclass, fields
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audits import audit_rules
from audits.enums import (
    CYCLE_KINDS,
    DECIDING_KINDS,
    FIELDWORK_STATUSES,
    PLANNING_STATUSES,
    REPORTED_STATUSES,
    AssignmentStatus,
    AuditKind,
    AuditStatus,
    Declaration,
    ProgrammeStatus,
    SiteSelection,
    TeamRole,
)
from core import bounds

DAYS = {"max_digits": 5, "decimal_places": 1}
TEXT = {"max_length": bounds.TEXT_MAX, "validators": bounds.text_validators(bounds.TEXT_MAX)}
LINE = [bounds.validate_single_line]


@dataclass(frozen=True)
class ProgrammeScope:
    """What the application review records about the scope: the inputs of the audit time and of
    the multi-site sample. The form builds it, the services take it, the programme stores it."""

    scope: str
    headcount: int
    effective_personnel: int
    personnel_justification: str = ""
    is_integrated: bool = False
    integration_reduction_percent: Decimal = Decimal(0)
    integration_reason: str = ""
    sampling_appropriate: bool = True
    site_reduction_percent: Decimal = Decimal(0)
    site_reduction_reason: str = ""


SCOPE_FIELDS = tuple(field.name for field in fields(ProgrammeScope))


class AuditProgramme(models.Model):
    """One client's certification cycle with one CB: what is certified, where, and the audits.

    Several editions make a combined programme; `is_integrated` says the client runs one
    integrated system, which allows the IAF MD 11 reduction of the summed audit time.
    """

    HISTORY_EVENTS = {
        "status": {
            ProgrammeStatus.APPROVED: _("Programme approved"),
            ProgrammeStatus.DRAFT: _("Programme reopened for planning"),
        },
    }

    certification_body = models.ForeignKey(
        "organisations.CertificationBody", on_delete=models.PROTECT, related_name="programmes"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="programmes"
    )
    editions = models.ManyToManyField(
        "standards.Edition", through="ProgrammeEdition", related_name="+", verbose_name=_("editions")
    )
    scope = models.TextField(
        _("scope"), help_text=_("The scope statement as the certificate would print it."), **TEXT
    )
    sites = models.ManyToManyField("organisations.Site", related_name="+", verbose_name=_("sites in scope"))
    iaf_codes = models.ManyToManyField("organisations.IAFCode", related_name="+", verbose_name=_("IAF codes"))
    headcount = models.PositiveIntegerField(
        _("people in scope"),
        validators=[MinValueValidator(1), MaxValueValidator(bounds.HEADCOUNT_MAX)],
        help_text=_(
            "Everyone working within the scope, on every shift, contractors and part-timers included."
        ),
    )
    effective_personnel = models.PositiveIntegerField(
        _("effective personnel"),
        validators=[MinValueValidator(1), MaxValueValidator(bounds.HEADCOUNT_MAX)],
        help_text=_("The number the audit-time table is read with."),
    )
    personnel_justification = models.TextField(
        _("justification of the reduced personnel"),
        blank=True,
        help_text=_("Part-timers as full-time equivalents, repetitive work: needed below the headcount."),
        **TEXT,
    )
    is_integrated = models.BooleanField(_("integrated management system"), default=False)
    integration_reduction_percent = models.DecimalField(
        _("reduction for integration (%)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(20))],
    )
    integration_reason = models.TextField(_("level of integration"), blank=True, **TEXT)
    sampling_appropriate = models.BooleanField(
        _("multi-site sampling appropriate"),
        default=True,
        help_text=_("Untick where IAF MD 1 §6.2 rules sampling out: every site is then audited."),
    )
    site_reduction_percent = models.DecimalField(
        _("further reduction per sampled site (%)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(50))],
        help_text=_("E.g. for processes run centrally; with the MD 5 reductions at most 50% per site."),
    )
    site_reduction_reason = models.TextField(_("reason for the per-site reduction"), blank=True, **TEXT)
    status = models.CharField(
        _("status"), max_length=20, choices=ProgrammeStatus.choices, default=ProgrammeStatus.DRAFT
    )
    cycle_started_on = models.DateField(
        _("certification decision"),
        null=True,
        blank=True,
        help_text=_("The decision that started the cycle; surveillance is due from it."),
        validators=[bounds.validate_date],
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_cycles",
        verbose_name=_("previous cycle"),
        help_text=_("The programme whose recertification decision opened this one."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("opened"), default=timezone.now)
    # A headcount change the client notified (rule 38): the audit time is to be reviewed until the
    # planner says it was (`programme_headcount_reviewed`)
    headcount_change_from = models.PositiveIntegerField(
        _("notified headcount: from"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(bounds.HEADCOUNT_MAX)],
    )
    headcount_change_to = models.PositiveIntegerField(
        _("notified headcount: to"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(bounds.HEADCOUNT_MAX)],
    )
    headcount_change_on = models.DateField(
        _("notified headcount: effective from"), null=True, blank=True, validators=[bounds.validate_date]
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("audit programme")
        verbose_name_plural = _("audit programmes")
        indexes = [
            models.Index(fields=["certification_body", "-created_at"], name="programme_cb_created"),
            # a client's programmes with one CB: the calendar reads a certificate's audits by them
            models.Index(fields=["organisation", "certification_body"], name="programme_org_cb"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_personnel__lte=F("headcount")),
                name="programme_personnel_within_headcount",
                violation_error_message=_("The effective personnel cannot exceed the people in scope."),
            ),
            models.CheckConstraint(
                condition=Q(effective_personnel__gte=F("headcount")) | ~Q(personnel_justification=""),
                name="programme_personnel_reduction_justified",
                violation_error_message=_("Justify an effective personnel below the people in scope."),
            ),
            models.CheckConstraint(
                condition=Q(integration_reduction_percent=0)
                | (Q(is_integrated=True) & ~Q(integration_reason="")),
                name="programme_integration_reduction_justified",
                violation_error_message=_(
                    "Only an integrated system, described, may be reduced for integration."
                ),
            ),
            models.CheckConstraint(
                condition=Q(site_reduction_percent=0) | ~Q(site_reduction_reason=""),
                name="programme_site_reduction_justified",
                violation_error_message=_("Give the reason for the per-site reduction."),
            ),
            models.CheckConstraint(
                condition=Q(
                    headcount_change_from__isnull=True,
                    headcount_change_to__isnull=True,
                    headcount_change_on__isnull=True,
                )
                | Q(
                    headcount_change_from__isnull=False,
                    headcount_change_to__isnull=False,
                    headcount_change_on__isnull=False,
                ),
                name="programme_headcount_change_complete",
                violation_error_message=_("A notified headcount change has its two numbers and its date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.organisation}"

    def get_absolute_url(self) -> str:
        return reverse("audits:programme_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return self.reference_of(self.pk)

    @staticmethod
    def reference_of(pk: int) -> str:
        """A programme's reference from its id alone (the work queue prints it without reading it)."""
        return f"P-{pk:05d}"

    @property
    def is_approved(self) -> bool:
        return self.status == ProgrammeStatus.APPROVED

    @property
    def headcount_changed(self) -> bool:
        """A notified headcount change waits for the planner to review the audit time."""
        return self.headcount_change_on is not None


class ProgrammeEdition(models.Model):
    """One edition of a programme with the inputs of its own audit time (IAF MD 5 / 27006-1)."""

    programme = models.ForeignKey(AuditProgramme, on_delete=models.PROTECT, related_name="programme_editions")
    edition = models.ForeignKey("standards.Edition", on_delete=models.PROTECT, related_name="+")
    complexity = models.CharField(
        _("complexity category"),
        max_length=20,
        default="all",
        help_text=_("The column of the table."),
        validators=LINE,
    )
    override_days = models.DecimalField(
        _("initial time entered by hand (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(bounds.AUDIT_DAYS_MAX)],
        help_text=_("Beyond the table (more than 10 700 people) or where no table applies."),
        **DAYS,
    )
    override_justification = models.TextField(_("justification of the time entered"), blank=True, **TEXT)

    class Meta:
        ordering = ["programme", "edition__standard__number"]
        verbose_name = _("programme edition")
        verbose_name_plural = _("programme editions")
        constraints = [
            models.UniqueConstraint(fields=["programme", "edition"], name="programme_edition_unique"),
            models.CheckConstraint(
                condition=Q(override_days__isnull=True) | ~Q(override_justification=""),
                name="programme_edition_override_justified",
                violation_error_message=_("A time entered by hand needs its justification."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.reference}: {self.edition}"


class TimeAdjustment(models.Model):
    """A factor that raises or lowers the table value, with its reason (IAF MD 5)."""

    programme_edition = models.ForeignKey(
        ProgrammeEdition, on_delete=models.CASCADE, related_name="adjustments"
    )
    reason = models.CharField(_("reason"), max_length=200, validators=LINE)
    percent = models.DecimalField(
        _("change (%)"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(-30)), MaxValueValidator(Decimal(100))],
        help_text=_("Negative reduces, positive increases."),
    )

    class Meta:
        ordering = ["programme_edition", "pk"]
        verbose_name = _("audit-time adjustment")
        verbose_name_plural = _("audit-time adjustments")

    def __str__(self) -> str:
        return f"{self.percent:+}% {self.reason}"


class Audit(models.Model):
    """A planned audit of the cycle: when, how long, which sites and clauses, and who."""

    # what each change of its history reads as (core.transitions.readable)
    HISTORY_EVENTS = {
        "status": {
            AuditStatus.PLANNED: _("Set back to planning"),
            AuditStatus.TEAM_ASSIGNED: _("Team confirmed"),
            (AuditStatus.PLAN_SENT, AuditStatus.TEAM_ASSIGNED): _("Plan recalled"),
            AuditStatus.PLAN_SENT: _("Plan sent"),
            AuditStatus.IN_PROGRESS: _("Audit started"),
            (AuditStatus.FIELDWORK_DONE, AuditStatus.IN_PROGRESS): _("Fieldwork reopened"),
            AuditStatus.FIELDWORK_DONE: _("Fieldwork done"),
            AuditStatus.REPORT_ISSUED: _("Report issued"),
            AuditStatus.NCS_PENDING: _("Waiting for its nonconformities to be closed"),
            AuditStatus.CLOSED: _("Audit closed"),
            AuditStatus.CANCELLED: _("Audit cancelled"),
        },
        "team_notified_on": {"*": _("Team notified to the client")},
    }

    programme = models.ForeignKey(AuditProgramme, on_delete=models.PROTECT, related_name="audits")
    kind = models.CharField(_("kind"), max_length=20, choices=AuditKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=AuditStatus.choices, default=AuditStatus.PLANNED
    )
    starts_on = models.DateField(_("first day"), validators=[bounds.validate_date])
    ends_on = models.DateField(_("last day"), validators=[bounds.validate_date])
    planned_days = models.DecimalField(
        _("planned time (days)"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(bounds.AUDIT_DAYS_MAX)],
        **DAYS,
    )
    on_site_days = models.DecimalField(
        _("of which on site (days)"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(bounds.AUDIT_DAYS_MAX)],
        **DAYS,
    )
    days_justification = models.TextField(
        _("justification of the planned time"),
        blank=True,
        help_text=_(
            "Needed when it differs from the suggestion. Without one, the planned time follows the "
            "suggestion when the programme's audit time is recalculated."
        ),
        **TEXT,
    )
    short_notice = models.BooleanField(
        _("short-notice audit"), default=False, help_text=_("Exempt from the team notice period.")
    )
    team_notified_on = models.DateField(
        _("team notified to the client on"), null=True, blank=True, validators=[bounds.validate_date]
    )
    sample_seed = models.BigIntegerField(_("seed of the random draw"), null=True, blank=True)
    sampled_at = models.DateTimeField(_("sites drawn at"), null=True, blank=True)
    sampled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    clauses = models.ManyToManyField(
        "standards.Clause", blank=True, related_name="+", verbose_name=_("clauses")
    )
    repeat_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repeats",
        verbose_name=_("repeats"),
        help_text=_("A stage 1 or stage 2 done again (DOMAIN §1.2, rule 5)."),
    )
    follows_up = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("verifies the corrections of"),
    )
    purpose = models.TextField(
        _("why this audit"),
        blank=True,
        help_text=_("For a special, follow-up, transfer or transition audit, or a repeated stage."),
        **TEXT,
    )
    stage_gap_justification = models.TextField(
        _("justification of the gap since stage 1"),
        blank=True,
        help_text=_("Needed when stage 2 starts later after stage 1 than the CB allows (rule 2)."),
        **TEXT,
    )

    class Meta:
        ordering = ["programme", "starts_on", "pk"]
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "kind"],
                condition=Q(kind__in=CYCLE_KINDS, repeat_of__isnull=True),
                name="audit_one_per_cycle_kind",
                violation_error_message=_("The programme already plans this audit; repeat it instead."),
            ),
            models.CheckConstraint(
                condition=Q(repeat_of__isnull=True) | Q(kind__in=(AuditKind.STAGE1, AuditKind.STAGE2)),
                name="audit_only_stages_repeat",
                violation_error_message=_("Only stage 1 and stage 2 are repeated."),
            ),
            models.CheckConstraint(
                condition=Q(follows_up__isnull=True) | Q(kind=AuditKind.FOLLOW_UP),
                name="audit_follow_up_kind",
                violation_error_message=_("Only a follow-up audit verifies another audit's corrections."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="audit_dates_order",
                violation_error_message=_("An audit cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(on_site_days__lte=F("planned_days")),
                name="audit_on_site_within_planned",
                violation_error_message=_("The time on site cannot exceed the planned time."),
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "kind"], name="audit_programme_kind"),
            # the calendar reads audits by their first day; the dashboards and the calendar's
            # overdue and team-notice items read those still being planned by it
            models.Index(fields=["starts_on"], name="audit_starts_on"),
            models.Index(
                fields=["starts_on"],
                condition=Q(status__in=PLANNING_STATUSES),
                name="audit_planning_starts_on",
            ),
            # the lead auditors' reports to finish: the few audits in fieldwork among thousands
            models.Index(
                fields=["starts_on"],
                condition=Q(status__in=FIELDWORK_STATUSES),
                name="audit_fieldwork_starts_on",
            ),
            # the work queue's decisions to take: the reported audits a decision waits for
            models.Index(
                fields=["programme"],
                condition=Q(kind__in=DECIDING_KINDS, status__in=REPORTED_STATUSES),
                name="audit_reported_deciding",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.programme}"

    def get_absolute_url(self) -> str:
        return reverse("audits:audit_detail", args=[self.pk])

    def clean(self) -> None:
        refusal = self.starts_on and self.ends_on and audit_rules.span_refusal(self.starts_on, self.ends_on)
        if refusal:
            raise ValidationError({"ends_on": refusal})

    @property
    def is_team_confirmed(self) -> bool:
        return self.status == AuditStatus.TEAM_ASSIGNED

    @property
    def is_being_staffed(self) -> bool:
        return self.status == AuditStatus.PLANNED

    @property
    def is_reported(self) -> bool:
        return self.status in REPORTED_STATUSES

    @property
    def is_cancelled(self) -> bool:
        return self.status == AuditStatus.CANCELLED

    @property
    def reference(self) -> str:
        return self.reference_of(self.pk)

    @staticmethod
    def reference_of(pk: int) -> str:
        """An audit's reference from its id alone (its findings print it without reading it)."""
        return f"A-{pk:05d}"


class AuditSite(models.Model):
    """A site an audit visits, and why it was chosen (the recorded multi-site sample)."""

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="audit_sites")
    site = models.ForeignKey("organisations.Site", on_delete=models.PROTECT, related_name="+")
    selection = models.CharField(_("chosen as"), max_length=20, choices=SiteSelection.choices)

    class Meta:
        ordering = ["audit", "site__name"]
        verbose_name = _("audited site")
        verbose_name_plural = _("audited sites")
        constraints = [models.UniqueConstraint(fields=["audit", "site"], name="audit_site_unique")]

    def __str__(self) -> str:
        return f"{self.site.name} ({self.get_selection_display()})"


class TeamAssignment(models.Model):
    """A person on an audit team, with the declaration and the client's say (rules 22, 23, 25)."""

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(_("role"), max_length=20, choices=TeamRole.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=AssignmentStatus.choices, default=AssignmentStatus.ACTIVE
    )
    declaration = models.CharField(
        _("conflict of interest"), max_length=20, choices=Declaration.choices, default=Declaration.PENDING
    )
    declaration_note = models.TextField(_("declaration"), blank=True, **TEXT)
    declared_at = models.DateTimeField(_("declared at"), null=True, blank=True)
    objection = models.TextField(_("client's objection"), blank=True, **TEXT)
    objected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    objected_at = models.DateTimeField(_("objected at"), null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)

    class Meta:
        ordering = ["audit", "role", "user__full_name"]
        verbose_name = _("team assignment")
        verbose_name_plural = _("team assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "user"],
                condition=Q(status=AssignmentStatus.ACTIVE),
                name="assignment_once_per_audit",
                violation_error_message=_("This person is already on the team."),
            ),
            models.UniqueConstraint(
                fields=["audit"],
                condition=Q(status=AssignmentStatus.ACTIVE, role=TeamRole.LEAD),
                name="assignment_one_lead",
                violation_error_message=_("The team already has a lead auditor."),
            ),
            models.CheckConstraint(
                condition=~Q(status=AssignmentStatus.OBJECTED) | ~Q(objection=""),
                name="assignment_objection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.audit}"

    @property
    def is_active(self) -> bool:
        return self.status == AssignmentStatus.ACTIVE

    @property
    def is_declared(self) -> bool:
        return self.declaration != Declaration.PENDING


class ConsultancyRecord(models.Model):
    """Someone gave the client management-system consultancy: they may not audit it for 2 years."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="consultancy_records"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultancy_records"
    )
    description = models.CharField(_("what was done"), max_length=300, validators=LINE)
    started_on = models.DateField(_("from"), validators=[bounds.validate_date])
    ended_on = models.DateField(
        _("until"), help_text=_("The last day of the consultancy."), validators=[bounds.validate_date]
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["organisation", "-ended_on"]
        verbose_name = _("consultancy record")
        verbose_name_plural = _("consultancy records")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__gte=F("started_on")),
                name="consultancy_dates_order",
                violation_error_message=_("Consultancy cannot end before it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.organisation} until {self.ended_on}"
