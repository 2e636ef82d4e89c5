"""Reminders of what falls due (DOMAIN §9.2): an outbox of rows, e-mailed by Celery.

The daily sweep (`reminders_write`) writes one row per person and due item and stage, under the
reminder's unique constraint, so running it twice, or two sweeps at once, writes each row once.
A task per row (`certificates.send_reminder`) claims it with a conditional update
(pending → sending) before e-mailing, so a message delivered twice by the broker (late
acknowledgement re-delivers the task of a worker that died) is sent once. A row whose worker died
while sending stays `sending`; `reminders_requeue` puts it back once it is older than any send can
run (`REMINDER_STUCK_AFTER`, past Celery's hard time limit), and enqueues again the pending rows
whose message may have been lost (the broker down when they were written).
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from audits.enums import AssignmentStatus, TeamRole
from audits.models import TeamAssignment
from certificates import due_rules
from certificates.enums import ReminderStatus
from certificates.models import CalendarSettings, Reminder
from certificates.selectors.calendar import due_items, scope_all
from certificates.selectors.reminders import stage_label
from core.enqueue import enqueue_on_commit
from core.mail import absolute_url, send_templated_mail
from core.outbox import delivery_connection
from organisations.enums import CBRole, OrganisationRole
from organisations.models import CBMembership, CertificationBody, OrganisationMembership

logger = logging.getLogger(__name__)

R = ReminderStatus
# A row is tried this many times (each claim counts), then left `failed` with its last error.
MAX_ATTEMPTS = 5
# A pending row untouched this long has lost its message (the broker was down, or its task gave up
# early): it is enqueued again. Longer than the task's longest retry back-off, so a retry already
# scheduled normally comes first; a duplicate is harmless (the claim).
RESEND_AFTER = datetime.timedelta(minutes=10)
ERROR_MAX = 500
TITLE_MAX = Reminder._meta.get_field("title").max_length
PATH_MAX = Reminder._meta.get_field("path").max_length
WORKER_LOST = "The worker sending it stopped before it finished."
NO_ADDRESS = "The recipient is no longer active or has no e-mail address."


# --- The daily sweep ----------------------------------------------------------------------------


def reminders_write(*, today: datetime.date) -> list[int]:
    """Write the reminders owed today of every due item not done, for every CB; return the ids
    written (none when today's were already written).

    Each item gets the stage its CB's lead times owe today (`due_rules.reminder_stage`); it goes to
    the CB's certification managers, the audit's lead auditor and, for what concerns the client,
    the organisation's quality managers: active people with an e-mail address. The organisation's
    own work (an action, an internal audit: no CB's) has lead times of its own
    (`due_rules.OWN_LEAD_DAYS`) and goes to the people it is assigned to (the action's owner, the
    internal auditors) and its quality managers (of an action, once it is overdue). A person who does
    not take that kind by e-mail gets the row `in_app`; the others' rows are e-mailed after commit.
    A fixed number of queries whatever the number of items and people.
    """
    lead_days = dict(CertificationBody.objects.values_list("pk", "reminder_lead_days"))
    horizon = max(
        (max(days or [0]) for days in [*lead_days.values(), *due_rules.OWN_LEAD_DAYS.values()]), default=0
    )
    items = due_items(
        scope_all(),
        start=today,
        end=today + datetime.timedelta(days=horizon),
        today=today,
        include_overdue=True,
    )
    owed = []
    for item in items:
        stage = due_rules.reminder_owed(item, today, due_rules.lead_days_of(item, lead_days))
        if stage:
            owed.append((item, stage))
    if not owed:
        return []
    recipients = _recipients([item for item, _stage in owed])
    wanted = [(item, stage, user_id) for item, stage in owed for user_id in recipients.of(item, today)]
    muted = _muted_kinds({user_id for _item, _stage, user_id in wanted})
    written_at = timezone.now()
    rows = [
        Reminder(
            recipient_id=user_id,
            item_key=item.key,
            kind=item.kind,
            due_on=item.due_on,
            stage=stage,
            title=item.title[:TITLE_MAX],
            path=item.path[:PATH_MAX],
            certification_body_id=item.certification_body_id,
            organisation_id=item.organisation_id,
            status=R.IN_APP if item.kind in muted.get(user_id, ()) else R.PENDING,
            created_at=written_at,
        )
        for item, stage, user_id in wanted
    ]
    with transaction.atomic():
        Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        # ignore_conflicts gives no ids back: this sweep's rows are those stamped with its moment
        # (a row another sweep wrote first keeps that sweep's stamp).
        written = list(Reminder.objects.filter(created_at=written_at).values_list("pk", "status"))
        _enqueue_on_commit([pk for pk, status in written if status == R.PENDING])
    return sorted(pk for pk, _status in written)


def _grouped(pairs: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    for key, user_id in pairs:
        found[key].append(user_id)
    return dict(found)


def _recipients(items: list[due_rules.DueItem]) -> due_rules.Recipients:
    """Who may be reminded of these items: three queries, four when some are assigned to people."""
    organisations = {item.organisation_id for item in items if item.for_client}
    bodies = {item.certification_body_id for item in items if item.certification_body_id is not None}
    people = {user_id for item in items for user_id in item.people}
    audits = {item.audit_id for item in items if item.audit_id is not None}
    active = {"is_active": True, "user__is_active": True}  # the membership and the person
    quality_managers = (
        OrganisationMembership.objects.filter(
            organisation_id__in=organisations, role=OrganisationRole.QUALITY_MANAGER, **active
        )
        .exclude(user__email="")
        .values_list("organisation_id", "user_id")
    )
    certification_managers = (
        CBMembership.objects.filter(
            certification_body_id__in=bodies, role=CBRole.CERTIFICATION_MANAGER, **active
        )
        .exclude(user__email="")
        .values_list("certification_body_id", "user_id")
    )
    leads = (
        TeamAssignment.objects.filter(
            audit_id__in=audits, role=TeamRole.LEAD, status=AssignmentStatus.ACTIVE, user__is_active=True
        )
        .exclude(user__email="")
        .values_list("audit_id", "user_id")
    )
    # the people an item is assigned to, while they are members of its organisation
    reachable = (
        set(
            OrganisationMembership.objects.filter(
                user_id__in=people,
                organisation_id__in={i.organisation_id for i in items if i.people},
                **active,
            )
            .exclude(user__email="")
            .values_list("organisation_id", "user_id")
        )
        if people
        else set()
    )
    return due_rules.Recipients(
        quality_managers=_grouped(quality_managers),
        certification_managers=_grouped(certification_managers),
        leads=_grouped(leads),
        reachable=reachable,
    )


def _muted_kinds(user_ids: set[int]) -> dict[int, set[str]]:
    """The kinds each person does not take by e-mail (no settings: every kind is e-mailed)."""
    settings_rows = CalendarSettings.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "email_muted_kinds"
    )
    return {user_id: set(kinds or ()) for user_id, kinds in settings_rows}


def _enqueue_on_commit(reminder_ids: list[int]) -> None:
    """If the broker is down, the rows stay pending and `reminders_requeue` enqueues them later."""
    from certificates.tasks import send_reminder  # the tasks module imports this one

    enqueue_on_commit(send_reminder, reminder_ids, what="reminder")


# --- Sending one ----------------------------------------------------------------------------------


def reminder_send(*, reminder_id: int) -> bool:
    """E-mail one pending reminder; False when it was not pending (sent, claimed by another
    delivery of the task, or shown in the app only).

    Each write is one UPDATE, committed on its own: the claim must be visible to every other
    worker before the mail server is spoken to. A sending error puts the row back to pending (or
    failed after MAX_ATTEMPTS claims) with the error, and is raised again for the task to retry.
    """
    claimed_at = timezone.now()
    claimed = Reminder.objects.filter(pk=reminder_id, status=R.PENDING).update(
        status=R.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    reminder = Reminder.objects.select_related("recipient").get(pk=reminder_id)
    ours = Reminder.objects.filter(pk=reminder_id, status=R.SENDING, claimed_at=claimed_at)
    recipient = reminder.recipient
    if not recipient.is_active or not recipient.email:
        ours.update(status=R.FAILED, last_error=NO_ADDRESS)
        return False
    if reminder.kind in _muted_kinds({recipient.pk}).get(recipient.pk, ()):  # muted since it was written
        ours.update(status=R.IN_APP)
        return False
    try:
        _mail(reminder)
    except Exception as error:
        ours.update(
            status=R.FAILED if reminder.attempts >= MAX_ATTEMPTS else R.PENDING,
            last_error=f"{type(error).__name__}: {error}"[:ERROR_MAX],
        )
        raise
    if not ours.update(status=R.SENT, sent_at=timezone.now(), last_error=""):
        logger.warning("Reminder %s was e-mailed after it had been put back in the queue", reminder_id)
    return True


def _mail(reminder: Reminder) -> None:
    send_templated_mail(
        to=[reminder.recipient.email],
        template="certificates/email/reminder",
        context={
            "reminder": reminder,
            "stage": stage_label(reminder.stage),
            "url": absolute_url(reminder.path),
            "preferences_url": absolute_url(reverse("calendar:subscription")),
        },
        html=True,
        connection=delivery_connection(),  # the reminder is its own outbox row
    )


# --- The sweeper ----------------------------------------------------------------------------------


@transaction.atomic
def reminders_requeue(*, now: datetime.datetime, stuck_after: datetime.timedelta | None = None) -> list[int]:
    """Put back the rows stuck in `sending` since before `now - stuck_after` (their worker died;
    `failed` once they have had MAX_ATTEMPTS claims) and enqueue them, with the pending rows
    untouched for RESEND_AFTER; return the ids enqueued. `stuck_after` defaults to
    REMINDER_STUCK_AFTER, which is longer than the hard time limit of a task, so no send is still
    running on a row put back."""
    stuck_after = settings.REMINDER_STUCK_AFTER if stuck_after is None else stuck_after
    stuck = list(
        Reminder.objects.select_for_update(skip_locked=True)
        .filter(status=R.SENDING, claimed_at__lt=now - stuck_after)
        .values_list("pk", "attempts")
    )
    spent = [pk for pk, attempts in stuck if attempts >= MAX_ATTEMPTS]
    back = [pk for pk, attempts in stuck if attempts < MAX_ATTEMPTS]
    Reminder.objects.filter(pk__in=spent).update(status=R.FAILED, last_error=WORKER_LOST)
    Reminder.objects.filter(pk__in=back).update(status=R.PENDING, last_error=WORKER_LOST)
    waiting = (
        Reminder.objects.filter(status=R.PENDING)
        .alias(since=Coalesce("claimed_at", "created_at"))
        .filter(since__lt=now - RESEND_AFTER)
        .values_list("pk", flat=True)
    )
    enqueued = sorted({*back, *waiting})
    _enqueue_on_commit(enqueued)
    return enqueued


@transaction.atomic
def reminders_retry(*, reminder_ids: Iterable[int]) -> int:
    """An administrator sends failed reminders again (the mail server is back, an address fixed):
    each gets MAX_ATTEMPTS new attempts. Returns how many were put back."""
    ids = list(
        Reminder.objects.filter(pk__in=list(reminder_ids), status=R.FAILED).values_list("pk", flat=True)
    )
    Reminder.objects.filter(pk__in=ids).update(status=R.PENDING, attempts=0)
    _enqueue_on_commit(ids)
    return len(ids)
