"""Audit-time tables (DOMAIN.md §3): reading, checking and looking up days. Pure functions.

A table gives the initial audit time (stage 1 + stage 2) in auditor-days per band of effective
personnel and per complexity column. Every table is data: the ones the catalogue ships (IAF MD 5,
ISO/IEC 27006-1) sit as CSV files under `catalogue/audit-time/`, and an administrator loads others
(or newer issues) the same way. A usable table has, for each complexity column, bands that start
at 1 person and follow one another without gap or overlap, every column on the same bands, and
days in half days.
"""

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NamedTuple

import yaml

BUILT_IN_DIR = Path(__file__).resolve().parent / "catalogue" / "audit-time"
CSV_COLUMNS = ["complexity", "personnel_min", "personnel_max", "days"]


def is_half_days(days: Decimal) -> bool:
    """Audit time is counted in half days (IAF MD 5 rounds to the nearest half day)."""
    return not (days * 2) % 1


class AuditTimeError(ValueError):
    """The calculation is refused; the message says why, in words an auditor can act on."""


class Row(NamedTuple):
    complexity: str
    personnel_min: int
    personnel_max: int
    days: Decimal


@dataclass(frozen=True)
class Table:
    """One audit-time table: days per band and complexity column, columns in the table's order."""

    title: str
    bands: tuple[tuple[int, int], ...]
    columns: dict[str, tuple[Decimal, ...]]
    notes: str = ""
    source: str = ""

    def days(self, personnel: int, complexity: str) -> Decimal:
        if complexity not in self.columns:
            raise AuditTimeError(
                f"{self.title} has no '{complexity}' column; use one of {', '.join(self.columns)}."
            )
        if personnel < 1:
            raise AuditTimeError("Effective personnel must be at least 1.")
        for (first, last), days in zip(self.bands, self.columns[complexity], strict=True):
            if first <= personnel <= last:
                return days
        raise AuditTimeError(
            f"{personnel} people is beyond {self.title} (last band ends at {self.bands[-1][1]}): "
            "follow the progression and enter the time as an override with its justification."
        )


def table_from_rows(title: str, rows: Iterable[Row], *, notes: str = "", source: str = "") -> Table:
    """Build a table from checked rows; columns keep the order in which they first appear."""
    columns: dict[str, list[Row]] = {}
    for row in rows:
        columns.setdefault(row.complexity, []).append(row)
    for column in columns.values():
        column.sort(key=lambda row: row.personnel_min)
    first = next(iter(columns.values()), [])
    return Table(
        title=title,
        bands=tuple((row.personnel_min, row.personnel_max) for row in first),
        columns={name: tuple(row.days for row in column) for name, column in columns.items()},
        notes=notes,
        source=source,
    )


def _column_problems(complexity: str, rows: list[Row]) -> list[str]:
    problems, expected = [], 1
    for row in rows:
        if row.personnel_min != expected:
            what = "a gap" if row.personnel_min > expected else "an overlap"
            problems.append(f"Column '{complexity}': {what} before the band starting at {row.personnel_min}.")
        if not is_half_days(row.days):
            problems.append(
                f"Column '{complexity}', {row.personnel_min}–{row.personnel_max}: days in half days."
            )
        expected = row.personnel_max + 1
    return problems


def table_problems(rows: Iterable[Row]) -> list[str]:
    """What stops the rows from making a table; an empty list means they do."""
    columns: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        columns[row.complexity].append(row)
    if not columns:
        return ["The table has no rows."]
    problems = []
    bands = {}
    for complexity, column in sorted(columns.items()):
        column.sort(key=lambda row: row.personnel_min)
        problems += _column_problems(complexity, column)
        bands[complexity] = [(row.personnel_min, row.personnel_max) for row in column]
    first, *others = sorted(bands)
    problems += [
        f"Column '{other}' has other bands than column '{first}'."
        for other in others
        if bands[other] != bands[first]
    ]
    return problems


def read_rows(path: Path) -> list[Row]:
    """The rows of a CSV file with the columns complexity,personnel_min,personnel_max,days."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != CSV_COLUMNS:
            raise AuditTimeError(f"{path.name}: the header must be {','.join(CSV_COLUMNS)}.")
        try:
            return [
                Row(
                    (r["complexity"] or "").strip() or "all",
                    int(r["personnel_min"]),
                    int(r["personnel_max"]),
                    Decimal(r["days"]),
                )
                for r in reader
            ]
        except (TypeError, ValueError, InvalidOperation) as error:
            raise AuditTimeError(f"{path.name}, line {reader.line_num}: {error}") from error


@dataclass(frozen=True)
class BuiltInTable:
    standard_code: str
    title: str
    source: str
    notes: str
    rows: list[Row]

    @property
    def table(self) -> Table:
        return table_from_rows(self.title, self.rows, notes=self.notes, source=self.source)


def built_in_tables(directory: Path = BUILT_IN_DIR) -> list[BuiltInTable]:
    """The tables the catalogue ships, read from `tables.yaml` and its CSV files."""
    entries = yaml.safe_load((directory / "tables.yaml").read_text(encoding="utf-8"))
    return [
        BuiltInTable(
            standard_code=entry["standard"],
            title=entry["title"],
            source=entry["source"],
            notes=entry.get("notes", ""),
            rows=read_rows(directory / entry["file"]),
        )
        for entry in entries
    ]
