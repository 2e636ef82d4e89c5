"""The iCal feed (its secret address is its key) and the calendar subscription page: the feed's
address, a new address on demand, and the reminders a person wants by e-mail."""

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from audits.models import Audit, Finding
from audits.services import programmes as programme_services
from audits.services import teams as team_services
from certificates import ical
from certificates.due_rules import DueItem
from certificates.enums import CLIENT_DUE_KINDS, OWN_DUE_KINDS, DueKind
from certificates.models import CalendarSettings
from certificates.services import subscriptions as services
from core.errors import NotAllowed
from core.transitions import transitions_of
from organisations.models import CBMembership
from tests import factories
from tests.certificates.conftest import make_certificate
from tests.factories import PROGRAMME_SCOPE

pytestmark = pytest.mark.django_db

SITE = "https://certification.example.org"
HOST = "certification.example.org"


def _programme(w, side, stage1_on: datetime.date):
    return programme_services.programme_open(
        actor=side.cert_manager,
        certification_body=side.cb,
        organisation=side.org,
        editions=[w.edition],
        sites=[side.site],
        iaf_codes=[],
        stage1_on=stage1_on,
        scope=PROGRAMME_SCOPE,
    )


@pytest.fixture
def fw(world, settings):
    """Organisation A (CB A) and B (the other CB), each with an active certificate decided a month
    ago and a programme whose stage 1 is two months ahead, its team not yet notified to the client;
    the auditor leads A's stage 1."""
    settings.SITE_URL = SITE
    today = timezone.localdate()
    world.today = today
    world.edition = factories.ClauseFactory(edition__standard__code="ISO 9999", number="4.1").edition
    for suffix, cb, org, site, manager in (
        ("a", world.cb, world.org_a, world.site_a, world.cert_manager),
        ("b", world.other_cb, world.org_b, world.site_b, world.other_cb_manager),
    ):
        side = SimpleNamespace(cb=cb, org=org, org_a=org, site=site, site_a=site, cert_manager=manager)
        certificate = make_certificate(
            side,
            world.edition,
            number=f"CERT-{suffix.upper()}",
            decided_on=today - datetime.timedelta(days=30),
        )
        programme = _programme(world, side, today + datetime.timedelta(days=60))
        setattr(world, f"side_{suffix}", side)
        setattr(world, f"certificate_{suffix}", certificate)
        setattr(world, f"stage1_{suffix}", programme.audits.get(kind="stage1"))
    team_services.team_assign(actor=world.cert_manager, audit=world.stage1_a, user=world.auditor, role="lead")
    world.nc_a = nonconformity(world, world.stage1_a, today + datetime.timedelta(days=20))
    return world


def nonconformity(w, audit, due_on: datetime.date) -> Finding:
    """An open major nonconformity whose response is due on `due_on`."""
    return Finding.objects.create(
        audit=audit,
        number=Finding.objects.filter(audit=audit).count() + 1,
        type="major",
        status="open",
        site=audit.programme.sites.get(),
        clause=w.edition.clauses.get(),
        statement="No record of the review.",
        evidence="File P-7",
        raised_by=w.cert_manager,
        response_due_on=due_on,
    )


def feed_url(user) -> str:
    return reverse("calendar:feed", args=[services.calendar_settings_of(user=user).feed_token])


def fetch(client, user):
    response = client.get(feed_url(user))
    assert response.status_code == 200, response.content
    return response


def events(response) -> dict[str, object]:
    """The feed's events by UID."""
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def uid(key: str) -> str:
    return f"{key}@{HOST}"


def has(found: dict, prefix: str) -> bool:
    """Whether an event's UID starts with `prefix` (a certificate's keys end with its cycle's start)."""
    return any(key.startswith(prefix) and key.endswith(f"@{HOST}") for key in found)


# --- the feed -----------------------------------------------------------------------------------


