from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class GapAnalysisStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


class AnswerStatus(models.TextChoices):
    NOT_ASSESSED = "not_assessed", _("Not yet assessed")
    CONFORMING = "conforming", _("Conforming")
    PARTIAL = "partial", _("Partially conforming")
    NONCONFORMING = "nonconforming", _("Not conforming")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


# Points per status in the readiness score; not applicable is left out of the count altogether.
ANSWER_POINTS = {
    AnswerStatus.CONFORMING: Decimal(1),
    AnswerStatus.PARTIAL: Decimal("0.5"),
    AnswerStatus.NONCONFORMING: Decimal(0),
    AnswerStatus.NOT_ASSESSED: Decimal(0),
}


class ActionSource(models.TextChoices):
    """Where the nonconformity or opportunity an action answers came from (DOMAIN §13.3)."""

    GAP_ANALYSIS = "gap_analysis", _("Gap analysis")
    INTERNAL_AUDIT = "internal_audit", _("Internal audit")
    MANAGEMENT_REVIEW = "management_review", _("Management review")
    COMPLAINT = "complaint", _("Complaint")
    INCIDENT = "incident", _("Incident")
    LEGAL = "legal", _("Legal or regulatory requirement")
    OTHER = "other", _("Other")


# Sources a person picks when entering an action by hand; the others are made by their records
MANUAL_SOURCES = (
    ActionSource.COMPLAINT,
    ActionSource.INCIDENT,
    ActionSource.LEGAL,
    ActionSource.OTHER,
)


class ActionKind(models.TextChoices):
    NONCONFORMITY = "nonconformity", _("Nonconformity")
    OPPORTUNITY = "opportunity", _("Opportunity for improvement")


class ActionStatus(models.TextChoices):
    """open → in progress → done → effective; not effective opens a linked new action (rule 42)."""

    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done, awaiting effectiveness review")
    EFFECTIVE = "effective", _("Effective")
    NOT_EFFECTIVE = "not_effective", _("Not effective")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE)
CLOSED_ACTION_STATUSES = (ActionStatus.EFFECTIVE, ActionStatus.NOT_EFFECTIVE, ActionStatus.CANCELLED)


class EffectivenessResult(models.TextChoices):
    EFFECTIVE = "effective", _("Effective")
    NOT_EFFECTIVE = "not_effective", _("Not effective")


class InternalAuditStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    REPORTED = "reported", _("Reported")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# A completed audit counts for the programme's coverage (rule 40)
COMPLETED_AUDIT_STATUSES = (InternalAuditStatus.REPORTED, InternalAuditStatus.CLOSED)


class InternalFindingGrade(models.TextChoices):
    """The grades a CB uses (DOMAIN §2.1, §13.1); the values match the audits app's finding types."""

    MAJOR_NC = "major", _("Major nonconformity")
    MINOR_NC = "minor", _("Minor nonconformity")
    OBSERVATION = "observation", _("Observation")
    OFI = "ofi", _("Opportunity for improvement")
    GOOD_PRACTICE = "positive", _("Good practice")


INTERNAL_NC_GRADES = (InternalFindingGrade.MAJOR_NC, InternalFindingGrade.MINOR_NC)


class ChecklistResult(models.TextChoices):
    NOT_CHECKED = "not_checked", _("Not yet checked")
    CONFORMING = "conforming", _("Conforming")
    FINDING = "finding", _("Finding raised")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


# --- Management review (HS 9.3, DOMAIN §13.2) ---------------------------------------------------


class ReviewStatus(models.TextChoices):
    """planned → held (rule 41: every input addressed) → minutes approved; or cancelled."""

    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    MINUTES_APPROVED = "minutes_approved", _("Minutes approved")
    CANCELLED = "cancelled", _("Cancelled")


# A review that took place (its inputs were all addressed, rule 41)
HELD_REVIEW_STATUSES = (ReviewStatus.HELD, ReviewStatus.MINUTES_APPROVED)


class ReviewOutputKind(models.TextChoices):
    """The decisions HS 9.3.3 asks for (9001 adds resource needs)."""

    IMPROVEMENT = "improvement", _("Continual improvement opportunity")
    CHANGE = "change", _("Change to the management system")
    RESOURCES = "resources", _("Resource needs")


# --- Statement of Applicability (ISO/IEC 27001:2022 6.1.3 d, DOMAIN §13.4) -------------------------


class SoaStatus(models.TextChoices):
    """A draft is edited; an approved version never changes again (a new version instead)."""

    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class Implementation(models.TextChoices):
    IMPLEMENTED = "implemented", _("Implemented")
    PARTLY = "partly", _("Partly implemented")
    NOT_IMPLEMENTED = "not_implemented", _("Not implemented")


# --- Readiness for stage 1 (DOMAIN §13.5) ---------------------------------------------------------


class ReadinessState(models.TextChoices):
    """A line of the task list (the GOV.UK task-list pattern)."""

    DONE = "done", _("Done")
    IN_PROGRESS = "in_progress", _("In progress")
    NOT_STARTED = "not_started", _("Not started")
