"""Reminders: who is reminded of what, once; one e-mail a day per person (the digest, sent through the
e-mail outbox, whose claims, retries and sweeper tests/core/test_outbox.py tries); the page."""

import datetime
import threading
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audits.enums import AuditKind, TeamRole
from audits.services import teams as team_services
from certificates.due_rules import reminder_stage
from certificates.enums import DueKind, ReminderStatus
from certificates.models import CalendarSettings, Reminder
from certificates.selectors.reminders import stage_label
from certificates.services.reminders import DIGEST_LIST_MAX, reminders_write
from core import outbox
from core.models import EmailStatus, OutgoingEmail
from core.tasks import send_email
from organisations.enums import CBRole, OrganisationRole
from tests import factories
from tests.audits.test_programme_services import open_programme
from tests.certificates.conftest import make_certificate
from tests.certificates.mail_backends import FlakyBackend
from tests.core.test_csp import _inline_code

R = ReminderStatus
# The certificate of `make_certificate` is decided on 2 March 2026: its first surveillance is due a
# year later, its calendar year 2027 has no surveillance planned (due on 31 December).
S1_DUE = datetime.date(2027, 3, 2)
S1_KEY = "certificate-{pk}-surveillance1-2026-03-02"
LEAD_DAYS = [90, 30, 7]


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def sweep(today: datetime.date, capture) -> list[int]:
    """The daily job, with what it enqueues after commit run at once (tasks are eager in tests)."""
    with capture(execute=True):
        return reminders_write(today=today)


def recipients_of(key: str) -> dict[str, str]:
    """Whom the item was reminded to: e-mail → status (of its digest, for a row in one: "sent" …)."""
    rows = Reminder.objects.filter(item_key=key).values_list("recipient__email", "status", "email__status")
    return {address: email_status or status for address, status, email_status in rows}


def mailed_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def certificate(world, qms):
    return make_certificate(world, qms)


# --- who is reminded ------------------------------------------------------------------------------


def test_a_certificate_item_reminds_its_quality_managers_and_certification_managers(
    world, certificate, django_capture_on_commit_callbacks
):
    written = sweep(S1_DUE - days(30), django_capture_on_commit_callbacks)

    key = S1_KEY.format(pk=certificate.pk)
    assert recipients_of(key) == {world.qm_a.email: R.SENT, world.cert_manager.email: R.SENT}
    assert sorted(written) == sorted(Reminder.objects.values_list("pk", flat=True))
    assert mailed_to() == sorted([world.qm_a.email, world.cert_manager.email])
    row = Reminder.objects.get(item_key=key, recipient=world.qm_a)
    assert (row.kind, row.due_on, row.stage) == (DueKind.SURVEILLANCE_1, S1_DUE, "before-30")
    assert row.title == "First surveillance due: CB-2026-00001 — Organisation A"
    assert row.path == reverse("certificates:certificate_detail", args=[certificate.pk])
    assert (row.organisation, row.certification_body) == (world.org_a, world.cb)
    assert row.status == R.DIGEST and row.email.status == EmailStatus.SENT and row.email.sent_at
    [digest] = [message for message in mail.outbox if message.to == [world.qm_a.email]]
    assert digest.subject == "Your reminders: 0 overdue, 0 due within a week, 1 later"
    assert (
        "First surveillance due: CB-2026-00001 — Organisation A: due on 2 Mar 2027 (30 days before)"
        in digest.body
    )


def test_a_team_notice_goes_to_the_cb_and_the_lead_auditor_never_to_the_client(
    world, qms, django_capture_on_commit_callbacks
):
    programme = open_programme(world, [qms])  # stage 1 on 1 March 2027: team notice due on 15 February
    stage1 = programme.audits.get(kind=AuditKind.STAGE1)
    team_services.team_assign(actor=world.cert_manager, audit=stage1, user=world.auditor, role=TeamRole.LEAD)
    team_services.team_assign(
        actor=world.cert_manager, audit=stage1, user=world.other_auditor, role=TeamRole.AUDITOR
    )

    sweep(datetime.date(2027, 2, 8), django_capture_on_commit_callbacks)

    notice = f"audit-{stage1.pk}-team-notice"
    assert recipients_of(notice) == {world.cert_manager.email: R.SENT, world.auditor.email: R.SENT}
    assert set(Reminder.objects.filter(item_key=notice).values_list("stage", flat=True)) == {"before-7"}
    # the audit itself concerns the client too
    assert recipients_of(f"audit-{stage1.pk}") == {
        world.cert_manager.email: R.SENT,
        world.auditor.email: R.SENT,
        world.qm_a.email: R.SENT,
    }
    assert not Reminder.objects.filter(recipient=world.qm_a, kind=DueKind.TEAM_NOTICE).exists()
    assert not Reminder.objects.filter(recipient__in=[world.other_auditor, world.other_cb_manager]).exists()


