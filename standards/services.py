"""Writing the catalogue files, and audit-time tables, into the database."""

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from core.errors import DomainError
from core.records import assign_changes
from standards.catalogue import CATALOGUE_DIR, EditionSpec, read_catalogue
from standards.models import AuditTimeRow, AuditTimeTable, Clause, Edition, Standard
from standards.time_tables import BuiltInTable, Row, built_in_tables, table_problems


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=lambda: {"standards": 0, "editions": 0, "clauses": 0})
    updated: dict[str, int] = field(default_factory=lambda: {"standards": 0, "editions": 0, "clauses": 0})
    retired: list[str] = field(default_factory=list)
    time_tables: list[str] = field(default_factory=list)  # what happened to each built-in table

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())


def _save_changes(instance, values: dict) -> bool:
    changed = assign_changes(instance, values)
    if changed:
        instance.save(update_fields=changed)
    return bool(changed)


def _upsert(model, lookup: dict, values: dict, report: LoadReport, kind: str):
    return _create_or_update(model, lookup, values, report, kind, model.objects.filter(**lookup).first())


def _create_or_update(model, lookup: dict, values: dict, report: LoadReport, kind: str, instance):
    if instance is None:
        report.created[kind] += 1
        return model.objects.create(**lookup, **values)
    if _save_changes(instance, values):
        report.updated[kind] += 1
    return instance


@transaction.atomic
def catalogue_load(*, directory: Path = CATALOGUE_DIR) -> LoadReport:
    """Create or update standards, editions and clauses from the files; a second run changes nothing.

    Every file is validated before anything is written. Clauses that left a file are kept
    (findings and answers may point at them) and reported as retired.
    """
    specs = read_catalogue(directory)
    report = LoadReport()
    editions = {}
    for spec in specs:
        standard = _upsert(
            Standard,
            {"code": spec.standard_code},
            {
                "slug": slugify(spec.standard_code),
                "number": spec.standard_number,
                "title": spec.standard_title,
                "discipline": spec.discipline,
            },
            report,
            "standards",
        )
        editions[spec.standard_code, spec.year] = _load_edition(standard, spec, report)
    for spec in specs:
        supersedes = editions.get((spec.standard_code, spec.supersedes_year))
        _upsert(
            Edition,
            {"pk": editions[spec.standard_code, spec.year].pk},
            {"supersedes_id": supersedes.pk if supersedes else None},
            report,
            "editions",
        )
    report.time_tables = built_in_time_tables_load()
    return report


def _load_edition(standard: Standard, spec: EditionSpec, report: LoadReport) -> Edition:
    edition = _upsert(
        Edition,
        {"standard": standard, "year": spec.year},
        {
            "title": spec.title,
            "kind": spec.kind,
            "certifiable": spec.certifiable,
            "status": spec.status,
            "published_on": spec.published_on,
            "transition_end_on": spec.transition_end_on,
            "last_initial_audit_on": spec.last_initial_audit_on,
            "amendments": list(spec.amendments),
            "notes": spec.notes,
        },
        report,
        "editions",
    )
    existing = {clause.number: clause for clause in edition.clauses.all()}
    _release_moved_hs_keys(existing, spec)
    by_number: dict[str, Clause] = {}
    for clause_spec in spec.clauses:
        values = {
            "title": clause_spec.title,
            "summary": clause_spec.summary,
            "assessable": clause_spec.assessable,
            "is_chapter": clause_spec.is_chapter,
            "hs_key": clause_spec.hs_key,
            "position": clause_spec.position,
            "depth": clause_spec.depth,
            "parent_id": by_number[clause_spec.parent_number].pk if clause_spec.parent_number else None,
        }
        by_number[clause_spec.number] = _create_or_update(
            Clause,
            {"edition": edition, "number": clause_spec.number},
            values,
            report,
            "clauses",
            existing.get(clause_spec.number),
        )
    report.retired += [f"{edition.label} {number}" for number in sorted(set(existing) - set(by_number))]
    return edition


def _release_moved_hs_keys(existing: dict[str, Clause], spec: EditionSpec) -> None:
    """Blank the keys that move to another clause, so the one-key-per-edition rule holds throughout."""
    wanted = {clause.number: clause.hs_key for clause in spec.clauses}
    for clause in existing.values():
        if clause.hs_key and wanted.get(clause.number) != clause.hs_key:
            _save_changes(clause, {"hs_key": ""})


class AuditTimeTableError(DomainError):
    pass


@transaction.atomic
def audit_time_table_load(
    *, standard: Standard, title: str, source: str, rows: list[Row], notes: str = ""
) -> AuditTimeTable:
    """Create or replace the standard's audit-time table with these rows, all or nothing.

    Audit times are computed from the table whenever they are shown, so every programme of the
    standard reads the new values at once; audits planned on the old ones are flagged by the
    planning checks until their planner applies the new suggestion.
    """
    problems = table_problems(rows)
    if problems:
        raise AuditTimeTableError(" ".join(problems))
    table, _ = AuditTimeTable.objects.update_or_create(
        standard=standard, defaults={"title": title, "source": source, "notes": notes}
    )
    table.rows.all().delete()  # table rows are reference data, replaced as a whole
    AuditTimeRow.objects.bulk_create(AuditTimeRow(table=table, **row._asdict()) for row in rows)
    return table


def _same_rows(table: AuditTimeTable, rows: list[Row]) -> bool:
    stored = {(r.complexity, r.personnel_min, r.personnel_max, r.days) for r in table.rows.all()}
    return stored == {tuple(row) for row in rows}


def _built_in_load(standard: Standard, built_in: BuiltInTable) -> str:
    table = AuditTimeTable.objects.filter(standard=standard).prefetch_related("rows").first()
    ours = table is not None and (table.title, table.source) == (built_in.title, built_in.source)
    if table is not None and not ours:
        return f"{standard}: kept the table an administrator loaded ({table.title})."
    if ours and table.notes == built_in.notes and _same_rows(table, built_in.rows):
        return f"{standard}: {built_in.title} unchanged."
    audit_time_table_load(
        standard=standard,
        title=built_in.title,
        source=built_in.source,
        rows=built_in.rows,
        notes=built_in.notes,
    )
    return f"{standard}: {built_in.title} {'updated' if ours else 'loaded'}."


@transaction.atomic
def built_in_time_tables_load(*, standards: list[Standard] | None = None) -> list[str]:
    """Load the tables the catalogue ships for the standards in the database (or these ones).

    A table an administrator loaded for the standard (another title or source) is kept.
    """
    wanted = standards if standards is not None else list(Standard.objects.all())
    by_code = {standard.code: standard for standard in wanted}
    return [
        _built_in_load(by_code[built_in.standard_code], built_in)
        for built_in in built_in_tables()
        if built_in.standard_code in by_code
    ]
