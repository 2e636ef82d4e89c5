"""The gap analysis as a CSV file that a spreadsheet opens as it is (see `core.exports`), and as
an XLSX workbook to fill in and upload again (`gap_xlsx_write`, `gap_xlsx_read`)."""

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from zipfile import BadZipFile

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from core import bounds
from core.exports import BOM, Writable, csv_safe
from improvement.enums import AnswerStatus
from improvement.gap_rules import NA_NEEDS_JUSTIFICATION, lacks_justification
from improvement.models import GapAnalysis
from improvement.selectors.gap import gap_sheet
from improvement.services.gap import ImportedAnswer

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


# --- The analysis as a spreadsheet to fill in and give back -----------------------------------

XLSX_COLUMNS = [
    "answer",
    "edition",
    "clause",
    "title",
    "status",
    "justification",
    "evidence notes",
    "counts for",
]
ANSWER, STATUS, JUSTIFICATION, NOTES = 0, 4, 5, 6  # the columns read back
STATUS_COLUMN_LETTER = "E"


def gap_xlsx_filename(analysis: GapAnalysis) -> str:
    return f"gap-analysis-{analysis.pk}-{slugify(analysis.title)}.xlsx"


def _cell_text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def gap_xlsx_write(analysis: GapAnalysis, out) -> None:
    """The answers, one row each in page order, to fill in: the status from a list (its labels),
    the justification and the notes. The first column names each answer for the upload: kept as
    it is, it is how a row finds its answer again."""
    sheet = gap_sheet(analysis)
    counts_for = {row.answer.pk: row.counts_for for row in sheet.rows}
    book = Workbook()
    page = book.active
    page.title = _("Answers")[:31]
    page.append([_(name) for name in XLSX_COLUMNS])
    for cell in page[1]:
        cell.font = Font(bold=True)
    for answer in sheet.answers:
        page.append(
            [
                answer.pk,
                answer.clause.edition.label,
                answer.clause.number,
                _cell_text(answer.clause.title),
                str(answer.get_status_display()),
                _cell_text(answer.justification),
                _cell_text(answer.notes),
                counts_for.get(answer.pk, ""),
            ]
        )
    labels = ",".join(str(label) for label in AnswerStatus.labels)
    statuses = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=False)
    statuses.error = _("Choose a status from the list.")
    statuses.add(f"{STATUS_COLUMN_LETTER}2:{STATUS_COLUMN_LETTER}{len(sheet.answers) + 1}")
    page.add_data_validation(statuses)
    page.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGH", (9, 18, 9, 50, 22, 40, 40, 18), strict=True):
        page.column_dimensions[letter].width = width
    book.save(out)


@dataclass(frozen=True)
class GapUpload:
    """What an uploaded spreadsheet gives back: its rows, or why it cannot be used (one line each)."""

    rows: list[ImportedAnswer]
    errors: list[str]


def _status_of(value: object) -> str | None:
    """The status a cell names, by its label (as the list gives it) or its value; None if none."""
    given = str(value or "").strip().casefold()
    for status in AnswerStatus:
        if given in (str(status.label).casefold(), status.value):
            return status.value
    return None


def _text_problem(value: str) -> str | None:
    try:
        MaxLengthValidator(bounds.TEXT_MAX)(value)
        bounds.validate_text(value)
    except ValidationError as invalid:
        return " ".join(invalid.messages)
    return None


# What openpyxl and zipfile raise on a file that is not a workbook, or one without a sheet
UNREADABLE = (BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, IndexError, OSError)


def gap_xlsx_read(analysis: GapAnalysis, upload) -> GapUpload:
    """Read a spreadsheet downloaded from this analysis and filled in. Every row is checked and
    every problem reported with its row number; the file is used only if there is none."""
    try:
        book = load_workbook(upload, read_only=True, data_only=True)
        rows = list(book.worksheets[0].iter_rows(values_only=True, max_col=len(XLSX_COLUMNS)))
    except UNREADABLE:
        return GapUpload([], [_("This file cannot be read as a spreadsheet (.xlsx): nothing was changed.")])
    header = [str(value or "").strip().casefold() for value in (rows[0] if rows else ())]
    expected = [str(_(name)).casefold() for name in XLSX_COLUMNS]
    if header[: len(expected)] != expected:
        return GapUpload(
            [], [_("The first row is not the header of this analysis's download: nothing was changed.")]
        )
    known = set(analysis.answers.values_list("pk", flat=True))
    found, errors, seen = [], [], set()
    for number, values in enumerate(rows[1:], start=2):
        values = list(values) + [None] * (len(XLSX_COLUMNS) - len(values))
        if all(value in (None, "") for value in values):
            continue
        problems = []
        answer_id = values[ANSWER]
        if (
            not isinstance(answer_id, int | float)
            or int(answer_id) != answer_id
            or int(answer_id) not in known
        ):
            problems.append(_("its first column does not name an answer of this analysis"))
        elif int(answer_id) in seen:
            problems.append(_("its answer is on an earlier row too"))
        status = _status_of(values[STATUS])
        if status is None:
            problems.append(
                _("“%(value)s” is not a status: choose one from the list") % {"value": values[STATUS] or ""}
            )
        justification, notes = (str(values[column] or "").strip() for column in (JUSTIFICATION, NOTES))
        for label, text in ((_("justification"), justification), (_("evidence notes"), notes)):
            if problem := _text_problem(text):
                problems.append(f"{label}: {problem}")
        if status and lacks_justification(status, justification):
            problems.append(str(NA_NEEDS_JUSTIFICATION))
        if problems:
            errors.append(_("Row %(row)s: %(problems)s.") % {"row": number, "problems": "; ".join(problems)})
            continue
        seen.add(int(answer_id))
        found.append(ImportedAnswer(int(answer_id), status, justification, notes))
    if not found and not errors:
        errors.append(_("The file has no answers: nothing was changed."))
    return GapUpload(found if not errors else [], errors)
