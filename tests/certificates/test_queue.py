"""The CB's work queue (DOMAIN §1.10; rules 10, 14, 21): the daily job's tasks, the actions that
close them, taking a task, deciding not to suspend, and the queue's pages.

Certificates come from `make_certificate` (decided on 2 March 2026: the first surveillance is due
by 2 March 2027); the daily job's `today` is passed in.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audits.changes import audits_changed, findings_changed
from audits.enums import AuditKind, AuditStatus, FindingStatus, FindingType, RequirementSource
from audits.models import Audit, Finding, FindingResponse
from audits.services import teams as team_services
from certificates.enums import (
    CertificateStatus,
    DecisionKind,
    DecisionOutcome,
    TaskKind,
    TaskResolution,
    TaskStatus,
)
from certificates.models import Certificate, Decision, Task
from certificates.selectors import queue as queue_selectors
from certificates.services import certificates as certificate_services
from certificates.services import tasks as services
from certificates.services.decisions import DecisionContent, decision_record
from core.errors import NotAllowed
from core.models import Transition
from core.transitions import transitions_of
from organisations.enums import CBRole, QualificationKind
from tests import factories
from tests.certificates.conftest import DECIDED_ON, make_certificate

pytestmark = pytest.mark.django_db

S1_DUE = datetime.date(2027, 3, 2)  # a year after DECIDED_ON (rule 10)
AFTER_S1 = datetime.date(2027, 3, 10)
SUSPENSION_ENDS = DECIDED_ON + datetime.timedelta(days=183)  # make_certificate's suspended deadline
K, R = TaskKind, TaskResolution
QUEUE = reverse("calendar:queue")


# --- building blocks ---------------------------------------------------------------------------


def surveillance(certificate: Certificate, status: str, kind: str = AuditKind.SURVEILLANCE_1) -> Audit:
    """A surveillance audit in the certificate's programme, in February 2027 (told, as the audit
    services tell the certificates' due dates)."""
    audit = Audit.objects.create(
        programme=certificate.revisions.get().decision.programme,
        kind=kind,
        status=status,
        starts_on=datetime.date(2027, 2, 15),
        ends_on=datetime.date(2027, 2, 16),
        planned_days=Decimal("1.0"),
        on_site_days=Decimal("1.0"),
    )
    audits_changed(audits=[audit])
    return audit


def task_on(certificate: Certificate, kind: str = K.OVERDUE_SURVEILLANCE, due_on=S1_DUE, owner=None) -> Task:
    return Task.objects.create(certificate=certificate, kind=kind, due_on=due_on, owner=owner)


def suspended(world, qms, number: str = "CB-2026-00009") -> Certificate:
    return make_certificate(world, qms, number=number, status=CertificateStatus.SUSPENDED)


def closed(task: Task) -> Task:
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.closed_at is not None
    return task


def cb_member(world, role: str, name: str):
    return factories.CBMembershipFactory(certification_body=world.cb, role=role, user__full_name=name).user


def flags_of(certificate: Certificate) -> list[tuple[str, str]]:
    return [
        (t.from_state, t.to_state)
        for t in transitions_of(certificate).filter(field="flag").order_by("at", "pk")
    ]


# --- the daily job: opening ------------------------------------------------------------------------


def test_tasks_sync_opens_a_rule_10_task_once_with_its_history(world, certificate):
    sync = services.tasks_sync(today=AFTER_S1)
    task = certificate.tasks.get()
    assert sync.opened == [task] and sync.closed == []
    assert (task.kind, task.due_on, task.status, task.owner) == (
        K.OVERDUE_SURVEILLANCE,
        S1_DUE,
        TaskStatus.OPEN,
        world.cert_manager,  # who took the certificate's decision
    )
    opening = transitions_of(task).get()
    assert (opening.field, opening.from_state, opening.to_state, opening.actor) == (
        "status",
        "",
        "open",
        None,
    )
    assert "rule 10" in opening.reason and "2027-03-02" in opening.reason
    assert flags_of(certificate) == [("", "overdue_surveillance")]

    transitions = Transition.objects.count()
    again = services.tasks_sync(today=AFTER_S1)
    later = services.tasks_sync(today=AFTER_S1 + datetime.timedelta(days=1))
    assert again.opened == again.closed == later.opened == later.closed == []
    assert Task.objects.count() == 1 and Transition.objects.count() == transitions


