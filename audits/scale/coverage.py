"""Which clauses each audit of the data set covers, made by the database: `_default_coverage` of
`audits.services.programmes` for every audit at once. Stage 1, stage 2 and recertification cover
every assessable clause of the programme's editions; the two surveillances each cover internal
audit, management review and corrective action and share the other clauses out in the
programme's order (standard number, then position), the first taking the larger half.

These rows are over half of the data set's and depend only on rows already written (the audit's
kind and its programme's editions), so one INSERT ... SELECT per batch of audits makes them,
instead of building a million and a half objects in Python. Portable SQL: window functions run on
PostgreSQL and SQLite alike.
"""

from collections.abc import Sequence

from django.db import connection

from audits.enums import INITIAL_KINDS, MANDATORY_SURVEILLANCE_KEYS, SURVEILLANCES
from audits.models import Audit, ProgrammeEdition
from core.scale import Bulk
from standards.models import Clause, Edition, Standard


def _tables() -> dict[str, str]:
    """The quoted names of the tables and columns the statements use: from the models' metadata,
    never from input; every value goes in as a parameter."""
    quote, through = connection.ops.quote_name, Audit.clauses.through._meta
    return {
        "through": quote(through.db_table),
        "columns": f"{quote(through.get_field('audit').column)}, {quote(through.get_field('clause').column)}",
        "audit": quote(Audit._meta.db_table),
        "programme_edition": quote(ProgrammeEdition._meta.db_table),
        "clause": quote(Clause._meta.db_table),
        "edition": quote(Edition._meta.db_table),
        "standard": quote(Standard._meta.db_table),
    }


def _mandatory() -> str:
    return "(" + " OR ".join(f"c.hs_key LIKE '{key}%%'" for key in MANDATORY_SURVEILLANCE_KEYS) + ")"


def _placeholders(values: Sequence) -> str:
    return ", ".join(["%s"] * len(values))


def whole_system_sql(audit_ids: Sequence[int]) -> tuple[str, list]:
    t = _tables()
    sql = (
        f"INSERT INTO {t['through']} ({t['columns']}) "  # noqa: S608 - see _tables
        f"SELECT a.id, c.id FROM {t['audit']} a "
        f"JOIN {t['programme_edition']} pe ON pe.programme_id = a.programme_id "
        f"JOIN {t['clause']} c ON c.edition_id = pe.edition_id "
        f"WHERE c.assessable AND a.kind IN ({_placeholders(INITIAL_KINDS)}) "
        f"AND a.id IN ({_placeholders(audit_ids)})"
    )
    return sql, [*INITIAL_KINDS, *audit_ids]


def surveillance_sql(audit_ids: Sequence[int]) -> tuple[str, list]:
    t, mandatory = _tables(), _mandatory()
    first, second = SURVEILLANCES
    ranked = (
        f"SELECT a.id AS audit_id, a.kind AS kind, c.id AS clause_id, {mandatory} AS mandatory, "  # noqa: S608
        f"ROW_NUMBER() OVER (PARTITION BY a.id, {mandatory} ORDER BY s.number, c.position) AS n, "
        f"COUNT(*) OVER (PARTITION BY a.id, {mandatory}) AS total "
        f"FROM {t['audit']} a "
        f"JOIN {t['programme_edition']} pe ON pe.programme_id = a.programme_id "
        f"JOIN {t['clause']} c ON c.edition_id = pe.edition_id "
        f"JOIN {t['edition']} e ON e.id = c.edition_id "
        f"JOIN {t['standard']} s ON s.id = e.standard_id "
        f"WHERE c.assessable AND a.kind IN (%s, %s) AND a.id IN ({_placeholders(audit_ids)})"
    )
    sql = (
        f"INSERT INTO {t['through']} ({t['columns']}) "  # noqa: S608 - see _tables
        f"SELECT audit_id, clause_id FROM ({ranked}) ranked "
        "WHERE mandatory OR (kind = %s AND n <= (total + 1) / 2) OR (kind = %s AND n > (total + 1) / 2)"
    )
    return sql, [first, second, *audit_ids, first, second]


def coverage_write(bulk: Bulk, audit_ids: list[int]) -> None:
    """Every audit's clauses, a batch of audits per statement."""
    label = Audit.clauses.through._meta.label
    for start in range(0, len(audit_ids), bulk.batch_size):
        batch = audit_ids[start : start + bulk.batch_size]
        for sql, params in (whole_system_sql(batch), surveillance_sql(batch)):
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                bulk.counts[label] += cursor.rowcount
