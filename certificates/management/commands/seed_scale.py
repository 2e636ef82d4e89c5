"""`manage.py seed_scale`: a national-scale data set, fast, for benchmarks (docs/performance.md).

Lives in the topmost app because the data set spans every app; each app builds its own rows in
its `scale.py` (`certificates.scale.seed_scale` runs them in order). Expects an empty, migrated
database (the catalogue is loaded if it is not there yet).
"""

import datetime
import time

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from certificates.scale import Sizes, seed_scale
from core.scale import DEFAULT_BATCH, Bulk
from organisations.models import Organisation
from organisations.scale import already_seeded
from standards.catalogue import CatalogueError
from standards.models import Edition
from standards.services import catalogue_load

SIZES = Sizes()


class Command(BaseCommand):
    help = (
        "Build a national-scale data set with bulk inserts (2,000 organisations, 6,000 certificates, "
        "22,000 audits, 100,000 findings, 150,000 gap answers by default), every record as the "
        "services would have left it. The same --seed and --today give the same data. Expects an "
        "empty, migrated database: it refuses one that holds organisations unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        for name, default in vars(SIZES).items():
            parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=default, metavar="N")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (1).")
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help="The day the data set is seeded for, YYYY-MM-DD: what is before it happened (today).",
        )
        parser.add_argument(
            "--password",
            default="",
            help="One password for every seeded account, hashed once (default: none, unusable).",
        )
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH, help="Rows per INSERT.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Add to a database that already holds organisations (a seed used before is refused).",
        )

    def handle(self, *args, seed: int, today, password: str, batch_size: int, force: bool, **options):
        sizes = Sizes(**{name: options[name] for name in vars(SIZES)})
        self._refuse(sizes, seed, batch_size, force)
        today = today or timezone.localdate()
        started = time.monotonic()
        bulk = Bulk(batch_size=batch_size, say=self.stdout.write)
        # DEBUG off, as `benchmark` runs: with it on, Django keeps the text of every query, and an
        # INSERT of a batch is megabytes long.
        with override_settings(DEBUG=False), transaction.atomic():
            self._catalogue(bulk)
            if connection.vendor == "postgresql":
                # Foreign keys checked as each batch is written, not all at the commit: the queue
                # of millions of deferred checks costs more than the checks themselves.
                connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
            ContentType.objects.clear_cache()  # the same queries on every run (tests count them)
            hashed = make_password(password, salt=f"seedscale{seed}") if password else ""
            seed_scale(bulk, seed=seed, today=today, sizes=sizes, password=hashed)
        if connection.vendor == "postgresql":
            # the planner's statistics of the new rows now, not when autovacuum gets to them: a
            # benchmark run straight after the seed would otherwise measure plans made blind
            connection.cursor().execute("ANALYZE")
        self._report(bulk, time.monotonic() - started, seed, today)

    def _refuse(self, sizes: Sizes, seed: int, batch_size: int, force: bool) -> None:
        if any(value < 0 for value in vars(sizes).values()) or batch_size < 1:
            raise CommandError("Sizes cannot be negative, and --batch-size is at least 1.")
        if sizes.organisations < 1 or sizes.sites < sizes.organisations:
            raise CommandError("Give at least one organisation, and at least one site per organisation.")
        if Organisation.objects.exists() and not force:
            raise CommandError(
                "The database already holds organisations: seed_scale expects an empty, migrated "
                "database (createdb, migrate, seed_scale). Use --force to add to it anyway."
            )
        if already_seeded(seed):
            raise CommandError(
                f"The data set of seed {seed} is already in this database: use another --seed."
            )

    def _catalogue(self, bulk: Bulk) -> None:
        """What `manage.py load_catalogue` does, when it has not been run."""
        if Edition.objects.filter(certifiable=True).exists():
            return
        try:
            catalogue_load()
        except CatalogueError as error:
            raise CommandError("The catalogue is invalid:\n" + "\n".join(error.problems)) from error
        bulk.progress("catalogue loaded")

    def _report(self, bulk: Bulk, seconds: float, seed: int, today: datetime.date) -> None:
        self.stdout.write(self.style.SUCCESS(f"Seeded in {seconds:.1f} s (seed {seed}, today {today})."))
        width = max(len(label) for label in bulk.counts)
        for label, count in sorted(bulk.counts.items()):
            self.stdout.write(f"  {label.ljust(width)}  {count:>9,}")
        self.stdout.write(f"  {'rows in all'.ljust(width)}  {sum(bulk.counts.values()):>9,}")
