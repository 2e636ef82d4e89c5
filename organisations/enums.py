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


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")
