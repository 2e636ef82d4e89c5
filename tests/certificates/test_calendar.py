"""The calendar over real records: who sees what (`scope_for`), the filters, what is overdue, the
month and agenda pages and the dashboard's panels, each at a fixed number of queries."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audits import cycle
from audits.changes import audits_changed
from audits.enums import AuditKind, AuditStatus, FindingStatus, FindingType
from audits.models import Audit, Finding, TeamAssignment
from certificates.enums import CertificateStatus, DueKind
from certificates.selectors import calendar as selectors
from certificates.selectors import cycles
from certificates.selectors.calendar import Filters, due_items, scope_all, scope_for
from certificates.services.due_dates import certificate_dues_check
from certificates.views.calendar import agenda_days, month_weeks
from organisations.backends import UserBackend
from tests import factories
from tests.certificates.conftest import make_certificate

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def certificate_of(world, edition, *, organisation: str, number: str, decided_on, **kwargs):
    """A valid certificate of organisation A (by the CB) or B (by the other CB)."""
    side = (
        world
        if organisation == "a"
        else SimpleNamespace(
            cb=world.other_cb, org_a=world.org_b, site_a=world.site_b, cert_manager=world.other_cb_manager
        )
    )
    return make_certificate(
        side, edition, number=number, decided_on=decided_on, expiry_on=cycle.expiry_date(decided_on), **kwargs
    )


def audit_of(certificate, *, kind: str, starts_on, status: str = AuditStatus.PLANNED, lead=None, by=None):
    programme = certificate.revisions.get().decision.programme
    audit = Audit.objects.create(
        programme=programme,
        kind=kind,
        status=status,
        starts_on=starts_on,
        ends_on=starts_on,
        planned_days=Decimal("1.0"),
        on_site_days=Decimal("1.0"),
    )
    if lead:
        TeamAssignment.objects.create(audit=audit, user=lead, role="lead", assigned_by=by)
    audits_changed(audits=[audit])  # as the audit services do
    return audit


def nc_of(audit, edition, *, number: int, response_due_on, raised_by, status=FindingStatus.OPEN):
    finding = Finding.objects.create(
        audit=audit,
        number=number,
        type=FindingType.MAJOR_NC,
        status=status,
        statement="No record of the management review.",
        evidence="File P-7",
        site=audit.programme.sites.first(),
        clause=edition.clauses.filter(number="4.1").first() or edition.clauses.first(),
        response_due_on=response_due_on,
        raised_by=raised_by,
    )
    finding.editions.set([edition])
    return finding


@pytest.fixture
def cal(world, qms):
    """Organisation A's certificate with its first surveillance due in 10 days, a surveillance planned
    in 20 days with the auditor as lead (its team notice due in 6), a follow-up in 30 days with no
    team, and a major nonconformity whose response is 5 days late; organisation B's certificate
    (the other CB) with its first surveillance due in 15 days."""
    today = timezone.localdate()
    world.today = today
    world.edition = qms
    world.decided_a = today - relativedelta(years=1) + _days(10)
    world.cert_a = certificate_of(
        world, qms, organisation="a", number="CB-A-00001", decided_on=world.decided_a
    )
    world.s1_due = cycle.surveillance_window(world.decided_a, 1).closes
    world.audit_a = audit_of(
        world.cert_a,
        kind=AuditKind.SURVEILLANCE_1,
        starts_on=today + _days(20),
        lead=world.auditor,
        by=world.cert_manager,
    )
    world.follow_up = audit_of(world.cert_a, kind=AuditKind.FOLLOW_UP, starts_on=today + _days(30))
    world.nc = nc_of(world.audit_a, qms, number=1, response_due_on=today - _days(5), raised_by=world.auditor)
    world.decided_b = today - relativedelta(years=1) + _days(15)
    world.cert_b = certificate_of(
        world, qms, organisation="b", number="CB-B-00001", decided_on=world.decided_b
    )
    return world


def _keys(user, cal, **kwargs) -> set[str]:
    found = due_items(
        scope_for(user),
        start=cal.today,
        end=cal.today + _days(60),
        today=cal.today,
        include_overdue=True,
        **kwargs,
    )
    return {item.key for item in found}


def _a(cal) -> dict[str, str]:
    return {
        "s1": f"certificate-{cal.cert_a.pk}-surveillance1-{cal.decided_a.isoformat()}",
        "audit": f"audit-{cal.audit_a.pk}",
        "notice": f"audit-{cal.audit_a.pk}-team-notice",
        "follow_up": f"audit-{cal.follow_up.pk}",
        "follow_up_notice": f"audit-{cal.follow_up.pk}-team-notice",
        "nc": f"finding-{cal.nc.pk}-response",
    }


def _b(cal) -> set[str]:
    return {f"certificate-{cal.cert_b.pk}-surveillance1-{cal.decided_b.isoformat()}"}


# --- The selector: who sees what


def test_the_client_of_a_sees_as_items_and_never_a_team_notice(cal):
    a = _a(cal)
    for persona in (cal.qm_a, cal.viewer_a, cal.contributor_a):
        keys = _keys(persona, cal)
        assert {a["s1"], a["audit"], a["follow_up"], a["nc"]} <= keys
        assert not keys & {a["notice"], a["follow_up_notice"]}
        assert not keys & _b(cal)
        assert not any(key.endswith("team-notice") for key in keys)


def test_the_auditor_sees_his_teams_audits_only(cal):
    a = _a(cal)
    keys = _keys(cal.auditor, cal)
    assert {a["s1"], a["audit"], a["notice"], a["nc"]} <= keys
    assert not keys & {a["follow_up"], a["follow_up_notice"]}
    other = _keys(cal.other_auditor, cal)
    assert a["s1"] in other  # the CB's certificates are the CB's directory
    assert not other & {a["audit"], a["notice"], a["follow_up"], a["nc"]}


def test_the_certification_manager_sees_everything_of_his_cb(cal):
    a = _a(cal)
    keys = _keys(cal.cert_manager, cal)
    assert set(a.values()) <= keys
    assert not keys & _b(cal)


def test_another_cb_and_its_client_see_nothing_of_a(cal):
    for persona in (cal.other_cb_manager, cal.qm_b):
        keys = _keys(persona, cal)
        assert keys & _b(cal) == _b(cal)
        assert not keys & set(_a(cal).values())
    assert _keys(cal.nobody, cal) == set()


def test_platform_staff_see_everything(cal):
    assert set(_a(cal).values()) | _b(cal) <= _keys(cal.staff, cal)


def test_the_items_say_what_is_overdue_and_come_soonest_first(cal):
    found = due_items(
        scope_for(cal.cert_manager),
        start=cal.today,
        end=cal.today + _days(60),
        today=cal.today,
        include_overdue=True,
    )
    assert [item.due_on for item in found] == sorted(item.due_on for item in found)
    nc = next(item for item in found if item.kind == DueKind.NC_RESPONSE)
    assert nc.is_overdue(cal.today) and nc.due_on == cal.today - _days(5)
    assert nc.path == reverse("audits:finding_detail", args=[cal.nc.pk])
    s1 = next(item for item in found if item.kind == DueKind.SURVEILLANCE_1)
    assert (s1.due_on, s1.done, s1.audit_id) == (cal.s1_due, False, cal.audit_a.pk)
    assert s1.organisation_name == "Organisation A" and s1.subject == "CB-A-00001"


def test_without_include_overdue_the_late_response_is_left_out(cal):
    keys = {
        item.key
        for item in due_items(
            scope_for(cal.qm_a), start=cal.today, end=cal.today + _days(60), today=cal.today
        )
    }
    assert _a(cal)["nc"] not in keys and _a(cal)["s1"] in keys


def test_filters_by_organisation_standard_and_kind(cal):
    a = _a(cal)
    of_b = _keys(cal.staff, cal, filters=Filters(organisation_id=cal.org_b.pk))
    assert _b(cal) <= of_b and all(key.startswith(f"certificate-{cal.cert_b.pk}-") for key in of_b)
    assert _keys(cal.staff, cal, filters=Filters(kinds=(DueKind.NC_RESPONSE,))) == {a["nc"]}
    assert _keys(cal.staff, cal, filters=Filters(kinds=(DueKind.AUDIT, DueKind.TEAM_NOTICE))) == {
        a["audit"],
        a["notice"],
        a["follow_up"],
        a["follow_up_notice"],
    }
    other = certificate_of(
        cal,
        make_other_edition(),
        organisation="a",
        number="CB-A-00002",
        decided_on=cal.decided_a,
    )
    standard = other.standard_id
    filtered = _keys(cal.staff, cal, filters=Filters(standard_id=standard))
    assert filtered and all(key.startswith(f"certificate-{other.pk}-") for key in filtered)


def make_other_edition():
    from tests.audits.conftest import make_edition

    return make_edition("ISO 14001", 2015, [("4", "Context", "HS-4")])


def test_the_first_surveillance_held_is_done_and_leaves_the_overdue(cal):
    late = timezone.localdate() - relativedelta(years=1) - _days(3)  # its first surveillance 3 days late
    certificate = certificate_of(cal, cal.edition, organisation="a", number="CB-A-00003", decided_on=late)
    key = f"certificate-{certificate.pk}-surveillance1-{late.isoformat()}"
    assert key in _keys(cal.qm_a, cal)
    audit_of(
        certificate, kind=AuditKind.SURVEILLANCE_1, starts_on=late + _days(300), status=AuditStatus.CLOSED
    )
    assert key not in _keys(cal.qm_a, cal)


def _reference(scope, *, start, end, today) -> set[str]:
    """What `due_items` keeps of every valid certificate's items, read without its prefilter."""
    return {
        item.key
        for due in cycles.certificates_due(scope.certificates, today)
        for item in due.items
        if start <= item.due_on <= end or (item.due_on < start and item.is_overdue(today))
    }


