"""The organisation's own work on the calendar (DOMAIN §13, issue 18): its open actions by their due
date and its internal audits by their first day, on the month, the agenda, the dashboard's panels
and the iCal feed of its members only (rule 43), and in the daily job's reminders, once each."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from certificates.enums import DueKind, ReminderStatus
from certificates.models import Reminder
from certificates.selectors.calendar import Filters, due_items, internal_audit_path, scope_all, scope_for
from certificates.services import subscriptions
from certificates.services.daily import daily_job_run
from certificates.services.reminders import reminders_write
from improvement import access as improvement_access
from improvement.enums import ActionStatus, InternalAuditStatus
from improvement.models import Action, InternalAudit, InternalAuditor, InternalAuditProgramme
from improvement.selectors import due as improvement_due
from improvement.services.actions import action_create
from tests import factories
from tests.audits.conftest import qms as qms

pytestmark = pytest.mark.django_db

R = ReminderStatus
SITE = "https://certification.example.org"
HOST = "certification.example.org"


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def make_action(
    world, *, title: str, due_on, owner=None, organisation=None, actor=None, clause=None
) -> Action:
    return action_create(
        actor=actor or world.qm_a,
        organisation=organisation or world.org_a,
        source="complaint",
        title=title,
        owner=owner or world.contributor_a,
        due_on=due_on,
        clause=clause,
    )


def make_internal_audit(programme, *, number: int, starts_on, auditors=(), by=None) -> InternalAudit:
    audit = InternalAudit.objects.create(
        programme=programme,
        number=number,
        title=f"Purchasing and suppliers {number}",
        starts_on=starts_on,
        ends_on=starts_on + days(1),
        created_by=by or programme.created_by,
    )
    for user in auditors:
        InternalAuditor.objects.create(audit=audit, user=user)
    return audit


@pytest.fixture
def own(world, qms, settings):
    """Organisation A's action A-1 due in a week, owned by its contributor; its internal audit IA-1
    starting in ten days, audited by the contributor and an external auditor; organisation B's
    action due in a week too."""
    settings.SITE_URL = SITE
    today = timezone.localdate()
    world.today = today
    world.edition = qms
    world.action = make_action(
        world, title="Answer the complaint about waiting times", due_on=today + days(7)
    )
    world.programme = InternalAuditProgramme.objects.create(
        organisation=world.org_a,
        title="Internal audits of the year",
        starts_on=today - days(30),
        ends_on=today + days(300),
        created_by=world.qm_a,
    )
    world.programme.editions.set([qms])
    world.internal_audit = make_internal_audit(
        world.programme, number=1, starts_on=today + days(10), auditors=[world.contributor_a]
    )
    InternalAuditor.objects.create(audit=world.internal_audit, external_name="Ann Outside")
    world.action_b = make_action(
        world,
        title="Fix the archive of B",
        due_on=today + days(7),
        owner=world.qm_b,
        organisation=world.org_b,
        actor=world.qm_b,
    )
    return world


def action_key(action) -> str:
    return f"action-{action.pk}"


def audit_key(audit) -> str:
    return f"internal-audit-{audit.pk}"


def keys(user, own, **kwargs) -> set[str]:
    found = due_items(
        scope_for(user),
        start=own.today,
        end=own.today + days(60),
        today=own.today,
        include_overdue=True,
        **kwargs,
    )
    return {item.key for item in found}


def items_by_key(user, own, **kwargs) -> dict:
    found = due_items(
        scope_for(user),
        start=own.today,
        end=own.today + days(60),
        today=own.today,
        include_overdue=True,
        **kwargs,
    )
    return {item.key: item for item in found}


def close(action, status: str) -> None:
    """Test data only: the status services are not the calendar's."""
    values = {"status": status}
    if status in (ActionStatus.EFFECTIVE, ActionStatus.NOT_EFFECTIVE):  # rule 42: a review closes it
        values |= {
            "reviewed_on": timezone.localdate(),
            "reviewed_by": action.created_by,
            "review_result": status,
        }
    Action.objects.filter(pk=action.pk).update(**values)


def get(client, user, name: str, params=None):
    client.force_login(user)
    response = client.get(reverse(name), params or {})
    assert response.status_code == 200
    return response


def feed_events(client, user) -> dict:
    url = reverse("calendar:feed", args=[subscriptions.calendar_settings_of(user=user).feed_token])
    response = client.get(url)
    assert response.status_code == 200
    return {str(event["UID"]): event for event in Calendar.from_ical(response.content).walk("VEVENT")}


