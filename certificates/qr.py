"""The QR code printed on a certificate: the revision's public verification URL (DOMAIN §6.1).

Made here with segno, as SVG, and embedded as a ``data:`` URI: no service is asked, and the PDF
renderer's fetcher serves nothing but ``data:`` URIs and our static files anyway.
"""

from django.conf import settings

from certificates.models import CertificateRevision

# M recovers about 15% of the symbol: enough for a printed, folded or stamped sheet.
ERROR_CORRECTION = "m"
QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 asks


def public_url(revision: CertificateRevision) -> str:
    """The absolute verification URL of the revision (anyone may open it: DOMAIN §6.3, rule 33)."""
    return settings.SITE_URL.rstrip("/") + revision.get_public_url()


def qr_svg_data_uri(url: str) -> str:
    """A QR code of ``url`` as an SVG ``data:`` URI, sized by its viewBox (the page's CSS sets
    the printed size)."""
    import segno

    code = segno.make(url, error=ERROR_CORRECTION, micro=False)
    return code.svg_data_uri(border=QUIET_ZONE, omitsize=True)
