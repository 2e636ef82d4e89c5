"""What the public reads of a certificate (rule 33, DOMAIN §6.3): never a draft, and only the status,
holder, standard and edition, scope, sites, dates and CB.

A certificate is public once issued: its status is not draft and it has a current revision, whose
contents are what a verifier sees. Everything a page shows goes through `PublicCertificate`, so no
other field (a decision, a person, an id) can reach a template.
"""

import datetime
import re
from dataclasses import dataclass

from django.db.models import QuerySet

from certificates.enums import VALID_STATUSES, CertificateStatus, RevisionStatus
from certificates.models import CertificateRevision
from organisations.models import CertificationBody

PUBLIC_STATUSES = tuple(status for status in CertificateStatus if status != CertificateStatus.DRAFT)
ISSUED = (RevisionStatus.CURRENT, RevisionStatus.SUPERSEDED)
# What `models.public_token` makes (URL-safe base64); anything else is unknown without a query.
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,43}")


@dataclass(frozen=True)
class PublicSite:
    name: str
    address: str


@dataclass(frozen=True)
class PublicCertificate:
    """Rule 33's fields, from a certificate and its current revision."""

    number: str
    revision: int
    is_valid: bool
    status: str
    status_since: datetime.date
    holder: str
    standard: str
    standard_title: str
    scope: str
    sites: list[PublicSite]
    effective_on: datetime.date
    expiry_on: datetime.date
    certification_body: str


def active_bodies() -> list[tuple[int, str]]:
    """The CBs a verifier may choose from, as (id, name)."""
    return list(CertificationBody.objects.filter(is_active=True).order_by("name").values_list("pk", "name"))


def _current_revisions() -> QuerySet[CertificateRevision]:
    return CertificateRevision.objects.filter(
        status=RevisionStatus.CURRENT, certificate__status__in=PUBLIC_STATUSES
    ).select_related("certificate__certification_body", "edition__standard")


def current_revisions(number: str, *, body_id: int | None = None) -> list[CertificateRevision]:
    """The current revisions of the public certificates with this number (any case), one per CB
    using it, in the order of the CBs' names."""
    revisions = _current_revisions().filter(certificate__number__iexact=number)
    if body_id is not None:
        revisions = revisions.filter(certificate__certification_body_id=body_id)
    return list(revisions.order_by("certificate__certification_body__name"))


def public_certificate(revision: CertificateRevision) -> PublicCertificate:
    """What a verifier sees of a current revision's certificate: the holder and the sites as the
    revision certifies them, not as the client's records say today (one query: the sites)."""
    certificate = revision.certificate
    return PublicCertificate(
        number=certificate.number,
        revision=revision.revision,
        is_valid=certificate.status in VALID_STATUSES,
        status=certificate.get_status_display(),
        status_since=certificate.status_since,
        holder=revision.holder_name,
        standard=revision.edition.label,
        standard_title=revision.edition.title,
        scope=revision.scope,
        sites=[PublicSite(name=site.name, address=site.address) for site in revision.sites.all()],
        effective_on=revision.effective_on,
        expiry_on=revision.expiry_on,
        certification_body=certificate.certification_body.name,
    )


def certificate_by_token(token: str) -> tuple[PublicCertificate, int | None] | None:
    """The certificate behind a printed copy's QR code, and the printed revision's number when a
    later revision superseded it; None for an unknown token or a revision never issued."""
    if not TOKEN.fullmatch(token):
        return None
    printed = (
        CertificateRevision.objects.filter(
            public_token=token, status__in=ISSUED, certificate__status__in=PUBLIC_STATUSES
        )
        .select_related("certificate__certification_body", "edition__standard")
        .first()
    )
    if printed is None:
        return None
    if printed.status == RevisionStatus.CURRENT:
        return public_certificate(printed), None
    current = _current_revisions().filter(certificate_id=printed.certificate_id).first()
    return (public_certificate(current), printed.revision) if current else None
