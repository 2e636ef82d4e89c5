"""Celery tasks of core: rendering documents on the `pdf` queue (CELERY_TASK_ROUTES), and the
sweeper that enqueues again the documents whose message never reached a worker."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from core.documents import document_render, documents_requeue

# The database restarting or failing over: a task that hits the gap is tried again with backoff
DATABASE_OUTAGE = (OperationalError, InterfaceError)


@shared_task(
    name="core.render_document",
    autoretry_for=DATABASE_OUTAGE,
    retry_backoff=True,
    max_retries=3,
)
def render_document(document_id: int) -> None:
    """Render one queued document. Safe to run twice: the second run finds the row claimed."""
    document_render(document_id)


@shared_task(name="core.requeue_documents")
def requeue_documents() -> None:
    documents_requeue(now=timezone.now())
