from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from standards.models import AuditTimeRow, Clause, Edition, Standard
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


def time_tables_for(standard_ids: list[int]) -> dict[int, Table]:
    """The audit-time table of each of these standards that has one, in one query (plain values:
    every page that shows an audit time reads a table)."""
    rows = (
        AuditTimeRow.objects.filter(table__standard_id__in=set(standard_ids))
        .order_by("table_id", "pk")
        .values_list(
            "table__standard_id",
            "table__title",
            "table__notes",
            "table__source",
            "complexity",
            "personnel_min",
            "personnel_max",
            "days",
        )
    )
    grouped: dict[int, tuple[tuple[str, str, str], list[Row]]] = {}
    for standard_id, title, notes, source, *row in rows:
        grouped.setdefault(standard_id, ((title, notes, source), []))[1].append(Row(*row))
    return {
        standard_id: table_from_rows(title, found, notes=notes, source=source)
        for standard_id, ((title, notes, source), found) in grouped.items()
    }


def time_table_for(standard_id: int) -> Table | None:
    return time_tables_for([standard_id]).get(standard_id)