@pytest.mark.parametrize(("today", "opened"), [(S1_DUE, False), (S1_DUE + datetime.timedelta(days=1), True)])
def test_rule_10_opens_the_day_after_the_due_date(world, certificate, today, opened):
    assert bool(services.tasks_sync(today=today).opened) is opened


@pytest.mark.parametrize(
    ("status", "opened"),
    [(AuditStatus.PLANNED, True), (AuditStatus.IN_PROGRESS, False), (AuditStatus.CLOSED, False)],
)
def test_rule_10_reads_whether_the_first_surveillance_was_held(world, certificate, status, opened):
    surveillance(certificate, status)
    assert bool(services.tasks_sync(today=AFTER_S1).opened) is opened


def test_tasks_sync_opens_a_rule_14_task_once_the_suspension_deadline_passed(world, qms):
    certificate = suspended(world, qms)
    assert services.tasks_sync(today=SUSPENSION_ENDS).opened == []
    sync = services.tasks_sync(today=SUSPENSION_ENDS + datetime.timedelta(days=1))
    task = certificate.tasks.get()
    assert sync.opened == [task]
    assert (task.kind, task.due_on, task.owner) == (K.SUSPENSION_EXPIRED, SUSPENSION_ENDS, world.cert_manager)
    assert "rule 14" in transitions_of(task).get().reason
    assert flags_of(certificate) == []  # the flag is rule 10's
    assert services.tasks_sync(today=SUSPENSION_ENDS + datetime.timedelta(days=2)).opened == []


def test_a_suspended_certificate_gets_no_rule_10_task(world, qms):
    suspended(world, qms)
    opened = services.tasks_sync(today=AFTER_S1).opened
    assert [task.kind for task in opened] == [K.SUSPENSION_EXPIRED]


def test_a_task_decided_not_to_suspend_is_not_opened_again(world, certificate):
    task = services.tasks_sync(today=AFTER_S1).opened[0]
    services.task_not_suspend(actor=world.cert_manager, task=task, reason="Audit booked for 20 March.")
    assert services.tasks_sync(today=AFTER_S1 + datetime.timedelta(days=7)).opened == []
    assert certificate.tasks.count() == 1


# --- the daily job: who owns the task ---------------------------------------------------------------


def _later_decision(certificate: Certificate, decider) -> Decision:
    first = certificate.revisions.get().decision
    return Decision.objects.create(
        programme=first.programme,
        edition=first.edition,
        kind=DecisionKind.SCOPE_EXTENSION,
        outcome=DecisionOutcome.REFUSE,
        decided_on=DECIDED_ON + datetime.timedelta(days=30),
        decided_by=decider,
        rationale="Not audited yet.",
        certificate=certificate,
    )


def test_the_owner_is_the_certification_manager_of_the_latest_decision(world, certificate):
    other_manager = cb_member(world, CBRole.CERTIFICATION_MANAGER, "Second Manager")
    _later_decision(certificate, other_manager)
    assert services.tasks_sync(today=AFTER_S1).opened[0].owner == other_manager


def test_no_owner_when_the_decider_left_or_is_no_certification_manager(world, qms):
    left = cb_member(world, CBRole.CERTIFICATION_MANAGER, "Left Manager")
    left.cb_memberships.update(is_active=False)
    reviewer = cb_member(world, CBRole.REVIEWER, "Reviewer")
    one = make_certificate(world, qms, number="CB-2026-00001")
    two = make_certificate(world, qms, number="CB-2026-00002")
    _later_decision(one, left)
    _later_decision(two, reviewer)
    opened = services.tasks_sync(today=AFTER_S1).opened
    assert {(task.certificate, task.owner) for task in opened} == {(one, None), (two, None)}


# --- the daily job: closing what went away ---------------------------------------------------------


