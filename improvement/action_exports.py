"""The action register as CSV (streamed) and as XLSX, filtered as the register page is.

One mapping from an action to its row (`COLUMNS`, `action_row`); both writers take it. Every cell
is text; text a spreadsheet would take for a formula gets a leading apostrophe (OWASP CSV
injection, `core.exports.csv_safe`), in the XLSX file as in the CSV one.
"""

import csv
import datetime
import io
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from core.exports import BOM, csv_safe
from improvement.models import Action
from organisations.models import Organisation

CHUNK = 500
SHEET_TITLE = "Actions"


def columns() -> list[str]:
    return [
        _("Reference"),
        _("Title"),
        _("Answers"),
        _("Source"),
        _("Source reference"),
        _("Status"),
        _("Owner"),
        _("Due on"),
        _("Overdue"),
        _("Standard"),
        _("Clause"),
        _("Site"),
        _("Nonconformity or opportunity"),
        _("Correction"),
        _("Root cause"),
        _("Corrective action"),
        _("Raised"),
        _("Done"),
        _("Effectiveness reviewed on"),
        _("Reviewed by"),
        _("Effectiveness"),
        _("Effectiveness comment"),
        _("Follows"),
        _("Why cancelled"),
    ]


def _day(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def _person(user) -> str:
    return (user.get_full_name() or user.email) if user else ""


def action_row(action: Action, today: datetime.date) -> list[str]:
    clause = action.clause
    cells = [
        action.reference,
        action.title,
        action.get_kind_display(),
        action.get_source_display(),
        action.source_reference,
        action.get_status_display(),
        _person(action.owner),
        _day(action.due_on),
        _("yes") if action.is_overdue(today) else "",
        clause.edition.label if clause else "",
        f"{clause.number} {clause.title}" if clause else "",
        action.site.name if action.site_id else "",
        action.description,
        action.correction,
        action.root_cause,
        action.corrective_action,
        _day(action.created_at),
        _day(action.done_at),
        _day(action.reviewed_on),
        _person(action.reviewed_by) if action.reviewed_by_id else "",
        action.get_review_result_display() if action.review_result else "",
        action.review_comment,
        action.follows.reference if action.follows_id else "",
        action.cancel_reason,
    ]
    return [csv_safe(cell) for cell in cells]


def export_filename(organisation: Organisation, extension: str, day: datetime.date) -> str:
    return f"actions-{slugify(organisation.name)[:60] or organisation.pk}-{day.isoformat()}.{extension}"


def _rows(actions: QuerySet[Action]) -> Iterator[list[str]]:
    today = timezone.localdate()
    for action in actions.iterator(chunk_size=CHUNK):
        yield action_row(action, today)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(actions: QuerySet[Action]) -> Iterator[str]:
    """UTF-8 with a byte-order mark, comma-separated, RFC 4180 quoting; one line at a time."""
    writer = csv.writer(_Echo(), dialect="excel")
    yield BOM
    yield writer.writerow([csv_safe(name) for name in columns()])
    for row in _rows(actions):
        yield writer.writerow(row)


def xlsx_bytes(actions: QuerySet[Action]) -> bytes:
    """One sheet, a bold header row, every cell a string, never a formula (openpyxl write-only)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    bold = Font(bold=True)
    sheet.append([_text_cell(sheet, name, bold) for name in columns()])
    for row in _rows(actions):
        sheet.append([_text_cell(sheet, value, None) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(sheet, value: str, font: Font | None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"  # set after the value: openpyxl would store "=…" as a formula
    if font is not None:
        cell.font = font
    return cell
