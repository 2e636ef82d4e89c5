"""The e-mail outbox: every message the app sends (notices, invitations, sign-in codes and
password resets from django-allauth) is written as an `OutgoingEmail` row by the e-mail backend
(`EMAIL_BACKEND = "core.outbox.OutboxBackend"`), in the transaction of the change that caused it,
and handed to the mail server by a Celery task (`core.send_email`) through the delivery backend
(`EMAIL_DELIVERY_BACKEND`: SMTP in production).

So an outage loses nothing:
- the broker down: the row waits, and the sweeper (`emails_requeue`, beat every minute; by hand
  `manage.py requeue_emails`) enqueues it once the broker answers;
- the mail server refusing or timing out: the row goes back to pending with a growing delay
  (1, 2, 4 … 64 minutes) and, after MAX_ATTEMPTS, stays `failed` with the error, listed in the
  admin where an administrator can send it again;
- a worker killed while sending: the row stays `sending`, and the sweeper puts it back once it is
  older than any send can run (`EMAIL_STUCK_AFTER`).
A task claims its row with a conditional update (pending → sending) before it speaks to the mail
server, so a message delivered twice by the broker is sent once.

Reminders are rows of their own outbox (`certificates.Reminder`) and go straight to the delivery
backend (`delivery_connection`).
"""

import datetime
import logging
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import make_msgid
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.enqueue import enqueue_on_commit
from core.models import EmailStatus, OutgoingEmail

logger = logging.getLogger(__name__)

S = EmailStatus
MAX_ATTEMPTS = 8
FIRST_RETRY = datetime.timedelta(minutes=1)  # then doubled at each refusal: 2 h 7 min in all
# A pending row due this long ago has lost its task (the broker was down): the sweeper enqueues it
QUEUE_GRACE = datetime.timedelta(seconds=30)
SWEEP_BATCH = 1000  # rows enqueued per sweep: a backlog drains over a few minutes
ERROR_MAX = OutgoingEmail._meta.get_field("last_error").max_length
SUBJECT_MAX = OutgoingEmail._meta.get_field("subject").max_length
WORKER_LOST = "The worker sending it stopped before it finished."
TEXT_DROPPED = "(dropped once sent)"


def delivery_connection():
    """A connection to what really delivers mail (SMTP in production), bypassing the outbox."""
    return get_connection(settings.EMAIL_DELIVERY_BACKEND)


def retry_delay(attempts: int) -> datetime.timedelta:
    """The wait after the `attempts`-th refusal: 1, 2, 4 … minutes."""
    return FIRST_RETRY * 2 ** max(attempts - 1, 0)


# --- Writing ----------------------------------------------------------------------------------------


def _as_record(message: EmailMessage) -> dict:
    if message.attachments:
        raise ValueError("The outbox keeps no attachments; link to the document instead.")
    return {
        "from": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "subject": message.subject,
        "body": message.body,
        "content_subtype": message.content_subtype,
        "alternatives": [[content, mimetype] for content, mimetype in getattr(message, "alternatives", [])],
        "headers": dict(message.extra_headers),
    }


def _as_message(record: dict, *, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=record["subject"],
        body=record["body"],
        from_email=record["from"],
        to=record["to"],
        cc=record["cc"],
        bcc=record["bcc"],
        reply_to=record["reply_to"],
        headers=record["headers"],
        connection=connection,
    )
    message.content_subtype = record["content_subtype"]
    for content, mimetype in record["alternatives"]:
        message.attach_alternative(content, mimetype)
    return message