def test_the_stored_due_dates_read_as_every_certificates_items(cal):
    """The stored rows (`CertificateDueDate`, once the daily job has checked them) give the items
    `due_rules` computes from every certificate's live facts: compared over windows around each kind
    of due day (29 February, year ends, a suspension, a transition, a held and a missed
    surveillance), as of several days."""
    today = cal.today
    for number, decided in enumerate(
        [
            datetime.date(2024, 2, 29),
            datetime.date(2023, 12, 31),
            today - relativedelta(years=1) - _days(1),
            today - relativedelta(years=2) - relativedelta(months=3) - _days(1),
            today - relativedelta(years=3) + _days(1),
            today - _days(30),
        ]
    ):
        certificate_of(cal, cal.edition, organisation="a", number=f"CB-P-{number:05d}", decided_on=decided)
    held = certificate_of(
        cal,
        cal.edition,
        organisation="a",
        number="CB-P-HELD",
        decided_on=today - relativedelta(years=1) - _days(9),
    )
    audit_of(
        held, kind=AuditKind.SURVEILLANCE_1, starts_on=today - _days(40), status=AuditStatus.REPORT_ISSUED
    )
    expired = certificate_of(  # past its expiry, not yet expired by the daily job, its audits held
        cal,
        cal.edition,
        organisation="a",
        number="CB-P-LATE",
        decided_on=today - relativedelta(years=3) - _days(5),
    )
    for kind, months in ((AuditKind.SURVEILLANCE_1, 11), (AuditKind.SURVEILLANCE_2, 23)):
        starts_on = today - relativedelta(years=3) + relativedelta(months=months)
        audit_of(expired, kind=kind, starts_on=starts_on, status=AuditStatus.CLOSED)
    suspended = certificate_of(
        cal, cal.edition, organisation="a", number="CB-P-SUSP", decided_on=today - _days(200)
    )
    suspended.status = CertificateStatus.SUSPENDED
    suspended.suspension_ends_on = today - _days(2)
    suspended.suspension_reason = "failure"
    suspended.save(update_fields=["status", "suspension_ends_on", "suspension_reason"])
    cal.edition.transition_end_on = today + _days(40)
    cal.edition.save(update_fields=["transition_end_on"])  # in the admin: the daily job's check sees it
    certificate_dues_check()
    scope = scope_all()
    for start, end in [
        (today, today + _days(90)),
        (today - _days(400), today - _days(300)),
        (today + _days(300), today + _days(700)),
        (datetime.date(today.year, 12, 1), datetime.date(today.year + 1, 1, 31)),
        (datetime.date(2025, 2, 1), datetime.date(2025, 3, 31)),
        (today, today),
        (today + DAY, today + DAY),
        (datetime.date(today.year + 1, 2, 1), datetime.date(today.year + 1, 3, 31)),  # no year end
    ]:
        for day in (today, start - DAY, end + DAY):
            found = {
                item.key
                for item in due_items(scope, start=start, end=end, today=day, include_overdue=True)
                if item.key.startswith("certificate-")
            }
            assert found == _reference(scope, start=start, end=end, today=day), (start, end, day)


