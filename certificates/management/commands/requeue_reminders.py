"""`manage.py requeue_reminders`: the reminders' sweeper by hand (Celery beat runs it every few
minutes): reminders whose worker died while sending go back to the queue, and pending ones whose
message was lost are enqueued again (certificates.services.reminders). Safe to run at any time."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from certificates.services.reminders import reminders_requeue


class Command(BaseCommand):
    help = "Enqueue again the reminders stuck in sending (their worker died) or left pending too long."

    def handle(self, *args, **options) -> None:
        enqueued = reminders_requeue(now=timezone.now())
        self.stdout.write(f"{len(enqueued)} reminder(s) enqueued again.")