# --- The selector: who sees what ---------------------------------------------------------------------


def test_an_open_action_due_next_week_is_an_item_of_its_organisations_members(own):
    for member in (own.qm_a, own.contributor_a, own.viewer_a):
        assert {action_key(own.action), audit_key(own.internal_audit)} <= keys(member, own)
    item = items_by_key(own.contributor_a, own)[action_key(own.action)]
    assert (item.kind, item.due_on, item.done) == (DueKind.ACTION_DUE, own.today + days(7), False)
    assert item.title == "Action due: A-1 Answer the complaint about waiting times — Organisation A"
    assert item.path == reverse("improvement:action_detail", args=[own.action.pk])
    assert item.certification_body_id is None and item.organisation_id == own.org_a.pk
    assert item.people == (own.contributor_a.pk,)
    assert not item.is_overdue(own.today)


@pytest.mark.parametrize("persona", ["cert_manager", "auditor", "other_cb_manager", "staff", "nobody"])
def test_no_cb_account_nor_platform_staff_sees_the_clients_own_work(own, persona):
    """Rule 43: the actions and internal audits are the organisation's; a CB does not see them."""
    found = keys(getattr(own, persona), own)
    assert not any(key.startswith(("action-", "internal-audit-")) for key in found)


def test_another_organisation_sees_only_its_own_actions(own):
    found = keys(own.qm_b, own)
    assert action_key(own.action_b) in found
    assert action_key(own.action) not in found and audit_key(own.internal_audit) not in found
    assert action_key(own.action_b) not in keys(own.qm_a, own)


@pytest.mark.parametrize(
    "status", [ActionStatus.DONE, ActionStatus.EFFECTIVE, ActionStatus.NOT_EFFECTIVE, ActionStatus.CANCELLED]
)
def test_an_action_done_closed_or_cancelled_leaves_the_calendar(own, status):
    close(own.action, status)
    assert action_key(own.action) not in keys(own.qm_a, own)
    assert Action.objects.get(pk=own.action.pk).status == status


def test_an_action_in_progress_stays_and_one_without_a_due_date_is_never_on_it(own):
    Action.objects.filter(pk=own.action.pk).update(status=ActionStatus.IN_PROGRESS)
    undated = make_action(own, title="Someday", due_on=None)
    found = keys(own.qm_a, own)
    assert action_key(own.action) in found and action_key(undated) not in found


def test_an_overdue_action_is_overdue_wherever_its_due_date_fell(own):
    Action.objects.filter(pk=own.action.pk).update(due_on=own.today - days(40))
    item = items_by_key(own.qm_a, own)[action_key(own.action)]
    assert item.is_overdue(own.today) and item.due_on == own.today - days(40)
    # without include_overdue, only the range
    found = due_items(scope_for(own.qm_a), start=own.today, end=own.today + days(60), today=own.today)
    assert action_key(own.action) not in {item.key for item in found}


def test_the_filters_reach_actions_and_internal_audits(own):
    clause = own.edition.clauses.get(number="8.3")
    with_clause = make_action(own, title="Design review records", due_on=own.today + days(3), clause=clause)
    standard = own.edition.standard_id
    assert keys(own.qm_a, own, filters=Filters(kinds=(DueKind.ACTION_DUE,))) == {
        action_key(own.action),
        action_key(with_clause),
    }
    assert keys(own.qm_a, own, filters=Filters(kinds=(DueKind.INTERNAL_AUDIT,))) == {
        audit_key(own.internal_audit)
    }
    assert keys(own.qm_a, own, filters=Filters(kinds=(DueKind.AUDIT,))) == set()
    # a standard: the actions whose clause is of it, the internal audits of programmes covering it
    assert keys(own.qm_a, own, filters=Filters(standard_id=standard)) == {
        action_key(with_clause),
        audit_key(own.internal_audit),
    }
    other = factories.EditionFactory(standard__code="ISO 14001").standard_id
    assert keys(own.qm_a, own, filters=Filters(standard_id=other)) == set()
    assert keys(own.qm_a, own, filters=Filters(organisation_id=own.org_b.pk)) == set()
    by_org = keys(own.qm_a, own, filters=Filters(organisation_id=own.org_a.pk))
    assert {action_key(own.action), audit_key(own.internal_audit)} <= by_org
    standards = items_by_key(own.qm_a, own)
    assert standards[action_key(with_clause)].standard_codes == ("ISO 9001",)
    assert standards[audit_key(own.internal_audit)].standard_codes == ("ISO 9001",)