# --- Pages


def _get(client, user, name: str, params=None):
    client.force_login(user)
    return client.get(reverse(name), params or {})


def _month(day: datetime.date) -> str:
    return day.strftime("%Y-%m")


def test_the_month_grid_runs_monday_to_sunday_with_each_days_items(client, cal):
    response = _get(client, cal.qm_a, "calendar:month", {"month": _month(cal.s1_due)})
    assert response.status_code == 200
    weeks = response.context["weeks"]
    assert all(len(week) == 7 and week[0].day.weekday() == 0 for week in weeks)
    first = cal.s1_due.replace(day=1)
    assert any(day.day == first for day in weeks[0]) and weeks[0][0].day <= first
    cell = next(day for week in weeks for day in week if day.day == cal.s1_due)
    assert cell.in_month
    assert [item.kind for item in cell.items if item.subject == "CB-A-00001"] == [DueKind.SURVEILLANCE_1]
    html = response.content.decode()
    assert reverse("certificates:certificate_detail", args=[cal.cert_a.pk]) in html
    assert "First surveillance due" in html and "Organisation A" in html
    assert "<table" in html and 'scope="col"' in html


def test_the_month_lists_whats_overdue_above_the_grid_with_words_not_colour_alone(client, cal):
    html = _get(client, cal.qm_a, "calendar:month").content.decode()
    overdue = html.split('id="overdue"')[1].split("month-grid")[0]
    assert "Nonconformity: response due" in overdue
    assert "Overdue" in overdue and "5 days late" in overdue
    assert html.index('id="overdue"') < html.index('id="month-grid"')


