"""Celery tasks of certificates: the daily job, e-mailing reminders and putting back those whose
worker died. Thin: each calls one service, which makes a repeat harmless. Beat runs the daily job
and the requeue (CELERY_BEAT_SCHEDULE); `manage.py daily_job` and `manage.py requeue_reminders`
are their other doors."""

from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from certificates.services.daily import daily_job_run
from certificates.services.reminders import MAX_ATTEMPTS, reminder_send, reminders_requeue
from core.tasks import DATABASE_OUTAGE


@shared_task(name="certificates.daily_job", autoretry_for=DATABASE_OUTAGE, retry_backoff=True, max_retries=3)
def daily_job() -> str:
    """Expiries, the work queue's tasks and the day's reminders; a retry or a second beat changes
    nothing (each step is idempotent)."""
    return daily_job_run(today=timezone.localdate()).summary()


@shared_task(
    name="certificates.send_reminder",
    autoretry_for=(SMTPException, OSError, *DATABASE_OUTAGE),
    retry_backoff=True,
    retry_backoff_max=300,  # below the sweeper's RESEND_AFTER: a scheduled retry comes first
    max_retries=MAX_ATTEMPTS - 1,  # each try claims the row once: MAX_ATTEMPTS in all
)
def send_reminder(reminder_id: int) -> None:
    reminder_send(reminder_id=reminder_id)


@shared_task(
    name="certificates.requeue_reminders", autoretry_for=DATABASE_OUTAGE, retry_backoff=True, max_retries=3
)
def requeue_reminders() -> None:
    reminders_requeue(now=timezone.now())