def test_the_feed_is_a_valid_calendar_of_all_day_events(client, fw):
    response = fetch(client, fw.qm_a)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="calendar.ics"'
    assert response["X-Robots-Tag"] == "noindex"
    assert "private" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\n")
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["PRODID"]) == ical.PRODID
    assert str(calendar["X-WR-CALNAME"]) == "ISO certification"
    found = events(response)
    audit = found[uid(f"audit-{fw.stage1_a.pk}")]
    assert audit.start == fw.stage1_a.starts_on and type(audit.start) is datetime.date
    assert audit.end == fw.stage1_a.starts_on + datetime.timedelta(days=1)
    assert str(audit["SUMMARY"]) == f"Audit: Stage 1 ({fw.stage1_a.starts_on.isoformat()}) — Organisation A"
    link = f"{SITE}/audits/{fw.stage1_a.pk}/"
    assert str(audit["URL"]) == link
    assert str(audit["DESCRIPTION"]).splitlines() == ["Audit", "Organisation A", "ISO 9999", link]
    assert str(audit["TRANSP"]) == "TRANSPARENT"
    assert audit["DTSTAMP"].dt.tzinfo is not None
    for event in found.values():
        assert type(event.start) is datetime.date and event.end - event.start == datetime.timedelta(days=1)


def test_the_client_sees_only_their_own_items_and_no_team_notices(client, fw):
    found = events(fetch(client, fw.qm_a))
    assert has(found, f"certificate-{fw.certificate_a.pk}-surveillance1")
    assert uid(f"audit-{fw.stage1_a.pk}") in found
    assert uid(f"finding-{fw.nc_a.pk}-response") in found
    assert not any("team-notice" in key for key in found)
    assert not has(found, f"certificate-{fw.certificate_b.pk}-")
    assert uid(f"audit-{fw.stage1_b.pk}") not in found
    assert all("Organisation B" not in str(event["SUMMARY"]) for event in found.values())


def test_the_cb_sees_its_team_notices_and_nothing_of_another_cb(client, fw):
    mine = events(fetch(client, fw.cert_manager))
    assert uid(f"audit-{fw.stage1_a.pk}-team-notice") in mine
    assert has(mine, f"certificate-{fw.certificate_a.pk}-surveillance1")
    assert all("Organisation B" not in str(event["SUMMARY"]) for event in mine.values())
    theirs = events(fetch(client, fw.other_cb_manager))
    assert uid(f"audit-{fw.stage1_b.pk}") in theirs
    assert all("Organisation A" not in str(event["SUMMARY"]) for event in theirs.values())


def test_a_person_with_nothing_to_see_gets_an_empty_calendar(client, fw):
    assert events(fetch(client, fw.nobody)) == {}


def test_uids_are_stable_across_renders_and_when_an_audit_is_rescheduled(client, fw):
    first = events(fetch(client, fw.qm_a))
    assert events(fetch(client, fw.qm_a)).keys() == first.keys()
    key = uid(f"audit-{fw.stage1_a.pk}")
    later = fw.stage1_a.starts_on + datetime.timedelta(days=21)
    Audit.objects.filter(pk=fw.stage1_a.pk).update(starts_on=later, ends_on=later)
    moved = events(fetch(client, fw.qm_a))
    assert moved.keys() == first.keys()
    assert moved[key].start == later and first[key].start == later - datetime.timedelta(days=21)
    assert int(moved[key]["SEQUENCE"]) == int(first[key]["SEQUENCE"]) + 21


def test_the_feed_is_kept_for_its_cache_time_then_read_again(client, fw, settings):
    from django.core.cache import cache

    settings.FEED_CACHE_SECONDS = 300
    cache.clear()
    try:
        first = events(fetch(client, fw.qm_a))
        key = uid(f"audit-{fw.stage1_a.pk}")
        later = fw.stage1_a.starts_on + datetime.timedelta(days=21)
        Audit.objects.filter(pk=fw.stage1_a.pk).update(starts_on=later, ends_on=later)
        assert events(fetch(client, fw.qm_a))[key].start == first[key].start  # kept: polled again
        cache.clear()  # the cache time passed
        assert events(fetch(client, fw.qm_a))[key].start == later
    finally:
        cache.clear()


