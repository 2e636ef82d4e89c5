"""Celery tasks of core: rendering documents on the `pdf` queue (CELERY_TASK_ROUTES), sending the
e-mail outbox (`core.outbox`), and the sweepers that enqueue again the documents and e-mails whose
message never reached a worker or whose worker died."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from core.documents import document_render, documents_requeue
from core.outbox import email_send, emails_requeue

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


@shared_task(name="core.send_email", autoretry_for=DATABASE_OUTAGE, retry_backoff=True, max_retries=3)
def send_email(email_id: int) -> None:
    """Hand one outbox row to the mail server. Safe to run twice: the second run finds it claimed.
    A refusal is recorded on the row, which the sweeper enqueues again when its next attempt is due."""
    email_send(email_id=email_id)


@shared_task(name="core.requeue_emails", autoretry_for=DATABASE_OUTAGE, retry_backoff=True, max_retries=3)
def requeue_emails() -> None:
    emails_requeue(now=timezone.now())