def test_a_kind_muted_by_e_mail_is_shown_in_the_app_only(
    world, certificate, django_capture_on_commit_callbacks
):
    CalendarSettings.objects.create(user=world.qm_a, email_muted_kinds=[DueKind.SURVEILLANCE_1.value])

    sweep(S1_DUE - days(30), django_capture_on_commit_callbacks)

    key = S1_KEY.format(pk=certificate.pk)
    assert recipients_of(key) == {world.qm_a.email: R.IN_APP, world.cert_manager.email: R.SENT}
    assert mailed_to() == [world.cert_manager.email]
    muted = Reminder.objects.get(recipient=world.qm_a)
    assert muted.email is None  # in no digest


def test_inactive_people_memberships_and_people_without_an_address_are_not_reminded(
    world, certificate, django_capture_on_commit_callbacks
):
    world.cert_manager.is_active = False
    world.cert_manager.save(update_fields=["is_active"])
    world.qm_a.organisation_memberships.update(is_active=False)
    no_address = factories.OrganisationMembershipFactory(
        organisation=world.org_a, role=OrganisationRole.QUALITY_MANAGER
    ).user
    type(no_address).objects.filter(pk=no_address.pk).update(email="")
    left_cb = factories.CBMembershipFactory(
        certification_body=world.cb, role=CBRole.CERTIFICATION_MANAGER, is_active=False
    ).user
    manager = factories.CBMembershipFactory(
        certification_body=world.cb,
        role=CBRole.CERTIFICATION_MANAGER,
        user__email="second.manager@cb.example",
    ).user
    qm = factories.OrganisationMembershipFactory(
        organisation=world.org_a, role=OrganisationRole.QUALITY_MANAGER, user__email="second.qm@a.example"
    ).user

    sweep(S1_DUE - days(30), django_capture_on_commit_callbacks)

    assert set(Reminder.objects.values_list("recipient", flat=True)) == {manager.pk, qm.pk}
    assert mailed_to() == ["second.manager@cb.example", "second.qm@a.example"]
    assert not Reminder.objects.filter(recipient__in=[left_cb, no_address, world.cert_manager]).exists()


def test_another_cbs_lead_times_apply_to_its_own_items(
    world, certificate, django_capture_on_commit_callbacks
):
    world.cb.reminder_lead_days = [45]
    world.cb.save(update_fields=["reminder_lead_days"])

    assert sweep(S1_DUE - days(46), django_capture_on_commit_callbacks) == []
    sweep(S1_DUE - days(45), django_capture_on_commit_callbacks)

    assert set(Reminder.objects.values_list("stage", flat=True)) == {"before-45"}


def test_the_sweep_reads_the_same_queries_for_one_certificate_and_several(world, qms):
    make_certificate(world, qms, number="CB-2026-00001")
    with CaptureQueriesContext(connection) as one:
        reminders_write(today=S1_DUE - days(30))
    Reminder.objects.all().delete()
    for n in (2, 3, 4):
        make_certificate(world, qms, number=f"CB-2026-0000{n}")
    factories.OrganisationMembershipFactory(organisation=world.org_a, role=OrganisationRole.QUALITY_MANAGER)
    CalendarSettings.objects.create(user=world.qm_a, email_muted_kinds=[DueKind.EXPIRY.value])

    with CaptureQueriesContext(connection) as several:
        written = reminders_write(today=S1_DUE - days(30))

    assert len(written) == 4 * 3  # four certificates, three people
    assert len(several.captured_queries) == len(one.captured_queries)


# --- once, whatever happens -----------------------------------------------------------------------


def test_the_sweep_run_twice_sends_each_reminder_once(world, certificate, django_capture_on_commit_callbacks):
    first = sweep(S1_DUE - days(30), django_capture_on_commit_callbacks)
    again = sweep(S1_DUE - days(30), django_capture_on_commit_callbacks)
    next_day = sweep(S1_DUE - days(29), django_capture_on_commit_callbacks)  # still the 30-day stage

    assert len(first) == 2 and again == [] and next_day == []
    assert len(mail.outbox) == 2
    assert set(Reminder.objects.values_list("status", "email__status")) == {(R.DIGEST, EmailStatus.SENT)}

    week_before = sweep(S1_DUE - days(7), django_capture_on_commit_callbacks)
    assert len(week_before) == 2 and len(mail.outbox) == 4
    assert Reminder.objects.filter(stage="before-7").count() == 2


