"""The certificate as PDF (DOMAIN §6.1, §1.5; rules 8, 34): one A4 page, and an annex of the
sites when there are several.

Everything is read first (three queries), the holder and the sites as the revision certifies
them (its copy, not the client's records today), the CB's images come from storage as ``data:`` URIs
(the renderer fetches nothing else), and ``core.pdf``, with WeasyPrint, is imported only when a
PDF is rendered. Rendered by the `core.render_document` task (certificates/documents.py).
"""

from dataclasses import dataclass

from certificates.enums import RevisionStatus
from certificates.models import CertificateRevision, RevisionSite
from certificates.qr import public_url, qr_svg_data_uri
from improvement.soa_rules import SOA_STANDARD_CODES  # whose certificates name the SoA (DOMAIN §6.1 item 8)
from organisations.images import image_data_uri

TEMPLATE = "certificates/pdf/certificate.html"
STYLESHEETS = ["css/print/certificate.css"]
ISSUED = (RevisionStatus.CURRENT, RevisionStatus.SUPERSEDED)


@dataclass(frozen=True)
class CertificateSheet:
    """What the certificate prints, read once."""

    revision: CertificateRevision
    sites: list[RevisionSite]
    central: RevisionSite | None
    iaf_codes: list
    logo: str | None
    mark: str | None
    symbol: str | None
    signature: str | None
    verification_url: str
    qr_code: str

    @property
    def certificate(self):
        return self.revision.certificate

    @property
    def body(self):
        return self.revision.certificate.certification_body

    @property
    def edition(self):
        return self.revision.edition

    @property
    def is_issued(self) -> bool:
        return self.revision.status in ISSUED

    @property
    def has_annex(self) -> bool:
        return len(self.sites) > 1

    @property
    def url_lines(self) -> tuple[str, str]:
        """The verification URL in two lines, broken before the token (it is too long for one
        line under the code, and a break inside the token would look like a hyphen in it)."""
        head, token, tail = self.verification_url.rpartition(self.revision.public_token)
        return (head, token + tail) if token else (self.verification_url, "")

    @property
    def central_at_holder(self) -> bool:
        """The central function sits at the holder's address: the address is printed once."""
        return self.central is not None and self.central.address == self.revision.holder_address

    @property
    def shows_soa(self) -> bool:
        return self.edition.standard.code in SOA_STANDARD_CODES or bool(self.revision.soa_version)


def _revision(pk: int) -> CertificateRevision:
    return (
        CertificateRevision.objects.select_related(
            "certificate__certification_body", "edition__standard", "decision"
        )
        .prefetch_related("sites", "iaf_codes")
        .get(pk=pk)
    )


def certificate_sheet(revision: CertificateRevision) -> CertificateSheet:
    revision = _revision(revision.pk)
    body = revision.certificate.certification_body
    sites = list(revision.sites.all())
    url = public_url(revision)
    return CertificateSheet(
        revision=revision,
        sites=sites,
        central=next((site for site in sites if site.is_central_function), None),
        iaf_codes=list(revision.iaf_codes.all()),
        logo=image_data_uri(body.logo),
        mark=image_data_uri(body.certification_mark),
        # rule 34: the symbol only on a certificate issued within the accreditation
        symbol=image_data_uri(body.accreditation_symbol) if revision.accredited else None,
        signature=image_data_uri(body.signature) if body.signatory_name else None,
        verification_url=url,
        qr_code=qr_svg_data_uri(url),
    )


def render_certificate_pdf(revision: CertificateRevision) -> bytes:
    from core.pdf import render_pdf

    return render_pdf(
        template=TEMPLATE, context={"sheet": certificate_sheet(revision)}, stylesheets=STYLESHEETS
    )
