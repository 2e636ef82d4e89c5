"""The improvement app's documents in the `core.documents` registry (imported by ImprovementConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from core import documents
from improvement import access, pdf
from improvement.models import GapAnalysis

GAP_ANALYSIS = "improvement.gap_analysis"

documents.register(
    GAP_ANALYSIS,
    label=_("Gap-analysis report"),
    model=GapAnalysis,
    render=pdf.render_gap_analysis_pdf,
    subjects_for=access.gap_analyses_for,
    filename=lambda analysis: f"gap-analysis-{analysis.pk}.pdf",
    # a completed analysis never changes again: its PDF is rendered once per completion
    version=lambda analysis: analysis.completed_at.isoformat() if analysis.completed_at else "",
)
