from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry")
    MUNICIPALITY = "municipality", _("Municipality")
    REGION = "region", _("Regional authority")
    AGENCY = "agency", _("Agency")
    SCHOOL = "school", _("School or university")
    HOSPITAL = "hospital", _("Hospital or health service")
    OTHER = "other", _("Other public body")


class SiteKind(models.TextChoices):
    PERMANENT = "permanent", _("Permanent")
    TEMPORARY = "temporary", _("Temporary")
    VIRTUAL = "virtual", _("Virtual")


class OrganisationRole(models.TextChoices):
    QUALITY_MANAGER = "quality_manager", _("Quality manager")
    CONTRIBUTOR = "contributor", _("Contributor")
    VIEWER = "viewer", _("Viewer")


class CBRole(models.TextChoices):
    AUDITOR = "auditor", _("Auditor")
    CERTIFICATION_MANAGER = "certification_manager", _("Certification manager")
    REVIEWER = "reviewer", _("Technical reviewer")
    CB_ADMIN = "cb_admin", _("CB administrator")


class QualificationKind(models.TextChoices):
    AUDITOR = "auditor", _("Auditor")
    TECHNICAL_EXPERT = "technical_expert", _("Technical expert")
    DECISION_MAKER = "decision_maker", _("Certification decision-maker")


class ExpiryConvention(models.TextChoices):
    SAME_DAY = "same_day", _("Decision date + 3 years")
    DAY_BEFORE = "day_before", _("Decision date + 3 years − 1 day")


class SignInKind(models.TextChoices):
    SIGNED_IN = "signed_in", _("Signed in")
    FAILED = "failed", _("Sign-in failed")
    SIGNED_OUT = "signed_out", _("Signed out")
    IDLE_TIMEOUT = "idle_timeout", _("Session ended after inactivity")
    LOCKED_OUT = "locked_out", _("Sign-in refused: too many failures")
    PASSWORD_RESET_REQUESTED = "password_reset", _("Password reset requested")
    TWO_FACTOR_ENROLLED = "2fa_enrolled", _("Second factor enrolled")
    TWO_FACTOR_VERIFIED = "2fa_verified", _("Second factor verified")
    TWO_FACTOR_FAILED = "2fa_failed", _("Second factor failed")
    RECOVERY_CODE_USED = "recovery_used", _("Recovery code used")
    RECOVERY_CODES_REPLACED = "recovery_replaced", _("Recovery codes replaced")
    TWO_FACTOR_RESET = "2fa_reset", _("Second factor reset by an administrator")


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")
