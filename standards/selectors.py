import datetime
from dataclasses import dataclass, field
from functools import lru_cache

from django.db.models import Count, Prefetch, Q, QuerySet

from standards.models import AuditTimeTable, Clause, Edition, Standard
from standards.time_tables import Row, Table, table_from_rows


@dataclass
class ClauseNode:
    clause: Clause
    matches: bool = True
    children: list["ClauseNode"] = field(default_factory=list)


def standards_with_editions() -> QuerySet[Standard]:
    editions = Edition.objects.annotate(
        clause_count=Count("clauses"), assessable_count=Count("clauses", filter=Q(clauses__assessable=True))
    ).order_by("-year")
    return Standard.objects.prefetch_related(Prefetch("editions", queryset=editions))


def _clause_query(query: str) -> Q:
    return Q(number__istartswith=query) | Q(title__icontains=query) | Q(summary__icontains=query)


def clause_search(query: str, *, limit: int = 50) -> QuerySet[Clause]:
    """Clauses of every edition whose number starts with, or title or summary contains, `query`."""
    return (
        Clause.objects.filter(_clause_query(query))
        .select_related("edition__standard")
        .order_by("edition__standard__code", "-edition__year", "position")[:limit]
    )


def clause_tree(edition: Edition, query: str = "") -> list[ClauseNode]:
    """The edition's clauses as a tree. With a query: the matching clauses and their ancestors."""
    clauses = list(edition.clauses.order_by("position"))
    matching = {c.pk for c in edition.clauses.filter(_clause_query(query)).only("pk")} if query else None
    nodes = {c.pk: ClauseNode(c, matches=matching is None or c.pk in matching) for c in clauses}
    roots: list[ClauseNode] = []
    for clause in clauses:
        node = nodes[clause.pk]
        (nodes[clause.parent_id].children if clause.parent_id else roots).append(node)
    return roots if matching is None else _prune(roots)


def _prune(nodes: list[ClauseNode]) -> list[ClauseNode]:
    kept = []
    for node in nodes:
        node.children = _prune(node.children)
        if node.matches or node.children:
            kept.append(node)
    return kept


TableVersion = tuple[int, datetime.datetime]  # (table id, updated_at): a load or an edit gives a new one


@lru_cache(maxsize=256)
def _table_version(table_id: int, updated_at: datetime.datetime) -> Table:
    """One version of a table, read once per process: loading or editing a table saves it, which
    changes `updated_at`, so a cached version never goes stale."""
    table = AuditTimeTable.objects.only("title", "notes", "source").get(pk=table_id)
    rows = table.rows.order_by("pk").values_list("complexity", "personnel_min", "personnel_max", "days")
    return table_from_rows(table.title, [Row(*row) for row in rows], notes=table.notes, source=table.source)


def time_table_versions(versions: dict[int, TableVersion | None]) -> dict[int, Table]:
    """The table of each standard from its version ({standard id: (table id, updated_at) or None}),
    which a caller reads along with its own rows (see `audits.selectors.programmes`)."""
    return {standard_id: _table_version(*version) for standard_id, version in versions.items() if version}


def time_tables_for(standard_ids: list[int]) -> dict[int, Table]:
    """The audit-time table of each of these standards that has one."""
    versions = AuditTimeTable.objects.filter(standard_id__in=set(standard_ids)).values_list(
        "standard_id", "pk", "updated_at"
    )
    return time_table_versions({standard_id: (pk, updated_at) for standard_id, pk, updated_at in versions})


def time_table_for(standard_id: int) -> Table | None:
    return time_tables_for([standard_id]).get(standard_id)
