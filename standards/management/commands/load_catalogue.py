from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from standards.catalogue import CATALOGUE_DIR, CatalogueError
from standards.services import catalogue_load


class Command(BaseCommand):
    help = "Load the standards catalogue (standards/catalogue/*.yaml). Safe to run again: it changes nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--directory", type=Path, default=CATALOGUE_DIR, help="Folder of edition files.")

    def handle(self, *args, directory: Path, **options) -> None:
        try:
            report = catalogue_load(directory=directory)
        except CatalogueError as error:
            raise CommandError(
                f"The catalogue was not loaded: {len(error.problems)} problem(s).\n"
                + "\n".join(error.problems)
            ) from error
        for kind in ("standards", "editions", "clauses"):
            self.stdout.write(f"{kind}: {report.created[kind]} created, {report.updated[kind]} updated")
        for line in report.time_tables:
            self.stdout.write(f"audit-time table: {line}")
        for retired in report.retired:
            self.stdout.write(self.style.WARNING(f"kept, no longer in the files: {retired}"))
        self.stdout.write(
            self.style.SUCCESS("Catalogue loaded." if report.changed else "Catalogue already up to date.")
        )
