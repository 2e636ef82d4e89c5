"""The reminders' real pipeline on the broker (Redis in CI): the digest of the reminders written by
the daily job is e-mailed by a worker through the outbox; a worker killed in the middle of sending
loses nothing and sends nothing twice once the outbox's sweeper has put the digest back."""

import datetime
import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone

from certificates.enums import DueKind, ReminderStatus
from certificates.models import CalendarSettings, Reminder
from certificates.services.reminders import reminders_write
from config.celery import app
from core.models import EmailStatus
from core.outbox import emails_requeue
from tests.certificates.conftest import make_certificate
from tests.processes import kill, start_worker_beside, wait_for

R = ReminderStatus
TODAY = datetime.date(2027, 1, 31)  # 30 days before the certificate's first surveillance is due
SEND_TASK = "core.send_email"


def require(available: bool, reason: str) -> None:
    """Skip without it on a developer's machine; fail without it in CI, which must test it."""
    if not available:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)


def require_redis() -> None:
    require(bool(settings.REDIS_URL), "REDIS_URL is not set: a worker in its own process needs Redis.")
    assert app.conf.broker_url.startswith("redis://")


def statuses() -> dict[int, str]:
    """Each reminder's state: its digest's ("sent" …), or its own ("in_app")."""
    rows = Reminder.objects.values_list("pk", "status", "email__status")
    return {pk: email_status or status for pk, status, email_status in rows}


@pytest.fixture
def reminders_world(world, qms):
    """One certificate of organisation A; its certification manager takes the first surveillance
    in the app only, so one reminder is e-mailed: the quality manager's."""
    make_certificate(world, qms)
    CalendarSettings.objects.create(user=world.cert_manager, email_muted_kinds=[DueKind.SURVEILLANCE_1.value])
    return world


# --- a worker thread in this process ---------------------------------------------------------------


@pytest.fixture
def thread_worker():
    if os.environ.get("CI") == "true":
        require_redis()
    app.conf.task_always_eager = False
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="WARNING"
        ):
            yield
    finally:
        app.conf.task_always_eager = True


@pytest.mark.django_db(transaction=True)
def test_a_reminder_written_by_the_daily_job_is_e_mailed_by_a_worker(thread_worker, reminders_world):
    w = reminders_world

    written = reminders_write(today=TODAY)  # commits, then enqueues the pending row

    wait_for(lambda: R.SENT in statuses().values(), seconds=30, what="the worker to send the reminder")
    assert len(written) == 2
    assert sorted(statuses().values()) == sorted([R.IN_APP, R.SENT])
    [message] = mail.outbox
    assert message.to == [w.qm_a.email]
    assert message.subject == "Your reminders: 0 overdue, 0 due within a week, 1 later"
    assert "First surveillance due: CB-2026-00001" in message.body
    assert message.alternatives and message.alternatives[0][1] == "text/html"


# --- a worker in its own process, killed while sending -------------------------------------------


def _start_worker(mail_dir: Path, log: Path, *, delay: float) -> subprocess.Popen:
    return start_worker_beside(
        log,
        queues="celery",
        TEST_EMAIL_BACKEND="tests.certificates.mail_backends.SlowFileBackend",
        TEST_EMAIL_FILE_PATH=str(mail_dir),
        TEST_EMAIL_DELAY=str(delay),
    )


def _forget_unacknowledged(email_id: int) -> None:
    """The killed worker's message stays unacknowledged on Redis, to come back after the visibility
    timeout (an hour) to whatever worker then uses this broker database: remove it."""
    with app.connection_for_write() as broker:
        client = broker.default_channel.client
        for tag, raw in client.hgetall("unacked").items():
            headers = json.loads(raw)[0].get("headers", {})
            if headers.get("task") == SEND_TASK and headers.get("argsrepr") == f"({email_id},)":
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_sending_loses_nothing_and_sends_nothing_twice(reminders_world, tmp_path):
    require_redis()
    require(
        connection.vendor == "postgresql",
        "A worker in its own process needs the test database in PostgreSQL.",
    )
    w = reminders_world
    mail_dir, log = tmp_path / "mail", tmp_path / "worker.log"
    mail_dir.mkdir()
    app.conf.task_always_eager = False
    first = second = None
    email_id = None
    try:
        first = _start_worker(mail_dir, log, delay=120)  # sends only after two minutes
        reminders_write(today=TODAY)
        reminder = Reminder.objects.get(recipient=w.qm_a)
        email_id = reminder.email_id

        wait_for(
            lambda: statuses()[reminder.pk] == EmailStatus.SENDING,
            seconds=45,
            what=f"the first worker to claim the digest (log: {log})",
        )
        kill(first)  # SIGKILL to the whole worker, in the middle of sending

        assert statuses()[reminder.pk] == EmailStatus.SENDING and list(mail_dir.iterdir()) == []
        assert emails_requeue(now=timezone.now()) == []  # not stuck yet: its worker may be sending
        # Time passes beyond EMAIL_STUCK_AFTER, longer than any send runs
        assert emails_requeue(now=timezone.now(), stuck_after=datetime.timedelta(0)) == [email_id]
        assert statuses()[reminder.pk] in (EmailStatus.PENDING, EmailStatus.SENDING, EmailStatus.SENT)

        second = _start_worker(mail_dir, log, delay=0)
        wait_for(
            lambda: statuses()[reminder.pk] == EmailStatus.SENT,
            seconds=45,
            what=f"the second worker to send the digest (log: {log})",
        )
        [message_file] = mail_dir.iterdir()
        content = message_file.read_text()
        assert content.count(f"To: {w.qm_a.email}") == 1
        assert "First surveillance due: CB-2026-00001" in content
        reminder.email.refresh_from_db()
        assert (reminder.email.attempts, reminder.email.last_error) == (2, "")
    finally:
        app.conf.task_always_eager = True
        kill(first)
        kill(second, signal.SIGTERM)  # a warm shutdown: it acknowledges what it finished
        if email_id is not None and settings.REDIS_URL:
            _forget_unacknowledged(email_id)