def test_tasks_sync_closes_a_rule_10_task_once_the_surveillance_is_held(world, certificate):
    task = services.tasks_sync(today=AFTER_S1).opened[0]
    surveillance(certificate, AuditStatus.IN_PROGRESS)
    sync = services.tasks_sync(today=AFTER_S1 + datetime.timedelta(days=1))
    assert sync.closed == [task] and sync.opened == []
    task = closed(task)
    assert (task.resolution, task.closed_by) == (R.AUDIT_HELD, None)
    assert transitions_of(task).filter(to_state="done").get().reason == "Surveillance audit held."
    assert flags_of(certificate) == [("", "overdue_surveillance"), ("overdue_surveillance", "")]
    assert services.tasks_sync(today=AFTER_S1 + datetime.timedelta(days=2)).closed == []


@pytest.mark.parametrize(
    ("status", "resolution"),
    [(CertificateStatus.CANCELLED, R.CERTIFICATE_ENDED), (CertificateStatus.WITHDRAWN, R.WITHDRAWN)],
)
def test_tasks_sync_closes_the_tasks_of_an_ended_certificate(world, certificate, status, resolution):
    task = task_on(certificate)
    Certificate.objects.filter(pk=certificate.pk).update(status=status)
    assert services.tasks_sync(today=AFTER_S1).closed == [task]
    assert closed(task).resolution == resolution


def test_tasks_sync_closes_a_rule_14_task_once_the_suspension_is_lifted(world, qms):
    certificate = suspended(world, qms)
    task = services.tasks_sync(today=SUSPENSION_ENDS + datetime.timedelta(days=1)).opened[0]
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.ACTIVE, suspension_ends_on=None
    )
    sync = services.tasks_sync(today=SUSPENSION_ENDS + datetime.timedelta(days=2))
    assert sync.closed == [task]
    assert closed(task).resolution == R.REINSTATED


def test_tasks_sync_keeps_the_tasks_whose_cause_holds(world, qms):
    active = make_certificate(world, qms, number="CB-2026-00001")
    rule_10 = task_on(active)
    rule_14 = task_on(suspended(world, qms), K.SUSPENSION_EXPIRED, SUSPENSION_ENDS)
    assert services.tasks_sync(today=AFTER_S1).closed == []
    assert set(Task.objects.filter(status=TaskStatus.OPEN)) == {rule_10, rule_14}


# --- the actions that resolve a task close it ---------------------------------------------------------


def test_suspending_closes_the_rule_10_task(world, certificate):
    task = task_on(certificate)
    certificate_services.certificate_suspend(
        actor=world.cert_manager,
        certificate=certificate,
        suspension=certificate_services.Suspension(reason="audits_refused"),
    )
    task = closed(task)
    assert (task.resolution, task.closed_by) == (R.SUSPENDED, world.cert_manager)
    assert flags_of(certificate) == [("overdue_surveillance", "")]
    # the new suspension's deadline has not passed: nothing more to open
    assert services.tasks_sync(today=timezone.localdate() + datetime.timedelta(days=1)).opened == []


def test_withdrawing_closes_every_open_task(world, qms):
    certificate = suspended(world, qms)
    rule_14 = task_on(certificate, K.SUSPENSION_EXPIRED, SUSPENSION_ENDS)
    rule_10 = task_on(certificate)
    other = task_on(make_certificate(world, qms, number="CB-2026-00001"))
    certificate_services.certificate_withdraw(
        actor=world.cert_manager, certificate=certificate, reason="Not resolved in time."
    )
    assert {closed(rule_14).resolution, closed(rule_10).resolution} == {R.WITHDRAWN}
    other.refresh_from_db()
    assert other.status == TaskStatus.OPEN


def test_a_granted_scope_reduction_closes_the_rule_14_task(world, qms):
    certificate = suspended(world, qms)
    task = task_on(certificate, K.SUSPENSION_EXPIRED, SUSPENSION_ENDS)
    decider = cb_member(world, CBRole.CERTIFICATION_MANAGER, "Decider")
    factories.QualificationFactory(
        user=decider,
        certification_body=world.cb,
        standard=qms.standard,
        kind=QualificationKind.DECISION_MAKER,
        valid_from=datetime.date(2020, 1, 1),
        valid_until=datetime.date(2035, 12, 31),
    )
    decision_record(
        actor=decider,
        programme=certificate.revisions.get().decision.programme,
        edition=qms,
        content=DecisionContent(
            kind=DecisionKind.SCOPE_REDUCTION,
            outcome=DecisionOutcome.GRANT,
            decided_on=timezone.localdate(),
            rationale="The failing design activities are excluded.",
            scope="Delivery of digital public services",
            narrows_scope=True,
            scope_justification="Design activities are no longer carried out.",
        ),
    )
    task = closed(task)
    assert (task.resolution, task.closed_by) == (R.SCOPE_REDUCED, decider)


