"""The certificate register: the certificates a user may see, filtered, each with the revision it
shows; and the revisions that go to IAF CertSearch (DOMAIN.md §6.3, rule 34).

A certificate shows its current revision, or its draft one while it was never issued. The fields
the list reads from that revision come as annotations of the certificate query, so a page of the
register is one query whatever its length.
"""

import datetime
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When

from certificates.enums import CertificateStatus, RevisionStatus
from certificates.models import Certificate, CertificateRevision
from standards.models import Edition

SHOWN_REVISION_STATUSES = (RevisionStatus.CURRENT, RevisionStatus.DRAFT)


@dataclass(frozen=True)
class RegisterFilters:
    """What the register is filtered on; None (or "") leaves a filter out."""

    status: str = ""
    standard_id: int | None = None
    organisation_id: int | None = None
    expires_from: datetime.date | None = None
    expires_until: datetime.date | None = None
    text: str = ""


def _shown(field: str) -> Subquery:
    """One field of the revision a certificate shows: the current one, else the draft."""
    revisions = (
        CertificateRevision.objects.filter(certificate=OuterRef("pk"), status__in=SHOWN_REVISION_STATUSES)
        .annotate(
            current_first=Case(
                When(status=RevisionStatus.CURRENT, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("current_first")
    )
    return Subquery(revisions.values(field)[:1])


def with_shown_revision(certificates: QuerySet[Certificate]) -> QuerySet[Certificate]:
    """Annotate `holder_name` (as certified), `edition_year`, `effective_on` and `expiry_on` of the
    revision each certificate shows."""
    return certificates.annotate(
        holder_name=_shown("holder_name"),
        edition_year=_shown("edition__year"),
        effective_on=_shown("effective_on"),
        expiry_on=_shown("expiry_on"),
    )


def register_filter(certificates: QuerySet[Certificate], filters: RegisterFilters) -> QuerySet[Certificate]:
    """The certificates (already scoped by access) that pass the filters, annotated, by number."""
    certificates = with_shown_revision(certificates)
    lookups = {
        "status": filters.status,
        "standard_id": filters.standard_id,
        "organisation_id": filters.organisation_id,
        "expiry_on__gte": filters.expires_from,
        "expiry_on__lte": filters.expires_until,
    }
    certificates = certificates.filter(**{key: value for key, value in lookups.items() if value})
    if filters.text:
        # the holder by the client's name today or by the name its revision certifies
        certified_as = CertificateRevision.objects.filter(
            certificate=OuterRef("pk"),
            status__in=SHOWN_REVISION_STATUSES,
            holder_name__icontains=filters.text,
        )
        certificates = certificates.filter(
            Q(number__icontains=filters.text)
            | Q(organisation__name__icontains=filters.text)
            | Q(Exists(certified_as))
        )
    return certificates.order_by("number", "pk")


def register_page(certificates: QuerySet[Certificate], number: str | None, per_page: int) -> Page:
    """One page of filtered certificates (an unknown page number gives the first or the last),
    each with the label of the edition it shows (`edition_label`, "ISO 9001:2015")."""
    page = Paginator(certificates, per_page).get_page(number)
    for certificate in page:
        year = certificate.edition_year
        certificate.edition_label = Edition.label_for(certificate.standard.code, year) if year else ""
    return page


def certsearch_revisions(certificates: QuerySet[Certificate]) -> list[CertificateRevision]:
    """The current, accredited revision of each issued certificate among these (rule 34: a
    non-accredited one is left out of CertSearch), with everything the export reads: three queries
    whatever their number."""
    return list(
        CertificateRevision.objects.filter(
            certificate__in=certificates.exclude(status=CertificateStatus.DRAFT).order_by().values("pk"),
            status=RevisionStatus.CURRENT,
            accredited=True,
        )
        .select_related("certificate__certification_body", "edition__standard")
        .prefetch_related("sites", "iaf_codes")
        .order_by("certificate__number", "certificate__pk")
    )


def register_choices(certificates: QuerySet[Certificate]) -> tuple[list, list]:
    """The standards and the organisations among these certificates, as (id, label) choices."""
    visible = certificates.order_by()
    standards = visible.values_list("standard_id", "standard__code").distinct().order_by("standard__code")
    organisations = (
        visible.values_list("organisation_id", "organisation__name").distinct().order_by("organisation__name")
    )
    return list(standards), list(organisations)


def sees_several_bodies(certificates: QuerySet[Certificate]) -> bool:
    return len(certificates.order_by().values_list("certification_body_id", flat=True).distinct()[:2]) > 1
