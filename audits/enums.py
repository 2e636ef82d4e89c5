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


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("Being planned")
    APPROVED = "approved", _("Approved")


class AuditKind(models.TextChoices):
    STAGE1 = "stage1", _("Stage 1")
    STAGE2 = "stage2", _("Stage 2")
    SURVEILLANCE_1 = "surveillance1", _("Surveillance 1")
    SURVEILLANCE_2 = "surveillance2", _("Surveillance 2")
    RECERTIFICATION = "recertification", _("Recertification")


SURVEILLANCES = (AuditKind.SURVEILLANCE_1, AuditKind.SURVEILLANCE_2)
# Audits that look at the whole system and need an edition open to initial audits (rule 31)
INITIAL_KINDS = (AuditKind.STAGE1, AuditKind.STAGE2, AuditKind.RECERTIFICATION)
# HS clauses every surveillance looks at (DOMAIN §1.6): internal audit, management review, corrective action
MANDATORY_SURVEILLANCE_KEYS = ("HS-9.2", "HS-9.3", "HS-10.2")


class AuditStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    TEAM_ASSIGNED = "team_assigned", _("Team confirmed")


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
