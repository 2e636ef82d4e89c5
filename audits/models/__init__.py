from audits.models.fieldwork import (
    CLIENT_TURN,
    AuditPlan,
    AuditReport,
    Finding,
    FindingEvidenceFile,
    FindingResponse,
    PlanSession,
)
from audits.models.programme import (
    Audit,
    AuditProgramme,
    AuditSite,
    ConsultancyRecord,
    ProgrammeEdition,
    TeamAssignment,
    TimeAdjustment,
)

__all__ = [
    "CLIENT_TURN",
    "Audit",
    "AuditPlan",
    "AuditProgramme",
    "AuditReport",
    "AuditSite",
    "ConsultancyRecord",
    "Finding",
    "FindingEvidenceFile",
    "FindingResponse",
    "PlanSession",
    "ProgrammeEdition",
    "TeamAssignment",
    "TimeAdjustment",
]
