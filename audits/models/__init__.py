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
    "AuditProgramme",
    "AuditSite",
    "ConsultancyRecord",
    "EvidenceFile",
    "GapAnalysis",
    "GapAnswer",
    "ProgrammeEdition",
    "TeamAssignment",
    "TimeAdjustment",
    "evidence_path",
]
