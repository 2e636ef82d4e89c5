"""Reminders of what falls due (DOMAIN §9.2): one row per person, due item and stage, shown in the
app, and one e-mail a day per person, the digest, listing that day's rows (overdue, due this week,
later) for the kinds the person takes by e-mail.

The daily sweep (`reminders_write`) writes the rows under the reminder's unique constraint, so
running it twice, or two sweeps at once, writes each row once; the digest is made of the rows this
sweep wrote, so it goes out once. It is written to the e-mail outbox (`core.outbox`) in the same
transaction, and the outbox sends it once, retries it while the mail server refuses and keeps it
`failed` for an administrator after the last attempt. A row's e-mail is its `email`: its state is
the outbox row's, never copied.
"""

import datetime
import logging
from collections import defaultdict

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates import due_rules
from certificates.enums import ReminderStatus
from certificates.models import CalendarSettings, Reminder
from certificates.selectors.calendar import due_items, scope_all
from certificates.selectors.reminders import recipients_of_items, stage_label
from core.mail import absolute_url, templated_message
from core.outbox import emails_write
from organisations.models import CertificationBody, User

logger = logging.getLogger(__name__)

R = ReminderStatus
TITLE_MAX = Reminder._meta.get_field("title").max_length
PATH_MAX = Reminder._meta.get_field("path").max_length
DIGEST_LIST_MAX = 20  # items listed per group of a digest; the rest are counted, with a link
THIS_WEEK = datetime.timedelta(days=7)
LINK_BATCH = 500  # people whose rows are linked to their digest per UPDATE


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
    recipients = recipients_of_items([item for item, _stage in owed])
    wanted = [(item, stage, user_id) for item, stage in owed for user_id in recipients.of(item, today)]
    # The rows already written (an earlier run today, or an earlier day of the same stage) are not
    # sent to the database again: a second run reads one query more and writes nothing.
    done = _written({item.key for item, _stage in owed})
    wanted = [w for w in wanted if (w[2], w[0].key, w[0].due_on, w[1]) not in done]
    if not wanted:
        return []
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
            status=R.IN_APP if item.kind in muted.get(user_id, ()) else R.DIGEST,
            created_at=written_at,
        )
        for item, stage, user_id in wanted
    ]
    with transaction.atomic():
        Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        # ignore_conflicts gives no ids back: this sweep's rows are those stamped with its moment
        # (a row another sweep wrote first keeps that sweep's stamp).
        written = list(
            Reminder.objects.filter(created_at=written_at).values(
                "pk", "recipient_id", "status", "title", "due_on", "stage", "path"
            )
        )
        _digests_write([row for row in written if row["status"] == R.DIGEST], today=today)
    return sorted(row["pk"] for row in written)


def _written(keys: set[str]) -> set[tuple[int, str, datetime.date, str]]:
    """The reminders written of these items: (recipient, item, due date, stage), the unique key."""
    rows = Reminder.objects.filter(item_key__in=keys).values_list(
        "recipient_id", "item_key", "due_on", "stage"
    )
    return set(rows)


def _muted_kinds(user_ids: set[int]) -> dict[int, set[str]]:
    """The kinds each person does not take by e-mail (no settings: every kind is e-mailed)."""
    settings_rows = CalendarSettings.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "email_muted_kinds"
    )
    return {user_id: set(kinds or ()) for user_id, kinds in settings_rows}


def _digests_write(rows: list[dict], *, today: datetime.date) -> None:
    """One digest per person of the rows written for them, in the outbox, each row linked to it."""
    if not rows:
        return
    by_person: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_person[row["recipient_id"]].append(row)
    people = User.objects.in_bulk(list(by_person))
    order = sorted(by_person)
    messages = [_digest(people[user_id], by_person[user_id], today=today) for user_id in order]
    emails = emails_write(messages)
    links = [(user_id, email.pk) for user_id, email in zip(order, emails, strict=True)]
    ids = [row["pk"] for row in rows]
    for start in range(0, len(links), LINK_BATCH):
        batch = links[start : start + LINK_BATCH]
        whens = [When(recipient_id=user_id, then=Value(email_id)) for user_id, email_id in batch]
        Reminder.objects.filter(pk__in=ids, recipient_id__in=[user_id for user_id, _ in batch]).update(
            email_id=Case(*whens, output_field=IntegerField())
        )


def _digest(person: User, rows: list[dict], *, today: datetime.date):
    """The e-mail of one person's rows: overdue, due this week, later, soonest first in each."""
    groups = {"overdue": [], "week": [], "later": []}
    for row in sorted(rows, key=lambda row: (row["due_on"], row["title"])):
        if row["due_on"] < today:
            group = "overdue"
        elif row["due_on"] <= today + THIS_WEEK:
            group = "week"
        else:
            group = "later"
        groups[group].append(
            {**row, "url": absolute_url(row["path"]), "stage_label": stage_label(row["stage"])}
        )
    titles = {"overdue": _("Overdue"), "week": _("Due within a week"), "later": _("Later")}
    context = {
        "person": person,
        "today": today,
        "counts": {name: len(items) for name, items in groups.items()},
        "groups": [
            {
                "title": titles[name],
                "count": len(items),
                "items": items[:DIGEST_LIST_MAX],
                "more": max(len(items) - DIGEST_LIST_MAX, 0),
            }
            for name, items in groups.items()
            if items
        ],
        "reminders_url": absolute_url(reverse("calendar:reminders")),
        "preferences_url": absolute_url(reverse("calendar:subscription")),
    }
    return templated_message(
        to=[person.email], template="certificates/email/digest", context=context, html=True
    )