def test_reinstating_closes_the_rule_14_task(world, qms):
    certificate = suspended(world, qms)
    task = task_on(certificate, K.SUSPENSION_EXPIRED, SUSPENSION_ENDS)
    certificate_services.certificate_reinstate(
        actor=world.cert_manager, certificate=certificate, reason="Corrective actions verified."
    )
    assert closed(task).resolution == R.REINSTATED


def test_cancelling_closes_every_open_task(world, certificate):
    task = task_on(certificate)
    certificate_services.certificate_cancel(
        actor=world.cert_manager, certificate=certificate, reason="Contract ended."
    )
    assert closed(task).resolution == R.CERTIFICATE_ENDED


def test_expiry_closes_every_open_task_by_the_system(world, qms):
    certificate = suspended(world, qms)
    task = task_on(certificate, K.SUSPENSION_EXPIRED, SUSPENSION_ENDS)
    expiry_on = certificate.revisions.get().expiry_on
    certificate_services.certificate_expire(
        certificate=certificate, today=expiry_on + datetime.timedelta(days=1)
    )
    task = closed(task)
    assert (task.resolution, task.closed_by) == (R.CERTIFICATE_ENDED, None)


def test_task_close_refuses_a_closed_task(world, certificate):
    task = services.task_close(task=task_on(certificate), resolution=R.AUDIT_HELD)
    with pytest.raises(services.TaskError, match="closed on"):
        services.task_close(task=task, resolution=R.SUSPENDED)
    assert closed(task).resolution == R.AUDIT_HELD


# --- taking a task and deciding not to suspend -----------------------------------------------------


def test_a_certification_manager_takes_a_task(world, certificate):
    task = task_on(certificate)
    services.task_take(actor=world.cert_manager, task=task)
    task.refresh_from_db()
    assert task.owner == world.cert_manager
    taken = transitions_of(task).get()
    assert (taken.field, taken.from_state, taken.to_state, taken.actor) == (
        "owner",
        "",
        "Certification Manager",
        world.cert_manager,
    )
    services.task_take(actor=world.cert_manager, task=task)  # again: nothing new
    assert transitions_of(task).count() == 1


@pytest.mark.parametrize("persona", ["auditor", "other_cb_manager", "qm_a", "staff"])
def test_only_the_cbs_certification_managers_take_a_task(world, certificate, persona):
    task = task_on(certificate)
    with pytest.raises(NotAllowed):
        services.task_take(actor=getattr(world, persona), task=task)
    task.refresh_from_db()
    assert task.owner is None


def test_a_closed_task_is_not_taken(world, certificate):
    task = services.task_close(task=task_on(certificate), resolution=R.AUDIT_HELD)
    with pytest.raises(services.TaskError, match="nothing more is done"):
        services.task_take(actor=world.cert_manager, task=task)


def test_not_suspending_closes_the_task_with_its_reason(world, certificate):
    task = task_on(certificate)
    services.task_not_suspend(actor=world.cert_manager, task=task, reason="  Audit booked for 20 March.  ")
    task = closed(task)
    assert (task.resolution, task.resolution_note, task.closed_by) == (
        R.NOT_SUSPENDED,
        "Audit booked for 20 March.",
        world.cert_manager,
    )
    assert transitions_of(task).get().reason == "Decided not to suspend. Audit booked for 20 March."
    assert flags_of(certificate) == [("overdue_surveillance", "")]