def test_a_recorded_change_has_the_feed_built_again_at_once(
    client, fw, settings, django_assert_max_num_queries
):
    """Kept while nothing changes; a change the app records (an audit moved, through its service)
    is in the next fetch, however long the feed is kept."""
    from django.core.cache import cache

    from core.transitions import transition_record

    settings.FEED_CACHE_SECONDS = 86_400
    cache.clear()
    try:
        first = events(fetch(client, fw.qm_a))
        key = uid(f"audit-{fw.stage1_a.pk}")
        with django_assert_max_num_queries(6):  # the address, the reach, the marks: no items read
            assert events(fetch(client, fw.qm_a))[key].start == first[key].start
        later = fw.stage1_a.starts_on + datetime.timedelta(days=21)
        Audit.objects.filter(pk=fw.stage1_a.pk).update(starts_on=later, ends_on=later)
        transition_record(subject=fw.stage1_a, field="starts_on", from_state=first[key].start, to_state=later)
        assert events(fetch(client, fw.qm_a))[key].start == later
    finally:
        cache.clear()


@pytest.mark.parametrize("change", ["removed", "role", "cb_membership"])
def test_a_membership_change_is_seen_at_once_despite_the_cache(client, fw, settings, change):
    """A removed member's feed loses the organisation's events at the next fetch, not five minutes
    later: the cache key holds what the owner's memberships reach."""
    from django.core.cache import cache

    from organisations import services as organisation_services

    settings.FEED_CACHE_SECONDS = 300
    cache.clear()
    try:
        owner = fw.cert_manager if change == "cb_membership" else fw.viewer_a
        assert uid(f"audit-{fw.stage1_a.pk}") in events(fetch(client, owner))
        if change == "cb_membership":
            CBMembership.objects.filter(user=owner).update(is_active=False)
        else:
            membership = fw.viewer_a.organisation_memberships.get()
            if change == "removed":
                organisation_services.membership_deactivate(actor=fw.qm_a, membership=membership)
            else:  # still a member, another role: the same reach, the same key, kept
                organisation_services.membership_change_role(
                    actor=fw.qm_a, membership=membership, role="contributor"
                )
        seen = events(fetch(client, owner))
        assert (uid(f"audit-{fw.stage1_a.pk}") in seen) is (change == "role")
    finally:
        cache.clear()


def test_an_overdue_item_says_so(client, fw):
    overdue_on = fw.today - datetime.timedelta(days=200)  # before the feed's window: still shown
    Audit.objects.filter(pk=fw.stage1_a.pk).update(starts_on=overdue_on, ends_on=overdue_on)
    event = events(fetch(client, fw.qm_a))[uid(f"audit-{fw.stage1_a.pk}")]
    assert str(event["SUMMARY"]).startswith("OVERDUE: Audit: Stage 1")
    assert f"Overdue since {overdue_on.isoformat()}." in str(event["DESCRIPTION"]).splitlines()


def test_the_feed_needs_no_sign_in_and_ignores_one(client, fw):
    url = feed_url(fw.qm_a)
    anonymous = client.get(url)
    client.force_login(fw.cert_manager)  # a session of someone else changes nothing
    signed_in = client.get(url)
    assert anonymous.status_code == signed_in.status_code == 200
    assert events(anonymous).keys() == events(signed_in).keys()
    assert not any("team-notice" in key for key in events(signed_in))


def test_the_feed_answers_get_only(client, fw):
    assert client.post(feed_url(fw.qm_a)).status_code == 405


def test_a_new_address_replaces_the_old_one_at_once(client, fw):
    old = feed_url(fw.qm_a)
    made = CalendarSettings.objects.get(user=fw.qm_a).feed_token_created_at
    feed = services.feed_regenerate(actor=fw.qm_a)
    assert client.get(old).status_code == 404
    assert client.get(reverse("calendar:feed", args=[feed.feed_token])).status_code == 200
    record = transitions_of(feed).get()
    assert (record.field, record.actor) == ("feed_token", fw.qm_a)
    assert (record.from_state, record.to_state) == (made.isoformat(), feed.feed_token_created_at.isoformat())
    old_token = old.rsplit("/", 1)[1].removesuffix(".ics")
    logged = f"{record.from_state} {record.to_state} {record.reason}"
    assert old_token not in logged and feed.feed_token not in logged