def test_the_month_links_keep_the_filters(client, cal):
    response = _get(
        client,
        cal.cert_manager,
        "calendar:month",
        {"month": "2027-01", "organisation": cal.org_a.pk, "kind": "audit"},
    )
    context = response.context
    assert context["previous_url"] == f"/calendar/?month=2026-12&organisation={cal.org_a.pk}&kind=audit"
    assert context["next_url"] == f"/calendar/?month=2027-02&organisation={cal.org_a.pk}&kind=audit"
    assert context["today_url"] == f"/calendar/?organisation={cal.org_a.pk}&kind=audit"
    assert (
        context["agenda_url"] == f"/calendar/agenda/?from=2027-01-01&organisation={cal.org_a.pk}&kind=audit"
    )
    html = response.content.decode()
    assert reverse("calendar:subscription") in html and reverse("calendar:reminders") in html


def test_the_month_filters_by_kind(client, cal):
    response = _get(client, cal.cert_manager, "calendar:month", {"month": _month(cal.today), "kind": "audit"})
    kinds = {item.kind for week in response.context["weeks"] for day in week for item in day.items}
    assert kinds <= {DueKind.AUDIT}
    assert {item.kind for item in response.context["overdue"]} <= {DueKind.AUDIT}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"month": "2026-13"}, "Enter a month as year and month"),
        ({"month": "1979-12"}, "Enter a date from"),
        ({"organisation": "999999"}, "There is no such organisation here."),
        ({"kind": "birthday"}, "There is no such kind of item"),
        ({"standard": "x"}, "There is no such standard"),
    ],
)
def test_bad_input_is_said_and_no_filter_is_applied(client, cal, params, message):
    response = _get(client, cal.qm_a, "calendar:month", params | {"kind": [params.get("kind", "audit")]})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "No filter is applied" in html
    assert response.context["first"] == cal.today.replace(day=1)
    keys = {item.key for item in response.context["overdue"]}
    assert _a(cal)["nc"] in keys  # the kind "audit" was not applied either


def test_the_client_is_not_offered_the_team_notice_kind(client, cal):
    assert "team_notice" not in _get(client, cal.qm_a, "calendar:month").content.decode()
    assert "team_notice" in _get(client, cal.cert_manager, "calendar:month").content.decode()
    response = _get(client, cal.qm_a, "calendar:month", {"organisation": cal.org_b.pk})
    assert "There is no such organisation here." in response.content.decode()


def test_the_agenda_groups_the_days_ahead_with_the_overdue_first(client, cal):
    response = _get(client, cal.cert_manager, "calendar:agenda")
    assert response.status_code == 200
    assert (response.context["start"], response.context["end"]) == (cal.today, cal.today + _days(89))
    days = response.context["days"]
    assert [day for day, _items in days] == sorted({day for day, _items in days})
    by_day = {day: {item.kind for item in items} for day, items in days}
    assert by_day[cal.today + _days(20)] >= {DueKind.AUDIT}
    assert by_day[cal.today + _days(6)] == {DueKind.TEAM_NOTICE}
    html = response.content.decode()
    assert html.index('id="overdue"') < html.index('id="agenda"')
    assert response.context["month_url"] == f"/calendar/?month={_month(cal.today)}"