class OutboxBackend(BaseEmailBackend):
    """Django's e-mail backend interface, writing each message as a pending row and enqueueing its
    send once the surrounding transaction commits."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        return len(emails_write(email_messages))


def emails_write(email_messages: Sequence[EmailMessage]) -> list[OutgoingEmail]:
    """Write the messages as pending rows (in batches) and enqueue their sends once the surrounding
    transaction commits; return the rows, in the order of the messages."""
    rows = []
    for message in email_messages:
        record = _as_record(message)
        # One Message-ID for every attempt: a mail server or client that saw it once drops a repeat
        record["headers"].setdefault("Message-ID", make_msgid(domain=DNS_NAME))
        rows.append(
            OutgoingEmail(
                subject=" ".join(str(message.subject).split())[:SUBJECT_MAX],
                recipients=", ".join([*record["to"], *record["cc"], *record["bcc"]]),
                message=record,
            )
        )
    if not rows:
        return []
    written = OutgoingEmail.objects.bulk_create(rows, batch_size=500)
    _enqueue_on_commit([row.pk for row in written])
    return written


def _enqueue_on_commit(email_ids: Iterable[int]) -> None:
    from core.tasks import send_email  # the tasks module imports this one

    enqueue_on_commit(send_email, email_ids, what="e-mail")


# --- Sending one ------------------------------------------------------------------------------------


def email_send(*, email_id: int) -> bool:
    """Hand one pending, due e-mail to the mail server; False when it was not (sent, claimed by
    another delivery of the task, waiting for its next attempt, or refused this time).

    Each write is one UPDATE, committed on its own: the claim is visible to every other worker
    before the mail server is spoken to. A refusal is not raised: the row carries the error and its
    next attempt, and the sweeper enqueues it when that comes."""
    claimed_at = timezone.now()
    claimed = OutgoingEmail.objects.filter(
        pk=email_id, status=S.PENDING, next_attempt_at__lte=claimed_at
    ).update(status=S.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1)
    if not claimed:
        return False
    email = OutgoingEmail.objects.get(pk=email_id)
    ours = OutgoingEmail.objects.filter(pk=email_id, status=S.SENDING, claimed_at=claimed_at)
    try:
        _as_message(email.message, connection=delivery_connection()).send()
    except Exception as error:
        spent = email.attempts >= MAX_ATTEMPTS
        ours.update(
            status=S.FAILED if spent else S.PENDING,
            next_attempt_at=timezone.now() + retry_delay(email.attempts),
            last_error=f"{type(error).__name__}: {error}"[:ERROR_MAX],
        )
        logger.warning(
            "E-mail %s was not taken by the mail server (attempt %s of %s%s): %s",
            email_id,
            email.attempts,
            MAX_ATTEMPTS,
            ", failed" if spent else "",
            error,
        )
        return False
    dropped = {**email.message, "body": TEXT_DROPPED, "alternatives": []}
    if not ours.update(status=S.SENT, sent_at=timezone.now(), last_error="", message=dropped):
        logger.warning("E-mail %s was sent after it had been put back in the queue", email_id)
    return True


# --- The sweeper and an administrator's retry -------------------------------------------------------


@transaction.atomic
def emails_requeue(*, now: datetime.datetime, stuck_after: datetime.timedelta | None = None) -> list[int]:
    """Put back the rows stuck in `sending` since before `now - stuck_after` (their worker died;
    `failed` once spent) and enqueue them, with the pending rows whose next attempt is due; return
    the ids enqueued."""
    stuck_after = settings.EMAIL_STUCK_AFTER if stuck_after is None else stuck_after
    stuck = list(
        OutgoingEmail.objects.select_for_update(skip_locked=True)
        .filter(status=S.SENDING, claimed_at__lt=now - stuck_after)
        .values_list("pk", "attempts")
    )
    spent = [pk for pk, attempts in stuck if attempts >= MAX_ATTEMPTS]
    back = [pk for pk, attempts in stuck if attempts < MAX_ATTEMPTS]
    OutgoingEmail.objects.filter(pk__in=spent).update(status=S.FAILED, last_error=WORKER_LOST)
    OutgoingEmail.objects.filter(pk__in=back).update(
        status=S.PENDING, last_error=WORKER_LOST, next_attempt_at=now
    )
    due = OutgoingEmail.objects.filter(status=S.PENDING, next_attempt_at__lt=now - QUEUE_GRACE).order_by(
        "next_attempt_at"
    )
    enqueued = sorted({*back, *due.values_list("pk", flat=True)[:SWEEP_BATCH]})
    _enqueue_on_commit(enqueued)
    return enqueued


@transaction.atomic
def emails_retry(*, email_ids: Iterable[int]) -> int:
    """An administrator sends failed e-mails again: each gets MAX_ATTEMPTS new attempts, the first
    at once. Returns how many were put back."""
    ids = list(
        OutgoingEmail.objects.filter(pk__in=list(email_ids), status=S.FAILED).values_list("pk", flat=True)
    )
    OutgoingEmail.objects.filter(pk__in=ids).update(
        status=S.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    _enqueue_on_commit(ids)
    return len(ids)
