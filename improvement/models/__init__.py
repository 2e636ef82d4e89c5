from improvement.models.gap import EvidenceFile, GapAnalysis, GapAnswer, evidence_path

__all__ = ["EvidenceFile", "GapAnalysis", "GapAnswer", "evidence_path"]
