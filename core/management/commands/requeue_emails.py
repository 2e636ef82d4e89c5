"""`manage.py requeue_emails`: the e-mail outbox's sweeper by hand (Celery beat runs it every
minute): e-mails still pending after the broker came back, due for another attempt after the mail
server refused them, or stuck with a worker that died, are enqueued again (core.outbox). Safe to
run at any time: a task claims its row once."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from core.outbox import emails_requeue


class Command(BaseCommand):
    help = "Enqueue again the e-mails left pending (the broker was down, the mail server refused) or stuck."

    def handle(self, *args, **options) -> None:
        enqueued = emails_requeue(now=timezone.now())
        self.stdout.write(f"{len(enqueued)} e-mail(s) enqueued again.")
