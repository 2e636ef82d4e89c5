"""The improvement app's documents in the `core.documents` registry (imported by ImprovementConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from core import documents
from improvement import access, pdf
from improvement.enums import HELD_REVIEW_STATUSES, SoaStatus
from improvement.models import (
    GapAnalysis,
    InternalAudit,
    ManagementReview,
    Readiness,
    StatementOfApplicability,
)
from improvement.selectors import readiness as readiness_selectors

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

# --- internal audits: the report of an audit, once issued ---
INTERNAL_AUDIT_REPORT = "improvement.internal_audit_report"

documents.register(
    INTERNAL_AUDIT_REPORT,
    label=_("Internal audit report"),
    model=InternalAudit,
    render=pdf.render_internal_audit_report_pdf,
    # only an issued report is printed; it never changes after (its version is the issue time)
    subjects_for=lambda user: access.internal_audits_for(user).filter(reported_at__isnull=False),
    filename=lambda audit: f"internal-audit-{audit.programme_id}-{audit.reference}.pdf",
    version=lambda audit: audit.reported_at.isoformat() if audit.reported_at else "",
)

# --- management reviews: the minutes of a held review ---
REVIEW_MINUTES = "improvement.review_minutes"

documents.register(
    REVIEW_MINUTES,
    label=_("Minutes of the management review"),
    model=ManagementReview,
    render=pdf.render_review_minutes_pdf,
    # only a held review has minutes; approving them makes a new version, which never changes after
    subjects_for=lambda user: access.reviews_for(user).filter(status__in=HELD_REVIEW_STATUSES),
    filename=lambda review: f"management-review-{review.organisation_id}-{review.reference}.pdf",
    version=lambda review: (
        (review.minutes_approved_at or review.held_at).isoformat() if review.held_at else ""
    ),
)

# --- the Statement of Applicability: an approved version ---
SOA = "improvement.soa"

documents.register(
    SOA,
    label=_("Statement of Applicability"),
    model=StatementOfApplicability,
    render=pdf.render_soa_pdf,
    # only an approved version is printed; it never changes after (its version is the approval time)
    subjects_for=lambda user: access.soas_for(user).filter(status=SoaStatus.APPROVED),
    filename=lambda soa: f"soa-{soa.organisation_id}-v{soa.version}.pdf",
    version=lambda soa: soa.approval_recorded_at.isoformat() if soa.approval_recorded_at else "",
)

# --- readiness for stage 1: the pack, live; its version is a hash of what it shows ---
READINESS_PACK = "improvement.readiness_pack"

documents.register(
    READINESS_PACK,
    label=_("Readiness pack"),
    model=Readiness,
    render=pdf.render_readiness_pack_pdf,
    # rule 43: members, and the CB serving the organisation while the pack is shared
    subjects_for=access.readiness_for,
    filename=lambda row: (
        f"readiness-pack-{row.organisation_id}-{row.edition.standard.slug}-{row.edition.year}.pdf"
    ),
    version=readiness_selectors.pack_version,
)
