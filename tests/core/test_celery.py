"""The real pipeline: a task sent to the broker (Redis in CI) and run by a worker thread."""

import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.utils import timezone

from config.celery import app
from core.models import EmailStatus, OutgoingEmail
from organisations.mail import send_invitation_mail
from organisations.models import Invitation
from organisations.selectors import token_digest
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
def test_an_outbox_email_is_sent_by_a_real_worker(real_worker, settings):
    """The invitation is written to the outbox; once committed, its task crosses the broker and a
    worker hands it to the mail server."""
    settings.EMAIL_BACKEND = "core.outbox.OutboxBackend"
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
    send_invitation_mail(invitation=invitation, token="a-token")
    deadline = time.monotonic() + 30
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [message.to for message in mail.outbox] == [["worker@test.example"]]
    assert (
        inviter.organisation.name in mail.outbox[0].subject and "/invitations/a-token/" in mail.outbox[0].body
    )
    email = OutgoingEmail.objects.get()
    deadline = time.monotonic() + 10
    while email.status != EmailStatus.SENT and time.monotonic() < deadline:
        time.sleep(0.1)
        email.refresh_from_db()
    assert email.status == EmailStatus.SENT and email.attempts == 1
    assert "a-token" not in str(email.message)  # the one-time link is not kept once sent