def test_an_inactive_owner_has_no_feed(client, fw):
    url = feed_url(fw.qm_a)
    fw.qm_a.is_active = False
    fw.qm_a.save(update_fields=["is_active"])
    response = client.get(url)
    assert response.status_code == 404
    assert response.content == b"No calendar at this address.\n"
    assert response["X-Robots-Tag"] == "noindex"


@pytest.mark.parametrize(
    "token",
    ["A" * 32, "a" * 43, "a" * 44, "x" * 10_000, "..", "a b", "a%00b", "é" * 32, "abc'; --", "-1"],
)
def test_an_unknown_or_odd_address_is_not_found(client, fw, token):
    feed_url(fw.qm_a)
    response = client.get(reverse("calendar:feed", args=[token]))
    assert response.status_code == 404
    assert response.content == b"No calendar at this address.\n"


def test_a_stored_token_read_as_a_prefix_is_not_found(client, fw):
    token = services.calendar_settings_of(user=fw.qm_a).feed_token
    for changed in (token[:-1], token + "A", token.upper() if token != token.upper() else token.lower()):
        assert client.get(reverse("calendar:feed", args=[changed])).status_code == 404


def test_the_feed_reads_a_fixed_number_of_queries(client, fw):
    url = feed_url(fw.cert_manager)

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        return len(captured), len(events(response))

    few, few_events = queries()
    for days in (90, 120, 150):
        programme = _programme(fw, fw.side_a, fw.today + datetime.timedelta(days=days))
        nonconformity(fw, programme.audits.get(kind="stage1"), fw.today + datetime.timedelta(days=days))
    many, many_events = queries()
    assert many_events > few_events + 10
    # the address and owner; what the owner reaches; the latest change recorded and the latest due
    # date recalculated (the cache's key); the certificates' stored due dates and their
    # suspensions; the longest notice period of the owner's CBs, the audits and their standards;
    # the nonconformities and their standards
    assert few == many == 11


# --- throttling ---------------------------------------------------------------------------------


@pytest.fixture
def limits(settings):
    settings.RATELIMIT_ENABLE = True
    settings.FEED_RATE = "3/h"
    settings.FEED_MISS_RATE = "2/h"
    return settings


def test_fetches_of_one_feed_over_its_limit_get_429(client, fw, limits):
    url = feed_url(fw.qm_a)
    statuses = [client.get(url, REMOTE_ADDR=f"198.51.100.{n}").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]  # whatever the addresses it is fetched from
    response = client.get(url)
    assert response.status_code == 429 and response["X-Robots-Tag"] == "noindex"
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert client.get(feed_url(fw.qm_b)).status_code == 200  # another feed is not held back


def test_misses_over_their_limit_get_429_but_never_hold_back_a_feed(client, fw, limits):
    address = "203.0.113.77"

    def miss() -> int:
        return client.get(reverse("calendar:feed", args=["nope" * 8]), REMOTE_ADDR=address).status_code

    assert [miss(), miss(), miss()] == [404, 404, 429]
    assert client.get(feed_url(fw.qm_a), REMOTE_ADDR=address).status_code == 200
    other = client.get(reverse("calendar:feed", args=["nope" * 8]), REMOTE_ADDR="203.0.113.78")
    assert other.status_code == 404


