"""The certificate PDF in the `core.documents` registry (imported by CertificatesConfig.ready)."""

import hashlib

from django.db.models import QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from certificates import access, pdf
from certificates.enums import RevisionStatus
from certificates.models import CertificateRevision
from core import documents

CERTIFICATE = "certificates.certificate"
# A draft revision printed as it would be issued, marked DRAFT across every page (a preview to check
# before issuing, which cannot be undone); rendered again whenever the draft changed
CERTIFICATE_DRAFT = "certificates.certificate_draft"


def issued_revisions_for(user) -> QuerySet[CertificateRevision]:
    """The revisions whose PDF the user may have: those they see, once issued (never a draft)."""
    return access.revisions_for(user).filter(status__in=pdf.ISSUED)


def draft_revisions_for(user) -> QuerySet[CertificateRevision]:
    """The drafts whose preview the user may have: those they see (the CB's staff, the client)."""
    return access.revisions_for(user).filter(status=RevisionStatus.DRAFT)


def certificate_filename(revision: CertificateRevision) -> str:
    return f"certificate-{slugify(revision.certificate.number)}-rev{revision.revision}.pdf"


def draft_filename(revision: CertificateRevision) -> str:
    return f"certificate-{slugify(revision.certificate.number)}-rev{revision.revision}-DRAFT.pdf"


def draft_version(revision: CertificateRevision) -> str:
    """A digest of what the draft prints (its text, dates, sites, codes and the CB's images): a
    preview of the same digest answers a request, an edited draft is rendered again."""
    sheet_facts = [
        str(getattr(revision, name))
        for name in (
            "holder_name",
            "holder_street",
            "holder_postcode",
            "holder_city",
            "holder_country",
            "scope",
            "effective_on",
            "expiry_on",
            "cycle_started_on",
            "last_recertification_audit_on",
            "soa_version",
        )
    ]
    sites = revision.sites.order_by("pk").values_list("name", "street", "postcode", "city", "country")
    codes = revision.iaf_codes.order_by("pk").values_list("code", flat=True)
    body = revision.certificate.certification_body
    images = [
        body.logo.name,
        body.certification_mark.name,
        body.accreditation_symbol.name,
        body.signature.name,
    ]
    signatory = (body.signatory_name, body.signatory_function)
    content = repr((sheet_facts, list(sites), list(codes), images, signatory, body.name, body.address))
    return hashlib.sha256(content.encode()).hexdigest()[:32]


documents.register(
    CERTIFICATE,
    label=_("Certificate"),
    model=CertificateRevision,
    render=pdf.render_certificate_pdf,
    subjects_for=issued_revisions_for,
    filename=certificate_filename,
    once=True,  # an issued revision never changes: its PDF is rendered once and kept
)
documents.register(
    CERTIFICATE_DRAFT,
    label=_("Draft certificate"),
    model=CertificateRevision,
    render=pdf.render_certificate_pdf,  # marked DRAFT: a revision not issued
    subjects_for=draft_revisions_for,
    filename=draft_filename,
    version=draft_version,
)
