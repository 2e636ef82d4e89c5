"""The audits app's documents in the `core.documents` registry (imported by AuditsConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from audits import pdf
from audits.models import Audit
from audits.selectors import documents as selectors
from core import documents

AUDIT_PLAN = selectors.AUDIT_PLAN
AUDIT_REPORT = selectors.AUDIT_REPORT

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