@pytest.mark.parametrize(
    ("reason", "message"),
    [("   ", "Say why"), ("x" * 2001, "at most 2000"), ("bell\x07", "control")],
)
def test_not_suspending_needs_a_bounded_reason(world, certificate, reason, message):
    task = task_on(certificate)
    with pytest.raises(services.TaskError, match=message):
        services.task_not_suspend(actor=world.cert_manager, task=task, reason=reason)
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_not_suspending_is_refused_on_a_rule_14_task_or_a_closed_one(world, qms, certificate):
    rule_14 = task_on(suspended(world, qms), K.SUSPENSION_EXPIRED, SUSPENSION_ENDS)
    with pytest.raises(services.TaskError, match="rule 10"):
        services.task_not_suspend(actor=world.cert_manager, task=rule_14, reason="No.")
    done = services.task_close(task=task_on(certificate), resolution=R.AUDIT_HELD)
    with pytest.raises(services.TaskError, match="closed on"):
        services.task_not_suspend(actor=world.cert_manager, task=done, reason="No.")


def test_not_suspending_is_the_cbs_certification_managers(world, certificate):
    task = task_on(certificate)
    with pytest.raises(NotAllowed):
        services.task_not_suspend(actor=world.auditor, task=task, reason="No.")


# --- the task's pages ---------------------------------------------------------------------------------


def test_the_task_page_shows_the_task_its_actions_and_its_history(client, world, certificate):
    task = services.tasks_sync(today=AFTER_S1).opened[0]
    client.force_login(world.cert_manager)
    html = client.get(task.get_absolute_url()).content.decode()
    assert certificate.number in html and "Certification Manager" in html  # its owner
    assert reverse("certificates:certificate_suspend", args=[certificate.pk]) in html
    assert reverse("calendar:task_not_suspend", args=[task.pk]) in html
    assert 'id="task-history"' in html and "rule 10" in html
    client.force_login(world.auditor)  # reads it, acts on nothing
    html = client.get(task.get_absolute_url()).content.decode()
    assert "Certification Manager" in html
    assert reverse("calendar:task_not_suspend", args=[task.pk]) not in html
    assert reverse("calendar:task_take", args=[task.pk]) not in html


def test_the_rule_14_task_page_links_withdrawal_reduction_and_reinstatement(client, world, qms):
    certificate = suspended(world, qms)
    task = task_on(certificate, K.SUSPENSION_EXPIRED, SUSPENSION_ENDS)
    client.force_login(world.cert_manager)
    html = client.get(task.get_absolute_url()).content.decode()
    programme = certificate.revisions.get().decision.programme
    assert reverse("certificates:certificate_withdraw", args=[certificate.pk]) in html
    decide = reverse("certificates:decision_add", args=[programme.pk])
    assert f"{decide}?kind=scope_reduction&amp;edition={qms.pk}" in html
    assert reverse("certificates:certificate_reinstate", args=[certificate.pk]) in html
    assert reverse("calendar:task_not_suspend", args=[task.pk]) not in html


@pytest.mark.parametrize(
    ("persona", "status"), [("cert_manager", 302), ("auditor", 403), ("other_cb_manager", 404)]
)
def test_taking_a_task_from_its_page(client, world, certificate, persona, status):
    task = task_on(certificate)
    client.force_login(getattr(world, persona))
    response = client.post(reverse("calendar:task_take", args=[task.pk]))
    assert response.status_code == status
    task.refresh_from_db()
    assert task.owner == (world.cert_manager if status == 302 else None)


