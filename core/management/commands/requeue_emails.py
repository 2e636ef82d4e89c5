"""`manage.py requeue_emails`: the e-mail outbox's sweeper by hand (Celery beat runs it every
minute): e-mails still pending after the broker came back, due for another attempt after the mail
server refused them, or stuck with a worker that died, are enqueued again (core.outbox). Safe to
run at any time: a task claims its row once."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.outbox import emails_requeue


class Command(BaseCommand):
    help = "Enqueue again the e-mails left pending (the broker was down, the mail server refused) or stuck."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--stuck-after",
            type=int,
            default=None,
            metavar="SECONDS",
            help="Put back e-mails claimed this long ago (default EMAIL_STUCK_AFTER, longer than any "
            "send runs). Lower it only when the workers that claimed them are known to be gone.",
        )

    def handle(self, *args, stuck_after: int | None, **options) -> None:
        if stuck_after is not None and not 0 <= stuck_after <= 86_400:
            raise CommandError("--stuck-after must be between 0 and 86400 seconds.")
        delta = None if stuck_after is None else datetime.timedelta(seconds=stuck_after)
        enqueued = emails_requeue(now=timezone.now(), stuck_after=delta)
        self.stdout.write(f"{len(enqueued)} e-mail(s) enqueued again.")
