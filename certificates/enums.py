from django.db import models
from django.utils.translation import gettext_lazy as _


class DecisionKind(models.TextChoices):
    """What a certification decision decides (DOMAIN §1.4–1.11)."""

    INITIAL = "initial", _("Initial certification")
    RECERTIFICATION = "recertification", _("Recertification")
    SCOPE_EXTENSION = "scope_extension", _("Extension of scope")
    SCOPE_REDUCTION = "scope_reduction", _("Reduction of scope")
    RESTORATION = "restoration", _("Restoration after expiry")
    TRANSFER = "transfer", _("Transfer from another certification body")
    TRANSITION = "transition", _("Transition to a new edition")


class DecisionOutcome(models.TextChoices):
    GRANT = "grant", _("Grant")
    REFUSE = "refuse", _("Refuse")


class CertificateStatus(models.TextChoices):
    """DOMAIN §6.2. A superseded revision is a revision's status, not the certificate's."""

    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class RevisionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft, not issued")
    CURRENT = "current", _("Current")
    SUPERSEDED = "superseded", _("Superseded")
    VOID = "void", _("Never issued")


class SuspensionReason(models.TextChoices):
    """Rule 14's list."""

    FAILURE = "failure", _("Persistent or serious failure to meet requirements")
    AUDITS_REFUSED = "audits_refused", _("Surveillance or recertification not allowed")
    CLIENT_REQUEST = "client_request", _("At the client's request")
    OTHER = "other", _("Other")


class TransferReviewOutcome(models.TextChoices):
    ACCEPT = "accept", _("Transfer can be accepted")
    REJECT = "reject", _("Transfer cannot be accepted")


class IncomingStatus(models.TextChoices):
    """The status of the certificate a client brings from another CB (IAF MD 2)."""

    VALID = "valid", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


# A certificate that the public reads as valid; every other status is NOT VALID (rule 14, 33)
VALID_STATUSES = (CertificateStatus.ACTIVE,)
# Statuses no decision brings back (rule 15)
TERMINAL_STATUSES = (CertificateStatus.WITHDRAWN, CertificateStatus.CANCELLED)
# Decisions that need the audits feeding them reported and their NCs settled (rule 4)
AUDITED_KINDS = (
    DecisionKind.INITIAL,
    DecisionKind.RECERTIFICATION,
    DecisionKind.SCOPE_EXTENSION,
    DecisionKind.RESTORATION,
    DecisionKind.TRANSITION,
)
# Decisions that make a new revision of an existing certificate
REVISING_KINDS = (
    DecisionKind.RECERTIFICATION,
    DecisionKind.SCOPE_EXTENSION,
    DecisionKind.SCOPE_REDUCTION,
    DecisionKind.RESTORATION,
    DecisionKind.TRANSITION,
)
# Decisions that open a certificate of their own
OPENING_KINDS = (DecisionKind.INITIAL, DecisionKind.TRANSFER)


# --- The calendar, the work queue and reminders (DOMAIN §1.6–1.8, §9.2) --------------------------


class DueKind(models.TextChoices):
    """What falls due on a day of the calendar (certificates.due_rules derives each)."""

    SURVEILLANCE_1 = "surveillance1", _("First surveillance due")
    CALENDAR_YEAR = "calendar_year", _("No audit planned this calendar year")
    SURVEILLANCE_2 = "surveillance2", _("Surveillance 2 due")
    RECERTIFICATION = "recertification", _("Recertification decided before expiry")
    EXPIRY = "expiry", _("Certificate expires")
    SUSPENSION_DEADLINE = "suspension_deadline", _("Suspension resolution deadline")
    NC_RESPONSE = "nc_response", _("Nonconformity: response due")
    NC_CLOSURE = "nc_closure", _("Nonconformity: closure due")
    AUDIT = "audit", _("Audit")
    TEAM_NOTICE = "team_notice", _("Team to be notified to the client")
    TRANSITION_END = "transition_end", _("Edition transition ends")
    # The organisation's own management system (DOMAIN §13; improvement.selectors.due)
    ACTION_DUE = "action_due", _("Action due")
    INTERNAL_AUDIT = "internal_audit", _("Internal audit")
    MANAGEMENT_REVIEW = "management_review", _("Management review")


class StepKind(models.TextChoices):
    """A next step of the certification cycle waiting for a CB's staff (certificates.selectors.steps
    derives each, `CycleStep` keeps them), in the order of the cycle."""

    PROGRAMME_APPROVE = "programme_approve", _("Programme to approve")
    TEAM_CONFIRM = "team_confirm", _("Audit team to confirm")
    TEAM_NOTIFY = "team_notify", _("Audit team to notify to the client")
    PLAN_SEND = "plan_send", _("Audit plan to send")
    REPORT_ISSUE = "report_issue", _("Audit report to finish and issue")
    DECISION_TAKE = "decision_take", _("Certification decision to take")
    CERTIFICATE_ISSUE = "certificate_issue", _("Certificate to issue")
    SUSPENSION_RESOLVE = "suspension_resolve", _("Suspension to resolve")
    # the client's answers waiting for the CB's review (rule 21)
    NC_PLAN = "nc_plan", _("Nonconformity: plan to review")
    NC_CLOSURE = "nc_closure", _("Nonconformity: closure to verify")


