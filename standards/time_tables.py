"""Checks on an audit-time table loaded as data (DOMAIN.md §3.6): pure functions over rows.

A usable table has, for each complexity column, bands that start at 1 person and follow one
another without gap or overlap, every column on the same bands, and days in half days.
"""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple


class Row(NamedTuple):
    complexity: str
    personnel_min: int
    personnel_max: int
    days: Decimal


def _column_problems(complexity: str, rows: list[Row]) -> list[str]:
    problems, expected = [], 1
    for row in rows:
        if row.personnel_min != expected:
            what = "a gap" if row.personnel_min > expected else "an overlap"
            problems.append(f"Column '{complexity}': {what} before the band starting at {row.personnel_min}.")
        if (row.days * 2) % 1:
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