def test_the_agenda_reads_from_and_days(client, cal):
    start = cal.today + _days(19)
    response = _get(client, cal.cert_manager, "calendar:agenda", {"from": start.isoformat(), "days": "2"})
    assert [day for day, _items in response.context["days"]] == [start + DAY]
    assert response.context["end"] == start + DAY
    assert [item.key for item in response.context["overdue"]] == [_a(cal)["nc"]]


@pytest.mark.parametrize("days", ["0", "367", "-1", "x"])
def test_the_agenda_refuses_days_out_of_bounds(client, cal, days):
    response = _get(client, cal.cert_manager, "calendar:agenda", {"days": days})
    assert response.status_code == 200 and response.context["form"].errors
    assert response.context["end"] == cal.today + _days(89)


def test_a_past_month_still_lists_everything_overdue(client, cal):
    response = _get(client, cal.qm_a, "calendar:month", {"month": "2020-01"})
    assert _a(cal)["nc"] in {item.key for item in response.context["overdue"]}
    assert all(not day.items for week in response.context["weeks"] for day in week)


def _more(cal, n: int) -> None:
    """n more certificates, audits (with their notices) and late nonconformities of A."""
    for number in range(n):
        certificate = certificate_of(
            cal, cal.edition, organisation="a", number=f"CB-M-{number:05d}", decided_on=cal.decided_a
        )
        audit = audit_of(
            certificate,
            kind=AuditKind.SURVEILLANCE_1,
            starts_on=cal.today + _days(20 + number),
            lead=cal.auditor,
            by=cal.cert_manager,
        )
        nc_of(audit, cal.edition, number=1, response_due_on=cal.today - _days(3), raised_by=cal.auditor)


def _queries(client, user, url: str, params=None) -> int:
    client.force_login(user)
    client.get(url, params or {})  # the session is written at the first request
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["calendar:month", "calendar:agenda", "dashboard"])
@pytest.mark.parametrize("persona", ["qm_a", "cert_manager", "auditor"])
def test_the_pages_run_the_same_queries_whatever_they_list(client, cal, name, persona):
    user = getattr(cal, persona)
    url = reverse(name)
    few = _queries(client, user, url)
    _more(cal, 4)
    assert len(_get(client, cal.cert_manager, "calendar:agenda").context["days"]) > 4
    assert _queries(client, user, url) == few


def test_the_month_and_agenda_query_counts(client, cal, django_assert_num_queries):
    client.force_login(cal.cert_manager)
    client.get(reverse("calendar:month"))
    _more(cal, 2)
    # the session and the user, the filters' choices (2), what the user reaches (1), the
    # certificates' stored due dates and their suspensions (2), the longest notice period of the
    # user's CBs and the audits (2), the nonconformities
    with django_assert_num_queries(10):
        client.get(reverse("calendar:month"))
    with django_assert_num_queries(10):
        client.get(reverse("calendar:agenda"))


# --- The grid and the agenda's days, in Python


def test_month_weeks_cover_the_month_in_whole_weeks():
    item = SimpleNamespace(due_on=datetime.date(2024, 2, 29), last_day=datetime.date(2024, 2, 29))
    weeks = month_weeks(datetime.date(2024, 2, 1), [item], today=datetime.date(2024, 2, 29))
    assert [week[0].day for week in weeks] == [datetime.date(2024, 1, 29) + _days(7 * n) for n in range(5)]
    assert weeks[-1][-1].day == datetime.date(2024, 3, 3)
    leap = weeks[4][3]
    assert (leap.day, leap.items, leap.in_month, leap.is_today) == (
        datetime.date(2024, 2, 29),
        [item],
        True,
        True,
    )
    assert not weeks[0][0].in_month


def test_a_busy_day_shows_its_first_items_and_links_the_rest_to_its_agenda():
    day = datetime.date(2027, 1, 6)
    items = [SimpleNamespace(due_on=day, last_day=day, n=n) for n in range(4)]
    weeks = month_weeks(day.replace(day=1), items, today=day, per_day=3, day_url=lambda d: f"/agenda/{d}")
    cell = next(cell for week in weeks for cell in week if cell.day == day)
    assert (cell.items, cell.more, cell.more_url) == (items[:3], 1, "/agenda/2027-01-06")
    quiet = next(cell for week in weeks for cell in week if cell.day == day + DAY)
    assert (quiet.items, quiet.more, quiet.more_url) == ([], 0, "")


