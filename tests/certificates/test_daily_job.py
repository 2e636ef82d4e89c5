"""The daily job interrupted anywhere (a worker killed, the database gone for a moment): its next
run completes the work and sends nothing twice; each run is recorded for the health endpoint."""

from unittest import mock

import pytest
from django.core import mail
from django.db import OperationalError

from certificates.enums import ReminderStatus
from certificates.models import DailyJobRun, Reminder
from certificates.services.daily import daily_job_run
from core.models import EmailStatus
from tests.certificates.test_reminders import S1_DUE, certificate, days  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

STEPS = [
    "certificates.services.daily.certificates_expire_due",
    "certificates.services.daily.tasks_sync",
    "certificates.services.daily.reminders_write",
    "certificates.services.daily.invitations_expire",
    "certificates.services.daily.submit_claims_purge",
]


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.rsplit(".", 1)[1])
def test_a_run_interrupted_anywhere_is_completed_by_the_next_sending_nothing_twice(
    world,
    certificate,  # noqa: F811
    step,
    django_capture_on_commit_callbacks,
):
    today = S1_DUE - days(30)  # the first surveillance's 30-day reminders are owed today
    with (
        mock.patch(step, side_effect=OperationalError("the database went away")),
        pytest.raises(OperationalError),
        django_capture_on_commit_callbacks(execute=True),
    ):
        daily_job_run(today=today)
    interrupted = DailyJobRun.objects.get()
    assert interrupted.finished_at is None and interrupted.summary == ""

    with django_capture_on_commit_callbacks(execute=True):
        daily_job_run(today=today)
    with django_capture_on_commit_callbacks(execute=True):
        again = daily_job_run(today=today)

    assert Reminder.objects.count() == 2  # a quality manager and a certification manager, once each
    assert set(Reminder.objects.values_list("status", "email__status", "email__attempts")) == {
        (ReminderStatus.DIGEST, EmailStatus.SENT, 1)
    }
    assert len(mail.outbox) == 2  # one digest each
    assert again.reminders_written == 0
    finished = DailyJobRun.objects.filter(finished_at__isnull=False).order_by("started_at")
    assert [run.day for run in finished] == [today, today]
    assert "0 reminder(s) written" in finished[1].summary