def test_with_redis_down_the_feed_is_built_and_still_limited(client, fw, limits):
    limits.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nobody listens: as when Redis is stopped
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    limits.FEED_CACHE_SECONDS = 300
    url = feed_url(fw.qm_a)
    responses = [client.get(url) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert responses[0].content.startswith(b"BEGIN:VCALENDAR")


# --- the feed's events, without the database --------------------------------------------------


def _item(due_on: datetime.date, **changes) -> DueItem:
    values = {
        "key": "audit-7",
        "kind": DueKind.AUDIT,
        "due_on": due_on,
        "subject": "Stage 1",
        "path": "/audits/7/",
        "organisation_id": 1,
        "organisation_name": "Ministry, of; Things",
        "certification_body_id": 1,
    }
    return DueItem(**values | changes)


def test_text_with_commas_and_semicolons_round_trips(settings):
    settings.SITE_URL = SITE
    day = datetime.date(2028, 2, 29)
    now = datetime.datetime(2028, 1, 1, 12, tzinfo=datetime.UTC)
    body = ical.calendar_feed([_item(day)], name="Mine", today=day, now=now)
    assert b"Ministry\\, of\\; Things" in body
    event = Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Audit: Stage 1 — Ministry, of; Things"
    assert (event.start, event.end) == (day, datetime.date(2028, 3, 1))
    assert event["DTSTAMP"].dt == now
    assert str(event["UID"]) == f"audit-7@{HOST}"


def test_an_audit_of_several_days_spans_them_in_the_feed(settings):
    """All-day events end the day after their last (RFC 5545 DTEND is exclusive)."""
    settings.SITE_URL = SITE
    day = datetime.date(2028, 2, 28)
    now = datetime.datetime(2028, 1, 1, 12, tzinfo=datetime.UTC)
    three_days = _item(day, ends_on=datetime.date(2028, 3, 1))
    body = ical.calendar_feed([three_days], name="x", today=day, now=now)
    event = Calendar.from_ical(body).walk("VEVENT")[0]
    assert (event.start, event.end) == (day, datetime.date(2028, 3, 2))


def test_the_sequence_grows_with_the_date_and_never_goes_below_zero():
    assert ical.sequence(datetime.date(1980, 1, 1)) == 0
    assert ical.sequence(datetime.date(1979, 12, 31)) == 0
    assert ical.sequence(datetime.date(2027, 3, 2)) == ical.sequence(datetime.date(2027, 3, 1)) + 1


def test_a_done_item_is_not_overdue(settings):
    settings.SITE_URL = SITE
    today = datetime.date(2028, 6, 1)
    now = datetime.datetime(2028, 6, 1, tzinfo=datetime.UTC)
    items = [_item(datetime.date(2028, 5, 1), done=True), _item(datetime.date(2028, 5, 1), key="audit-8")]
    summaries = [
        str(event["SUMMARY"])
        for event in Calendar.from_ical(ical.calendar_feed(items, name="x", today=today, now=now)).walk(
            "VEVENT"
        )
    ]
    assert summaries == [
        "Audit: Stage 1 — Ministry, of; Things",
        "OVERDUE: Audit: Stage 1 — Ministry, of; Things",
    ]


# --- the subscription page -----------------------------------------------------------------------


def test_the_page_shows_the_full_address_the_warning_and_the_instructions(client, fw):
    client.force_login(fw.qm_a)
    response = client.get(reverse("calendar:subscription"))
    body = response.content.decode()
    feed = CalendarSettings.objects.get(user=fw.qm_a)
    full = f"{SITE}/calendar/feed/{feed.feed_token}.ics"
    assert response.status_code == 200
    assert f'value="{full}"' in body
    assert f'href="webcal://{HOST}/calendar/feed/{feed.feed_token}.ics"' in body
    assert "Anyone who has it can read your calendar" in body
    assert "Outlook" in body and "Google Calendar" in body and "Apple Calendar" in body
    assert f'action="{reverse("calendar:feed_regenerate")}"' in body
    assert "no-store" in response["Cache-Control"]
    assert client.get(reverse("calendar:subscription")).context["feed_url"] == full  # the same address


def test_a_client_is_offered_every_kind_but_team_notices_and_cb_staff_all_but_the_clients_own(client, fw):
    client.force_login(fw.qm_a)
    offered = client.get(reverse("calendar:subscription")).context["form"].fields["emailed_kinds"].choices
    assert [value for value, _label in offered] == [kind.value for kind in CLIENT_DUE_KINDS]
    client.force_login(fw.auditor)
    offered = client.get(reverse("calendar:subscription")).context["form"].fields["emailed_kinds"].choices
    # actions and internal audits are the organisation's own: no CB account is reminded of them (rule 43)
    assert [value for value, _label in offered] == [k.value for k in DueKind if k not in OWN_DUE_KINDS]


def test_saving_preferences_mutes_the_kinds_left_unticked(client, fw):
    client.force_login(fw.qm_a)
    emailed = [DueKind.EXPIRY.value, DueKind.AUDIT.value]
    response = client.post(reverse("calendar:subscription"), {"emailed_kinds": emailed}, follow=True)
    assert response.redirect_chain == [(reverse("calendar:subscription"), 302)]
    assert "Your choice of e-mail reminders is saved." in response.content.decode()
    muted = CalendarSettings.objects.get(user=fw.qm_a).email_muted_kinds
    assert muted == [kind.value for kind in CLIENT_DUE_KINDS if kind.value not in emailed]
    assert response.context["form"].initial == {"emailed_kinds": emailed}


def test_unticking_everything_mutes_every_kind_offered(client, fw):
    client.force_login(fw.cert_manager)
    assert client.post(reverse("calendar:subscription"), {}).status_code == 302
    muted = CalendarSettings.objects.get(user=fw.cert_manager).email_muted_kinds
    assert muted == [k.value for k in DueKind if k not in OWN_DUE_KINDS]


@pytest.mark.parametrize("kinds", [["no_such_kind"], [DueKind.TEAM_NOTICE.value], ["audit", "x" * 100_000]])
def test_a_kind_not_offered_is_refused_on_the_form_and_nothing_changes(client, fw, kinds):
    services.reminder_preferences_save(actor=fw.qm_a, emailed_kinds=[DueKind.AUDIT.value])
    before = CalendarSettings.objects.get(user=fw.qm_a).email_muted_kinds
    client.force_login(fw.qm_a)
    response = client.post(reverse("calendar:subscription"), {"emailed_kinds": kinds})
    assert response.status_code == 200
    assert "Choose kinds of reminder from the list." in response.content.decode()
    assert CalendarSettings.objects.get(user=fw.qm_a).email_muted_kinds == before


def test_a_refused_choice_makes_no_settings(client, fw):
    client.force_login(fw.qm_b)
    response = client.post(reverse("calendar:subscription"), {"emailed_kinds": ["nope"]})
    assert response.status_code == 200 and response.context["feed"] is None
    assert "Show your calendar" in response.content.decode()
    assert not CalendarSettings.objects.filter(user=fw.qm_b).exists()


def test_the_service_refuses_team_notices_for_a_client_and_accepts_them_for_the_cb(fw):
    with pytest.raises(services.SubscriptionError, match=r"Choose kinds of reminder from the list\."):
        services.reminder_preferences_save(actor=fw.qm_a, emailed_kinds=[DueKind.TEAM_NOTICE.value])
    saved = services.reminder_preferences_save(actor=fw.auditor, emailed_kinds=[DueKind.TEAM_NOTICE.value])
    assert DueKind.TEAM_NOTICE.value not in saved.email_muted_kinds
    assert DueKind.AUDIT.value in saved.email_muted_kinds


def test_preferences_change_only_the_actors_own_settings(fw):
    other = services.calendar_settings_of(user=fw.qm_b)
    services.reminder_preferences_save(actor=fw.qm_b, emailed_kinds=[DueKind.EXPIRY.value])
    before = CalendarSettings.objects.filter(pk=other.pk).values().get()
    saved = services.reminder_preferences_save(actor=fw.qm_a, emailed_kinds=[])
    assert saved.user == fw.qm_a
    assert CalendarSettings.objects.filter(pk=other.pk).values().get() == before
    assert CalendarSettings.objects.count() == 2


def test_an_inactive_account_changes_nothing(fw):
    services.calendar_settings_of(user=fw.qm_a)
    fw.qm_a.is_active = False
    with pytest.raises(NotAllowed):
        services.feed_regenerate(actor=fw.qm_a)
    with pytest.raises(NotAllowed):
        services.reminder_preferences_save(actor=fw.qm_a, emailed_kinds=[])


def test_the_regenerate_button_gives_a_new_address_and_says_so(client, fw):
    client.force_login(fw.qm_a)
    old = client.get(reverse("calendar:subscription")).context["feed_url"]
    response = client.post(reverse("calendar:feed_regenerate"), follow=True)
    assert response.redirect_chain == [(reverse("calendar:subscription"), 302)]
    assert "the previous one no longer works" in response.content.decode()
    new = response.context["feed_url"]
    assert new != old and new.startswith(f"{SITE}/calendar/feed/")
    assert client.get(old.removeprefix(SITE)).status_code == 404
    assert client.get(new.removeprefix(SITE)).status_code == 200
    assert client.get(reverse("calendar:feed_regenerate")).status_code == 405


# --- what the feed holds, and conditional requests ------------------------------------------------


def test_the_feed_holds_what_is_overdue_and_the_next_twelve_months(client, fw):
    today = fw.today
    past = nonconformity(fw, fw.stage1_a, today - datetime.timedelta(days=200))  # overdue: kept
    Audit.objects.filter(pk=fw.stage1_a.pk).update(
        starts_on=today + datetime.timedelta(days=366), ends_on=today + datetime.timedelta(days=367)
    )
    found = events(fetch(client, fw.qm_a))
    assert uid(f"finding-{past.pk}-response") in found
    assert uid(f"audit-{fw.stage1_a.pk}") not in found  # beyond twelve months
    assert has(found, f"certificate-{fw.certificate_a.pk}-surveillance1")  # due in eleven months


def test_mine_keeps_the_items_the_subscriber_is_reminded_of(client, fw):
    everything = events(fetch(client, fw.viewer_a))
    assert uid(f"audit-{fw.stage1_a.pk}") in everything  # the viewer sees the organisation's dates
    viewer_mine = client.get(feed_url(fw.viewer_a), {"mine": "1"})
    assert viewer_mine.status_code == 200 and events(viewer_mine) == {}  # a viewer acts on none
    qm_mine = events(client.get(feed_url(fw.qm_a), {"mine": "1"}))
    assert uid(f"audit-{fw.stage1_a.pk}") in qm_mine and uid(f"finding-{fw.nc_a.pk}-response") in qm_mine
    lead_mine = events(client.get(feed_url(fw.auditor), {"mine": "1"}))
    assert uid(f"audit-{fw.stage1_a.pk}") in lead_mine
    assert not has(lead_mine, f"certificate-{fw.certificate_a.pk}-")  # the certificate is the managers'


def test_a_poll_that_finds_the_same_feed_gets_304_without_a_body(client, fw):
    first = fetch(client, fw.qm_a)
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) == 34
    again = client.get(feed_url(fw.qm_a), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    Audit.objects.filter(pk=fw.stage1_a.pk).update(
        starts_on=fw.today + datetime.timedelta(days=90), ends_on=fw.today + datetime.timedelta(days=90)
    )
    changed = client.get(feed_url(fw.qm_a), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_the_same_feed_is_the_same_bytes_whatever_the_second_it_is_built(client, fw, monkeypatch):
    """Its DTSTAMP is the day it lists, not the moment: two polls a second apart find it unchanged."""
    first = fetch(client, fw.qm_a)
    later = timezone.now() + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    again = fetch(client, fw.qm_a)
    assert again.content == first.content and again["ETag"] == first["ETag"]
    stamps = {event["DTSTAMP"].dt for event in Calendar.from_ical(first.content).walk("VEVENT")}
    assert stamps == {timezone.make_aware(datetime.datetime.combine(fw.today, datetime.time.min))}