def test_an_audit_of_several_days_is_in_the_cell_of_each_of_them_within_the_grid():
    first = datetime.date(2027, 1, 1)  # the grid runs from Monday 28 December to Sunday 31 January
    three = SimpleNamespace(due_on=datetime.date(2027, 1, 12), last_day=datetime.date(2027, 1, 14))
    long = SimpleNamespace(due_on=datetime.date(2026, 12, 1), last_day=datetime.date(2027, 2, 10))
    weeks = month_weeks(first, [long, three], today=first)
    cells = {cell.day: cell.items for week in weeks for cell in week}
    assert [day for day, items in cells.items() if three in items] == [
        datetime.date(2027, 1, 12),
        datetime.date(2027, 1, 13),
        datetime.date(2027, 1, 14),
    ]
    assert all(long in items for items in cells.values())  # clamped to the grid's 35 days
    assert cells[datetime.date(2027, 1, 13)] == [long, three]


def test_the_calendar_gives_an_audit_of_several_days_its_last_day(cal):
    cal.audit_a.ends_on = cal.audit_a.starts_on + _days(2)
    cal.audit_a.save(update_fields=["ends_on"])
    found = {
        item.key: item
        for item in due_items(
            scope_for(cal.cert_manager), start=cal.today, end=cal.today + _days(60), today=cal.today
        )
    }
    audit = found[f"audit-{cal.audit_a.pk}"]
    assert (audit.due_on, audit.last_day) == (cal.today + _days(20), cal.today + _days(22))
    assert f"{audit.due_on.isoformat()} – {audit.last_day.isoformat()}" in audit.subject
    one_day = found[f"audit-{cal.follow_up.pk}"]
    assert one_day.ends_on is None and one_day.last_day == one_day.due_on
    assert found[f"audit-{cal.audit_a.pk}-team-notice"].ends_on is None  # a notice is one day


def test_an_audit_begun_before_the_month_is_on_its_remaining_days(client, cal):
    """An audit from 30 November to 2 December is in December's grid on the 1st and the 2nd, and in
    a window starting on its last day; not in one starting the day after."""
    cal.audit_a.starts_on, cal.audit_a.ends_on = datetime.date(2027, 11, 30), datetime.date(2027, 12, 2)
    cal.audit_a.status = AuditStatus.IN_PROGRESS  # under way: done, not overdue
    cal.audit_a.save(update_fields=["starts_on", "ends_on", "status"])
    key = f"audit-{cal.audit_a.pk}"

    def keys(start, end) -> set[str]:
        return {
            item.key for item in due_items(scope_for(cal.cert_manager), start=start, end=end, today=start)
        }

    assert key in keys(datetime.date(2027, 12, 1), datetime.date(2027, 12, 31))
    assert key in keys(datetime.date(2027, 12, 2), datetime.date(2027, 12, 2))
    assert key not in keys(datetime.date(2027, 12, 3), datetime.date(2027, 12, 31))

    response = _get(client, cal.cert_manager, "calendar:month", {"month": "2027-12"})
    cells = {day.day: day.items for week in response.context["weeks"] for day in week}
    assert [day for day, items in cells.items() if any(item.key == key for item in items)] == [
        datetime.date(2027, 11, 30),  # the grid's first Monday, a day of November's shown greyed
        datetime.date(2027, 12, 1),
        datetime.date(2027, 12, 2),
    ]


def test_the_month_grid_links_a_busy_days_other_items_to_that_days_agenda(client, cal, monkeypatch):
    from certificates.views import calendar as views

    monkeypatch.setattr(views, "DAY_ITEMS_SHOWN", 0)  # every item of a day is one too many
    page = _get(client, cal.cert_manager, "calendar:month", {"month": _month(cal.s1_due)})
    cell = next(cell for week in page.context["weeks"] for cell in week if cell.day == cal.s1_due)
    assert cell.items == [] and cell.more >= 1
    assert f"from={cal.s1_due.isoformat()}" in cell.more_url and "days=1" in cell.more_url
    assert f'href="{cell.more_url.replace("&", "&amp;")}"' in page.content.decode()
    day = _get(client, cal.cert_manager, "calendar:agenda", {"from": cal.s1_due.isoformat(), "days": 1})
    assert f"certificate-{cal.cert_a.pk}-surveillance1-{cal.decided_a.isoformat()}" in {
        item.key for _day, items in day.context["days"] for item in items
    }


