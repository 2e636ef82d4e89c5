"""The register in the IAF CertSearch upload format (DOMAIN.md §6.3), as CSV and as XLSX.

The mapping from a certificate revision to a CertSearch row is written once (`COLUMNS`,
`STATUS_NAMES`, `certsearch_row`); both writers take the rows it builds. Every cell is text, and
text that a spreadsheet would take for a formula gets a leading apostrophe (OWASP CSV injection,
`core.exports.csv_safe`), in the XLSX file as in the CSV one.
"""

import csv
import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from certificates.enums import CertificateStatus
from certificates.models import CertificateRevision
from core.exports import BOM, Writable, csv_safe
from standards.models import Edition

SHEET_TITLE = "Certifications"
ACCREDITED = "Accredited"
CERTIFICATION_TYPE = "Management System"
SITE_SEPARATOR = " | "
SECTOR_SEPARATOR = "; "
MIN_WIDTH, MAX_WIDTH = 10, 60

# The app's certificate statuses as CertSearch names them (DOMAIN §6.2). A superseded revision is
# never exported: only a certificate's current revision is.
STATUS_NAMES: dict[str, str] = {
    CertificateStatus.ACTIVE: "Active",
    CertificateStatus.SUSPENDED: "Suspended",
    CertificateStatus.WITHDRAWN: "Withdrawn",
    CertificateStatus.EXPIRED: "Expired",
    CertificateStatus.CANCELLED: "Cancelled",
    CertificateStatus.DRAFT: "Draft",
}

# CertSearch's column names, in the upload template's order, and the row field each one holds
COLUMNS: dict[str, str] = {
    "Certification Identity Number": "identity",
    "Certificate Number": "number",
    "Certification Status": "status",
    "Accreditation Status": "accreditation",
    "Certification Type": "certification_type",
    "Certification Scope": "scope",
    "Certification Original Issue Date": "original_issue_date",
    "Certification Issue Date": "issue_date",
    "Certification Expiry Date": "expiry_date",
    "Certified Entity Name": "entity_name",
    "Standard": "standard",
    "Country": "country",
    "Certification Site Addresses": "site_addresses",
    "Technical Sectors": "technical_sectors",
}


@dataclass(frozen=True)
class CertSearchRow:
    """One certification as CertSearch takes it; every value is the text of its cell."""

    identity: str
    number: str
    status: str
    accreditation: str
    certification_type: str
    scope: str
    original_issue_date: str
    issue_date: str
    expiry_date: str
    entity_name: str
    standard: str
    country: str
    site_addresses: str
    technical_sectors: str

    def cells(self) -> list[str]:
        """The row's values in `COLUMNS` order, neutralised against formulas."""
        return [csv_safe(getattr(self, field)) for field in COLUMNS.values()]


def certsearch_date(day: datetime.date) -> str:
    return day.strftime("%Y%m%d")


def certsearch_row(revision: CertificateRevision) -> CertSearchRow:
    """The CertSearch row of a certificate's current, accredited revision.

    "Certificate Number" is the number as printed on the certificate, `Certificate.number`: it
    stays the same across reissues, which CertSearch tracks through the issue date (the revision
    suffix of `CertificateRevision.identifier` would make each reissue a new certification there).
    The identity number is the CB's internal unique key, `<CB id>-<certificate id>`.
    """
    certificate = revision.certificate
    return CertSearchRow(
        identity=f"{certificate.certification_body_id}-{certificate.pk}",
        number=certificate.number,
        status=STATUS_NAMES[certificate.status],
        accreditation=ACCREDITED,
        certification_type=CERTIFICATION_TYPE,
        scope=revision.scope,
        original_issue_date=certsearch_date(certificate.original_certified_on),
        issue_date=certsearch_date(revision.issued_on),
        expiry_date=certsearch_date(revision.expiry_on),
        entity_name=revision.holder_name,
        standard=Edition.label_for(revision.edition.standard.code, revision.edition.year),
        country=revision.holder_country.code,
        site_addresses=SITE_SEPARATOR.join(f"{site.name}, {site.address}" for site in revision.sites.all()),
        technical_sectors=SECTOR_SEPARATOR.join(
            f"IAF {code.code}" for code in sorted(revision.iaf_codes.all(), key=lambda code: code.code)
        ),
    )


def certsearch_rows(revisions: Iterable[CertificateRevision]) -> list[CertSearchRow]:
    """The rows, in English whatever the reader's language (the sites' country names)."""
    with translation.override("en"):
        return [certsearch_row(revision) for revision in revisions]


def export_filename(extension: str, day: datetime.date) -> str:
    return f"certsearch-{day.isoformat()}.{extension}"


def csv_write(rows: Iterable[CertSearchRow], out: Writable) -> None:
    """UTF-8 text with a byte-order mark (Excel reads the accents right), comma-separated, quoted
    as RFC 4180 says (CRLF line ends, fields with a quote, comma or line break in double quotes)."""
    out.write(BOM)
    writer = csv.writer(out, dialect="excel")
    writer.writerow(COLUMNS)
    writer.writerows(row.cells() for row in rows)


def xlsx_bytes(rows: Iterable[CertSearchRow]) -> bytes:
    """One sheet, "Certifications": a bold header row, columns as wide as their text (within
    bounds), and every cell a string, never a formula."""
    lines = [list(COLUMNS), *(row.cells() for row in rows)]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    for index, width in enumerate(_widths(lines), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    for number, line in enumerate(lines):
        sheet.append([_text_cell(sheet, value, bold if number == 0 else None) for value in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(sheet, value: str, font: Font | None) -> WriteOnlyCell:
    # openpyxl would store a text starting with "=" as a formula: the type is set after the value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


def _widths(lines: list[list[str]]) -> list[int]:
    longest = [max(len(line[column]) for line in lines) for column in range(len(COLUMNS))]
    return [min(max(length + 2, MIN_WIDTH), MAX_WIDTH) for length in longest]
