"""The cycle's next steps in the CB's work queue (certificates.selectors.steps): each derived from the
records that make it due, listed with the action that takes it for those who may, and gone once
it is taken. `today` is passed in; audits are built in the states the steps read, and the kept
steps recalculated from them before the queue is read, as the daily check would (that the services
keep them is tested in test_cycle_steps)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audits.enums import DECIDING_KINDS, AuditKind, AuditStatus, ProgrammeStatus, TeamRole
from audits.models import Audit, AuditReport, ProgrammeEdition, TeamAssignment
from certificates import checks
from certificates.enums import CertificateStatus, DecisionKind, DecisionOutcome, RevisionStatus, TaskKind
from certificates.models import Decision, Task
from certificates.selectors import queue as queue_selectors
from certificates.selectors import steps
from certificates.services.steps import cycle_steps_refresh
from organisations.enums import CBRole
from tests import factories
from tests.audits.conftest import make_edition
from tests.certificates.conftest import make_certificate, make_programme

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2027, 1, 11)
QUEUE = reverse("calendar:queue")


def keep_steps() -> None:
    cycle_steps_refresh(organisations=None, reason="the records the test wrote")


def queue_of(user, today=TODAY, **filters) -> list:
    keep_steps()
    rows = queue_selectors.work_queue(user, filters=queue_selectors.QueueFilters(**filters), today=today).rows
    return list(rows)


def steps_of(user, **filters) -> list[tuple[str, str]]:
    cycle = dict(steps.STEP_KINDS)
    return [(row.kind, row.subject) for row in queue_of(user, **filters) if row.kind in cycle]


def audit_in(programme, kind=AuditKind.STAGE2, status=AuditStatus.PLANNED, starts_on=TODAY, days=2, **fields):
    return Audit.objects.create(
        programme=programme,
        kind=kind,
        status=status,
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=days - 1),
        planned_days=Decimal(days),
        on_site_days=Decimal(days),
        **fields,
    )


def lead(audit, user) -> TeamAssignment:
    return TeamAssignment.objects.create(audit=audit, user=user, role=TeamRole.LEAD, assigned_by=user)


def reported(audit, issued_on: datetime.date) -> Audit:
    issued_at = timezone.make_aware(datetime.datetime.combine(issued_on, datetime.time(12)))
    AuditReport.objects.create(audit=audit, updated_by=audit.programme.created_by, issued_at=issued_at)
    return audit


@pytest.fixture
def reviewer(world):
    return factories.CBMembershipFactory(
        certification_body=world.cb, role=CBRole.REVIEWER, user__full_name="Reviewer"
    ).user


@pytest.fixture
def programme(world, qms):
    return make_programme(world, qms)  # approved


def subject(audit) -> str:
    return f"{audit.get_kind_display()} {audit.reference} — {audit.programme.reference}"


# --- a programme to approve --------------------------------------------------------------------


def test_a_programme_being_planned_waits_for_approval_by_its_first_audit(world, qms, programme, reviewer):
    programme.status = ProgrammeStatus.DRAFT
    programme.save(update_fields=["status"])
    audit_in(programme, starts_on=TODAY + datetime.timedelta(days=200))
    audit_in(programme, kind=AuditKind.STAGE1, starts_on=TODAY + datetime.timedelta(days=40))
    (row,) = queue_of(world.cert_manager)
    assert (row.kind, row.subject, row.organisation, row.due_on, row.overdue) == (
        steps.PROGRAMME_APPROVE,
        programme.reference,
        "Organisation A",
        TODAY + datetime.timedelta(days=40),
        False,
    )
    assert row.owner == world.cert_manager.full_name  # who opened it
    assert [(a.label, a.url) for a in row.actions] == [
        ("Approve the programme", programme.get_absolute_url())
    ]
    # a reviewer of the CB sees it, without the action; an auditor (who sees the programmes of
    # their own audits only) and the other CB do not
    assert [r.actions for r in queue_of(reviewer)] == [()]
    assert queue_of(world.auditor) == queue_of(world.other_cb_manager) == []

    programme.status = ProgrammeStatus.APPROVED
    programme.save(update_fields=["status"])
    assert steps.PROGRAMME_APPROVE not in {r.kind for r in queue_of(world.cert_manager)}


# --- an audit's team, plan and report ----------------------------------------------------------


def test_an_audit_lists_its_next_step_by_its_status(world, programme):
    world.cb.team_notice_days = 14
    world.cb.save(update_fields=["team_notice_days"])
    starts = TODAY + datetime.timedelta(days=30)
    audit = audit_in(programme, starts_on=starts)
    lead(audit, world.auditor)
    notice = starts - datetime.timedelta(days=14)

    def row():
        (found,) = queue_of(world.cert_manager)
        return found.kind, found.due_on, [a.label for a in found.actions], found.owner

    assert row() == (steps.TEAM_CONFIRM, notice, ["Confirm the team"], "")
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.TEAM_ASSIGNED)
    assert row() == (steps.TEAM_NOTIFY, notice, ["Notify the team to the client"], "")
    Audit.objects.filter(pk=audit.pk).update(team_notified_on=TODAY)
    # the plan is the lead auditor's: the manager sees it without the action, the lead with it
    assert row() == (steps.PLAN_SEND, starts, [], world.auditor.full_name)
    (mine,) = queue_of(world.auditor, mine=True)
    assert (mine.kind, [a.label for a in mine.actions]) == (steps.PLAN_SEND, ["Send the plan"])
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PLAN_SENT)
    assert queue_of(world.cert_manager) == []
    # in fieldwork: nothing until its last day has passed, then the report
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.IN_PROGRESS)
    assert queue_of(world.cert_manager, today=starts + datetime.timedelta(days=1)) == []
    after = starts + datetime.timedelta(days=2)
    (report,) = queue_of(world.auditor, today=after, mine=True)
    assert (report.kind, report.due_on, report.subject) == (
        steps.REPORT_ISSUE,
        audit.ends_on + datetime.timedelta(days=14),  # REPORT_ISSUE_DAYS
        subject(audit),
    )
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.FIELDWORK_DONE)
    assert [r.kind for r in queue_of(world.cert_manager)] == [steps.REPORT_ISSUE]
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.REPORT_ISSUED, kind=AuditKind.SURVEILLANCE_1)
    assert queue_of(world.cert_manager) == []


def test_a_short_notice_audit_needs_no_team_notice(world, programme):
    audit = audit_in(programme, status=AuditStatus.TEAM_ASSIGNED, short_notice=True, starts_on=TODAY)
    (row,) = queue_of(world.cert_manager)
    assert (row.kind, row.due_on) == (steps.PLAN_SEND, audit.starts_on)


def test_far_audits_wait_outside_the_queue_but_not_on_their_programme(world, programme, settings):
    settings.QUEUE_PLANNING_DAYS = 90
    near = audit_in(programme, kind=AuditKind.STAGE1, starts_on=TODAY + datetime.timedelta(days=90))
    far = audit_in(programme, kind=AuditKind.STAGE2, starts_on=TODAY + datetime.timedelta(days=91))
    assert steps_of(world.cert_manager) == [(steps.TEAM_CONFIRM, subject(near))]
    assert steps_of(world.cert_manager, programme=programme.pk) == [
        (steps.TEAM_CONFIRM, subject(near)),
        (steps.TEAM_CONFIRM, subject(far)),
    ]


def test_a_draft_programmes_audits_wait_for_its_approval(world, programme):
    programme.status = ProgrammeStatus.DRAFT
    programme.save(update_fields=["status"])
    audit_in(programme)
    assert [r.kind for r in queue_of(world.cert_manager)] == [steps.PROGRAMME_APPROVE]


# --- a certification decision to take ----------------------------------------------------------


def test_a_reported_stage_2_waits_for_a_decision_on_each_standard(world, qms, programme, reviewer):
    ems = make_edition("ISO 14001", 2015, [("4", "Context", "HS-4")])
    ProgrammeEdition.objects.create(programme=programme, edition=ems, complexity="all")
    issued = TODAY - datetime.timedelta(days=3)
    stage2 = reported(
        audit_in(programme, status=AuditStatus.REPORT_ISSUED, starts_on=TODAY - datetime.timedelta(days=10)),
        issued,
    )
    (row,) = queue_of(world.cert_manager)
    decide = reverse("certificates:decision_add", args=[programme.pk]) + "?kind=initial"
    assert (row.kind, row.subject, row.due_on, row.url) == (
        steps.DECISION_TAKE,
        subject(stage2),
        issued + datetime.timedelta(days=30),  # DECISION_DAYS
        stage2.get_absolute_url(),
    )
    assert [(a.label, a.url) for a in row.actions] == [("Record the decision", decide)]
    assert [r.actions for r in queue_of(reviewer)] == [()]
    assert queue_of(world.auditor) == []

    def decided(edition):
        decision = Decision.objects.create(
            programme=programme,
            edition=edition,
            kind=DecisionKind.INITIAL,
            outcome=DecisionOutcome.GRANT,
            decided_on=TODAY,
            decided_by=world.cert_manager,
            rationale="Every requirement met.",
        )
        decision.audits.add(stage2)

    decided(qms)
    assert [r.kind for r in queue_of(world.cert_manager)] == [steps.DECISION_TAKE]  # 14001 waits
    decided(ems)
    assert queue_of(world.cert_manager) == []


def test_audits_that_feed_no_decision_wait_for_none(world, programme):
    for kind in (AuditKind.STAGE1, AuditKind.SURVEILLANCE_1, AuditKind.FOLLOW_UP):
        reported(
            audit_in(
                programme, kind=kind, status=AuditStatus.CLOSED, starts_on=TODAY - datetime.timedelta(days=60)
            ),
            TODAY,
        )
    assert queue_of(world.cert_manager) == []


# --- a certificate to issue, a suspension to resolve -------------------------------------------


def test_a_draft_revision_waits_to_be_issued(world, qms):
    certificate = make_certificate(world, qms, status=CertificateStatus.DRAFT)
    revision = certificate.revisions.get()
    (row,) = queue_of(world.cert_manager)
    assert (row.kind, row.subject, row.url, row.due_on) == (
        steps.CERTIFICATE_ISSUE,
        f"{certificate.number}, revision {revision.revision}",
        certificate.get_absolute_url(),
        revision.decision.decided_on + datetime.timedelta(days=7),  # CERTIFICATE_ISSUE_DAYS
    )
    assert [a.label for a in row.actions] == ["Issue the certificate"]
    revision.status = RevisionStatus.VOID  # never to be issued
    revision.save(update_fields=["status"])
    assert queue_of(world.cert_manager) == []


def test_a_suspension_waits_to_be_resolved_until_its_task_stands_for_it(world, qms):
    certificate = make_certificate(world, qms, status=CertificateStatus.SUSPENDED)
    (row,) = queue_of(world.cert_manager)
    assert (row.kind, row.subject, row.due_on) == (
        steps.SUSPENSION_RESOLVE,
        certificate.number,
        certificate.suspension_ends_on,
    )
    assert [a.label for a in row.actions] == ["Reinstate, reduce the scope or withdraw"]
    Task.objects.create(
        certificate=certificate, kind=TaskKind.SUSPENSION_EXPIRED, due_on=certificate.suspension_ends_on
    )
    assert [r.kind for r in queue_of(world.cert_manager)] == [TaskKind.SUSPENSION_EXPIRED]


# --- the page ----------------------------------------------------------------------------------


def test_the_queue_page_filters_by_step_and_runs_a_fixed_number_of_queries(client, world, qms):
    def populate(n: int) -> None:
        for i in range(n):
            programme = make_programme(world, qms)
            audit = audit_in(programme, kind=AuditKind.STAGE1, starts_on=TODAY + datetime.timedelta(days=i))
            lead(audit, world.auditor)
            reported(
                audit_in(
                    programme,
                    status=AuditStatus.REPORT_ISSUED,
                    starts_on=TODAY - datetime.timedelta(days=30 + i),
                ),
                TODAY,
            )
        make_certificate(world, qms, number=f"CB-2026-9{n}001", status=CertificateStatus.DRAFT)
        make_certificate(world, qms, number=f"CB-2026-9{n}002", status=CertificateStatus.SUSPENDED)
        keep_steps()

    def counted() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(QUEUE)
        assert response.status_code == 200
        return len(queries), response.context["page_obj"].paginator.count

    client.force_login(world.cert_manager)
    populate(1)
    few, rows = counted()
    populate(4)
    assert counted() == (few, rows + 10)

    response = client.get(QUEUE, {"kind": steps.DECISION_TAKE})
    kinds = {row.kind for row in response.context["page_obj"].object_list}
    assert kinds == {steps.DECISION_TAKE} and response.context["page_obj"].paginator.count == 5
    assert "Certification decision to take" in response.content.decode()


# --- the dashboard -----------------------------------------------------------------------------


def next_steps_panel(client, user):
    client.force_login(user)
    return client.get(reverse("calendar:queue_next"), headers={"HX-Request": "true"})


def test_the_dashboard_loads_the_next_steps_of_the_queue(client, world, qms, programme):
    client.force_login(world.cert_manager)
    dashboard = client.get(reverse("dashboard"))
    assert reverse("calendar:queue_next") in dashboard.content.decode()
    audit = audit_in(
        programme, kind=AuditKind.STAGE1, starts_on=timezone.localdate() + datetime.timedelta(days=20)
    )
    lead(audit, world.auditor)
    make_certificate(world, qms, status=CertificateStatus.DRAFT)
    keep_steps()
    response = next_steps_panel(client, world.cert_manager)
    html = response.content.decode()
    assert response.status_code == 200 and response.context["next"].count == 2
    assert "Next steps" in html and "Audit team to confirm" in html and "Certificate to issue" in html
    assert 'href="/calendar/queue/"' in html and "Confirm the team" in html

    # an auditor sees their own steps only: the team is the managers' to confirm
    response = next_steps_panel(client, world.auditor)
    assert response.context["next"].mine and response.context["next"].count == 0
    assert "Nothing waits for you." in response.content.decode()
    Audit.objects.filter(pk=audit.pk).update(
        status=AuditStatus.TEAM_ASSIGNED, team_notified_on=timezone.localdate()
    )
    keep_steps()
    response = next_steps_panel(client, world.auditor)
    assert [row.kind for row in response.context["next"].rows] == [steps.PLAN_SEND]
    assert "Your next steps" in response.content.decode() and "Send the plan" in response.content.decode()


def test_the_next_steps_panel_is_the_cb_staffs(client, world):
    client.force_login(world.qm_a)
    assert client.get(reverse("calendar:queue_next"), headers={"HX-Request": "true"}).status_code == 403
    assert reverse("calendar:queue_next") not in client.get(reverse("dashboard")).content.decode()
    client.force_login(world.cert_manager)
    page = client.get(reverse("calendar:queue_next"))  # without htmx: a page of its own
    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html and "Next steps" in html


def test_every_audit_a_decision_waits_for_names_its_decision():
    assert set(steps.DECIDED_BY) == set(DECIDING_KINDS)


@pytest.mark.parametrize(
    ("name", "value", "refused"),
    [
        ("REPORT_ISSUE_DAYS", 14, False),
        ("REPORT_ISSUE_DAYS", 0, True),
        ("DECISION_DAYS", -30, True),
        ("CERTIFICATE_ISSUE_DAYS", 366, True),
        ("QUEUE_PLANNING_DAYS", 730, False),
        ("QUEUE_PLANNING_DAYS", 731, True),
    ],
)
def test_the_day_settings_are_checked_at_start_up(settings, name, value, refused):
    setattr(settings, name, value)
    errors = checks.day_settings(None)
    assert [error.id for error in errors] == (["certificates.E001"] if refused else [])
    assert not refused or f"{name} is {value}: it is a number of days from 1 to" in errors[0].msg
