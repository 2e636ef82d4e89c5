"""The audits app's PDFs: the audit plan and the audit report.

Rendered by the `core.render_document` task (audits/documents.py registers them); `core.pdf`, and
with it WeasyPrint, is imported here only when a PDF is rendered, never when URLs load.
"""

from audits.models import Audit
from audits.selectors import documents as sheets

AUDIT_CSS = ["css/print/audit.css"]


def _render(template: str, context: dict, stylesheets: list[str]) -> bytes:
    from core.pdf import render_pdf

    return render_pdf(template=template, context=context, stylesheets=stylesheets)


def render_audit_plan_pdf(audit: Audit) -> bytes:
    return _render("audits/pdf/audit_plan.html", {"sheet": sheets.audit_plan_sheet(audit)}, AUDIT_CSS)


def render_audit_report_pdf(audit: Audit) -> bytes:
    return _render("audits/pdf/audit_report.html", {"sheet": sheets.audit_report_sheet(audit)}, AUDIT_CSS)
