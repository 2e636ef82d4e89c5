"""Certificates and the next external audits as a management review's prepared inputs show them
(`improvement.registry.review_sections`): each certificate of the organisation with its status and
expiry, and the certification body's audits planned after the review's day. Two queries whatever the
number of records; plain data only."""

import datetime

from django.db.models import OuterRef, Subquery
from django.utils.formats import date_format
from django.utils.translation import gettext

from audits.enums import PLANNING_STATUSES
from audits.models import Audit
from certificates.enums import CertificateStatus, RevisionStatus
from certificates.models import Certificate, CertificateRevision
from improvement.registry import ReviewSection, Table, register_review_section

SECTION_KEY = "certificates"
NEXT_AUDITS_SHOWN = 10


def _day(value: datetime.date | None) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _certificates(organisation):
    current = CertificateRevision.objects.filter(certificate=OuterRef("pk"), status=RevisionStatus.CURRENT)
    return (
        Certificate.objects.filter(organisation=organisation)
        .exclude(status__in=[CertificateStatus.DRAFT, CertificateStatus.CANCELLED])
        .select_related("standard")
        .annotate(expiry=Subquery(current.values("expiry_on")[:1]))
        .order_by("standard__number", "number")
    )


def provide(organisation, since: datetime.date | None, until: datetime.date) -> ReviewSection:
    section = ReviewSection(
        key=SECTION_KEY,
        title=gettext("Certificates and the next external audits"),
        explanation=gettext(
            "The certificates of the organisation and the certification body's audits planned next."
        ),
    )
    certificates = [
        [
            certificate.number,
            certificate.standard.code,
            certificate.get_status_display(),
            _day(certificate.expiry),
        ]
        for certificate in _certificates(organisation)
    ]
    section.tables.append(
        Table(
            caption=gettext("Certificates"),
            columns=[gettext("Number"), gettext("Standard"), gettext("Status"), gettext("Expires on")],
            rows=certificates,
        )
    )
    if not certificates:
        section.lines.append(gettext("The organisation holds no certificate yet."))
    audits = Audit.objects.filter(
        programme__organisation=organisation, status__in=PLANNING_STATUSES, starts_on__gte=until
    ).order_by("starts_on", "pk")[:NEXT_AUDITS_SHOWN]
    section.tables.append(
        Table(
            caption=gettext("Next external audits"),
            columns=[gettext("Audit"), gettext("Kind"), gettext("First day"), gettext("Last day")],
            rows=[[a.reference, a.get_kind_display(), _day(a.starts_on), _day(a.ends_on)] for a in audits],
        )
    )
    return section


def connect() -> None:
    register_review_section(provide)
