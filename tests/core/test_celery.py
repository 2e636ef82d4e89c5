"""The real pipeline: a task sent to the broker (Redis in CI) and run by a worker thread."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail

from config.celery import app
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
    membership = factories.OrganisationMembershipFactory(user__email="worker@test.example")
    send_invitation.delay(membership.pk, None)
    deadline = time.monotonic() + 30
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [message.to for message in mail.outbox] == [["worker@test.example"]]
    assert membership.organisation.name in mail.outbox[0].subject
