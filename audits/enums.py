from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("Being planned")
    APPROVED = "approved", _("Approved")


class AuditKind(models.TextChoices):
    STAGE1 = "stage1", _("Stage 1")
    STAGE2 = "stage2", _("Stage 2")
    SURVEILLANCE_1 = "surveillance1", _("Surveillance 1")
    SURVEILLANCE_2 = "surveillance2", _("Surveillance 2")
    RECERTIFICATION = "recertification", _("Recertification")
    SPECIAL_SCOPE_EXTENSION = "scope_extension", _("Special: extension to scope")
    SPECIAL_SHORT_NOTICE = "short_notice", _("Special: short notice")
    FOLLOW_UP = "follow_up", _("Follow-up: verification of corrections")
    TRANSFER_REVIEW = "transfer_review", _("Transfer review")
    TRANSITION = "transition", _("Transition to a new edition")


# The audits a programme plans for its cycle, one of each unless one is repeated (DOMAIN §1.2)
CYCLE_KINDS = (
    AuditKind.STAGE1,
    AuditKind.STAGE2,
    AuditKind.SURVEILLANCE_1,
    AuditKind.SURVEILLANCE_2,
    AuditKind.RECERTIFICATION,
)
# Audits added to a programme as the cycle needs them (DOMAIN §1.9, §1.11, rule 31)
EXTRA_KINDS = (
    AuditKind.SPECIAL_SCOPE_EXTENSION,
    AuditKind.SPECIAL_SHORT_NOTICE,
    AuditKind.FOLLOW_UP,
    AuditKind.TRANSFER_REVIEW,
    AuditKind.TRANSITION,
)

SURVEILLANCES = (AuditKind.SURVEILLANCE_1, AuditKind.SURVEILLANCE_2)
# Audits whose report a certification decision waits for (initial, recertification, extension of
# scope, transition to a new edition): the work queue lists those not yet decided
DECIDING_KINDS = (
    AuditKind.STAGE2,
    AuditKind.RECERTIFICATION,
    AuditKind.SPECIAL_SCOPE_EXTENSION,
    AuditKind.TRANSITION,
)
# Audits that look at the whole system and need an edition open to initial audits (rule 31)
INITIAL_KINDS = (AuditKind.STAGE1, AuditKind.STAGE2, AuditKind.RECERTIFICATION)
# HS clauses every surveillance looks at (DOMAIN §1.6): internal audit, management review, corrective action
MANDATORY_SURVEILLANCE_KEYS = ("HS-9.2", "HS-9.3", "HS-10.2")


class AuditStatus(models.TextChoices):
    """DOMAIN §10; cancelled keeps an audit that will not take place (nothing is deleted)."""

    PLANNED = "planned", _("Planned")
    TEAM_ASSIGNED = "team_assigned", _("Team confirmed")
    PLAN_SENT = "plan_sent", _("Plan sent to the client")
    IN_PROGRESS = "in_progress", _("In progress")
    FIELDWORK_DONE = "fieldwork_done", _("Fieldwork done")
    REPORT_ISSUED = "report_issued", _("Report issued")
    NCS_PENDING = "ncs_pending", _("Nonconformities pending")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# Statuses in which the audit's report has been issued (rule 1 reads "at least REPORT_ISSUED")
REPORTED_STATUSES = (AuditStatus.REPORT_ISSUED, AuditStatus.NCS_PENDING, AuditStatus.CLOSED)
# Before fieldwork: dates, time, sites and team may still change
PLANNING_STATUSES = (AuditStatus.PLANNED, AuditStatus.TEAM_ASSIGNED, AuditStatus.PLAN_SENT)
# Findings are logged and edited by the team in these; issuing the report locks them
FIELDWORK_STATUSES = (AuditStatus.IN_PROGRESS, AuditStatus.FIELDWORK_DONE)


class Stage1Outcome(models.TextChoices):
    READY = "ready", _("Ready for stage 2")
    NOT_READY = "not_ready", _("Not ready for stage 2")


class Recommendation(models.TextChoices):
    CERTIFY = "certify", _("Certify")
    AFTER_CORRECTIONS = "after_corrections", _("Certify after verification of corrections")
    DO_NOT_CERTIFY = "do_not_certify", _("Do not certify")
    CONTINUE = "continue", _("Continue certification")


class FindingType(models.TextChoices):
    MAJOR_NC = "major", _("Major nonconformity")
    MINOR_NC = "minor", _("Minor nonconformity")
    OBSERVATION = "observation", _("Observation")
    OFI = "ofi", _("Opportunity for improvement")
    AREA_OF_CONCERN = "concern", _("Area of concern (stage 1)")
    POSITIVE = "positive", _("Positive finding")


NC_TYPES = (FindingType.MAJOR_NC, FindingType.MINOR_NC)


class FindingStatus(models.TextChoices):
    """DOMAIN §2.3 for nonconformities; other findings are recorded and need no answer (rule 19)."""

    RECORDED = "recorded", _("Recorded")
    OPEN = "open", _("Awaiting the client's response")
    RESPONSE_SUBMITTED = "response_submitted", _("Response submitted")
    PLAN_ACCEPTED = "plan_accepted", _("Plan accepted")
    PLAN_REJECTED = "plan_rejected", _("Plan rejected")
    IMPLEMENTED = "implemented", _("Implemented, to verify")
    VERIFIED_CLOSED = "verified_closed", _("Verified and closed")
    WITHDRAWN = "withdrawn", _("Withdrawn by the team")


class RequirementSource(models.TextChoices):
    CLAUSE = "clause", _("A clause of the audited standard")
    CLIENT_DOCUMENT = "client_document", _("The client's own documented requirement")
    LEGAL = "legal", _("A legal or contractual requirement")


class ResponseKind(models.TextChoices):
    PLAN = "plan", _("Cause, correction and corrective action")
    IMPLEMENTATION = "implementation", _("Evidence of implementation")


class ReviewOutcome(models.TextChoices):
    PENDING = "pending", _("To review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class SessionMode(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    REMOTE = "remote", _("Remote")


class TeamRole(models.TextChoices):
    LEAD = "lead", _("Lead auditor")
    AUDITOR = "auditor", _("Auditor")
    TECHNICAL_EXPERT = "technical_expert", _("Technical expert")
    OBSERVER = "observer", _("Observer")


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active", _("On the team")
    OBJECTED = "objected", _("Objected to by the client")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Declaration(models.TextChoices):
    PENDING = "pending", _("Not yet declared")
    NO_CONFLICT = "no_conflict", _("No conflict of interest")
    CONFLICT = "conflict", _("Conflict of interest declared")


class SiteSelection(models.TextChoices):
    CENTRAL_FUNCTION = "central_function", _("Central function (every audit)")
    RISK = "risk", _("Chosen on risk")
    RANDOM = "random", _("Drawn at random")
    ALL_SITES = "all_sites", _("Every site (sampling not appropriate)")
