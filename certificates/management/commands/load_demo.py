from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audits import demo as audits_demo
from certificates import demo as certificates_demo
from improvement import demo as improvement_demo
from organisations import demo as organisations_demo
from standards.catalogue import CatalogueError
from standards.services import catalogue_load


class Command(BaseCommand):
    """Lives in the topmost app because demo data spans every app; each app keeps its own demo.py."""

    help = "Load the catalogue and the demo data (one CB, two public bodies). Safe to run again."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even with DEBUG off (demo accounts share one known password).",
        )

    def handle(self, *args, force: bool, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "Demo accounts have a published password: refusing with DEBUG off (use --force)."
            )
        try:
            catalogue_load()
        except CatalogueError as error:
            raise CommandError("The catalogue is invalid:\n" + "\n".join(error.problems)) from error
        logins = organisations_demo.demo_load()
        improvement_demo.demo_load()
        audits_demo.demo_load()
        certificates = certificates_demo.demo_load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready. Every demo account's password: {organisations_demo.DEMO_PASSWORD}"
            )
        )
        self.stdout.write(f"  {len(certificates)} demo certificates, each with something due.")
        width = max(len(login.email) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.email.ljust(width)}  {login.name} — {login.what}")
