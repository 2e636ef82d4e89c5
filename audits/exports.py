"""The gap analysis as a CSV file that a spreadsheet opens as it is.

UTF-8 with a byte-order mark, so that Excel reads the accents of names and notes right instead
of guessing a legacy code page; and every cell that a spreadsheet would take for a formula is
neutralised (CSV injection, OWASP).
"""

import csv
from collections.abc import Iterator
from typing import Protocol

from django.utils.text import slugify

from audits.models import GapAnalysis
from audits.selectors.gap import gap_sheet

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADER = [
    "edition",
    "clause",
    "title",
    "shared HS key",
    "status",
    "justification",
    "evidence notes",
    "action",
    "action owner",
    "action due on",
    "action done",
    "updated by",
    "updated at",
    "counts for",
]


class Writable(Protocol):
    def write(self, text: str, /) -> object: ...


def gap_csv_filename(analysis: GapAnalysis) -> str:
    return f"gap-analysis-{analysis.pk}-{slugify(analysis.title)}.csv"


def gap_csv_write(analysis: GapAnalysis, out: Writable) -> None:
    """Write the analysis, one line per answer in page order, to a text stream."""
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    writer.writerows([csv_safe(value) for value in values] for values in _lines(analysis))


def _lines(analysis: GapAnalysis) -> Iterator[tuple[object, ...]]:
    sheet = gap_sheet(analysis)
    counts_for = {row.answer.pk: row.counts_for for row in sheet.rows}
    for answer in sheet.answers:
        yield (
            answer.clause.edition.label,
            answer.clause.number,
            answer.clause.title,
            answer.hs_key,
            answer.get_status_display(),
            answer.justification,
            answer.notes,
            answer.action,
            answer.action_owner or "",
            answer.action_due_on or "",
            "yes" if answer.action_done else "",
            answer.updated_by or "",
            answer.updated_at.isoformat() if answer.updated_at else "",
            counts_for.get(answer.pk, ""),
        )


def csv_safe(value: object) -> str:
    """Neutralise spreadsheet formulas in user text: a leading quote makes the cell plain text."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
