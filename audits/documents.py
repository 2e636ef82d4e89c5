"""The audits app's documents in the `core.documents` registry (imported by AuditsConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from audits import access, pdf
from audits.models import Audit, GapAnalysis
from audits.selectors import documents as selectors
from core import documents

GAP_ANALYSIS = "audits.gap_analysis"
AUDIT_PLAN = selectors.AUDIT_PLAN
AUDIT_REPORT = selectors.AUDIT_REPORT

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
documents.register(
    AUDIT_PLAN,
    label=_("Audit plan"),
    model=Audit,
    render=pdf.render_audit_plan_pdf,
    subjects_for=selectors.audit_plans_for,
    filename=lambda audit: f"audit-plan-{audit.reference}.pdf",
)
documents.register(
    AUDIT_REPORT,
    label=_("Audit report"),
    model=Audit,
    render=pdf.render_audit_report_pdf,
    subjects_for=selectors.audit_reports_for,
    filename=lambda audit: f"audit-report-{audit.reference}.pdf",
)
