from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from standards.models import Standard
from standards.services import AuditTimeTableError, audit_time_table_load
from standards.time_tables import AuditTimeError, read_rows


class Command(BaseCommand):
    help = (
        "Load (or replace) the audit-time table of a standard from a CSV file with the columns "
        "complexity,personnel_min,personnel_max,days."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--standard", required=True, help="The standard's code, e.g. 'ISO 22301'.")
        parser.add_argument("--title", required=True, help="The table's name as a justification cites it.")
        parser.add_argument("--source", required=True, help="Where the values come from.")
        parser.add_argument("--notes", default="", help="Anything uncertain about the values.")

    def handle(self, *args, file: Path, standard: str, title: str, source: str, notes: str, **options):
        found = Standard.objects.filter(code__iexact=standard).first()
        if found is None:
            raise CommandError(f"No standard '{standard}' in the catalogue.")
        try:
            rows = read_rows(file)
            table = audit_time_table_load(standard=found, title=title, source=source, rows=rows, notes=notes)
        except (AuditTimeError, AuditTimeTableError, OSError) as error:
            raise CommandError(f"Nothing loaded: {error}") from error
        self.stdout.write(self.style.SUCCESS(f"{table}: {table.rows.count()} rows for {found}."))
