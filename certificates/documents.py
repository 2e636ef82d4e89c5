"""The certificate PDF in the `core.documents` registry (imported by CertificatesConfig.ready)."""

from django.db.models import QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from certificates import access, pdf
from certificates.models import CertificateRevision
from core import documents

CERTIFICATE = "certificates.certificate"


def issued_revisions_for(user) -> QuerySet[CertificateRevision]:
    """The revisions whose PDF the user may have: those they see, once issued (never a draft)."""
    return access.revisions_for(user).filter(status__in=pdf.ISSUED)


def certificate_filename(revision: CertificateRevision) -> str:
    return f"certificate-{slugify(revision.certificate.number)}-rev{revision.revision}.pdf"


documents.register(
    CERTIFICATE,
    label=_("Certificate"),
    model=CertificateRevision,
    render=pdf.render_certificate_pdf,
    subjects_for=issued_revisions_for,
    filename=certificate_filename,
    once=True,  # an issued revision never changes: its PDF is rendered once and kept
)