def test_the_agenda_and_what_is_overdue_come_a_page_at_a_time(client, cal, monkeypatch):
    from certificates.views import calendar as views

    monkeypatch.setattr(views, "AGENDA_PER_PAGE", 1)
    monkeypatch.setattr(views, "OVERDUE_PER_PAGE", 1)
    first = _get(client, cal.cert_manager, "calendar:agenda")
    second = _get(client, cal.cert_manager, "calendar:agenda", {"page": 2})
    listed = [[item.key for _d, items in page.context["days"] for item in items] for page in (first, second)]
    assert len(listed[0]) == len(listed[1]) == 1 and listed[0] != listed[1]
    assert first.context["page"].paginator.count >= 2
    assert 'page=2"' in first.content.decode()
    overdue = first.context["overdue"]
    assert len(overdue.object_list) == 1 and overdue.paginator.count >= 1
    assert ("overdue_page=2" in first.content.decode()) is (overdue.paginator.count > 1)
    beyond = _get(client, cal.cert_manager, "calendar:agenda", {"page": 999, "overdue_page": "x"})
    last = beyond.context["page"]
    assert beyond.status_code == 200 and last.number == last.paginator.num_pages


def test_agenda_days_group_the_items_by_day():
    items = [SimpleNamespace(due_on=datetime.date(2027, 1, d)) for d in (3, 3, 5)]
    assert agenda_days(items) == [
        (datetime.date(2027, 1, 3), items[:2]),
        (datetime.date(2027, 1, 5), items[2:]),
    ]


# --- The dashboard's panels


def test_the_dashboard_loads_the_panels_after_the_page_with_a_link_without_javascript(client, cal):
    html = _get(client, cal.qm_a, "dashboard").content.decode()
    due_url = reverse("calendar:due")
    assert f'hx-get="{due_url}"' in html and f'href="{due_url}"' in html
    assert "Due in the next 90 days" not in html  # the dashboard itself reads no due item


def test_the_panels_show_whats_due_and_overdue(client, cal):
    client.force_login(cal.qm_a)
    fragment = client.get(reverse("calendar:due"), headers={"HX-Request": "true"})
    due = fragment.context["due"]
    assert due.shown
    assert [item.key for item in due.overdue] == [_a(cal)["nc"]]
    # the first surveillance is the CB's to plan: information for the client, not its task
    assert _a(cal)["s1"] in {item.key for item in due.planned_by_cb}
    assert _a(cal)["s1"] not in {item.key for item in due.upcoming}
    assert all(not item.done and item.due_on >= cal.today for item in due.upcoming + due.planned_by_cb)
    html = fragment.content.decode()
    assert "Due in the next 90 days" in html and "5 days late" in html
    assert reverse("calendar:agenda") in html and "<html" not in html
    page = client.get(reverse("calendar:due")).content.decode()  # without JavaScript: a whole page
    assert "<html" in page and "Due in the next 90 days" in page and "5 days late" in page


def test_a_clients_overdue_items_that_only_the_cb_acts_on_are_not_shown_as_its_tasks(client, cal):
    """A first surveillance overdue is the CB's to plan: the client sees it apart, waiting for the
    CB; its own late answer to a nonconformity stays its task. The CB's staff see both as overdue."""
    late = certificate_of(
        cal,
        cal.edition,
        organisation="a",
        number="CB-A-00002",
        decided_on=cal.today - relativedelta(months=14),
    )
    missed = f"certificate-{late.pk}-surveillance1-"
    client.force_login(cal.qm_a)
    response = client.get(reverse("calendar:due"), headers={"HX-Request": "true"})
    due = response.context["due"]
    assert [item.key for item in due.overdue] == [_a(cal)["nc"]]
    assert [item.kind for item in due.waiting_on_cb] == [DueKind.SURVEILLANCE_1]
    assert due.waiting_on_cb[0].key.startswith(missed)
    html = response.content.decode()
    assert "Overdue, waiting for the certification body" in html and "CB-A-00002" in html
    client.force_login(cal.cert_manager)
    manager = client.get(reverse("calendar:due"), headers={"HX-Request": "true"}).context["due"]
    assert any(item.key.startswith(missed) for item in manager.overdue) and manager.waiting_on_cb == []


def test_the_clients_certificates_show_the_next_external_audit_due(client, cal):
    client.force_login(cal.qm_a)
    certification = client.get(reverse("dashboard")).context["certification"]
    (certificate,) = certification.own
    assert certificate.next_audit_due.kind == DueKind.SURVEILLANCE_1
    assert certificate.next_audit_due.due_on == cal.s1_due
    client.force_login(cal.cert_manager)  # the CB's staff read counts, not the client's list
    assert client.get(reverse("dashboard")).context["certification"].own == []


