"""A person's calendar as an iCalendar feed (RFC 5545) that Outlook, Google Calendar and Apple
Calendar subscribe to: one all-day event per item due. Pure but for the site's address (links, UIDs).

Each event's UID is its item's `key` at the site's host: an item keeps its UID when its date moves
(an audit rescheduled, an expiry after recertification), so a calendar application moves the event
instead of showing it twice.
"""

import datetime
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vDuration

from certificates.due_rules import DueItem
from core.bounds import EARLIEST_DATE
from core.mail import absolute_url

PRODID = "-//ISO certification manager//Calendar feed//EN"
REFRESH = datetime.timedelta(hours=1)  # a hint: each application polls on its own schedule
ONE_DAY = datetime.timedelta(days=1)


def calendar_feed(
    items: Iterable[DueItem], *, name: str, today: datetime.date, now: datetime.datetime
) -> bytes:
    """The feed of `items`, named `name`; `today` says what is overdue, `now` (aware) stamps it."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.calendar_name = name  # NAME (RFC 7986) and X-WR-CALNAME (Outlook, Google)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    for item in items:
        calendar.add_component(_event(item, host=host, today=today, now=now))
    return calendar.to_ical()


def sequence(due_on: datetime.date) -> int:
    """The event's SEQUENCE: the days from a fixed epoch to the due date.

    Nothing stores a revision counter for an item (items are derived, not kept), so the number is
    derived from what changes: the date. It changes whenever the date does and grows when an item
    moves later, the usual move (an audit postponed, an expiry after recertification). An item
    brought forward gets a lower number; applications that subscribe to a feed reload it whole on
    each refresh, matching events by UID, so they take the new date all the same.
    """
    return max((due_on - EARLIEST_DATE).days, 0)


def _event(item: DueItem, *, host: str, today: datetime.date, now: datetime.datetime) -> Event:
    link = absolute_url(item.path)
    overdue = item.is_overdue(today)
    return Event.new(
        uid=f"{item.key}@{host}",
        start=item.due_on,  # a date: an all-day event, the same day in every time zone
        end=item.last_day + ONE_DAY,  # the day after its last: an audit of three days spans three
        summary=_("OVERDUE: %(title)s") % {"title": item.title} if overdue else item.title,
        description="\n".join(_details(item, link=link, overdue=overdue)),
        url=link,
        stamp=now,
        sequence=sequence(item.due_on),
        transparency="TRANSPARENT",  # a date to keep in mind, not time taken: never "busy"
    )


def _details(item: DueItem, *, link: str, overdue: bool) -> list[str]:
    lines = [item.label, item.organisation_name]
    if item.standard_codes:
        lines.append(", ".join(item.standard_codes))
    if overdue:
        lines.append(_("Overdue since %(day)s.") % {"day": item.due_on.isoformat()})
    return [*lines, link]