def test_a_day_missed_reminds_once_of_the_latest_stage(
    world, certificate, django_capture_on_commit_callbacks
):
    sweep(S1_DUE - days(5), django_capture_on_commit_callbacks)  # the 30 and 7-day runs never happened

    assert set(Reminder.objects.values_list("stage", flat=True)) == {"before-7"}
    assert len(mail.outbox) == 2


def test_an_overdue_item_is_reminded_weekly(world, certificate, django_capture_on_commit_callbacks):
    for offset in range(22):
        sweep(S1_DUE + days(offset), django_capture_on_commit_callbacks)

    stages = Reminder.objects.filter(recipient=world.qm_a).order_by("created_at")
    assert [row.stage for row in stages] == ["due", "overdue-1", "overdue-2", "overdue-3"]
    assert len(mail.outbox) == 8


def _in_threads(count: int, work) -> list:
    """Run `work()` in `count` threads released together; each thread has its own connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work()
        except Exception as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL (as in CI)"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_racing_write_each_reminder_once_and_send_it_once(world, certificate):
    results = _in_threads(2, lambda: reminders_write(today=S1_DUE - days(30)))

    written = [pk for result in results for pk in result]
    assert sorted(written) == sorted(Reminder.objects.values_list("pk", flat=True))
    assert len(written) == 2  # each row written by one of the sweeps
    assert mailed_to() == sorted([world.qm_a.email, world.cert_manager.email])  # one digest each
    assert OutgoingEmail.objects.count() == 2
    assert set(Reminder.objects.values_list("status", "email__status")) == {(R.DIGEST, EmailStatus.SENT)}


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_one_digest_racing_send_it_once(world, certificate):
    with mock.patch.object(send_email, "delay"):  # written, its task not yet run
        reminders_write(today=S1_DUE - days(30))
    digest = Reminder.objects.get(recipient=world.qm_a).email

    results = _in_threads(4, lambda: outbox.email_send(email_id=digest.pk))

    assert sorted(results) == [False, False, False, True]
    assert mailed_to() == [world.qm_a.email]
    digest.refresh_from_db()
    assert (digest.status, digest.attempts) == (EmailStatus.SENT, 1)


# --- failures, retries, workers that died ---------------------------------------------------------


@pytest.fixture
def flaky_mail(settings):
    """A mail server that drops the connection `failures` times."""
    settings.EMAIL_DELIVERY_BACKEND = "tests.certificates.mail_backends.FlakyBackend"
    try:
        yield FlakyBackend
    finally:
        FlakyBackend.failures = 0


def test_a_digest_the_mail_server_refuses_waits_and_is_sent_once_at_its_next_attempt(
    world, certificate, flaky_mail, django_capture_on_commit_callbacks
):
    CalendarSettings.objects.create(user=world.cert_manager, email_muted_kinds=[DueKind.SURVEILLANCE_1.value])
    flaky_mail.failures = 1
    sweep(S1_DUE - days(30), django_capture_on_commit_callbacks)

    row = Reminder.objects.get(recipient=world.qm_a)
    assert (row.email.status, row.email.attempts) == (EmailStatus.PENDING, 1)
    assert row.email.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert mail.outbox == []
    OutgoingEmail.objects.filter(pk=row.email_id).update(next_attempt_at=timezone.now() - days(1))
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.emails_requeue(now=timezone.now()) == [row.email_id]
    row.email.refresh_from_db()
    assert (row.email.status, row.email.attempts, row.email.last_error) == (EmailStatus.SENT, 2, "")
    assert mailed_to() == [world.qm_a.email]


def test_one_e_mail_a_day_whatever_the_number_of_items(world, qms, django_capture_on_commit_callbacks):
    count = DIGEST_LIST_MAX + 3
    for n in range(1, count + 1):
        make_certificate(world, qms, number=f"CB-2026-{n:05d}")
    CalendarSettings.objects.create(user=world.qm_a, email_muted_kinds=[DueKind.SURVEILLANCE_1.value])

    written = sweep(S1_DUE - days(30), django_capture_on_commit_callbacks)

    assert len(written) == count * 2  # the certification manager's and the quality manager's rows
    [digest] = mail.outbox  # the quality manager takes these in the app only
    assert digest.to == [world.cert_manager.email]
    assert digest.subject == f"Your reminders: 0 overdue, 0 due within a week, {count} later"
    assert f"Later ({count})" in digest.body and "and 3 more, in your reminders:" in digest.body
    assert digest.body.count("First surveillance due: CB-2026-") == DIGEST_LIST_MAX
    assert set(Reminder.objects.filter(recipient=world.cert_manager).values_list("email", flat=True)) == {
        OutgoingEmail.objects.get().pk
    }


def test_a_digest_groups_overdue_due_within_a_week_and_later(world, qms, django_capture_on_commit_callbacks):
    for n, decided in enumerate(
        [datetime.date(2026, 3, 2), datetime.date(2026, 3, 25), datetime.date(2026, 2, 20)], start=1
    ):
        make_certificate(world, qms, number=f"CB-2026-{n:05d}", decided_on=decided)

    sweep(S1_DUE + days(1), django_capture_on_commit_callbacks)  # 3 March 2027

    [digest] = [m for m in mail.outbox if m.to == [world.qm_a.email]]
    assert digest.subject == "Your reminders: 2 overdue, 0 due within a week, 1 later"
    overdue, later = digest.body.index("Overdue (2)"), digest.body.index("Later (1)")
    assert overdue < digest.body.index("CB-2026-00003") < digest.body.index("CB-2026-00001") < later
    assert later < digest.body.index("CB-2026-00002")


# --- the stage on the edges of the calendar ----------------------------------------------------------


@pytest.mark.parametrize(
    ("due_on", "today", "stage", "words"),
    [
        (datetime.date(2028, 2, 29), datetime.date(2027, 11, 30), None, None),  # 91 days before
        (datetime.date(2028, 2, 29), datetime.date(2027, 12, 1), "before-90", "90 days before"),
        (datetime.date(2028, 2, 29), datetime.date(2028, 1, 30), "before-30", "30 days before"),
        (datetime.date(2028, 2, 29), datetime.date(2028, 2, 22), "before-7", "7 days before"),
        (datetime.date(2028, 2, 29), datetime.date(2028, 2, 28), "before-7", "7 days before"),
        (datetime.date(2028, 2, 29), datetime.date(2028, 2, 29), "due", "on the day"),
        (datetime.date(2028, 2, 29), datetime.date(2028, 3, 6), "due", "on the day"),
        (datetime.date(2028, 2, 29), datetime.date(2028, 3, 7), "overdue-1", "1 week overdue"),
        (datetime.date(2028, 2, 29), datetime.date(2028, 3, 14), "overdue-2", "2 weeks overdue"),
        (datetime.date(2026, 12, 31), datetime.date(2026, 10, 1), None, None),
        (datetime.date(2026, 12, 31), datetime.date(2026, 10, 2), "before-90", "90 days before"),
        (datetime.date(2026, 12, 31), datetime.date(2026, 12, 31), "due", "on the day"),
        (datetime.date(2026, 12, 31), datetime.date(2027, 1, 6), "due", "on the day"),
        (datetime.date(2026, 12, 31), datetime.date(2027, 1, 7), "overdue-1", "1 week overdue"),
    ],
)
def test_the_stage_on_date_edges(due_on, today, stage, words):
    assert reminder_stage(due_on, today, LEAD_DAYS) == stage
    if stage:
        assert stage_label(stage) == words


def test_a_one_day_lead_time_reads_in_the_singular():
    assert stage_label("before-1") == "1 day before"


def test_a_calendar_year_is_reminded_from_90_days_before_31_december(
    world, certificate, django_capture_on_commit_callbacks
):
    key = f"certificate-{certificate.pk}-year-2027"

    sweep(datetime.date(2027, 10, 1), django_capture_on_commit_callbacks)
    assert not Reminder.objects.filter(item_key=key).exists()
    sweep(datetime.date(2027, 10, 2), django_capture_on_commit_callbacks)

    row = Reminder.objects.get(item_key=key, recipient=world.qm_a)
    assert (row.due_on, row.stage, row.email.status) == (
        datetime.date(2027, 12, 31),
        "before-90",
        EmailStatus.SENT,
    )


def test_an_audit_on_29_february_is_reminded_on_the_day(world, qms, django_capture_on_commit_callbacks):
    programme = open_programme(world, [qms])
    surveillance = programme.audits.get(kind=AuditKind.SURVEILLANCE_1)
    assert surveillance.starts_on == datetime.date(2028, 2, 29)

    sweep(datetime.date(2028, 2, 29), django_capture_on_commit_callbacks)

    row = Reminder.objects.get(item_key=f"audit-{surveillance.pk}", recipient=world.qm_a)
    assert (row.due_on, row.stage) == (datetime.date(2028, 2, 29), "due")


# --- the e-mail ---------------------------------------------------------------------------------------


def test_the_e_mail_has_text_and_html_parts_with_absolute_links(
    world, certificate, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://iso.example.gov/"
    world.org_a.name = "Roads & <Bridges>"
    world.org_a.save(update_fields=["name"])
    CalendarSettings.objects.create(user=world.cert_manager, email_muted_kinds=[DueKind.SURVEILLANCE_1.value])

    sweep(S1_DUE - days(7), django_capture_on_commit_callbacks)

    [message] = mail.outbox
    link = f"https://iso.example.gov/certificates/{certificate.pk}/"
    assert message.to == [world.qm_a.email]
    assert message.subject == "Your reminders: 0 overdue, 1 due within a week, 0 later"
    assert "First surveillance due: CB-2026-00001 — Roads & <Bridges>: due on 2 Mar 2027" in message.body
    assert link in message.body
    assert "Roads & <Bridges>" in message.body and "2 Mar 2027" in message.body
    assert "https://iso.example.gov/calendar/subscription/" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    assert 'href="https://iso.example.gov/calendar/subscription/"' in html
    assert "Roads &amp; &lt;Bridges&gt;" in html and "<Bridges>" not in html


# --- the page -----------------------------------------------------------------------------------------


def reminder_for(user, world, n: int, **fields) -> Reminder:
    return Reminder.objects.create(
        **{
            "recipient": user,
            "item_key": f"item-{n}",
            "kind": DueKind.EXPIRY,
            "due_on": S1_DUE,
            "stage": "before-30",
            "title": f"Certificate expires: CB-{n:05d} — Organisation A",
            "path": f"/certificates/{n}/",
            "certification_body": world.cb,
            "organisation": world.org_a,
            "created_at": timezone.now() + datetime.timedelta(seconds=n),
        }
        | fields
    )


def test_the_page_lists_the_users_own_reminders_newest_first(client, world):
    reminder_for(world.qm_a, world, 1, status=R.SENT, sent_at=timezone.now())
    reminder_for(world.qm_a, world, 2, status=R.IN_APP, stage="overdue-2")
    reminder_for(world.cert_manager, world, 3, title="Not for the quality manager")
    client.force_login(world.qm_a)

    response = client.get(reverse("calendar:reminders"))

    assert response.status_code == 200
    page = response.context["page"]
    assert [row.item_key for row in page] == ["item-2", "item-1"]
    assert [row.stage_label for row in page] == ["2 weeks overdue", "30 days before"]
    html = response.content.decode()
    assert '<a href="/certificates/1/">Certificate expires: CB-00001 — Organisation A</a>' in html
    assert "Shown in the app only" in html and "E-mailed" in html and "2 Mar 2027" in html
    assert "Not for the quality manager" not in html
    assert f'href="{reverse("calendar:subscription")}"' in html
    assert _inline_code(response) == []  # the strict CSP holds


def test_the_page_without_reminders_says_so(client, world):
    client.force_login(world.qm_b)
    response = client.get(reverse("calendar:reminders"))
    assert response.status_code == 200 and "No reminder yet." in response.content.decode()


def test_the_page_reads_the_same_queries_for_one_reminder_and_several(
    client, world, django_assert_num_queries
):
    client.force_login(world.qm_a)
    url = reverse("calendar:reminders")
    reminder_for(world.qm_a, world, 1)
    client.get(url)  # the session and the user's memberships warm up
    with django_assert_num_queries(4) as one:  # session, user, count, rows
        client.get(url)
    for n in range(2, 6):
        reminder_for(world.qm_a, world, n, status=R.SENT, sent_at=timezone.now())
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"]) == 5


@pytest.mark.parametrize(
    ("number", "expected_page", "rows"), [("2", 2, 1), ("x", 1, 50), ("99", 2, 1), ("-1", 2, 1)]
)
def test_the_page_is_paginated_50_a_page_and_a_bad_number_does_not_fail(
    client, world, number, expected_page, rows
):
    for n in range(51):
        reminder_for(world.qm_a, world, n)
    client.force_login(world.qm_a)

    response = client.get(reverse("calendar:reminders"), {"page": number})

    assert response.status_code == 200
    page = response.context["page"]
    assert (page.number, len(page.object_list)) == (expected_page, rows)
    if expected_page == 2:
        assert [row.item_key for row in page] == ["item-0"]  # the oldest, last