# --- Internal audits --------------------------------------------------------------------------------


def test_an_internal_audit_is_on_its_members_calendar_on_its_first_day(own):
    item = items_by_key(own.viewer_a, own)[audit_key(own.internal_audit)]
    assert (item.kind, item.due_on, item.done) == (DueKind.INTERNAL_AUDIT, own.today + days(10), False)
    assert item.title == "Internal audit: IA-1 Purchasing and suppliers 1 — Organisation A"
    assert item.path == internal_audit_path(own.internal_audit.pk)
    assert item.people == (own.contributor_a.pk,)  # the external auditor has no account
    assert item.standard_codes == ("ISO 9001",)


def test_an_internal_audit_started_is_done_and_one_still_planned_after_its_first_day_is_overdue(own):
    started = make_internal_audit(own.programme, number=2, starts_on=own.today + days(2))
    InternalAudit.objects.filter(pk=started.pk).update(status=InternalAuditStatus.IN_PROGRESS)
    late = make_internal_audit(own.programme, number=3, starts_on=own.today - days(4))
    started_late = make_internal_audit(own.programme, number=4, starts_on=own.today - days(4))
    InternalAudit.objects.filter(pk=started_late.pk).update(status=InternalAuditStatus.IN_PROGRESS)
    found = items_by_key(own.qm_a, own)
    assert found[audit_key(started)].done and not found[audit_key(started)].is_overdue(own.today)
    assert found[audit_key(late)].is_overdue(own.today)
    assert audit_key(started_late) not in found  # under way: nothing is due any more


@pytest.mark.parametrize(
    "status", [InternalAuditStatus.REPORTED, InternalAuditStatus.CLOSED, InternalAuditStatus.CANCELLED]
)
def test_an_internal_audit_reported_closed_or_cancelled_leaves_the_calendar(own, status):
    InternalAudit.objects.filter(pk=own.internal_audit.pk).update(status=status)
    assert audit_key(own.internal_audit) not in keys(own.qm_a, own)


def test_the_improvement_selectors_read_one_query_each_and_nothing_for_cb_staff(
    own, django_assert_num_queries
):
    with django_assert_num_queries(1):
        found = improvement_due.actions_due(
            improvement_access.actions_for(own.qm_a), start=own.today, end=own.today + days(30)
        )
    assert [action.id for action in found] == [own.action.pk]
    assert found[0].reference == "A-1" and found[0].owner_id == own.contributor_a.pk
    with django_assert_num_queries(1):
        audits = improvement_due.internal_audits_due(
            improvement_access.internal_audits_for(own.qm_a), start=own.today, end=own.today + days(30)
        )
    assert [(audit.id, audit.auditor_ids) for audit in audits] == [
        (own.internal_audit.pk, (own.contributor_a.pk,))
    ]
    for persona in (own.cert_manager, own.auditor, own.staff):
        assert (
            improvement_due.actions_due(
                improvement_access.actions_for(persona), start=own.today, end=own.today + days(30)
            )
            == []
        )
        assert (
            improvement_due.internal_audits_due(
                improvement_access.internal_audits_for(persona), start=own.today, end=own.today + days(30)
            )
            == []
        )


def test_a_removed_internal_auditor_is_not_among_its_people(own):
    InternalAuditor.objects.filter(audit=own.internal_audit, user=own.contributor_a).update(
        removed_at=timezone.now()
    )
    InternalAuditor.objects.create(audit=own.internal_audit, user=own.qm_a)
    assert items_by_key(own.qm_a, own)[audit_key(own.internal_audit)].people == (own.qm_a.pk,)


# --- The pages and the feed ---------------------------------------------------------------------------


def test_the_owner_sees_the_action_on_the_month_and_the_agenda(client, own):
    due_on = own.action.due_on
    month = get(client, own.contributor_a, "calendar:month", {"month": due_on.strftime("%Y-%m")})
    cell = next(day for week in month.context["weeks"] for day in week if day.day == due_on)
    assert action_key(own.action) in {item.key for item in cell.items}
    html = month.content.decode()
    assert reverse("improvement:action_detail", args=[own.action.pk]) in html
    assert "A-1 Answer the complaint about waiting times" in html
    agenda = get(client, own.contributor_a, "calendar:agenda")
    listed = {item.key for _day, items in agenda.context["days"] for item in items}
    assert {action_key(own.action), audit_key(own.internal_audit)} <= listed
    assert "Action due" in agenda.content.decode() and "Internal audit" in agenda.content.decode()