def test_the_panels_show_ten_rows_and_link_the_agenda_for_the_rest(client, cal):
    _more(cal, 11)
    client.force_login(cal.cert_manager)
    response = client.get(reverse("calendar:due"), headers={"HX-Request": "true"})
    due = response.context["due"]
    assert len(due.overdue) == 12 and len(due.overdue_shown) == 10 and due.overdue_more == 2
    assert "2 more in the agenda" in response.content.decode()


def test_the_dashboard_costs_nothing_for_a_user_without_membership(cal, django_assert_num_queries):
    nobody = UserBackend().get_user(cal.nobody.pk)  # as the request reads the user
    with django_assert_num_queries(0):
        due = selectors.dashboard_due(nobody, cal.today)
    assert not due.shown and due.upcoming == [] and due.overdue == []
    staff = UserBackend().get_user(cal.staff.pk)
    with django_assert_num_queries(0):
        assert not selectors.dashboard_due(staff, cal.today).shown


def test_a_cb_with_many_clients_searches_its_organisations_by_name(client, cal):
    """Past `ORGANISATIONS_LISTED`, the organisation filter is a search by name, not a select of a
    thousand options; it narrows the month and the links keep it."""
    for number in range(selectors.ORGANISATIONS_LISTED):
        factories.ClientEngagementFactory(
            certification_body=cal.cb, organisation=factories.OrganisationFactory(name=f"Client {number:03d}")
        )
    page = _get(client, cal.cert_manager, "calendar:month", {"organisation_name": "ation a"})
    form = page.context["form"]
    assert "organisation" not in form.fields and "organisation_name" in form.fields
    assert 'name="organisation_name"' in page.content.decode()
    assert "Client 001" not in page.content.decode()  # no list of every client
    shown = {item.organisation_name for item in page.context["overdue"]}
    shown |= {item.organisation_name for week in page.context["weeks"] for day in week for item in day.items}
    assert shown == {"Organisation A"}
    assert "organisation_name=ation+a" in page.context["agenda_url"]
    nothing = _get(client, cal.cert_manager, "calendar:month", {"organisation_name": "Client 0"})
    assert nothing.context["overdue"].paginator.count == 0


def test_a_few_organisations_are_chosen_from_a_list(client, cal):
    page = _get(client, cal.qm_a, "calendar:month")
    assert page.context["form"].fields["organisation"].choices[1:] == [(cal.org_a.pk, "Organisation A")]
    assert "organisation_name" not in page.context["form"].fields


def test_a_long_notice_period_brings_the_notice_of_an_audit_beyond_the_window_into_it(cal):
    """The audits are read on their first day's index, bounded by the longest notice period of the
    reader's CBs: a CB that notifies 120 days ahead still sees the notice of an audit that starts
    after the window ends, on its day inside it."""
    cal.cb.team_notice_days = 120
    cal.cb.save(update_fields=["team_notice_days"])
    far = audit_of(cal.cert_a, kind=AuditKind.FOLLOW_UP, starts_on=cal.today + _days(150))
    found = {
        item.key: item.due_on
        for item in due_items(
            scope_for(cal.cert_manager), start=cal.today, end=cal.today + _days(60), today=cal.today
        )
    }
    assert found[f"audit-{far.pk}-team-notice"] == cal.today + _days(30)
    assert f"audit-{far.pk}" not in found  # the audit itself falls after the window
    cal.cb.team_notice_days = 14
    cal.cb.save(update_fields=["team_notice_days"])
    shorter = {
        item.key
        for item in due_items(
            scope_for(cal.cert_manager), start=cal.today, end=cal.today + _days(60), today=cal.today
        )
    }
    assert f"audit-{far.pk}-team-notice" not in shorter  # 14 days before day 150 is day 136


def test_a_condition_moves_onto_what_points_to_its_model():
    from django.db.models import Q

    from core.expressions import prefixed

    condition = Q(certification_body_id__in=[1]) | ~Q(organisation__name__icontains="x") & Q(pk__in=[3])
    moved = prefixed(condition, "revision__certificate__")
    assert moved == Q(revision__certificate__certification_body_id__in=[1]) | ~Q(
        revision__certificate__organisation__name__icontains="x"
    ) & Q(revision__certificate__pk__in=[3])
    assert prefixed(Q(), "revision__") == Q()
