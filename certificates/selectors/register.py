"""The certificate register: the certificates a user may see, filtered, each with the revision it
shows; and the revisions that go to IAF CertSearch (DOMAIN.md §6.3, rule 34).

A certificate shows its current revision, or its draft one while it was never issued. The fields
the list reads from that revision come as annotations of the certificate query, so a page of the
register is one query whatever its length (and one to count). The export reads its rows as plain
values, a chunk at a time.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Exists, FilteredRelation, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from certificates.enums import CertificateStatus, RevisionStatus
from certificates.models import Certificate, CertificateRevision, RevisionSite
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


def with_shown_revision(certificates: QuerySet[Certificate]) -> QuerySet[Certificate]:
    """Annotate `holder_name` (as certified), `edition_year`, `effective_on` and `expiry_on` of the
    revision each certificate shows: the current one, else the draft.

    A certificate has at most one of each (`revision_one_current`, `revision_one_draft`), so both
    are joined, each on its partial unique index, and the current one's fields win: no query per
    row, which on a sorted page would run for every row before the page too."""
    return certificates.alias(
        current=FilteredRelation("revisions", condition=Q(revisions__status=RevisionStatus.CURRENT)),
        draft=FilteredRelation("revisions", condition=Q(revisions__status=RevisionStatus.DRAFT)),
    ).annotate(
        holder_name=Coalesce("current__holder_name", "draft__holder_name"),
        edition_year=Coalesce("current__edition__year", "draft__edition__year"),
        effective_on=Coalesce("current__effective_on", "draft__effective_on"),
        expiry_on=Coalesce("current__expiry_on", "draft__expiry_on"),
    )


def register_filter(certificates: QuerySet[Certificate], filters: RegisterFilters) -> QuerySet[Certificate]:
    """The certificates (already scoped by access) that pass the filters, by number. Only a filter
    on the expiry date joins the revisions: the others count and sort the certificates alone."""
    lookups = {
        "status": filters.status,
        "standard_id": filters.standard_id,
        "organisation_id": filters.organisation_id,
    }
    certificates = certificates.filter(**{key: value for key, value in lookups.items() if value})
    expiry = {"expiry_on__gte": filters.expires_from, "expiry_on__lte": filters.expires_until}
    if any(expiry.values()):
        certificates = with_shown_revision(certificates).filter(
            **{key: value for key, value in expiry.items() if value}
        )
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
    each with the revision it shows and the label of its edition (`edition_label`, "ISO 9001:2015").

    The page's certificates are chosen by number among the filtered ones alone (a narrow sort, and
    the offset of a last page skips ids, not joined rows); only those are then read with their
    revision, CB and standard, in the same query."""
    page = Paginator(certificates, per_page).get_page(number)
    chosen = page.object_list.values("pk")
    rows = Certificate.objects.select_related("certification_body", "standard").filter(pk__in=chosen)
    page.object_list = list(with_shown_revision(rows).order_by("number", "pk"))
    for certificate in page.object_list:
        year = certificate.edition_year
        certificate.edition_label = Edition.label_for(certificate.standard.code, year) if year else ""
    return page


EXPORT_CHUNK = 1_000  # revisions read at a time by the export: three queries each, whatever their size


@dataclass(frozen=True)
class CertSearchSource:
    """What the CertSearch row of one current revision is made of, read as plain values (the export
    builds thousands of rows: model instances and their country objects cost more than the rows)."""

    certificate_id: int
    certification_body_id: int
    number: str
    status: str
    original_certified_on: datetime.date
    scope: str
    issued_on: datetime.date
    expiry_on: datetime.date
    holder_name: str
    holder_country: str
    standard_code: str
    edition_year: int
    # (name, street, postcode, city, country code), central function first, then by name
    sites: list[tuple[str, str, str, str, str]]
    iaf_codes: list[int]  # ascending


SOURCE_FIELDS = {
    "certificate_id": "certificate_id",
    "certification_body_id": "certificate__certification_body_id",
    "number": "certificate__number",
    "status": "certificate__status",
    "original_certified_on": "certificate__original_certified_on",
    "scope": "scope",
    "issued_on": "issued_on",
    "expiry_on": "expiry_on",
    "holder_name": "holder_name",
    "holder_country": "holder_country",
    "standard_code": "edition__standard__code",
    "edition_year": "edition__year",
}


def certsearch_chunks(
    certificates: QuerySet[Certificate], *, size: int = EXPORT_CHUNK
) -> Iterator[list[CertSearchSource]]:
    """The current, accredited revision of each issued certificate among these (rule 34: a
    non-accredited one is left out of CertSearch), by certificate number, `size` at a time: three
    queries a chunk (the revisions, their sites, their IAF codes), each chunk after the last one's
    number (keyset), so the memory held is one chunk's whatever the register's size."""
    revisions = CertificateRevision.objects.filter(
        certificate__in=certificates.exclude(status=CertificateStatus.DRAFT).order_by().values("pk"),
        status=RevisionStatus.CURRENT,
        accredited=True,
    ).order_by("certificate__number", "certificate_id")
    after = Q()
    while True:
        chunk = list(revisions.filter(after).values_list("pk", *SOURCE_FIELDS.values())[:size])
        if chunk:
            sources = _sources(chunk)
            yield sources
        if len(chunk) < size:
            return
        last = sources[-1]
        after = Q(certificate__number__gt=last.number) | Q(
            certificate__number=last.number, certificate_id__gt=last.certificate_id
        )


def _sources(chunk: list[tuple]) -> list[CertSearchSource]:
    """The chunk's revisions (their id, then `SOURCE_FIELDS`) with their sites and IAF codes."""
    ids = [values[0] for values in chunk]
    sites: dict[int, list] = defaultdict(list)
    for revision_id, *site in (
        RevisionSite.objects.filter(revision_id__in=ids)
        .order_by(*RevisionSite._meta.ordering)
        .values_list("revision_id", "name", "street", "postcode", "city", "country")
    ):
        sites[revision_id].append(tuple(site))
    codes: dict[int, list] = defaultdict(list)
    through = CertificateRevision.iaf_codes.through
    for revision_id, code in (
        through.objects.filter(certificaterevision_id__in=ids)
        .order_by("iafcode_id")  # the code is the IAF code's key
        .values_list("certificaterevision_id", "iafcode_id")
    ):
        codes[revision_id].append(code)
    return [
        CertSearchSource(**dict(zip(SOURCE_FIELDS, row, strict=True)), sites=sites[pk], iaf_codes=codes[pk])
        for pk, *row in chunk
    ]


ORGANISATIONS_LISTED = 50  # more, and the holder's name is searched instead of chosen from a list


def register_choices(certificates: QuerySet[Certificate]) -> tuple[list, list | None]:
    """The standards and the organisations among these certificates, as (id, label) choices; the
    organisations only up to ORGANISATIONS_LISTED (None beyond: a large CB's 1,417 clients were
    most of the page, and the search by number or holder finds them by name)."""
    visible = certificates.order_by()
    standards = visible.values_list("standard_id", "standard__code").distinct().order_by("standard__code")
    organisations = list(
        visible.values_list("organisation_id", "organisation__name")
        .distinct()
        .order_by("organisation__name")[: ORGANISATIONS_LISTED + 1]
    )
    return list(standards), (organisations if len(organisations) <= ORGANISATIONS_LISTED else None)


def sees_several_bodies(certificates: QuerySet[Certificate]) -> bool:
    return len(certificates.order_by().values_list("certification_body_id", flat=True).distinct()[:2]) > 1