def test_the_kind_filter_is_offered_to_members_and_not_to_cb_staff(client, own):
    offered = get(client, own.qm_a, "calendar:agenda").context["form"].fields["kind"].choices
    assert {DueKind.ACTION_DUE.value, DueKind.INTERNAL_AUDIT.value} <= {value for value, _label in offered}
    only = get(client, own.qm_a, "calendar:agenda", {"kind": DueKind.ACTION_DUE.value})
    assert {item.key for _day, items in only.context["days"] for item in items} == {action_key(own.action)}
    offered = get(client, own.cert_manager, "calendar:agenda").context["form"].fields["kind"].choices
    assert not {DueKind.ACTION_DUE.value, DueKind.INTERNAL_AUDIT.value} & {value for value, _label in offered}
    refused = get(client, own.cert_manager, "calendar:agenda", {"kind": DueKind.ACTION_DUE.value})
    assert "There is no such kind of item: action_due." in refused.content.decode()


def test_the_cb_manager_sees_nothing_of_it_on_any_page(client, own):
    for name in ("calendar:month", "calendar:agenda", "calendar:due"):
        html = get(client, own.cert_manager, name).content.decode()
        assert "Answer the complaint" not in html and "Purchasing and suppliers" not in html
    found = feed_events(client, own.cert_manager)
    assert not any(uid.startswith(("action-", "internal-audit-")) for uid in found)


def test_an_overdue_action_is_said_overdue_on_the_agenda_and_the_dashboard(client, own):
    Action.objects.filter(pk=own.action.pk).update(due_on=own.today - days(3))
    agenda = get(client, own.qm_a, "calendar:agenda")
    assert action_key(own.action) in {item.key for item in agenda.context["overdue"]}
    assert "3 days late" in agenda.content.decode()
    panels = get(client, own.qm_a, "calendar:due")
    assert [item.key for item in panels.context["due"].overdue] == [action_key(own.action)]
    assert audit_key(own.internal_audit) in {item.key for item in panels.context["due"].upcoming}


def test_the_feed_has_the_action_and_the_internal_audit_as_events(client, own):
    found = feed_events(client, own.contributor_a)
    event = found[f"{action_key(own.action)}@{HOST}"]
    link = SITE + reverse("improvement:action_detail", args=[own.action.pk])
    assert (
        str(event["SUMMARY"]) == "Action due: A-1 Answer the complaint about waiting times — Organisation A"
    )
    assert str(event["URL"]) == link and link in str(event["DESCRIPTION"])
    assert event.start == own.action.due_on
    audit = found[f"{audit_key(own.internal_audit)}@{HOST}"]
    assert audit.start == own.internal_audit.starts_on and "ISO 9001" in str(audit["DESCRIPTION"])
    assert f"{action_key(own.action_b)}@{HOST}" not in found


def test_an_overdue_action_is_overdue_in_the_feed(client, own):
    Action.objects.filter(pk=own.action.pk).update(due_on=own.today - days(2))
    event = feed_events(client, own.qm_a)[f"{action_key(own.action)}@{HOST}"]
    assert str(event["SUMMARY"]).startswith("OVERDUE: Action due: A-1")


def _more(own, n: int) -> None:
    for number in range(n):
        make_action(own, title=f"More work {number}", due_on=own.today + days(2 + number))
        make_internal_audit(
            own.programme, number=10 + number, starts_on=own.today + days(5 + number), auditors=[own.qm_a]
        )


def _queries(client, user, url: str) -> int:
    client.force_login(user)
    client.get(url)  # the session is written at the first request
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["calendar:month", "calendar:agenda", "calendar:due", "feed"])
def test_the_pages_run_the_same_queries_with_one_or_three_actions(client, own, name):
    url = (
        reverse("calendar:feed", args=[subscriptions.calendar_settings_of(user=own.qm_a).feed_token])
        if name == "feed"
        else reverse(name)
    )
    one = _queries(client, own.qm_a, url)
    _more(own, 2)
    assert len(keys(own.qm_a, own, filters=Filters(kinds=(DueKind.ACTION_DUE,)))) == 3
    assert len(keys(own.qm_a, own, filters=Filters(kinds=(DueKind.INTERNAL_AUDIT,)))) == 3
    assert _queries(client, own.qm_a, url) == one


