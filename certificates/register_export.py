"""The register in the IAF CertSearch upload format (DOMAIN.md §6.3), as CSV and as XLSX.

The mapping from a certificate revision to a CertSearch row is written once (`COLUMNS`,
`STATUS_NAMES`, `certsearch_row`); both writers take the rows it builds. Every cell is text, and
text that a spreadsheet would take for a formula gets a leading apostrophe (OWASP CSV injection,
`core.exports.csv_safe`), in the XLSX file as in the CSV one.
"""

import csv
import datetime
import io
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, TextIO

from django.utils import translation
from django_countries import countries
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from certificates.enums import CertificateStatus
from certificates.selectors.register import CertSearchSource
from core.exports import BOM, csv_safe
from organisations.models import address_text
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


class CountryNames(dict):
    """Country names by code, each looked up once, in the language active when first asked."""

    def __missing__(self, code: str) -> str:
        name = self[code] = countries.name(code)
        return name


def certsearch_row(source: CertSearchSource, country_names: CountryNames) -> CertSearchRow:
    """The CertSearch row of a certificate's current, accredited revision.

    "Certificate Number" is the number as printed on the certificate, `Certificate.number`: it
    stays the same across reissues, which CertSearch tracks through the issue date (the revision
    suffix of `CertificateRevision.identifier` would make each reissue a new certification there).
    The identity number is the CB's internal unique key, `<CB id>-<certificate id>`.
    """
    return CertSearchRow(
        identity=f"{source.certification_body_id}-{source.certificate_id}",
        number=source.number,
        status=STATUS_NAMES[source.status],
        accreditation=ACCREDITED,
        certification_type=CERTIFICATION_TYPE,
        scope=source.scope,
        original_issue_date=certsearch_date(source.original_certified_on),
        issue_date=certsearch_date(source.issued_on),
        expiry_date=certsearch_date(source.expiry_on),
        entity_name=source.holder_name,
        standard=Edition.label_for(source.standard_code, source.edition_year),
        country=source.holder_country,
        site_addresses=SITE_SEPARATOR.join(
            f"{name}, {address_text(street, postcode, city, country_names[country])}"
            for name, street, postcode, city, country in source.sites
        ),
        technical_sectors=SECTOR_SEPARATOR.join(f"IAF {code}" for code in source.iaf_codes),
    )


def certsearch_rows(chunks: Iterable[list[CertSearchSource]]) -> Iterator[list[CertSearchRow]]:
    """The rows, chunk by chunk, in English whatever the reader's language (the sites' country
    names)."""
    country_names = CountryNames()
    for chunk in chunks:
        with translation.override("en"):
            rows = [certsearch_row(source, country_names) for source in chunk]
        yield rows


def export_filename(extension: str, day: datetime.date) -> str:
    return f"certsearch-{day.isoformat()}.{extension}"


def csv_pieces(chunks: Iterable[list[CertSearchRow]]) -> Iterator[str]:
    """The CSV file piece by piece, one piece a chunk of rows, for a streamed download. UTF-8 text
    with a byte-order mark (Excel reads the accents right), comma-separated, quoted as RFC 4180
    says (CRLF line ends, fields with a quote, comma or line break in double quotes)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, dialect="excel")
    buffer.write(BOM)
    writer.writerow(COLUMNS)
    yield _drained(buffer)
    for rows in chunks:
        writer.writerows(row.cells() for row in rows)
        yield _drained(buffer)


def _drained(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def xlsx_file(chunks: Iterable[list[CertSearchRow]]) -> BinaryIO:
    """One sheet, "Certifications": a bold header row, columns as wide as their text (within
    bounds), and every cell a string, never a formula; in a temporary file, read from its start.

    The widths come before the rows in the file but depend on every row: the rows go to a
    temporary CSV file while the widths are measured, then from it into the workbook (which
    openpyxl's write-only mode also keeps on disk), so memory holds one chunk, not the register."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool:
        widths = _spooled(chunks, spool)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        bold = Font(bold=True)
        sheet.append([_text_cell(sheet, name, bold) for name in COLUMNS])
        spool.seek(0)
        for line in csv.reader(spool):
            sheet.append([_text_cell(sheet, value, None) for value in line])
    out = tempfile.TemporaryFile()  # noqa: SIM115  (the response that sends it closes it)
    workbook.save(out)
    out.seek(0)
    return out


def _spooled(chunks: Iterable[list[CertSearchRow]], spool: TextIO) -> list[int]:
    """Write the rows' cells to the spool (without the characters a sheet cannot hold) and return
    the column widths: the longest text of each column, header included, plus a margin."""
    longest = [len(name) for name in COLUMNS]
    writer = csv.writer(spool)
    for rows in chunks:
        for row in rows:
            cells = row.cells()
            longest = [max(length, len(cell)) for length, cell in zip(longest, cells, strict=True)]
            writer.writerow([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in cells])
    return [min(max(length + 2, MIN_WIDTH), MAX_WIDTH) for length in longest]


def _text_cell(sheet, value: str, font: Font | None) -> WriteOnlyCell:
    # openpyxl would store a text starting with "=" as a formula: the type is set after the value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell
