"""What the internal-audit pages read: bounded lists in a constant number of queries, and the
programme's coverage matrix (rule 40)."""

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects

from improvement.enums import COMPLETED_AUDIT_STATUSES, InternalAuditStatus
from improvement.internal_audit_rules import AuditScope, Unit, counts_for_coverage, coverage
from improvement.models import (
    AuditorTraining,
    ChecklistItem,
    InternalAudit,
    InternalAuditor,
    InternalAuditProgramme,
    InternalFinding,
    Process,
)
from improvement.services.gap import answer_units
from organisations.models import Organisation, OrganisationMembership
from standards.models import Clause

PAGE_SIZE = 25
COVERAGE_PAGE_SIZE = 60  # units a page of the matrix shows
CHECKLIST_PAGE_SIZE = 20


def page_of(items, number, size: int = PAGE_SIZE) -> Page:
    return Paginator(items, size).get_page(number)


def active_auditors() -> Prefetch:
    return Prefetch(
        "auditors",
        queryset=InternalAuditor.objects.filter(removed_at__isnull=True).select_related("user"),
        to_attr="active_auditors",
    )


def processes_of(organisation: Organisation) -> QuerySet[Process]:
    return (
        Process.objects.filter(organisation=organisation)
        .select_related("owner")
        .prefetch_related("sites")
        .order_by("-is_active", "name")
    )


def members_with_trainings(organisation: Organisation) -> QuerySet[OrganisationMembership]:
    return (
        organisation.memberships.filter(is_active=True)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "auditor_trainings",
                queryset=AuditorTraining.objects.filter(removed_at__isnull=True).select_related("standard"),
                to_attr="trainings",
            )
        )
        .order_by("user__full_name", "pk")
    )


def programmes_of(programmes: QuerySet[InternalAuditProgramme]) -> QuerySet[InternalAuditProgramme]:
    return (
        programmes.prefetch_related("editions__standard")
        .annotate(
            audit_count=Count(
                "audits", filter=~Q(audits__status=InternalAuditStatus.CANCELLED), distinct=True
            ),
            completed_count=Count(
                "audits", filter=Q(audits__status__in=COMPLETED_AUDIT_STATUSES), distinct=True
            ),
        )
        .order_by("-starts_on", "-pk")
    )


def audits_of(programme: InternalAuditProgramme) -> QuerySet[InternalAudit]:
    return (
        programme.audits.prefetch_related(active_auditors(), "processes", "sites")
        .annotate(clause_count=Count("clauses", distinct=True))
        .order_by("starts_on", "number")
    )


def editions_of(programme: InternalAuditProgramme) -> list:
    return list(programme.editions.select_related("standard").order_by("standard__number", "year"))


def clause_label(clause: Clause) -> str:
    return f"{clause.edition.label} {clause.number} {clause.title}"


# --- Rule 40: the coverage matrix ----------------------------------------------------------------


@dataclass
class CoverageRow:
    clause: Clause
    shared_key: str
    covered_by: list[int]  # audit ids
    cells: list[bool] = field(default_factory=list)


@dataclass
class Coverage:
    audits: list[InternalAudit]  # the completed audits of the period: the matrix's columns
    rows: list[CoverageRow]
    page: Page
    chapters: list[tuple[str, list[CoverageRow]]]  # this page's rows, by chapter

    @property
    def uncovered(self) -> list[CoverageRow]:
        return [row for row in self.rows if not row.covered_by]

    @property
    def covered_count(self) -> int:
        return len(self.rows) - len(self.uncovered)


def _scopes(programme: InternalAuditProgramme) -> list[AuditScope]:
    through = InternalAudit.clauses.through.objects.filter(internalaudit__programme=programme)
    clauses: dict[int, set[int]] = {}
    keys: dict[int, set[str]] = {}
    rows = through.values_list("internalaudit_id", "clause_id", "clause__hs_key").order_by()
    for audit_id, clause_id, key in rows:
        clauses.setdefault(audit_id, set()).add(clause_id)
        if key:
            keys.setdefault(audit_id, set()).add(key)
    return [
        AuditScope(
            audit_id=pk,
            status=status,
            starts_on=starts_on,
            clause_ids=frozenset(clauses.get(pk, ())),
            hs_keys=frozenset(keys.get(pk, ())),
        )
        for pk, status, starts_on in InternalAudit.objects.filter(programme=programme)
        .values_list("pk", "status", "starts_on")
        .order_by()
    ]


def scope_units(editions: list) -> list[tuple[Clause, str]]:
    """The programme's assessable clauses, HS-shared ones once (as the gap analysis answers them),
    with their chapter and edition read in two more queries."""
    units = answer_units(editions)
    prefetch_related_objects([clause for clause, _ in units], "parent", "edition__standard")
    return units


def programme_coverage(programme: InternalAuditProgramme, page_number=None) -> Coverage:
    units = scope_units(editions_of(programme))
    scopes = _scopes(programme)
    covering = coverage(
        [Unit(clause.pk, key) for clause, key in units], scopes, programme.starts_on, programme.ends_on
    )
    counted = [s.audit_id for s in scopes if counts_for_coverage(s, programme.starts_on, programme.ends_on)]
    audits = list(programme.audits.filter(pk__in=counted).order_by("starts_on", "number"))
    rows = []
    for clause, key in units:
        covered_by = covering[Unit(clause.pk, key)]
        rows.append(CoverageRow(clause, key, covered_by, [a.pk in covered_by for a in audits]))
    page = page_of(rows, page_number, COVERAGE_PAGE_SIZE)
    chapters: list[tuple[str, list[CoverageRow]]] = []
    for row in page.object_list:
        chapter = row.clause.parent
        heading = (
            f"{row.clause.edition.label} {chapter.number} {chapter.title}"
            if chapter and not row.shared_key
            else (f"{chapter.number} {chapter.title}" if chapter else row.clause.edition.label)
        )
        if not chapters or chapters[-1][0] != heading:
            chapters.append((heading, []))
        chapters[-1][1].append(row)
    return Coverage(audits=audits, rows=rows, page=page, chapters=chapters)


# --- One audit -----------------------------------------------------------------------------------


def audit_clauses(audit: InternalAudit) -> list[Clause]:
    return list(
        audit.clauses.select_related("edition__standard").order_by(
            "edition__standard__number", "edition__year", "position"
        )
    )


def findings_of(audit: InternalAudit) -> QuerySet[InternalFinding]:
    return audit.findings.select_related(
        "clause__edition__standard", "process", "site", "action__owner", "created_by"
    ).order_by("number")


def checklist_of(audit: InternalAudit) -> QuerySet[ChecklistItem]:
    return audit.checklist.select_related("clause__edition__standard", "updated_by").order_by(
        "clause__edition__standard__number", "clause__edition__year", "clause__position"
    )


def checklist_counts(audit: InternalAudit) -> dict[str, int]:
    return dict(audit.checklist.values_list("result").annotate(n=Count("pk")).order_by())