def test_the_selector_reads_two_queries_for_the_clients_own_work(own, django_assert_num_queries):
    wanted = Filters(kinds=(DueKind.ACTION_DUE, DueKind.INTERNAL_AUDIT))
    scope = scope_for(own.qm_a)
    with CaptureQueriesContext(connection) as one:
        due_items(scope, start=own.today, end=own.today + days(60), today=own.today, filters=wanted)
    _more(own, 2)
    with django_assert_num_queries(len(one.captured_queries)):
        found = due_items(scope, start=own.today, end=own.today + days(60), today=own.today, filters=wanted)
    assert len(found) == 6
    assert len(one.captured_queries) == 2  # the actions, the internal audits (the reach was read before)


# --- Reminders --------------------------------------------------------------------------------------


def sweep(today, capture) -> list[int]:
    with capture(execute=True):
        return reminders_write(today=today)


def reminded(key: str) -> dict[tuple[str, str], str]:
    """(e-mail, stage) → status of the reminders of an item (of its digest, for a row in one)."""
    rows = Reminder.objects.filter(item_key=key).values_list(
        "recipient__email", "stage", "status", "email__status"
    )
    return {(email, stage): email_status or status for email, stage, status, email_status in rows}


def test_the_owner_is_reminded_a_week_before_once_however_often_the_job_runs(
    own, django_capture_on_commit_callbacks
):
    due_on = own.action.due_on
    assert sweep(due_on - days(8), django_capture_on_commit_callbacks) == []
    first = sweep(due_on - days(7), django_capture_on_commit_callbacks)
    again = sweep(due_on - days(7), django_capture_on_commit_callbacks)
    next_day = sweep(due_on - days(6), django_capture_on_commit_callbacks)
    key = action_key(own.action)
    assert reminded(key) == {(own.contributor_a.email, "before-7"): R.SENT}  # not yet the QMs
    assert again == [] and next_day == []
    assert len(first) == Reminder.objects.count()
    assert [message.to for message in mail.outbox if "waiting times" in message.body] == [
        [own.contributor_a.email]
    ]
    row = Reminder.objects.get(item_key=key)
    assert (row.kind, row.due_on, row.organisation_id) == (DueKind.ACTION_DUE, due_on, own.org_a.pk)
    assert row.certification_body is None
    assert row.title == "Action due: A-1 Answer the complaint about waiting times — Organisation A"
    assert row.path == reverse("improvement:action_detail", args=[own.action.pk])
    # organisation B's action went to its own owner only
    assert set(reminded(action_key(own.action_b))) == {(own.qm_b.email, "before-7")}


def test_once_overdue_the_quality_managers_are_reminded_too(own, django_capture_on_commit_callbacks):
    due_on = own.action.due_on
    key = action_key(own.action)
    sweep(due_on, django_capture_on_commit_callbacks)
    assert set(reminded(key)) == {(own.contributor_a.email, "due")}  # on the day: the owner
    sweep(due_on + days(1), django_capture_on_commit_callbacks)  # overdue: the QM too, once
    sweep(due_on + days(2), django_capture_on_commit_callbacks)
    assert set(reminded(key)) == {(own.contributor_a.email, "due"), (own.qm_a.email, "due")}
    sweep(due_on + days(7), django_capture_on_commit_callbacks)
    assert {(email, stage) for email, stage in reminded(key) if stage == "overdue-1"} == {
        (own.contributor_a.email, "overdue-1"),
        (own.qm_a.email, "overdue-1"),
    }
    # the viewer and the CB are never reminded of it
    emails = {email for email, _stage in reminded(key)}
    assert not emails & {own.viewer_a.email, own.cert_manager.email, own.auditor.email}


def test_a_done_action_is_reminded_no_more(own, django_capture_on_commit_callbacks):
    close(own.action, ActionStatus.DONE)
    sweep(own.action.due_on + days(7), django_capture_on_commit_callbacks)
    assert reminded(action_key(own.action)) == {}


