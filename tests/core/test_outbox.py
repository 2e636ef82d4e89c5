"""The e-mail outbox (core.outbox): every message is a row written with the change that caused it,
sent once by a task, retried with a growing delay while the mail server refuses, failed (and
visible to administrators, who can send it again) after the last attempt, never dropped."""

import datetime
import io
from smtplib import SMTPRecipientsRefused
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import send_mail
from django.core.mail.backends.locmem import EmailBackend as MemoryBackend
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import outbox
from core.models import EmailStatus, OutgoingEmail
from core.tasks import send_email
from organisations.services import invitation_create
from tests import factories

pytestmark = pytest.mark.django_db

S = EmailStatus


class RefusingBackend(MemoryBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages):
        raise SMTPRecipientsRefused({"someone@test.example": (550, b"Mailbox unavailable")})


@pytest.fixture
def outbox_on(settings):
    settings.EMAIL_BACKEND = "core.outbox.OutboxBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


@pytest.fixture
def refusing(outbox_on):
    outbox_on.EMAIL_DELIVERY_BACKEND = f"{__name__}.RefusingBackend"
    return outbox_on


def _write(subject: str = "Plan sent", body: str = "Open https://x.example/secret-link") -> OutgoingEmail:
    send_mail(subject, body, None, ["qm@test.example"], html_message=f"<p>{body}</p>")
    return OutgoingEmail.objects.latest("pk")


def _due(email: OutgoingEmail) -> None:
    """Time passes: the row's next attempt is due."""
    OutgoingEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def test_a_message_is_a_row_sent_once_its_transaction_commits(outbox_on, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email = _write()
    assert email.status == S.PENDING and email.recipients == "qm@test.example" and mail.outbox == []
    for callback in callbacks:  # the commit: the task runs (eager in the tests)
        callback()
    email.refresh_from_db()
    assert email.status == S.SENT and email.attempts == 1 and email.sent_at is not None
    [sent] = mail.outbox
    assert sent.subject == "Plan sent" and sent.to == ["qm@test.example"]
    assert sent.body == "Open https://x.example/secret-link"
    assert sent.alternatives[0][0] == "<p>Open https://x.example/secret-link</p>"
    # Once sent, the text (which may hold a one-time link) is dropped; subject and recipients stay
    assert "secret-link" not in str(email.message) and email.subject == "Plan sent"


def test_a_change_undone_leaves_no_email(outbox_on):
    with pytest.raises(RuntimeError), transaction.atomic():
        _write()
        raise RuntimeError("the change failed")
    assert not OutgoingEmail.objects.exists()


def test_an_invitation_is_written_with_its_record(outbox_on, django_capture_on_commit_callbacks):
    inviter = factories.OrganisationMembershipFactory(role="quality_manager")
    with django_capture_on_commit_callbacks(execute=False):
        invitation = invitation_create(
            actor=inviter.user,
            organisation=inviter.organisation,
            email="new@test.example",
            full_name="New Person",
            role="viewer",
        )
    email = OutgoingEmail.objects.get()
    assert email.recipients == "new@test.example" and invitation.organisation.name in email.subject
    assert "/invitations/" in email.message["body"]


def test_a_task_delivered_twice_sends_once(outbox_on, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = _write()
    assert outbox.email_send(email_id=email.pk) is False  # the broker's second delivery
    assert len(mail.outbox) == 1


def test_a_refusing_mail_server_gets_retries_with_a_growing_delay_then_fails(
    refusing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        email = _write()
    waits = []
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        email.refresh_from_db()
        if attempt > 1:
            assert outbox.email_send(email_id=email.pk) is False  # not due yet: nothing is tried
            _due(email)
            assert outbox.email_send(email_id=email.pk) is False  # tried, refused
            email.refresh_from_db()
        assert email.attempts == attempt and "SMTPRecipientsRefused" in email.last_error
        waits.append(round((email.next_attempt_at - timezone.now()).total_seconds() / 60))
        expected = S.FAILED if attempt == outbox.MAX_ATTEMPTS else S.PENDING
        assert email.status == expected
    assert waits[:4] == [1, 2, 4, 8]
    # Failed: still there, with its text, for an administrator; the sweeper leaves it alone
    assert "secret-link" in email.message["body"] and mail.outbox == []
    _due(email)
    assert email.pk not in outbox.emails_requeue(now=timezone.now())


def test_the_sweeper_sends_what_the_broker_never_took(outbox_on, django_capture_on_commit_callbacks):
    with (
        mock.patch.object(send_email, "delay", side_effect=ConnectionError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        email = _write()  # the request goes on: the row waits
    email.refresh_from_db()
    assert email.status == S.PENDING and mail.outbox == []
    assert outbox.emails_requeue(now=timezone.now()) == []  # just written: its task may be on its way
    OutgoingEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now() - outbox.QUEUE_GRACE * 2)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("requeue_emails", stdout=out)
    email.refresh_from_db()
    assert email.status == S.SENT and len(mail.outbox) == 1
    assert "1 e-mail(s) enqueued again." in out.getvalue()


def test_a_row_whose_worker_died_is_sent_once_by_the_sweeper(
    outbox_on, settings, django_capture_on_commit_callbacks
):
    with mock.patch.object(send_email, "delay"):
        email = _write()
    long_ago = timezone.now() - settings.EMAIL_STUCK_AFTER * 2
    OutgoingEmail.objects.filter(pk=email.pk).update(status=S.SENDING, claimed_at=long_ago, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.emails_requeue(now=timezone.now()) == [email.pk]
    email.refresh_from_db()
    assert email.status == S.SENT and email.attempts == 2 and len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.emails_requeue(now=timezone.now()) == []


def test_the_beat_runs_the_email_sweeper_every_minute(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["requeue-emails"]
    assert schedule["task"] == "core.requeue_emails" and schedule["schedule"] <= 60


def test_an_administrator_sees_failed_emails_and_sends_them_again(
    refusing, admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        email = _write("Your audit plan")
    OutgoingEmail.objects.filter(pk=email.pk).update(status=S.FAILED, attempts=outbox.MAX_ATTEMPTS)
    changelist = reverse("admin:core_outgoingemail_changelist")
    page = admin_client.get(changelist, {"status__exact": "failed"})
    assert page.status_code == 200 and "Your audit plan" in page.content.decode()
    refusing.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(changelist, {"action": "send_again", "_selected_action": [email.pk]})
    assert response.status_code == 302
    email.refresh_from_db()
    assert email.status == S.SENT and email.attempts == 1 and len(mail.outbox) == 1
