"""Celery tasks of certificates: the daily job. Thin: it calls one service, which makes a repeat
harmless. Beat runs it (CELERY_BEAT_SCHEDULE); `manage.py daily_job` is its other door. The
reminders' digests it writes are sent by the e-mail outbox (`core.send_email`)."""

from celery import shared_task
from django.utils import timezone

from certificates.services.daily import daily_job_run
from core.tasks import DATABASE_OUTAGE


@shared_task(name="certificates.daily_job", autoretry_for=DATABASE_OUTAGE, retry_backoff=True, max_retries=3)
def daily_job() -> str:
    """Expiries, the work queue's tasks and the day's reminders and digests; a retry or a second
    beat changes nothing (each step is idempotent)."""
    return daily_job_run(today=timezone.localdate()).summary()
