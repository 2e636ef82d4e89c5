"""The gap-analysis report as PDF: every answer, the readiness and the open actions."""

from django.utils import timezone

from audits.models import GapAnalysis
from audits.selectors.gap import gap_sheet
from core.pdf import render_pdf


def render_gap_analysis_pdf(analysis: GapAnalysis) -> bytes:
    sheet = gap_sheet(analysis)
    return render_pdf(
        template="audits/pdf/gap_analysis.html",
        context={"analysis": analysis, "sheet": sheet, "printed_at": timezone.now()},
        stylesheets=["css/print/gap_analysis.css"],
    )
