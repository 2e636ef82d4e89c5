"""Certification status at a glance: one certificate's page (its revisions and its history), the
certificates of one organisation, and the dashboard's panels (DOMAIN §6.2, rules 14, 36).

Each read is a fixed number of queries whatever the number of revisions, sites, transitions or
certificates.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet

from certificates import access
from certificates.enums import CertificateStatus, RevisionStatus
from certificates.models import Certificate, CertificateRevision
from certificates.selectors import calendar
from certificates.selectors.register import with_shown_revision
from core.models import Transition
from organisations import access as tenancy
from organisations.models import CertificationBody, Organisation
from standards.models import Edition

EXPIRING_DAYS = 90
PANEL_MAX = 10  # certificates listed at a glance; the register lists them all
ISSUED = (RevisionStatus.CURRENT, RevisionStatus.SUPERSEDED)


# --- One certificate ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificatePage:
    revisions: list[CertificateRevision]  # newest first
    history: list[Transition]  # the certificate's and its revisions', newest first

    @property
    def current(self) -> CertificateRevision | None:
        return next((r for r in self.revisions if r.status == RevisionStatus.CURRENT), None)

    @property
    def draft(self) -> CertificateRevision | None:
        return next((r for r in self.revisions if r.status == RevisionStatus.DRAFT), None)


def certificate_page(certificate: Certificate) -> CertificatePage:
    """Every revision with its edition, decision, issuer, sites and IAF codes, and the merged
    history: four queries."""
    revisions = list(
        certificate.revisions.select_related("edition__standard", "decision", "issued_by")
        .prefetch_related("sites", "iaf_codes")
        .order_by("-revision")
    )
    for revision in revisions:
        revision.certificate = certificate  # read with the certificate already: no query per row
        revision.is_issued = revision.status in ISSUED
    return CertificatePage(revisions=revisions, history=certificate_history(certificate, revisions))


def certificate_history(certificate: Certificate, revisions: list[CertificateRevision]) -> list[Transition]:
    """The transition log of the certificate and of its revisions merged by time (rule 36); each
    transition of a revision carries it as `revision`."""
    certificate_type = ContentType.objects.get_for_model(Certificate)
    revision_type = ContentType.objects.get_for_model(CertificateRevision)
    by_pk = {revision.pk: revision for revision in revisions}
    transitions = list(
        Transition.objects.filter(
            Q(content_type=certificate_type, object_id=certificate.pk)
            | Q(content_type=revision_type, object_id__in=list(by_pk))
        )
        .select_related("actor")
        .order_by("-at", "-pk")
    )
    for transition in transitions:
        transition.revision = (
            by_pk.get(transition.object_id) if transition.content_type_id == revision_type.pk else None
        )
    return transitions


# --- Lists of certificates ------------------------------------------------------------------------


def _labelled(certificates: QuerySet[Certificate]) -> list[Certificate]:
    """The certificates with the revision each shows (`effective_on`, `expiry_on`, `edition_label`)."""
    listed = list(with_shown_revision(certificates.select_related("organisation", "standard")))
    for certificate in listed:
        year = certificate.edition_year
        certificate.edition_label = Edition.label_for(certificate.standard.code, year) if year else ""
    return listed


def organisation_certificates(user, organisation: Organisation) -> list[Certificate]:
    """The certificates of the organisation that the user may see, at most PANEL_MAX + 1 (the
    page says there are more and links the register): one query."""
    return _labelled(
        access.certificates_for(user)
        .filter(organisation=organisation)
        .order_by("standard__code", "number")[: PANEL_MAX + 1]
    )


@dataclass
class BodyStatus:
    """A certification body's certificates counted by status, as its staff's dashboard shows them
    (the suspensions' deadlines and the expiries are on the calendar's panels)."""

    body: CertificationBody
    counts: dict[str, int] = field(default_factory=dict)  # status -> number of certificates

    @property
    def count_rows(self) -> list[tuple[str, str, int]]:
        """(status, label, number) for every status, in the model's order."""
        return [
            (status.value, status.label, self.counts.get(status.value, 0)) for status in CertificateStatus
        ]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class DashboardStatus:
    own: list[Certificate]  # the certificates of the organisations the user belongs to
    bodies: list[BodyStatus]  # the CBs the user works for
    today: datetime.date
    expiring_days: int = EXPIRING_DAYS

    @property
    def own_shown(self) -> list[Certificate]:
        return self.own[:PANEL_MAX]

    @property
    def own_more(self) -> bool:
        """More than the panel shows: it links the register."""
        return len(self.own) > PANEL_MAX


def dashboard_status(user, *, bodies: list[CertificationBody], today: datetime.date) -> DashboardStatus:
    """The client member's own certificates, each with the next external audit due
    (`next_audit_due`); for the staff of `bodies` (the CBs the user works for,
    read by the dashboard already), their certificates counted by status. At most five queries
    (the next audits due cost three), none for a user who belongs to neither an organisation nor
    a CB."""
    own = (
        _labelled(
            access.certificates_for(user)
            .filter(organisation_id__in=tenancy.member_organisation_ids(user))
            .order_by("organisation__name", "standard__code", "number")[: PANEL_MAX + 1]
        )
        if tenancy.memberships_of(user).is_client  # read with the user: no query
        else []
    )
    next_due = calendar.next_audits_due([certificate.pk for certificate in own[:PANEL_MAX]], today)
    for certificate in own:
        certificate.next_audit_due = next_due.get(certificate.pk)
    return DashboardStatus(own=own, bodies=_body_statuses(bodies, today), today=today)


def _body_statuses(bodies: list[CertificationBody], today: datetime.date) -> list[BodyStatus]:
    """One query: the certificates of each CB counted by status."""
    statuses = {body.pk: BodyStatus(body=body) for body in bodies}
    if not statuses:
        return []
    certificates = Certificate.objects.filter(certification_body_id__in=list(statuses)).order_by()
    for row in certificates.values("certification_body_id", "status").annotate(n=Count("pk")):
        statuses[row["certification_body_id"]].counts[row["status"]] = row["n"]
    return list(statuses.values())
