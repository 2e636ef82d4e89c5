"""Reads of an audit's findings: the choices of the finding form, the list, the audit page's panel.
Each runs a fixed number of queries, whatever the number of findings or clauses."""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from audits import access
from audits.enums import FIELDWORK_STATUSES, AuditKind, FindingStatus, FindingType
from audits.models import Audit, AuditSite, Finding
from improvement.models import Readiness
from organisations.models import Site
from standards.models import Clause, Edition

LATEST = 5  # findings shown on the audit page

Choices = list[tuple[object, object]]


@dataclass
class FindingChoices:
    """What the finding form offers for one audit, read once: the audited editions, their
    assessable clauses grouped per edition, and the programme's sites (the audit's sample first)."""

    editions: dict[int, Edition]
    clause_groups: Choices
    sites: dict[int, Site]
    site_groups: Choices
    types: Choices = field(default_factory=list)
    packs: dict[int, Readiness] = field(default_factory=dict)  # stage 1: the readiness packs to cite


def finding_types(audit: Audit) -> Choices:
    """An area of concern is a stage 1 finding (DOMAIN §1.2)."""
    if audit.kind == AuditKind.STAGE1:
        return list(FindingType.choices)
    return [(value, label) for value, label in FindingType.choices if value != FindingType.AREA_OF_CONCERN]


def audited_editions(audit: Audit) -> dict[int, Edition]:
    editions = audit.programme.editions.select_related("standard").order_by("standard__number", "year")
    return {edition.pk: edition for edition in editions}


def clause_label(edition: Edition, number: str, title: str) -> str:
    return f"{edition.label} {number} {title}"


def _clause_groups(editions: dict[int, Edition]) -> Choices:
    rows = (
        Clause.objects.filter(edition__in=list(editions), assessable=True)
        .order_by("edition__standard__number", "edition__year", "position")
        .values_list("pk", "edition_id", "number", "title")
    )
    groups: dict[int, list[tuple[int, str]]] = {pk: [] for pk in editions}
    for pk, edition_id, number, title in rows:
        groups[edition_id].append((pk, clause_label(editions[edition_id], number, title)))
    return [(editions[pk].label, options) for pk, options in groups.items() if options]


def programme_sites(audit: Audit) -> list[Site]:
    """The programme's sites, those sampled for this audit first (each with `sampled`)."""
    return list(
        audit.programme.sites.annotate(
            sampled=Exists(AuditSite.objects.filter(audit=audit, site=OuterRef("pk")))
        ).order_by("-sampled", "-is_central_function", "name")
    )


def site_label(site: Site) -> str:
    central = _(" (central function)") if site.is_central_function else ""
    return f"{site.name}, {site.city}{central}"


def _site_groups(sites: list[Site]) -> Choices:
    sampled = [(site.pk, site_label(site)) for site in sites if site.sampled]
    others = [(site.pk, site_label(site)) for site in sites if not site.sampled]
    if not sampled:
        return others
    groups = [(_("Sampled for this audit"), sampled)]
    return [*groups, (_("Other sites in scope"), others)] if others else groups


def citable_packs(audit: Audit, cited_id: int | None = None) -> dict[int, Readiness]:
    """At stage 1, the readiness packs the client shares (DOMAIN §13.5), and the one the finding
    already cites (kept if the client stopped sharing it)."""
    if audit.kind != AuditKind.STAGE1 and cited_id is None:
        return {}
    shared = Q(shared_with_cb=True) if audit.kind == AuditKind.STAGE1 else Q(pk__in=[])
    packs = (
        Readiness.objects.filter(organisation_id=audit.programme.organisation_id)
        .filter(shared | Q(pk=cited_id))
        .select_related("edition__standard")
        .order_by("edition__standard__number", "-edition__year")
    )
    return {pack.pk: pack for pack in packs}


def finding_choices(audit: Audit, cited_pack_id: int | None = None) -> FindingChoices:
    editions = audited_editions(audit)
    sites = programme_sites(audit)
    return FindingChoices(
        editions=editions,
        clause_groups=_clause_groups(editions),
        sites={site.pk: site for site in sites},
        site_groups=_site_groups(sites),
        types=finding_types(audit),
        packs=citable_packs(audit, cited_pack_id),
    )


def findings_of(audit: Audit) -> QuerySet[Finding]:
    """An audit's findings with what a row shows: requirement, site, author."""
    return audit.findings.select_related("clause__edition__standard", "site", "raised_by").order_by("number")


def with_editions(findings: QuerySet[Finding]) -> QuerySet[Finding]:
    """The standards each finding belongs to, for integrated audits (rule 29)."""
    return findings.prefetch_related(
        Prefetch("editions", queryset=Edition.objects.select_related("standard"))
    )


def requirement_label(finding: Finding) -> str:
    if finding.clause_id:
        clause = finding.clause
        return clause_label(clause.edition, clause.number, clause.title)
    return finding.requirement_reference or "—"


def finding_rows(findings, editions: dict[int, Edition] | None = None) -> list[Finding]:
    """The findings, each with its `requirement` label; with `editions` (an integrated audit's),
    each with the `edition_labels` of the standards it belongs to (rule 29), read in one query."""
    rows = list(findings)
    for finding in rows:
        finding.requirement = requirement_label(finding)
    if editions:
        links = Finding.editions.through.objects.filter(finding__in=[f.pk for f in rows])
        labels: dict[int, list[str]] = {}
        for finding_id, edition_id in links.order_by("edition_id").values_list("finding_id", "edition_id"):
            labels.setdefault(finding_id, []).append(editions[edition_id].label)
        for finding in rows:
            finding.edition_labels = labels.get(finding.pk, [])
    return rows


@dataclass(frozen=True)
class TypeCount:
    type: str
    label: str
    count: int


def finding_counts(audit: Audit) -> tuple[list[TypeCount], int]:
    """(findings per type in force, withdrawn findings) in one query."""
    withdrawn = Q(status=FindingStatus.WITHDRAWN)
    rows = audit.findings.values("type").annotate(
        n=Count("pk", filter=~withdrawn), w=Count("pk", filter=withdrawn)
    )
    by_type = {row["type"]: row for row in rows}
    counts = [
        TypeCount(value, label, by_type[value]["n"])
        for value, label in FindingType.choices
        if value in by_type and by_type[value]["n"]
    ]
    return counts, sum(row["w"] for row in by_type.values())


def findings_panel(user, audit: Audit) -> dict:
    """The audit page's findings panel: counts by type, the latest findings, what the user may do."""
    counts, withdrawn = finding_counts(audit)
    return {
        "finding_counts": counts,
        "findings_withdrawn": withdrawn,
        # the latest, for the team confirming what it just logged; afterwards the list has them
        "latest_findings": finding_rows(findings_of(audit).order_by("-number")[:LATEST])
        if (counts or withdrawn) and audit.status in FIELDWORK_STATUSES
        else [],
        "can_log_findings": access.can_log_findings(user, audit) and audit.status in FIELDWORK_STATUSES,
    }