def test_the_owner_who_mutes_actions_sees_them_in_the_app_only(own, django_capture_on_commit_callbacks):
    offered = [kind for kind in DueKind if kind not in (DueKind.ACTION_DUE, DueKind.TEAM_NOTICE)]
    subscriptions.reminder_preferences_save(actor=own.contributor_a, emailed_kinds=offered)
    sweep(own.action.due_on - days(7), django_capture_on_commit_callbacks)
    assert reminded(action_key(own.action)) == {(own.contributor_a.email, "before-7"): R.IN_APP}
    assert not [message for message in mail.outbox if "waiting times" in message.body]


def test_an_owner_who_left_the_organisation_is_not_reminded(own, django_capture_on_commit_callbacks):
    own.contributor_a.organisation_memberships.update(is_active=False)
    sweep(own.action.due_on - days(7), django_capture_on_commit_callbacks)
    assert reminded(action_key(own.action)) == {}


def test_the_internal_auditors_and_quality_managers_are_reminded_a_week_before(
    own, django_capture_on_commit_callbacks
):
    starts_on = own.internal_audit.starts_on
    sweep(starts_on - days(8), django_capture_on_commit_callbacks)
    assert reminded(audit_key(own.internal_audit)) == {}
    sweep(starts_on - days(7), django_capture_on_commit_callbacks)
    sweep(starts_on - days(7), django_capture_on_commit_callbacks)
    sweep(starts_on - days(3), django_capture_on_commit_callbacks)
    key = audit_key(own.internal_audit)
    assert reminded(key) == {
        (own.contributor_a.email, "before-7"): R.SENT,
        (own.qm_a.email, "before-7"): R.SENT,
    }
    assert Reminder.objects.get(item_key=key, recipient=own.qm_a).certification_body is None
    InternalAudit.objects.filter(pk=own.internal_audit.pk).update(status=InternalAuditStatus.IN_PROGRESS)
    sweep(starts_on, django_capture_on_commit_callbacks)
    assert set(reminded(key)) == {(own.contributor_a.email, "before-7"), (own.qm_a.email, "before-7")}


def test_the_daily_job_run_twice_writes_nothing_the_second_time(own, django_capture_on_commit_callbacks):
    today = own.action.due_on - days(7)
    with django_capture_on_commit_callbacks(execute=True):
        first = daily_job_run(today=today)
    with django_capture_on_commit_callbacks(execute=True):
        second = daily_job_run(today=today)
    assert first.reminders_written == 2  # A-1 to its owner, B's action to its owner
    assert second.reminders_written == 0
    assert Reminder.objects.filter(item_key=action_key(own.action)).count() == 1


def test_the_sweep_runs_the_same_queries_with_one_or_three_actions(own, django_capture_on_commit_callbacks):
    today = own.action.due_on - days(7)
    with CaptureQueriesContext(connection) as one:
        reminders_write(today=today)
    Reminder.objects.all().delete()  # test data only: the sweep again from scratch
    _more(own, 2)
    Action.objects.filter(organisation=own.org_a).update(due_on=own.action.due_on)
    with CaptureQueriesContext(connection) as three:
        written = reminders_write(today=today)
    assert len(written) == 6  # three actions of A and one of B to their owners, two internal audits to the QM
    assert Reminder.objects.filter(kind=DueKind.ACTION_DUE).count() == 4
    assert len(three.captured_queries) == len(one.captured_queries)


def test_the_daily_scope_reads_every_organisations_work(own):
    found = due_items(scope_all(), start=own.today, end=own.today + days(60), today=own.today)
    assert {action_key(own.action), action_key(own.action_b), audit_key(own.internal_audit)} <= {
        item.key for item in found
    }


def test_the_owner_finds_the_reminder_in_the_app_and_its_mail_links_the_action(
    client, own, django_capture_on_commit_callbacks
):
    sweep(own.action.due_on - days(7), django_capture_on_commit_callbacks)
    message = next(message for message in mail.outbox if "waiting times" in message.body)
    link = SITE + reverse("improvement:action_detail", args=[own.action.pk])
    assert message.to == [own.contributor_a.email] and link in message.body
    assert "due on" in message.body and "(7 days before)" in message.body
    page = get(client, own.contributor_a, "calendar:reminders").content.decode()
    assert "Action due: A-1 Answer the complaint about waiting times" in page
    assert reverse("improvement:action_detail", args=[own.action.pk]) in page
    assert "waiting times" not in get(client, own.qm_a, "calendar:reminders").content.decode()
