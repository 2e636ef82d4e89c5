"""A version of the Statement of Applicability as an XLSX file (openpyxl write-only): a few lines
naming the version, then one row per control. Every cell is text; text a spreadsheet would take
for a formula gets a leading apostrophe (OWASP CSV injection, `core.exports.csv_safe`)."""

import io

from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from core.exports import csv_safe
from improvement.models import SoaControl, StatementOfApplicability

SHEET_TITLE = "SoA"


def columns() -> list[str]:
    return [
        _("Theme"),
        _("Control"),
        _("Title"),
        _("Applicable"),
        _("Justification"),
        _("Implementation"),
        _("Evidence"),
        _("Action"),
    ]


def applicability(control: SoaControl) -> str:
    if control.applicable is None:
        return _("Not yet decided")
    return _("Yes") if control.applicable else _("No")


def control_row(control: SoaControl) -> list[str]:
    clause = control.clause
    theme = clause.parent
    cells = [
        f"{theme.number} {theme.title}" if theme else "",
        clause.number,
        clause.title,
        applicability(control),
        control.justification,
        control.get_implementation_display() if control.implementation else "",
        control.evidence,
        f"{control.action.reference} {control.action.title}" if control.action_id else "",
    ]
    return [csv_safe(cell) for cell in cells]


def heading_rows(soa: StatementOfApplicability) -> list[list[str]]:
    rows = [
        [_("Organisation"), soa.organisation.name],
        [_("Edition"), soa.edition.label],
        [_("Version"), str(soa.label)],
        [_("Status"), soa.get_status_display()],
    ]
    if soa.approved_on:
        rows.append([_("Approved by"), f"{soa.approver_name}, {soa.approver_function}".strip(", ")])
    return [[csv_safe(cell) for cell in row] for row in rows]


def xlsx_filename(soa: StatementOfApplicability) -> str:
    name = slugify(soa.organisation.name)[:60] or soa.organisation_id
    return f"soa-{name}-v{soa.version}.xlsx"


def xlsx_bytes(soa: StatementOfApplicability, controls) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    bold = Font(bold=True)
    for row in heading_rows(soa):
        sheet.append([_cell(sheet, row[0], bold), _cell(sheet, row[1], None)])
    sheet.append([])
    sheet.append([_cell(sheet, name, bold) for name in columns()])
    for control in controls:
        sheet.append([_cell(sheet, value, None) for value in control_row(control)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(sheet, value: str, font: Font | None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"  # set after the value: openpyxl would store "=…" as a formula
    if font is not None:
        cell.font = font
    return cell