def test_the_certification_manager_of_another_cb_gets_404_on_the_task(client, world, certificate):
    task = task_on(certificate)
    client.force_login(world.other_cb_manager)
    for name in ("calendar:task_detail", "calendar:task_not_suspend"):
        assert client.get(reverse(name, args=[task.pk])).status_code == 404
    assert (
        client.post(reverse("calendar:task_not_suspend", args=[task.pk]), {"reason": "No."}).status_code
        == 404
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_not_suspending_on_its_page(client, world, certificate):
    task = task_on(certificate)
    url = reverse("calendar:task_not_suspend", args=[task.pk])
    client.force_login(world.cert_manager)
    assert client.get(url).status_code == 200
    for refused in ({}, {"reason": "x" * 2001}):
        response = client.post(url, refused)
        assert response.status_code == 200 and response.context["form"].errors
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    response = client.post(url, {"reason": "The client booked the audit for 20 March."})
    assert response.status_code == 302 and response.url == task.get_absolute_url()
    assert closed(task).resolution_note == "The client booked the audit for 20 March."
    response = client.post(url, {"reason": "Again."})  # closed: the service says so on the form
    assert "closed on" in response.content.decode()


# --- the queue -----------------------------------------------------------------------------------------


def nc_audit(world, certificate: Certificate) -> Audit:
    """A surveillance 2 audit with its report issued, led by the auditor, its NCs pending."""
    audit = surveillance(certificate, AuditStatus.NCS_PENDING, AuditKind.SURVEILLANCE_2)
    team_services.team_assign(actor=world.cert_manager, audit=audit, user=world.auditor, role="lead")
    return audit


def nc(world, audit: Audit, number: int, status: str, *, submitted_on=None, close_due_on=None) -> Finding:
    finding = Finding.objects.create(
        audit=audit,
        number=number,
        type=FindingType.MAJOR_NC,
        status=status,
        site=world.site_a,
        source=RequirementSource.CLIENT_DOCUMENT,
        requirement_reference="Procedure P-7",
        statement="No record of the review.",
        evidence="File P-7",
        raised_by=world.auditor,
        close_due_on=close_due_on,
    )
    submitted_at = timezone.make_aware(
        datetime.datetime.combine(submitted_on or timezone.localdate(), datetime.time(10))
    )
    FindingResponse.objects.create(
        finding=finding,
        kind="plan" if status == FindingStatus.RESPONSE_SUBMITTED else "implementation",
        root_cause="C",
        correction="C",
        corrective_action="C",
        implementation="" if status == FindingStatus.RESPONSE_SUBMITTED else "Done",
        submitted_by=world.qm_a,
        submitted_at=submitted_at,
    )
    findings_changed(findings=[finding])  # as the response services do
    return finding


def rows(response) -> list[tuple[str, str]]:
    return [(row.kind, row.subject) for row in response.context["page_obj"].object_list]


def test_the_queue_lists_the_open_tasks_with_their_actions(client, world, qms):
    active = make_certificate(world, qms, number="CB-2026-00001")
    task = task_on(active, owner=world.cert_manager)
    rule_14 = task_on(suspended(world, qms, "CB-2026-00002"), K.SUSPENSION_EXPIRED, SUSPENSION_ENDS)
    done = services.task_close(
        task=task_on(make_certificate(world, qms, number="CB-2026-00003")), resolution=R.AUDIT_HELD
    )
    client.force_login(world.cert_manager)
    response = client.get(QUEUE)
    html = response.content.decode()
    assert rows(response) == [
        (K.SUSPENSION_EXPIRED, "CB-2026-00002"),
        (K.OVERDUE_SURVEILLANCE, "CB-2026-00001"),
    ]
    today = timezone.localdate()
    assert [row.overdue for row in response.context["page_obj"].object_list] == [True, today > S1_DUE]
    assert reverse("certificates:certificate_suspend", args=[active.pk]) in html
    assert reverse("certificates:certificate_withdraw", args=[rule_14.certificate_id]) in html
    assert 'class="table-danger"' in html and "Certification Manager" in html
    assert response.context["queue"].closed == [done]
    assert 'id="closed-tasks"' in html and "Surveillance audit held" in html
    assert task.get_absolute_url() in html


def test_the_queue_shows_no_actions_to_an_auditor_and_no_nonconformities_not_theirs(
    client, world, certificate
):
    task_on(certificate)
    audit = surveillance(certificate, AuditStatus.NCS_PENDING, AuditKind.SURVEILLANCE_2)
    nc(world, audit, 1, FindingStatus.RESPONSE_SUBMITTED)
    client.force_login(world.other_auditor)
    response = client.get(QUEUE)
    assert rows(response) == [(K.OVERDUE_SURVEILLANCE, certificate.number)]
    assert response.context["page_obj"].object_list[0].actions == ()
    assert reverse("certificates:certificate_suspend", args=[certificate.pk]) not in response.content.decode()


def test_a_reviewer_sees_the_nonconformities_waiting_for_review(client, world, certificate):
    reviewer = cb_member(world, CBRole.REVIEWER, "Reviewer")
    audit = nc_audit(world, certificate)
    plan = nc(world, audit, 1, FindingStatus.RESPONSE_SUBMITTED, submitted_on=datetime.date(2026, 11, 2))
    closure = nc(
        world,
        audit,
        2,
        FindingStatus.IMPLEMENTED,
        submitted_on=datetime.date(2026, 11, 2),
        close_due_on=datetime.date(2026, 11, 10),
    )
    nc(world, audit, 3, FindingStatus.OPEN)  # the client's turn
    client.force_login(reviewer)
    response = client.get(QUEUE)
    found = {row.kind: row for row in response.context["page_obj"].object_list}
    assert set(found) == {queue_selectors.NC_PLAN, queue_selectors.NC_CLOSURE}
    assert found["nc_plan"].due_on == datetime.date(2026, 11, 16)  # submitted + 14 days
    assert found["nc_closure"].due_on == datetime.date(2026, 11, 10)  # its closure deadline comes first
    assert found["nc_plan"].owner == "Auditor"  # the audit's lead auditor
    html = response.content.decode()
    assert reverse("audits:finding_detail", args=[plan.pk]) in html
    assert reverse("audits:finding_detail", args=[closure.pk]) in html
    assert "14 days after the client submitted" in html


@pytest.mark.parametrize("persona", ["qm_a", "viewer_a", "staff", "nobody"])
def test_the_queue_is_the_cb_staffs(client, world, certificate, persona):
    task_on(certificate)
    client.force_login(getattr(world, persona))
    response = client.get(QUEUE)
    assert response.status_code == 403
    assert certificate.number not in response.content.decode()


def test_the_queue_of_another_cb_shows_none_of_this_cbs_tasks(client, world, certificate):
    task_on(certificate)
    client.force_login(world.other_cb_manager)
    assert rows(client.get(QUEUE)) == []


def test_the_queue_filters_mine_and_kind(client, world, qms):
    reviewer_and_manager = world.cert_manager
    mine = task_on(make_certificate(world, qms, number="CB-2026-00001"), owner=reviewer_and_manager)
    task_on(make_certificate(world, qms, number="CB-2026-00002"))
    rule_14 = task_on(suspended(world, qms, "CB-2026-00003"), K.SUSPENSION_EXPIRED, SUSPENSION_ENDS)
    audit = nc_audit(world, mine.certificate)
    nc(world, audit, 1, FindingStatus.RESPONSE_SUBMITTED)
    client.force_login(world.cert_manager)
    assert len(rows(client.get(QUEUE))) == 4
    assert rows(client.get(QUEUE, {"mine": "on"})) == [(K.OVERDUE_SURVEILLANCE, "CB-2026-00001")]
    assert rows(client.get(QUEUE, {"kind": K.SUSPENSION_EXPIRED})) == [
        (K.SUSPENSION_EXPIRED, rule_14.certificate.number)
    ]
    assert [kind for kind, _subject in rows(client.get(QUEUE, {"kind": "nc_plan"}))] == ["nc_plan"]
    response = client.get(QUEUE, {"kind": "everything-else"})
    assert len(rows(response)) == 4 and "There is no such kind of task" in response.content.decode()
    client.force_login(world.auditor)  # the lead auditor: the nonconformity is theirs
    assert [kind for kind, _subject in rows(client.get(QUEUE, {"mine": "on"}))] == ["nc_plan"]


def test_the_queue_runs_a_fixed_number_of_queries(client, world, qms, django_assert_num_queries):
    first = make_certificate(world, qms, number="CB-2026-00001")
    task_on(first, owner=world.cert_manager)
    audit = nc_audit(world, first)
    nc(world, audit, 1, FindingStatus.RESPONSE_SUBMITTED)
    services.task_close(
        task=task_on(first, due_on=S1_DUE - datetime.timedelta(days=1)), resolution=R.AUDIT_HELD
    )
    client.force_login(world.cert_manager)
    client.get(QUEUE)  # warm the session and the content types
    with CaptureQueriesContext(connection) as one:
        assert len(rows(client.get(QUEUE))) == 2
    for n in range(2, 5):
        certificate = make_certificate(world, qms, number=f"CB-2026-0000{n}")
        task_on(certificate, owner=world.auditor)
        task_on(suspended(world, qms, f"CB-2026-0001{n}"), K.SUSPENSION_EXPIRED, SUSPENSION_ENDS)
        nc(world, audit, n, FindingStatus.IMPLEMENTED)
        services.task_close(
            task=task_on(certificate, due_on=S1_DUE - datetime.timedelta(days=1)), resolution=R.AUDIT_HELD
        )
    with django_assert_num_queries(len(one)):
        response = client.get(QUEUE)
    assert len(rows(response)) == 11 and len(response.context["queue"].closed) == 4


# --- the certificate's page -------------------------------------------------------------------------


def test_the_certificate_page_shows_its_flag_and_open_tasks_to_the_cb(client, world, certificate):
    task = services.tasks_sync(today=AFTER_S1).opened[0]
    client.force_login(world.cert_manager)
    html = client.get(certificate.get_absolute_url()).content.decode()
    assert 'id="overdue-surveillance-flag"' in html and task.get_absolute_url() in html
    history = html[html.index('id="certificate-history"') :]
    assert "Flagged: first surveillance overdue by the system on " in history
    client.force_login(world.qm_a)  # the client sees its certificate, not the CB's queue
    html = client.get(certificate.get_absolute_url()).content.decode()
    assert 'id="certificate-tasks"' not in html and task.get_absolute_url() not in html
    services.task_not_suspend(actor=world.cert_manager, task=task, reason="Audit booked.")
    client.force_login(world.cert_manager)
    html = client.get(certificate.get_absolute_url()).content.decode()
    assert 'id="overdue-surveillance-flag"' not in html and 'id="certificate-tasks"' not in html


def test_the_queue_is_paginated_50_a_page_with_its_filters_kept(client, world, qms):
    for n in range(1, 53):
        task_on(make_certificate(world, qms, number=f"CB-2026-{n:05d}"))
    client.force_login(world.cert_manager)

    first = client.get(QUEUE, {"kind": K.OVERDUE_SURVEILLANCE})
    second = client.get(QUEUE, {"kind": K.OVERDUE_SURVEILLANCE, "page": "2"})

    assert len(first.context["page_obj"]) == 50 and len(second.context["page_obj"]) == 2
    html = first.content.decode()
    assert ">52</span>" in html and f'href="?kind={K.OVERDUE_SURVEILLANCE}&amp;page=2"' in html
    assert client.get(QUEUE, {"page": "x"}).context["page_obj"].number == 1  # not a number: the first


def test_the_queue_merges_tasks_and_nonconformities_by_due_day_across_its_pages(client, world, qms):
    """The three sources are merged, sorted and cut in SQL: each page holds the next rows by due
    day, whichever source they come from, and no row is on two pages or on none."""
    audit = nc_audit(world, make_certificate(world, qms, number="CB-2026-00001"))
    first_day = datetime.date(2026, 9, 1)
    for n in range(1, 56):  # reviews due 14 days after their answers, one a day from 15 September
        nc(
            world,
            audit,
            n,
            FindingStatus.RESPONSE_SUBMITTED,
            submitted_on=first_day + datetime.timedelta(days=n),
        )
    late = task_on(make_certificate(world, qms, number="CB-2026-00002"), due_on=datetime.date(2026, 11, 20))
    early = task_on(make_certificate(world, qms, number="CB-2026-00003"), due_on=datetime.date(2026, 9, 1))
    client.force_login(world.cert_manager)

    pages = [client.get(QUEUE, {"page": str(n)}).context["page_obj"] for n in (1, 2)]

    first, second = (list(page.object_list) for page in pages)
    assert pages[0].paginator.count == 57 and len(first) == 50 and len(second) == 7
    merged = first + second
    assert [row.due_on for row in merged] == sorted(row.due_on for row in merged)
    assert merged[0].subject == early.certificate.number  # a task due before every review
    assert second[-1].subject == late.certificate.number  # and one due after them all, on page 2
    assert merged[1].due_on == datetime.date(2026, 9, 16)  # the first answer, 2 September, + 14 days
    subjects = [row.subject for row in merged]
    assert len(set(subjects)) == 57
