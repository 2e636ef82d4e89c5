"""Celery tasks of core: rendering documents on the `pdf` queue (CELERY_TASK_ROUTES)."""

from celery import shared_task
from django.db import OperationalError

from core.documents import document_render


@shared_task(
    name="core.render_document",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def render_document(document_id: int) -> None:
    """Render one queued document. Safe to run twice: the second run finds the row claimed."""
    document_render(document_id)
