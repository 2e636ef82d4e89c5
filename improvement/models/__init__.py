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
from improvement.models.readiness import Readiness
from improvement.models.reviews import ManagementReview, ReviewAttendee, ReviewInput, ReviewOutput
from improvement.models.soa import SoaControl, StatementOfApplicability

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
    "ManagementReview",
    "Process",
    "Readiness",
    "ReviewAttendee",
    "ReviewInput",
    "ReviewOutput",
    "SoaControl",
    "StatementOfApplicability",
    "action_file_path",
    "evidence_path",
]
