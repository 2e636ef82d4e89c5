"""The gap analysis as a CSV file that a spreadsheet opens as it is (see `core.exports`)."""

import csv
from collections.abc import Iterator

from django.utils.text import slugify

from core.exports import BOM, Writable, csv_safe
from improvement.models import GapAnalysis
from improvement.selectors.gap import gap_sheet

CSV_HEADER = [
    "edition",
    "clause",
    "title",
    "shared HS key",
    "status",
    "justification",
    "evidence notes",
    "actions",
    "updated by",
    "updated at",
    "counts for",
]


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
            "; ".join(f"{a.reference} {a.title} ({a.get_status_display()})" for a in answer.actions.all()),
            answer.updated_by or "",
            answer.updated_at.isoformat() if answer.updated_at else "",
            counts_for.get(answer.pk, ""),
        )
