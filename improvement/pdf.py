"""The improvement app's PDFs, rendered by the `core.render_document` task (improvement/documents.py
registers them); `core.pdf`, and with it WeasyPrint, is imported only when a PDF is rendered."""

from django.utils import timezone

from improvement.models import GapAnalysis
from improvement.selectors.gap import gap_sheet


def _render(template: str, context: dict, stylesheets: list[str]) -> bytes:
    from core.pdf import render_pdf

    return render_pdf(template=template, context=context, stylesheets=stylesheets)


def render_gap_analysis_pdf(analysis: GapAnalysis) -> bytes:
    sheet = gap_sheet(analysis)
    return _render(
        "improvement/pdf/gap_analysis.html",
        {"analysis": analysis, "sheet": sheet, "printed_at": timezone.now()},
        ["css/print/gap_analysis.css"],
    )


# --- internal audits ---


def render_internal_audit_report_pdf(audit) -> bytes:
    from improvement.selectors import internal_audits as selectors

    context = {
        "audit": audit,
        "programme": audit.programme,
        "organisation": audit.programme.organisation,
        "auditors": list(audit.auditors.filter(removed_at__isnull=True).select_related("user")),
        "processes": list(audit.processes.select_related("owner")),
        "sites": list(audit.sites.all()),
        "clauses": selectors.audit_clauses(audit),
        "checklist": list(selectors.checklist_of(audit)),
        "findings": list(selectors.findings_of(audit).filter(withdrawn_at__isnull=True)),
        "printed_at": timezone.now(),
    }
    return _render("improvement/pdf/internal_audit_report.html", context, ["css/print/internal_audit.css"])


# --- management reviews ---


def render_review_minutes_pdf(review) -> bytes:
    from improvement.selectors import reviews as selectors

    context = {
        "review": review,
        "organisation": review.organisation,
        "editions": selectors.editions_of(review),
        "attendees": selectors.attendees_of(review),
        "inputs": selectors.inputs_of(review),
        "outputs": [o for o in selectors.outputs_of(review) if not o.withdrawn_at],
        "prepared": selectors.shown_inputs(review),
        "printed_at": timezone.now(),
    }
    return _render("improvement/pdf/review_minutes.html", context, ["css/print/internal_audit.css"])


# --- the Statement of Applicability ---


def render_soa_pdf(soa) -> bytes:
    from improvement.selectors.soa import controls_of, summary

    controls = controls_of(soa)
    context = {
        "soa": soa,
        "organisation": soa.organisation,
        "controls": controls,
        "summary": summary(controls),
        "printed_at": timezone.now(),
    }
    return _render("improvement/pdf/soa.html", context, ["css/print/soa.css"])


# --- readiness for stage 1 ---


def render_readiness_pack_pdf(row) -> bytes:
    from improvement.selectors.readiness import PACK_TEMPLATE, pack_of

    context = {"pack": pack_of(row), "printed_at": timezone.now()}
    return _render(PACK_TEMPLATE, context, ["css/print/readiness_pack.css"])
