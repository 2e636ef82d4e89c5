"""The real pipeline: a task sent to the broker (Redis in CI) and run by a worker thread."""

import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.utils import timezone

from config.celery import app
from organisations.models import Invitation
from organisations.selectors import token_digest
from organisations.tasks import send_invitation
from tests import factories


@pytest.fixture
def real_worker():
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.task_always_eager = True


def test_broker_is_redis_when_redis_url_is_set():
    expected = "redis://" if settings.REDIS_URL else "memory://"
    assert app.conf.broker_url.startswith(expected)


@pytest.mark.django_db(transaction=True)
def test_invitation_task_runs_on_a_real_worker(real_worker):
    inviter = factories.OrganisationMembershipFactory()
    invitation = Invitation.objects.create(
        organisation=inviter.organisation,
        email="worker@test.example",
        full_name="Worker",
        role="viewer",
        invited_by=inviter.user,
        expires_at=timezone.now() + datetime.timedelta(days=1),
        token_hash=token_digest("a-token"),
    )
    send_invitation.delay(invitation.pk, "a-token")
    deadline = time.monotonic() + 30
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [message.to for message in mail.outbox] == [["worker@test.example"]]
    assert (
        inviter.organisation.name in mail.outbox[0].subject and "/invitations/a-token/" in mail.outbox[0].body
    )