REVIEW_STEPS = (StepKind.NC_PLAN, StepKind.NC_CLOSURE)


# What the client's people see and are reminded of; the rest is the CB's own planning (rule 25)
CLIENT_DUE_KINDS = tuple(kind for kind in DueKind if kind != DueKind.TEAM_NOTICE)
# What a client's people act on themselves: on their dashboard an overdue item of another kind is
# the CB's to do, shown apart as waiting for it, not as their task
CLIENT_TASK_KINDS = (
    DueKind.NC_RESPONSE,
    DueKind.ACTION_DUE,
    DueKind.INTERNAL_AUDIT,
    DueKind.MANAGEMENT_REVIEW,
)
# The organisation's own work: only its members see it, never a CB's staff (rule 43); no CB's
# lead times apply to it (`due_rules.OWN_LEAD_DAYS`)
OWN_DUE_KINDS = (DueKind.ACTION_DUE, DueKind.INTERNAL_AUDIT, DueKind.MANAGEMENT_REVIEW)


class TaskKind(models.TextChoices):
    """The CB's work queue: tasks the daily job opens (rules 10, 14). Nonconformities to review
    are in the queue too, read from the findings themselves."""

    OVERDUE_SURVEILLANCE = "overdue_surveillance", _("First surveillance overdue: suspend or not")
    SUSPENSION_EXPIRED = "suspension_expired", _("Suspension deadline passed: withdraw or reduce scope")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class TaskResolution(models.TextChoices):
    """How a task was closed: by the action it asked for, or because its cause went away."""

    SUSPENDED = "suspended", _("Certificate suspended")
    NOT_SUSPENDED = "not_suspended", _("Decided not to suspend")
    WITHDRAWN = "withdrawn", _("Certificate withdrawn")
    SCOPE_REDUCED = "scope_reduced", _("Scope reduced")
    REINSTATED = "reinstated", _("Certificate reinstated")
    AUDIT_HELD = "audit_held", _("Surveillance audit held")
    CERTIFICATE_ENDED = "certificate_ended", _("Certificate no longer valid")


class ReminderStatus(models.TextChoices):
    """DIGEST and IN_APP are written today; the others are the per-row e-mails of before the daily
    digest, kept as they ended."""

    DIGEST = "digest", _("In the day's e-mail")
    PENDING = "pending", _("Waiting to be e-mailed")
    SENDING = "sending", _("Being e-mailed")
    SENT = "sent", _("E-mailed")
    FAILED = "failed", _("E-mail failed")
    IN_APP = "in_app", _("Shown in the app only")


# --- The client's change notifications (DOMAIN §1.9, 17021-1 §8.5.3; rule 38) --------------------


class ChangeKind(models.TextChoices):
    """What a client notifies its CBs of (17021-1 §8.5.3)."""

    LEGAL = "legal", _("Legal, commercial or organisational status, ownership or name")
    ADDRESS = "address", _("Contact address")
    SITES = "sites", _("Sites: one added, closed or moved")
    HEADCOUNT = "headcount", _("Headcount")
    SCOPE = "scope", _("Scope of operations")
    MANAGEMENT = "management", _("Organisation and management (key managers)")
    SYSTEM = "system", _("Major changes to the management system or processes")


class SiteChange(models.TextChoices):
    ADD = "add", _("A new site")
    CLOSE = "close", _("A site closes")
    MOVE = "move", _("A site moves to a new address")


class ChangeReviewStatus(models.TextChoices):
    OPEN = "open", _("Under review")
    DECIDED = "decided", _("Reviewed")


class ChangeOutcome(models.TextChoices):
    """What the CB decides on a notified change (DOMAIN §1.9, rule 38)."""

    NO_ACTION = "no_action", _("No action needed")
    SPECIAL_AUDIT = "special_audit", _("A special audit")
    REVISION = "revision", _("A new certificate revision, by a decision")


class CycleStatus(models.TextChoices):
    """Where a programme stands in its cycle (DOMAIN §1), read from its status, its decisions'
    certificates, its audits and its successor (certificates.selectors.programme_cycle): shown,
    never stored."""

    BEING_PLANNED = "being_planned", _("Being planned")
    APPROVED = "approved", _("Approved")
    CERTIFIED = "certified", _("Certified")
    IN_SURVEILLANCE = "in_surveillance", _("In surveillance")
    SUSPENDED = "suspended", _("Certificate suspended")
    RECERTIFICATION_DUE = "recertification_due", _("Recertification due")
    ENDED = "ended", _("Ended")
