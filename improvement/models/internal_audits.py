"""Internal audits (HS 9.2, ISO 19011; DOMAIN §13.1): the organisation's processes, its trained
internal auditors, its audit programmes and the audits, checklists and findings in them."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import bounds
from improvement.enums import ChecklistResult, InternalAuditStatus, InternalFindingGrade


def _line(label, *, blank=False, **kwargs) -> models.CharField:
    return models.CharField(
        label,
        max_length=bounds.SHORT_TEXT_MAX,
        blank=blank,
        validators=[bounds.validate_single_line],
        **kwargs,
    )


def _text(label, *, limit=bounds.TEXT_MAX, **kwargs) -> models.TextField:
    return models.TextField(
        label, blank=True, max_length=limit, validators=bounds.text_validators(limit), **kwargs
    )


class Process(models.Model):
    """One of the organisation's processes: audited by scope, and owned (rule 39)."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="processes"
    )
    name = _line(_("name"))
    description = _text(_("description"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_processes",
        verbose_name=_("owner"),
    )
    sites = models.ManyToManyField(
        "organisations.Site",
        blank=True,
        related_name="+",
        verbose_name=_("sites"),
        help_text=_("Leave empty if it runs everywhere."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = _("process")
        verbose_name_plural = _("processes")
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="process_unique_name")]

    def __str__(self) -> str:
        return self.name


class AuditorTraining(models.Model):
    """A member's internal-auditor training for a standard (DOMAIN §13.1: competent auditors)."""

    membership = models.ForeignKey(
        "organisations.OrganisationMembership", on_delete=models.PROTECT, related_name="auditor_trainings"
    )
    standard = models.ForeignKey("standards.Standard", on_delete=models.PROTECT, related_name="+")
    course = _line(_("course"))
    completed_on = models.DateField(_("completed on"), validators=[bounds.validate_date])
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        ordering = ["membership", "-completed_on"]
        verbose_name = _("internal-auditor training")
        verbose_name_plural = _("internal-auditor trainings")

    def __str__(self) -> str:
        return f"{self.course} ({self.completed_on:%Y-%m-%d})"


def a_year_after(day: datetime.date) -> datetime.date:
    """The default programme period: twelve months (DOMAIN §13.1)."""
    try:
        return day.replace(year=day.year + 1) - datetime.timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


class InternalAuditProgramme(models.Model):
    """The audits of one period for one or several editions (integrated: HS clauses count once)."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="internal_audit_programmes"
    )
    title = _line(_("title"))
    editions = models.ManyToManyField("standards.Edition", related_name="+", verbose_name=_("editions"))
    starts_on = models.DateField(_("from"), validators=[bounds.validate_date])
    ends_on = models.DateField(_("to"), validators=[bounds.validate_date])
    objectives = _text(_("objectives and methods"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "-starts_on", "-pk"]
        verbose_name = _("internal audit programme")
        verbose_name_plural = _("internal audit programmes")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="internal_programme_period_order"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("improvement:internal_programme_detail", args=[self.pk])


class InternalAudit(models.Model):
    programme = models.ForeignKey(InternalAuditProgramme, on_delete=models.PROTECT, related_name="audits")
    number = models.PositiveIntegerField(_("number"), help_text=_("Counted per programme: IA-1, IA-2, …"))
    title = _line(_("title"))
    criteria = _text(
        _("criteria"), help_text=_("The requirements audited against: standards, procedures, law.")
    )
    processes = models.ManyToManyField(
        Process, blank=True, related_name="internal_audits", verbose_name=_("processes")
    )
    sites = models.ManyToManyField(
        "organisations.Site", blank=True, related_name="+", verbose_name=_("sites")
    )
    clauses = models.ManyToManyField(
        "standards.Clause", blank=True, related_name="+", verbose_name=_("clauses")
    )
    starts_on = models.DateField(_("first day"), validators=[bounds.validate_date])
    ends_on = models.DateField(_("last day"), validators=[bounds.validate_date])
    status = models.CharField(
        _("status"), max_length=20, choices=InternalAuditStatus.choices, default=InternalAuditStatus.PLANNED
    )
    conclusions = _text(_("conclusions"), limit=bounds.LONG_TEXT_MAX)
    distribution = _text(
        _("distribution"), help_text=_("The managers the report goes to, by name and function.")
    )
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["programme", "starts_on", "number"]
        verbose_name = _("internal audit")
        verbose_name_plural = _("internal audits")
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="internal_audit_unique_number"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="internal_audit_days_order"
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_on"], name="internal_audit_status_start")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("improvement:internal_audit_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"IA-{self.number}"


class InternalAuditor(models.Model):
    """An auditor of an internal audit: a member of the organisation, or an external person by name.
    Rule 39: nobody audits a process or site they are responsible for, unless justified."""

    audit = models.ForeignKey(InternalAudit, on_delete=models.PROTECT, related_name="auditors")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="internal_audits",
    )
    external_name = _line(_("name (external auditor)"), blank=True)
    external_organisation = _line(_("organisation (external auditor)"), blank=True)
    is_lead = models.BooleanField(_("lead auditor"), default=False)
    independence_justification = _text(
        _("why they may audit their own area"),
        help_text=_("Rule 39: required when they own a process or manage a site in the audit's scope."),
    )
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        ordering = ["audit", "-is_lead", "pk"]
        verbose_name = _("internal auditor")
        verbose_name_plural = _("internal auditors")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(external_name=""), name="internal_auditor_named"
            ),
            models.UniqueConstraint(
                fields=["audit", "user"],
                condition=Q(user__isnull=False, removed_at__isnull=True),
                name="internal_auditor_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if self.user_id:
            return self.user.get_full_name() or self.user.email
        return (
            f"{self.external_name} ({self.external_organisation})"
            if self.external_organisation
            else self.external_name
        )


class ChecklistItem(models.Model):
    """One clause in the audit's scope, as the auditor works through it."""

    audit = models.ForeignKey(InternalAudit, on_delete=models.PROTECT, related_name="checklist")
    clause = models.ForeignKey("standards.Clause", on_delete=models.PROTECT, related_name="+")
    result = models.CharField(
        _("result"), max_length=20, choices=ChecklistResult.choices, default=ChecklistResult.NOT_CHECKED
    )
    notes = _text(_("evidence seen"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["audit", "clause__edition", "clause__position"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [models.UniqueConstraint(fields=["audit", "clause"], name="checklist_unique_clause")]

    def __str__(self) -> str:
        return f"{self.audit}: {self.clause.number}"


class InternalFinding(models.Model):
    """A finding of an internal audit, bound to a clause of the programme's editions; a
    nonconformity opens an action in the register (`Action.internal_finding`)."""

    audit = models.ForeignKey(InternalAudit, on_delete=models.PROTECT, related_name="findings")
    number = models.PositiveIntegerField(_("number"))
    grade = models.CharField(_("grade"), max_length=20, choices=InternalFindingGrade.choices)
    clause = models.ForeignKey(
        "standards.Clause", on_delete=models.PROTECT, related_name="+", verbose_name=_("clause")
    )
    process = models.ForeignKey(
        Process, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("process")
    )
    site = models.ForeignKey(
        "organisations.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
    )
    title = _line(_("title"))
    statement = _text(_("statement"), help_text=_("What was found, against which requirement."))
    evidence = _text(_("objective evidence"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_reason = _text(_("why withdrawn"))

    class Meta:
        ordering = ["audit", "number"]
        verbose_name = _("internal audit finding")
        verbose_name_plural = _("internal audit findings")
        constraints = [
            models.UniqueConstraint(fields=["audit", "number"], name="internal_finding_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"{self.audit.reference}-F{self.number}"

    @property
    def is_nonconformity(self) -> bool:
        return self.grade in (InternalFindingGrade.MAJOR_NC, InternalFindingGrade.MINOR_NC)
