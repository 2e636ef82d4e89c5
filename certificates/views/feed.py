"""A person's calendar subscription: the secret address of their iCal feed, a new address on demand,
the e-mail reminders they want, and the feed itself.

The feed is public: calendar applications send no session, so its address is its only key (192
random bits). An unknown, replaced or malformed address and a closed account all read "not found".
The feed is throttled per address and, for addresses that lead nowhere, per client address; it is
neither indexed nor kept in shared caches (a client keeps it a few minutes).
"""

import datetime
import hashlib
import logging
from dataclasses import astuple

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import quote_etag
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audits import access as audit_access
from certificates import ical
from certificates.forms.subscription import ReminderPreferencesForm
from certificates.models import CalendarSettings, CertificateDueDate
from certificates.selectors import calendar
from certificates.selectors import subscriptions as selectors
from certificates.selectors.reminders import recipients_of_items
from certificates.services import subscriptions as services
from certificates.views.verification import client_address
from core import ratelimit
from core.forms import call_action, call_service
from core.mail import absolute_url
from core.models import Transition
from organisations.models import User

logger = logging.getLogger(__name__)

PAGE = "certificates/calendar/subscription.html"
FEED_GROUP = "certificates.feed"
MISS_GROUP = "certificates.feed_miss"
FEED_AHEAD = datetime.timedelta(days=365)  # what is overdue, and the next twelve months
FEED_MAX_AGE = 5 * 60


@login_required
@never_cache  # the page shows the feed's secret address
@require_http_methods(["GET", "POST"])
def subscription(request: HttpRequest) -> HttpResponse:
    kinds = selectors.emailed_kinds_offered(request.user)
    if request.method == "GET":
        mine = services.calendar_settings_of(user=request.user)
        emailed = [kind.value for kind in kinds if kind not in mine.email_muted_kinds]
        form = ReminderPreferencesForm(initial={"emailed_kinds": emailed}, kinds=kinds)
        return _page(request, form, mine)
    form = ReminderPreferencesForm(request.POST, kinds=kinds)
    if form.is_valid() and call_service(
        form,
        lambda: services.reminder_preferences_save(
            actor=request.user, emailed_kinds=form.cleaned_data["emailed_kinds"]
        ),
    ):
        messages.success(request, _("Your choice of e-mail reminders is saved."))
        return redirect("calendar:subscription")
    # a refused choice changes nothing, not even by making the settings
    return _page(request, form, selectors.calendar_settings_found(request.user))


def _page(request: HttpRequest, form: ReminderPreferencesForm, mine: CalendarSettings | None) -> HttpResponse:
    feed_url = absolute_url(reverse("calendar:feed", args=[mine.feed_token])) if mine else ""
    context = {
        "form": form,
        "feed": mine,
        "feed_url": feed_url,
        "webcal_url": "webcal://" + feed_url.split("://", 1)[-1] if mine else "",
    }
    return render(request, PAGE, context)


@login_required
@require_POST
def feed_regenerate(request: HttpRequest) -> HttpResponse:
    call_action(
        request,
        lambda: services.feed_regenerate(actor=request.user),
        _(
            "Your calendar has a new address; the previous one no longer works. Subscribe to the new "
            "address in your calendar application and remove the old subscription."
        ),
    )
    return redirect("calendar:subscription")


def _wait(request: HttpRequest, token: str, *, found: bool) -> int | None:
    """Counts a fetch: against its feed's limit (whatever the client's address: calendar services
    fetch many people's feeds from the same addresses), or, when it leads nowhere, against the
    client's limit of such fetches. A client's misses never hold back anyone's feed. None: it may
    go ahead; else the seconds to wait."""
    if found:
        return ratelimit.hit(group=FEED_GROUP, key=token, rate=settings.FEED_RATE)
    return ratelimit.hit(
        group=MISS_GROUP, key=client_address(FEED_GROUP, request), rate=settings.FEED_MISS_RATE
    )


def _plain(text: str, status: int) -> HttpResponse:
    return HttpResponse(text, content_type="text/plain; charset=utf-8", status=status)


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    owner = selectors.feed_owner(token)
    wait = _wait(request, token, found=owner is not None)
    if wait is not None:
        response = _plain(_("Too many requests: try again later.\n"), 429)
        response["Retry-After"] = str(wait)
    elif owner is None:
        response = _plain(_("No calendar at this address.\n"), 404)
    else:
        response = _calendar(request, owner, mine=request.GET.get("mine") == "1")
    response["X-Robots-Tag"] = "noindex"
    return response


def _fingerprint(reach: audit_access.Reach) -> str:
    """A short digest of a reach: another membership, role of oversight or team is another one."""
    parts = [sorted(value) if isinstance(value, frozenset) else value for value in astuple(reach)]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _calendar(request: HttpRequest, owner: User, *, mine: bool) -> HttpResponse:
    """The owner's calendar: what is overdue and what falls due in the next twelve months; with
    `?mine=1`, only the items the owner is reminded of (theirs to act on). Calendar applications
    poll their feeds again and again: a feed is built again only when what it lists may have
    changed. Its cache key holds the day, what the owner's memberships reach (one query: a
    membership ended or a team left shows at the next fetch) and the latest change the app
    recorded (`_changes_mark`), and it is kept at most FEED_CACHE_SECONDS. The response carries an
    ETag (a digest of the feed), so a poll that finds the same feed gets 304 Not Modified and no
    body."""
    today = timezone.localdate()
    reach = audit_access.reach_of(owner)
    key = f"calendar-feed:{owner.pk}:{today.isoformat()}:{_fingerprint(reach)}:{int(mine)}:{_changes_mark()}"
    body = _cached(key) if settings.FEED_CACHE_SECONDS else None
    if body is None:
        items = calendar.due_items(
            calendar.scope_of(reach, owner),
            start=today,
            end=today + FEED_AHEAD,
            today=today,
            include_overdue=True,
            with_standards=True,
        )
        if mine:
            recipients = recipients_of_items(items)
            items = [item for item in items if owner.pk in recipients.of(item, today)]
        # stamped with the day it lists, not the second it was built: the same items give the same
        # bytes (and ETag) all day, so a poll finds it unchanged until something changes
        stamp = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
        body = ical.calendar_feed(items, name=_("ISO certification"), today=today, now=stamp)
        if settings.FEED_CACHE_SECONDS:
            _keep(key, body)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response["ETag"] = quote_etag(hashlib.sha256(body).hexdigest()[:32])
    patch_cache_control(response, private=True, max_age=FEED_MAX_AGE)
    return get_conditional_response(request, etag=response["ETag"], response=response)


def _changes_mark() -> str:
    """The latest change the app recorded: every state change of a record leaves a transition (and
    a date moved is one), and the certificates' due dates are recalculated with a time. Two
    queries on indexes; a feed built after either is built on what changed."""
    transition = Transition.objects.aggregate(last=Max("pk"))["last"] or 0
    due = CertificateDueDate.objects.aggregate(last=Max("computed_at"))["last"]
    return f"{transition}-{due.timestamp() if due else 0}"


def _cached(key: str) -> str | None:
    """The feed kept in the cache; None when it is not there or the cache is down (Redis stopped:
    the feed is built from the database instead)."""
    try:
        return cache.get(key)
    except Exception:
        logger.warning("Calendar feed: the cache does not answer; building the feed", exc_info=True)
        return None


def _keep(key: str, body: str) -> None:
    try:
        cache.set(key, body, settings.FEED_CACHE_SECONDS)
    except Exception:
        logger.warning("Calendar feed: the cache does not answer; the feed is not kept", exc_info=True)
