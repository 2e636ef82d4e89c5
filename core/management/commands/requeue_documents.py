"""`manage.py requeue_documents`: the documents' sweeper by hand (Celery beat runs it every few
minutes): documents still queued after the broker came back, or whose render died with its worker,
are enqueued again (core.documents). Safe to run at any time."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from core.documents import documents_requeue


class Command(BaseCommand):
    help = "Enqueue again the documents left queued (the broker was down) or stale in rendering."

    def handle(self, *args, **options) -> None:
        enqueued = documents_requeue(now=timezone.now())
        self.stdout.write(f"{len(enqueued)} document(s) enqueued again.")
