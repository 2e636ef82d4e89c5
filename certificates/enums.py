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
