from audits.models.fieldwork import (
    AuditPlan,
    AuditReport,
    Finding,
    FindingEvidenceFile,
    FindingResponse,
    PlanSession,
)
from audits.models.gap import EvidenceFile, GapAnalysis, GapAnswer, evidence_path
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
    "Audit",
    "AuditPlan",
    "AuditProgramme",
    "AuditReport",
    "AuditSite",
    "ConsultancyRecord",
    "EvidenceFile",
    "Finding",
    "FindingEvidenceFile",
    "FindingResponse",
    "GapAnalysis",
    "GapAnswer",
    "PlanSession",
    "ProgrammeEdition",
    "TeamAssignment",
    "TimeAdjustment",
    "evidence_path",
]
