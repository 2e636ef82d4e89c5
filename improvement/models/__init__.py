from improvement.models.actions import Action, ActionEvidenceFile, action_file_path
from improvement.models.gap import EvidenceFile, GapAnalysis, GapAnswer, evidence_path
from improvement.models.internal_audits import (
    AuditorTraining,
    ChecklistItem,
    InternalAudit,
    InternalAuditor,
    InternalAuditProgramme,
    InternalFinding,
    Process,
)

__all__ = [
    "Action",
    "ActionEvidenceFile",
    "AuditorTraining",
    "ChecklistItem",
    "EvidenceFile",
    "GapAnalysis",
    "GapAnswer",
    "InternalAudit",
    "InternalAuditProgramme",
    "InternalAuditor",
    "InternalFinding",
    "Process",
    "action_file_path",
    "evidence_path",
]
