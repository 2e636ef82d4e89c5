import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from standards.models import Standard
from standards.services import AuditTimeTableError, audit_time_table_load
from standards.time_tables import Row

COLUMNS = ["complexity", "personnel_min", "personnel_max", "days"]


def read_rows(path: Path) -> list[Row]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != COLUMNS:
            raise CommandError(f"{path}: the header must be {','.join(COLUMNS)}.")
        try:
            return [
                Row(
                    r["complexity"].strip() or "all",
                    int(r["personnel_min"]),
                    int(r["personnel_max"]),
                    Decimal(r["days"]),
                )
                for r in reader
            ]
        except (ValueError, InvalidOperation) as error:
            raise CommandError(f"{path}, line {reader.line_num}: {error}") from error


class Command(BaseCommand):
    help = (
        "Load (or replace) the audit-time table of a standard from a CSV file with the columns "
        "complexity,personnel_min,personnel_max,days (DOMAIN.md §3.6)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--standard", required=True, help="The standard's code, e.g. 'ISO 22301'.")
        parser.add_argument("--title", required=True, help="The table's name as a justification cites it.")
        parser.add_argument("--source", required=True, help="Where the values come from.")

    def handle(self, *args, file: Path, standard: str, title: str, source: str, **options) -> None:
        found = Standard.objects.filter(code__iexact=standard).first()
        if found is None:
            raise CommandError(f"No standard '{standard}' in the catalogue.")
        try:
            table = audit_time_table_load(standard=found, title=title, source=source, rows=read_rows(file))
        except AuditTimeTableError as error:
            raise CommandError(f"Nothing loaded: {error}") from error
        self.stdout.write(self.style.SUCCESS(f"{table}: {table.rows.count()} rows for {found}."))
