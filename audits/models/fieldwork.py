"""An audit's own records (DOMAIN §1.2–1.3, §2, 17021-1 §9.2.3, §9.4): its plan with the
timetable, the findings with the client's responses and evidence, and the report."""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Left
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audits import finding_rules
from audits.enums import (
    NC_TYPES,
    FindingStatus,
    FindingType,
    Recommendation,
    RequirementSource,
    ResponseKind,
    ReviewOutcome,
    SessionMode,
    Stage1Outcome,
)
from audits.models.programme import Audit
from core import bounds
from core.models import StoredFile

TEXT = {"max_length": bounds.TEXT_MAX, "validators": bounds.text_validators(bounds.TEXT_MAX)}
LONG = {"max_length": bounds.LONG_TEXT_MAX, "validators": bounds.text_validators(bounds.LONG_TEXT_MAX)}
LINE = {"max_length": bounds.SHORT_TEXT_MAX, "validators": [bounds.validate_single_line]}


class AuditPlan(models.Model):
    """The audit plan (17021-1 §9.2.3). Scope, criteria, dates, sites and team are the audit's
    and its programme's own, shown in the plan, not copied into it."""

    audit = models.OneToOneField(Audit, on_delete=models.PROTECT, related_name="plan")
    objectives = models.TextField(_("objectives"), **TEXT)
    language = models.CharField(_("language of the audit"), default="English", **LINE)
    confidentiality = models.TextField(
        _("confidentiality"),
        blank=True,
        help_text=_("What the team may not see or copy, and how the client's information is protected."),
        **TEXT,
    )
    arrangements = models.TextField(
        _("arrangements"),
        blank=True,
        help_text=_("Opening and closing meetings, guides, facilities, remote tools."),
        **TEXT,
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent to the client"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged by the client"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("audit plan")
        verbose_name_plural = _("audit plans")

    def __str__(self) -> str:
        return f"{_('Plan')}: {self.audit}"

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class PlanSession(models.Model):
    """One line of the plan's timetable: when, where, what (process, clauses) and who."""

    plan = models.ForeignKey(AuditPlan, on_delete=models.PROTECT, related_name="sessions")
    day = models.DateField(_("day"), validators=[bounds.validate_date])
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    site = models.ForeignKey(
        "organisations.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    mode = models.CharField(_("how"), max_length=20, choices=SessionMode.choices, default=SessionMode.ON_SITE)
    activity = models.CharField(_("process, area or activity"), **LINE)
    clauses = models.ManyToManyField(
        "standards.Clause", blank=True, related_name="+", verbose_name=_("clauses")
    )
    auditors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("auditors")
    )
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        ordering = ["plan", "day", "starts_at", "pk"]
        verbose_name = _("plan session")
        verbose_name_plural = _("plan sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="plan_session_times_order",
                violation_error_message=_("A session ends after it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.starts_at:%H:%M}–{self.ends_at:%H:%M} {self.activity}"


# The client owes an answer: the plan (open or rejected), or for a major the evidence that it was
# done (a minor's implementation is verified at the next audit). The lists filter with this very
# condition and the partial index `finding_client_turn` holds exactly its rows: PostgreSQL uses a
# partial index only for a query whose conditions imply the index's.
CLIENT_TURN = Q(status__in=finding_rules.AWAITING_CLIENT) | Q(
    status=FindingStatus.PLAN_ACCEPTED, type=FindingType.MAJOR_NC
)


class Finding(models.Model):
    """What the team found (DOMAIN §2.2, rules 17–19, 29). Nonconformities carry the client's
    responses and their deadlines; other findings are recorded and need no answer."""

    HISTORY_EVENTS = {
        "status": {
            FindingStatus.OPEN: _("Opened for the client's answer"),
            FindingStatus.RESPONSE_SUBMITTED: _("Answer submitted"),
            FindingStatus.PLAN_ACCEPTED: _("Plan accepted"),
            FindingStatus.PLAN_REJECTED: _("Plan rejected"),
            FindingStatus.IMPLEMENTED: _("Marked implemented"),
            FindingStatus.VERIFIED_CLOSED: _("Verified and closed"),
            FindingStatus.WITHDRAWN: _("Withdrawn by the team"),
        },
    }

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="findings")
    number = models.PositiveSmallIntegerField(_("number"))
    type = models.CharField(_("type"), max_length=20, choices=FindingType.choices)
    status = models.CharField(_("status"), max_length=20, choices=FindingStatus.choices)
    source = models.CharField(
        _("requirement"), max_length=20, choices=RequirementSource.choices, default=RequirementSource.CLAUSE
    )
    clause = models.ForeignKey(
        "standards.Clause", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requirement_reference = models.CharField(
        _("document or legal reference"),
        blank=True,
        help_text=_("The client's document (with its identifier) or the law and article."),
        **LINE,
    )
    editions = models.ManyToManyField(
        "standards.Edition",
        related_name="+",
        verbose_name=_("standards"),
        help_text=_("The audited standards the finding belongs to (integrated audits, rule 29)."),
    )
    site = models.ForeignKey(
        "organisations.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    process = models.CharField(_("process or department"), blank=True, **LINE)
    statement = models.TextField(_("statement"), **TEXT)
    evidence = models.TextField(
        _("objective evidence"),
        blank=True,
        help_text=_("What was seen, where, which record (with its identifier), who was interviewed, when."),
        **LONG,
    )
    client_position = models.TextField(
        _("the client's disagreement"),
        blank=True,
        help_text=_("Recorded when the team and the client do not agree on the finding."),
        **TEXT,
    )
    readiness_pack = models.ForeignKey(
        "improvement.Readiness",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("readiness pack cited"),
        help_text=_("At stage 1: the readiness pack the client shared that the finding cites."),
    )
    response_due_on = models.DateField(_("response due"), null=True, blank=True)
    close_due_on = models.DateField(_("closure due"), null=True, blank=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        # the audit's column, not its own ordering: sorting by the audit's programme and dates would
        # join and sort every finding (the unique index on audit and number serves this one)
        ordering = ["audit_id", "number"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        indexes = [
            models.Index(fields=["status", "response_due_on"], name="finding_status_due"),
            # the client's dashboard and list of nonconformities: a few hundred of 100,000 findings
            models.Index(fields=["audit"], condition=CLIENT_TURN, name="finding_client_turn"),
            # the calendar's closure deadlines: the nonconformities still open (about half of them)
            models.Index(
                fields=["close_due_on"],
                condition=Q(type__in=NC_TYPES) & ~Q(status__in=finding_rules.NO_DEADLINE),
                name="finding_open_closure",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["audit", "number"], name="finding_number_unique"),
            models.CheckConstraint(
                condition=~Q(statement=""),
                name="finding_has_statement",
                violation_error_message=_("State the finding."),
            ),
            models.CheckConstraint(
                condition=~Q(type__in=NC_TYPES) | (~Q(evidence="") & Q(site__isnull=False)),
                name="finding_nc_evidence_and_site",
                violation_error_message=_(
                    "A nonconformity needs its objective evidence and the site where it was found (rule 17)."
                ),
            ),
            models.CheckConstraint(
                condition=(Q(source=RequirementSource.CLAUSE) & Q(clause__isnull=False))
                | (~Q(source=RequirementSource.CLAUSE) & ~Q(requirement_reference=""))
                | (~Q(type__in=NC_TYPES) & Q(clause__isnull=True) & Q(requirement_reference="")),
                name="finding_requirement_given",
                violation_error_message=_(
                    "A nonconformity names its requirement: a clause, or the client's document or the "
                    "legal requirement (rule 17)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_type_display()}"

    @property
    def reference(self) -> str:
        if self.audit_id is None:
            return f"#{self.number}"
        return f"{Audit.reference_of(self.audit_id)}-{self.number:03d}"

    @property
    def name(self) -> str:
        """What every page, list, calendar, queue and e-mail calls it: its number and a short title
        (`name_of`)."""
        return f"{self.reference} {self.title_of(self.statement)}"

    @staticmethod
    def title_of(statement: str) -> str:
        """A short title: the statement's first line, cut at a word within TITLE_CHARS."""
        first = statement.strip().splitlines()[0].strip() if statement.strip() else ""
        if len(first) <= TITLE_CHARS:
            return first
        cut = (
            first[: TITLE_CHARS - 1].rsplit(" ", 1)[0]
            if " " in first[: TITLE_CHARS - 1]
            else first[: TITLE_CHARS - 1]
        )
        return cut.rstrip(" ,;:.") + "…"

    @classmethod
    def name_of(cls, audit_id: int, number: int, statement: str) -> str:
        """The name from plain values (`TITLE_SQL` reads enough of the statement in a query)."""
        return f"{Audit.reference_of(audit_id)}-{number:03d} {cls.title_of(statement)}"

    @property
    def is_nc(self) -> bool:
        return self.type in NC_TYPES

    @property
    def is_major(self) -> bool:
        return self.type == FindingType.MAJOR_NC

    @property
    def tone(self) -> str:
        """The colour its type is shown in (a Bootstrap contextual name)."""
        return TONES.get(self.type, "info")


# A finding's short title is its statement's first line cut within this many characters; a query
# that names findings reads no more of the statement than `TITLE_SQL` (the start of it)
TITLE_CHARS = 60
TITLE_SQL = Left("statement", TITLE_CHARS + 40)

TONES = {
    FindingType.MAJOR_NC: "danger",
    FindingType.MINOR_NC: "warning",
    FindingType.AREA_OF_CONCERN: "warning",
    FindingType.POSITIVE: "success",
}


def finding_file_path(instance: "FindingEvidenceFile", filename: str) -> str:
    """A server-chosen name: the uploader's file name is kept only as data."""
    return f"findings/{instance.finding.audit_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class FindingResponse(models.Model):
    """The client's answer to a nonconformity (DOMAIN §2.3): first the cause, correction and
    corrective action, then the evidence that it was done; each reviewed by the CB (rule 21)."""

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="responses")
    kind = models.CharField(_("kind"), max_length=20, choices=ResponseKind.choices)
    root_cause = models.TextField(_("root cause"), blank=True, **TEXT)
    correction = models.TextField(_("correction"), blank=True, **TEXT)
    corrective_action = models.TextField(_("corrective action"), blank=True, **TEXT)
    implementation = models.TextField(_("what was done"), blank=True, **TEXT)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    outcome = models.CharField(
        _("review"), max_length=20, choices=ReviewOutcome.choices, default=ReviewOutcome.PENDING
    )
    review_comment = models.TextField(_("reviewer's comment"), blank=True, **TEXT)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        ordering = ["finding", "submitted_at", "pk"]
        verbose_name = _("response to a finding")
        verbose_name_plural = _("responses to findings")
        indexes = [
            # the reviewers' queue, oldest first: read in order until a page is full, instead of
            # joining and sorting every pending response
            models.Index(
                fields=["submitted_at", "id"],
                condition=Q(outcome=ReviewOutcome.PENDING),
                name="response_pending_by_time",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=ResponseKind.PLAN)
                | (~Q(root_cause="") & ~Q(correction="") & ~Q(corrective_action="")),
                name="response_plan_complete",
                violation_error_message=_("Give the root cause, the correction and the corrective action."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=ResponseKind.IMPLEMENTATION) | ~Q(implementation=""),
                name="response_implementation_described",
                violation_error_message=_("Describe what was done."),
            ),
            models.CheckConstraint(
                condition=~Q(outcome=ReviewOutcome.REJECTED) | ~Q(review_comment=""),
                name="response_rejection_explained",
                violation_error_message=_("Say why the response is rejected."),
            ),
            models.UniqueConstraint(
                fields=["finding"],
                condition=Q(outcome=ReviewOutcome.PENDING),
                name="response_one_pending",
                violation_error_message=_("A response is already waiting for review."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.finding}: {self.get_kind_display()} ({self.get_outcome_display()})"


class FindingEvidenceFile(StoredFile):
    """A file behind a finding: the team's objective evidence, or the client's with a response.
    Validated and served like gap-analysis evidence; removing it keeps the record."""

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="files")
    response = models.ForeignKey(
        FindingResponse, on_delete=models.PROTECT, null=True, blank=True, related_name="files"
    )
    file = models.FileField(_("file"), upload_to=finding_file_path)

    class Meta(StoredFile.Meta):
        verbose_name = _("finding evidence file")
        verbose_name_plural = _("finding evidence files")


class AuditReport(models.Model):
    """The team's conclusions and recommendation (DOMAIN §2.5). Issuing it locks the findings.
    What the audit and its programme hold (client, criteria, team, sites, dates, findings) is
    read from them when the report is shown or printed, not copied here."""

    audit = models.OneToOneField(Audit, on_delete=models.PROTECT, related_name="report")
    stage1_outcome = models.CharField(
        _("ready for stage 2"), max_length=20, choices=Stage1Outcome.choices, blank=True
    )
    recommendation = models.CharField(
        _("recommendation"), max_length=20, choices=Recommendation.choices, blank=True
    )
    summary = models.TextField(
        _("conformity and effectiveness of the system"),
        blank=True,
        help_text=_("Whether the system can meet its requirements and intended results, with the evidence."),
        **LONG,
    )
    internal_audit_and_review = models.TextField(
        _("internal audit and management review"), blank=True, **TEXT
    )
    scope_appropriate = models.BooleanField(
        _("the certification scope is appropriate"), null=True, blank=True
    )
    objectives_met = models.BooleanField(_("the audit objectives were met"), null=True, blank=True)
    marks_controlled = models.BooleanField(
        _("the client controls its use of certification documents and marks"), null=True, blank=True
    )
    previous_actions_effective = models.TextField(
        _("effectiveness of corrective actions for earlier nonconformities"), blank=True, **TEXT
    )
    deviations_from_plan = models.TextField(
        _("deviations from the audit plan, with reasons"), blank=True, **TEXT
    )
    significant_issues = models.TextField(
        _("significant issues affecting the audit programme"), blank=True, **TEXT
    )
    changes_since_last_audit = models.TextField(
        _("significant changes since the last audit"), blank=True, **TEXT
    )
    unresolved_issues = models.TextField(_("unresolved issues"), blank=True, **TEXT)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("audit report")
        verbose_name_plural = _("audit reports")

    def __str__(self) -> str:
        return f"{_('Report')}: {self.audit}"

    @property
    def is_issued(self) -> bool:
        return self.issued_at is not None

    @property
    def found_ready(self) -> bool:
        return self.stage1_outcome == Stage1Outcome.READY
