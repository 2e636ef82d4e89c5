"""The audit's lifecycle, its plan and its report through the services (rules 1, 2, 36)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from audits.enums import AuditKind, AuditStatus, FindingStatus, FindingType, Stage1Outcome, TeamRole
from audits.models import Audit, AuditReport, Finding, PlanSession
from audits.selectors.fieldwork import areas_of_concern_for, panel
from audits.services import audits as audit_services
from audits.services import fieldwork as services
from audits.services import teams as team_services
from audits.services.fieldwork import FieldworkError, ReportContent
from core.errors import NotAllowed
from core.models import Transition
from tests import factories
from tests.audits.test_programme_services import STAGE1, open_programme

S = AuditStatus
NOON, ONE = datetime.time(12), datetime.time(13)
EVERY_STATUS = list(S)
EARLY = "Agreed with the client to start sooner."  # the audits here are planned after today


# --- arrangement


@pytest.fixture
def programme(world, qms):
    return open_programme(world, [qms])


def led(world, audit: Audit) -> Audit:
    """The auditor leads, the other auditor is on the team."""
    team_services.team_assign(actor=world.cert_manager, audit=audit, user=world.auditor, role=TeamRole.LEAD)
    team_services.team_assign(
        actor=world.cert_manager, audit=audit, user=world.other_auditor, role=TeamRole.AUDITOR
    )
    return audit


@pytest.fixture
def stage1(world, programme):
    return led(world, programme.audits.get(kind=AuditKind.STAGE1))


@pytest.fixture
def stage2(world, programme):
    return led(world, programme.audits.get(kind=AuditKind.STAGE2))


def at(audit: Audit, status: str) -> Audit:
    Audit.objects.filter(pk=audit.pk).update(status=status)
    audit.refresh_from_db()
    return audit


def planned(world, audit: Audit) -> Audit:
    """The plan written with one session, the team confirmed."""
    services.plan_save(
        actor=world.auditor,
        audit=audit,
        objectives="Judge readiness for stage 2",
        language="English",
        confidentiality="",
        arrangements="Opening meeting at 9:00",
    )
    session(world, audit)
    return at(audit, S.TEAM_ASSIGNED)


def session(world, audit: Audit, **changes) -> PlanSession:
    values = {
        "day": audit.starts_on,
        "starts_at": NOON,
        "ends_at": ONE,
        "site": world.site_a,
        "mode": "on_site",
        "activity": "Management review",
        "clauses": list(audit.clauses.all()[:1]),
        "auditors": [world.auditor],
    } | changes
    return services.plan_session_add(actor=world.auditor, audit=audit, **values)


def reported(world, audit: Audit, outcome: str = Stage1Outcome.READY, status: str = S.CLOSED) -> Audit:
    AuditReport.objects.create(
        audit=audit,
        stage1_outcome=outcome,
        summary="Done",
        updated_by=world.auditor,
        issued_at=timezone.now(),
        issued_by=world.auditor,
    )
    return at(audit, status)


def finding(world, audit: Audit, type_: str, status: str, number: int = 1) -> Finding:
    clause = audit.clauses.first()
    return Finding.objects.create(
        audit=audit,
        number=number,
        type=type_,
        status=status,
        clause=clause if type_ in (FindingType.MAJOR_NC, FindingType.MINOR_NC) else None,
        site=world.site_a,
        statement="Internal audits skip the warehouse",
        evidence="Audit programme 2027, rev. 2",
        raised_by=world.auditor,
    )


def report_values(**changes) -> ReportContent:
    return ReportContent(**{"summary": "The system is effective.", "recommendation": "certify"} | changes)


def statuses(audit: Audit) -> list[tuple[str, str, str, str]]:
    return list(
        Transition.objects.filter(object_id=audit.pk, content_type__model="audit", field="status")
        .order_by("pk")
        .values_list("from_state", "to_state", "actor__full_name", "reason")
    )


# --- the whole way, and the record it leaves (rule 36)


def test_a_stage_1_runs_from_its_plan_to_a_closed_report_and_every_step_is_recorded(world, stage1):
    planned(world, stage1)
    plan = services.plan_send(actor=world.auditor, audit=stage1)
    assert plan.sent_by == world.auditor and plan.sent_at is not None
    services.plan_acknowledge(actor=world.qm_a, audit=stage1)
    services.audit_start(actor=world.auditor, audit=stage1, early_start_reason=EARLY)
    services.audit_fieldwork_done(actor=world.auditor, audit=stage1)
    services.report_save(
        actor=world.auditor,
        audit=stage1,
        values=ReportContent(stage1_outcome=Stage1Outcome.READY, summary="Ready", objectives_met=True),
    )
    report = services.report_issue(actor=world.auditor, audit=stage1)
    stage1.refresh_from_db()
    assert stage1.status == S.CLOSED and stage1.is_reported
    assert report.issued_by == world.auditor and report.objectives_met is True
    tail = statuses(stage1)[-5:]
    assert tail == [
        (S.TEAM_ASSIGNED, S.PLAN_SENT, "Auditor", ""),
        (S.PLAN_SENT, S.IN_PROGRESS, "Auditor", EARLY),  # started before its day, with the reason
        (S.IN_PROGRESS, S.FIELDWORK_DONE, "Auditor", ""),
        (S.FIELDWORK_DONE, S.REPORT_ISSUED, "Auditor", ""),
        (S.REPORT_ISSUED, S.CLOSED, "Auditor", "No nonconformity to settle."),
    ]
    acknowledged = Transition.objects.get(object_id=stage1.pk, field="plan")
    assert (acknowledged.from_state, acknowledged.to_state, acknowledged.actor) == (
        "sent",
        "acknowledged",
        world.qm_a,
    )


def test_repeating_a_step_into_the_state_held_is_a_no_op(world, stage1):
    planned(world, stage1)
    services.plan_send(actor=world.auditor, audit=stage1)
    services.plan_send(actor=world.auditor, audit=stage1)
    services.plan_acknowledge(actor=world.qm_a, audit=stage1)
    services.plan_acknowledge(actor=world.qm_a, audit=stage1)
    services.audit_start(actor=world.auditor, audit=stage1, early_start_reason=EARLY)
    services.audit_start(actor=world.auditor, audit=stage1, early_start_reason=EARLY)
    assert [to for _from, to, _by, _why in statuses(stage1)].count(S.IN_PROGRESS) == 1
    assert Transition.objects.filter(object_id=stage1.pk, field="plan").count() == 1


def test_plan_send_mails_the_client_quality_managers_after_commit(
    world, stage1, django_capture_on_commit_callbacks
):
    planned(world, stage1)
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_send(actor=world.auditor, audit=stage1)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.qm_a.email]
    assert message.subject == "Stage 1 audit of Organisation A: the audit plan"
    assert "Judge readiness for stage 2" in message.body
    assert "1 Mar 2027 12:00–13:00 Management review (On site, A headquarters)" in message.body
    assert f"/audits/{stage1.pk}/audit-plan/" in message.body


def test_a_refused_send_mails_nobody(world, stage1, django_capture_on_commit_callbacks):
    services.plan_save(
        actor=world.auditor,
        audit=stage1,
        objectives="Readiness",
        language="English",
        confidentiality="",
        arrangements="",
    )
    at(stage1, S.TEAM_ASSIGNED)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(FieldworkError, match="at least one session"),
    ):
        services.plan_send(actor=world.auditor, audit=stage1)
    assert mail.outbox == []
    stage1.refresh_from_db()
    assert stage1.status == S.TEAM_ASSIGNED


# --- rule 1 and rule 2


def start_stage2(world, stage2, justification=""):
    at(stage2, S.PLAN_SENT)
    return services.audit_start(
        actor=world.auditor, audit=stage2, stage_gap_justification=justification, early_start_reason=EARLY
    )


def test_rule_1_stage_2_waits_for_the_stage_1_report(world, stage1, stage2):
    at(stage1, S.FIELDWORK_DONE)
    with pytest.raises(
        FieldworkError, match="Rule 1: stage 2 cannot start before the stage 1 report is issued"
    ):
        start_stage2(world, stage2)
    stage2.refresh_from_db()
    assert stage2.status == S.PLAN_SENT


def test_rule_1_stage_2_is_blocked_while_stage_1_found_the_client_not_ready(world, stage1, stage2):
    reported(world, stage1, Stage1Outcome.NOT_READY)
    with pytest.raises(FieldworkError, match="Rule 1: stage 1 concluded that the client is not ready"):
        start_stage2(world, stage2)


def test_rule_1_stage_2_starts_after_a_ready_stage_1(world, stage1, stage2):
    reported(world, stage1, Stage1Outcome.READY, status=S.NCS_PENDING)
    assert start_stage2(world, stage2).status == S.IN_PROGRESS


def test_rule_1_a_repeated_stage_1_that_finds_the_client_ready_unblocks_stage_2(
    world, programme, stage1, stage2
):
    reported(world, stage1, Stage1Outcome.NOT_READY)
    repeat = services.audit_add(
        actor=world.cert_manager,
        programme=programme,
        kind=AuditKind.STAGE1,
        starts_on=stage1.starts_on + datetime.timedelta(days=7),
        ends_on=stage1.starts_on + datetime.timedelta(days=7),
        planned_days=Decimal(1),
        on_site_days=Decimal(1),
        purpose="Internal audit had not been done: look again once it is.",
        repeat_of=stage1,
    )
    assert repeat.repeat_of == stage1 and set(repeat.clauses.all()) == set(stage1.clauses.all())
    with pytest.raises(FieldworkError, match="not ready"):
        start_stage2(world, stage2)
    reported(world, repeat, Stage1Outcome.READY)
    at(stage2, S.PLAN_SENT)
    assert (
        services.audit_start(actor=world.auditor, audit=stage2, early_start_reason=EARLY).status
        == S.IN_PROGRESS
    )


def test_a_cancelled_stage_1_does_not_count(world, programme, stage1, stage2):
    reported(world, stage1, Stage1Outcome.READY, status=S.CANCELLED)
    with pytest.raises(FieldworkError, match="Rule 1"):
        start_stage2(world, stage2)


def gap_of(stage1, stage2, days):
    Audit.objects.filter(pk=stage2.pk).update(
        starts_on=stage1.ends_on + datetime.timedelta(days=days),
        ends_on=stage1.ends_on + datetime.timedelta(days=days),
    )
    stage2.refresh_from_db()


def test_rule_2_beyond_the_maximum_gap_stage_2_needs_a_justification_which_is_stored(world, stage1, stage2):
    reported(world, stage1)
    gap_of(stage1, stage2, 184)
    with pytest.raises(
        FieldworkError, match="Rule 2: stage 2 starts 184 days after stage 1, more than the 183"
    ):
        start_stage2(world, stage2)
    stage2.refresh_from_db()
    assert stage2.status == S.PLAN_SENT and stage2.stage_gap_justification == ""
    audit = start_stage2(world, stage2, "No change since stage 1; confirmed on site visit.")
    assert audit.status == S.IN_PROGRESS
    stage2.refresh_from_db()
    assert stage2.stage_gap_justification == "No change since stage 1; confirmed on site visit."
    assert statuses(stage2)[-1][3] == f"No change since stage 1; confirmed on site visit. {EARLY}"


def test_rule_2_the_cb_minimum_gap_needs_a_justification_too(world, stage1, stage2):
    world.cb.stage2_min_gap_days = 14
    world.cb.save(update_fields=["stage2_min_gap_days"])
    reported(world, stage1)
    gap_of(stage1, stage2, 13)
    with pytest.raises(FieldworkError, match="at least 14"):
        start_stage2(world, stage2)
    gap_of(stage1, stage2, 14)
    assert start_stage2(world, stage2).status == S.IN_PROGRESS


# --- every refused step, through the services


def _call(world, name, audit):
    lead = world.auditor
    return {
        "send": lambda: services.plan_send(actor=lead, audit=audit),
        "start": lambda: services.audit_start(actor=lead, audit=audit, early_start_reason=EARLY),
        "done": lambda: services.audit_fieldwork_done(actor=lead, audit=audit),
        "reopen": lambda: services.audit_fieldwork_reopen(actor=lead, audit=audit, reason="One more site"),
        "issue": lambda: services.report_issue(actor=lead, audit=audit),
        "cancel": lambda: services.audit_cancel(
            actor=world.cert_manager, audit=audit, reason="Client withdrew"
        ),
    }[name]()


# step -> (the statuses it starts from, the status it leads to; there it is a no-op)
STEPS = {
    "send": ({S.TEAM_ASSIGNED}, S.PLAN_SENT),
    "start": ({S.PLAN_SENT}, S.IN_PROGRESS),
    "done": ({S.IN_PROGRESS}, S.FIELDWORK_DONE),
    "reopen": ({S.FIELDWORK_DONE}, S.IN_PROGRESS),
    "issue": ({S.FIELDWORK_DONE}, S.CLOSED),
    "cancel": ({S.PLANNED, S.TEAM_ASSIGNED, S.PLAN_SENT}, S.CANCELLED),
}
REFUSED = [
    (step, status)
    for step, (sources, target) in STEPS.items()
    for status in EVERY_STATUS
    if status not in sources and status != target
]


@pytest.mark.parametrize(("step", "status"), REFUSED)
def test_every_refused_step_says_why_and_changes_nothing(world, stage1, step, status):
    planned(world, stage1)
    AuditReport.objects.create(audit=stage1, stage1_outcome="ready", summary="Fine", updated_by=world.auditor)
    at(stage1, status)
    before = Transition.objects.count()
    with pytest.raises(FieldworkError) as refused:
        _call(world, step, stage1)
    assert str(refused.value)
    stage1.refresh_from_db()
    assert stage1.status == status and Transition.objects.count() == before


@pytest.mark.parametrize(
    ("step", "status"), [(step, status) for step, (sources, _t) in STEPS.items() for status in sources]
)
def test_every_allowed_step_moves_the_audit(world, stage1, step, status):
    planned(world, stage1)
    AuditReport.objects.create(audit=stage1, stage1_outcome="ready", summary="Fine", updated_by=world.auditor)
    at(stage1, status)
    _call(world, step, stage1)
    stage1.refresh_from_db()
    assert stage1.status == STEPS[step][1]


def test_a_started_audit_is_refused_with_the_state_machine_message(world, stage1):
    at(stage1, S.REPORT_ISSUED)
    with pytest.raises(
        FieldworkError, match=re.escape("An audit that is “Report issued” cannot become “In progress”.")
    ):
        services.audit_fieldwork_reopen(actor=world.auditor, audit=stage1, reason="More evidence")


def test_cancelling_needs_a_reason_and_records_it(world, stage1):
    with pytest.raises(FieldworkError, match="Say why the audit is cancelled"):
        services.audit_cancel(actor=world.cert_manager, audit=stage1, reason=" ")
    services.audit_cancel(
        actor=world.cert_manager, audit=stage1, reason="The client withdrew its application."
    )
    assert statuses(stage1)[-1] == (
        S.PLANNED,
        S.CANCELLED,
        "Certification Manager",
        "The client withdrew its application.",
    )


def test_reopening_the_fieldwork_needs_a_reason_and_records_it(world, stage1):
    at(stage1, S.FIELDWORK_DONE)
    with pytest.raises(FieldworkError, match="Say why the fieldwork is reopened"):
        services.audit_fieldwork_reopen(actor=world.auditor, audit=stage1, reason="")
    services.audit_fieldwork_reopen(
        actor=world.auditor, audit=stage1, reason="The warehouse visit was missed."
    )
    assert statuses(stage1)[-1] == (
        S.FIELDWORK_DONE,
        S.IN_PROGRESS,
        "Auditor",
        "The warehouse visit was missed.",
    )


# --- who may do what


def _as(world, actor, name, audit):
    return {
        "plan_save": lambda: services.plan_save(
            actor=actor, audit=audit, objectives="O", language="English", confidentiality="", arrangements=""
        ),
        "start": lambda: services.audit_start(
            actor=actor, audit=at(audit, S.PLAN_SENT), early_start_reason=EARLY
        ),
        "done": lambda: services.audit_fieldwork_done(actor=actor, audit=at(audit, S.IN_PROGRESS)),
        "report_save": lambda: services.report_save(
            actor=actor, audit=at(audit, S.IN_PROGRESS), values=ReportContent(summary="S")
        ),
        "cancel": lambda: services.audit_cancel(actor=actor, audit=at(audit, S.PLANNED), reason="R"),
        "acknowledge": lambda: services.plan_acknowledge(actor=actor, audit=audit),
        "add": lambda: services.audit_add(
            actor=actor,
            programme=audit.programme,
            kind=AuditKind.SPECIAL_SCOPE_EXTENSION,
            starts_on=STAGE1 + datetime.timedelta(days=90),
            ends_on=STAGE1 + datetime.timedelta(days=90),
            planned_days=Decimal(1),
            on_site_days=Decimal(1),
            purpose="A new site",
        ),
    }[name]()


ACTORS = ["auditor", "other_auditor", "cert_manager", "qm_a", "contributor_a", "other_cb_manager", "staff"]
ALLOWED = {
    "plan_save": {"auditor"},
    "start": {"auditor"},
    "done": {"auditor"},
    "report_save": {"auditor"},
    "cancel": {"cert_manager"},
    "acknowledge": {"qm_a"},
    "add": {"cert_manager"},
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_permission_matrix(world, stage1, name, actor):
    if name == "acknowledge":
        planned(world, stage1)
        services.plan_send(actor=world.auditor, audit=stage1)
    if actor in ALLOWED[name]:
        _as(world, getattr(world, actor), name, stage1)
    else:
        with pytest.raises(NotAllowed):
            _as(world, getattr(world, actor), name, stage1)


# --- the plan: what a change does, and what a session may hold


def test_changing_a_sent_plan_means_sending_it_again(world, stage1):
    planned(world, stage1)
    services.plan_send(actor=world.auditor, audit=stage1)
    services.plan_acknowledge(actor=world.qm_a, audit=stage1)
    session(world, stage1, activity="Purchasing")
    stage1.refresh_from_db()
    plan = stage1.plan
    assert stage1.status == S.TEAM_ASSIGNED
    assert (plan.sent_at, plan.acknowledged_at, plan.acknowledged_by) == (None, None, None)
    assert statuses(stage1)[-1] == (
        S.PLAN_SENT,
        S.TEAM_ASSIGNED,
        "Auditor",
        "The audit plan changed: send it again.",
    )
    recalled = Transition.objects.filter(object_id=stage1.pk, field="plan").order_by("pk").last()
    assert (recalled.from_state, recalled.to_state) == ("acknowledged", "to send again")


def test_saving_the_same_plan_again_changes_nothing(world, stage1):
    planned(world, stage1)
    services.plan_send(actor=world.auditor, audit=stage1)
    plan = stage1.plan
    services.plan_save(
        actor=world.auditor,
        audit=stage1,
        objectives=plan.objectives,
        language=plan.language,
        confidentiality=plan.confidentiality,
        arrangements=plan.arrangements,
    )
    stage1.refresh_from_db()
    assert stage1.status == S.PLAN_SENT and stage1.plan.is_sent


def test_removing_a_session_keeps_it_and_the_plan_is_sent_again(world, stage1):
    planned(world, stage1)
    services.plan_send(actor=world.auditor, audit=stage1)
    removed = services.plan_session_remove(actor=world.auditor, session=stage1.plan.sessions.get())
    assert removed.removed_at is not None and PlanSession.objects.filter(pk=removed.pk).exists()
    stage1.refresh_from_db()
    assert stage1.status == S.TEAM_ASSIGNED
    with pytest.raises(FieldworkError, match="at least one session"):
        services.plan_send(actor=world.auditor, audit=stage1)


def test_the_plan_is_frozen_once_the_fieldwork_starts(world, stage1):
    planned(world, stage1)
    at(stage1, S.IN_PROGRESS)
    with pytest.raises(FieldworkError, match="record deviations from it in the report"):
        session(world, stage1)
    with pytest.raises(FieldworkError, match="the plan changes only before the fieldwork starts"):
        services.plan_save(
            actor=world.auditor,
            audit=stage1,
            objectives="New",
            language="English",
            confidentiality="",
            arrangements="",
        )


def test_a_session_needs_the_objectives_first(world, stage1):
    with pytest.raises(FieldworkError, match="Write the plan's objectives first"):
        session(world, stage1)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda w, a: {"day": a.ends_on + datetime.timedelta(days=1)}, "Choose a day of the audit"),
        (lambda w, a: {"site": w.site_b}, "Choose a site in the programme's scope"),
        (lambda w, a: {"auditors": [w.cert_manager]}, "Choose members of the audit team"),
        (lambda w, a: {"clauses": [factories.ClauseFactory()]}, "Choose clauses of the audited standards"),
        (lambda w, a: {"starts_at": ONE, "ends_at": NOON}, "A session ends after it starts"),
        (lambda w, a: {"activity": "x" * 201}, "at most 200 characters"),
    ],
)
def test_a_session_keeps_to_the_audit(world, stage1, change, message):
    services.plan_save(
        actor=world.auditor,
        audit=stage1,
        objectives="O",
        language="English",
        confidentiality="",
        arrangements="",
    )
    with pytest.raises(FieldworkError, match=message):
        session(world, stage1, **change(world, stage1))
    assert not PlanSession.objects.exists()


def test_the_plan_is_sent_only_with_a_confirmed_team(world, stage1):
    planned(world, stage1)
    at(stage1, S.PLANNED)
    with pytest.raises(FieldworkError, match="once the team is confirmed"):
        services.plan_send(actor=world.auditor, audit=stage1)


def test_acknowledging_an_unsent_plan_is_refused(world, stage1):
    planned(world, stage1)
    with pytest.raises(FieldworkError, match="not been sent"):
        services.plan_acknowledge(actor=world.qm_a, audit=stage1)


def test_a_team_change_after_the_plan_was_sent_sends_the_audit_back_to_planning(world, stage1):
    planned(world, stage1)
    services.plan_send(actor=world.auditor, audit=stage1)
    team_services.team_assign(
        actor=world.cert_manager,
        audit=stage1,
        user=factories.CBMembershipFactory(certification_body=world.cb).user,
        role=TeamRole.OBSERVER,
    )
    stage1.refresh_from_db()
    assert stage1.status == S.PLANNED and not stage1.plan.is_sent
    assert statuses(stage1)[-1][:2] == (S.PLAN_SENT, S.PLANNED)


def test_new_dates_after_the_plan_was_sent_send_the_audit_back_to_planning(world, stage1):
    planned(world, stage1)
    services.plan_send(actor=world.auditor, audit=stage1)
    audit_services.audit_plan(
        actor=world.cert_manager,
        audit=stage1,
        starts_on=stage1.starts_on + datetime.timedelta(days=1),
        ends_on=stage1.ends_on + datetime.timedelta(days=1),
        planned_days=stage1.planned_days,
        on_site_days=stage1.on_site_days,
        days_justification=stage1.days_justification,
        short_notice=False,
    )
    stage1.refresh_from_db()
    assert stage1.status == S.PLANNED and not stage1.plan.is_sent
    with pytest.raises(FieldworkError, match="Some sessions fall outside the audit's dates"):
        services.plan_send(actor=world.auditor, audit=at(stage1, S.TEAM_ASSIGNED))


@pytest.mark.parametrize("status", [S.IN_PROGRESS, S.FIELDWORK_DONE, S.CLOSED, S.CANCELLED])
def test_dates_and_time_do_not_change_once_the_audit_started(world, stage1, status):
    at(stage1, status)
    with pytest.raises(audit_services.ProgrammeError, match="change only before it starts"):
        audit_services.audit_plan(
            actor=world.cert_manager,
            audit=stage1,
            starts_on=stage1.starts_on + datetime.timedelta(days=1),
            ends_on=stage1.ends_on + datetime.timedelta(days=1),
            planned_days=stage1.planned_days,
            on_site_days=stage1.on_site_days,
            days_justification=stage1.days_justification,
            short_notice=False,
        )
    stage1.refresh_from_db()
    assert stage1.starts_on == STAGE1


# --- the report


def test_issuing_with_an_open_nonconformity_waits_for_it_then_settles(world, programme):
    audit = led(world, programme.audits.get(kind=AuditKind.STAGE2))
    at(audit, S.FIELDWORK_DONE)
    minor = finding(world, audit, FindingType.MINOR_NC, FindingStatus.OPEN)
    finding(world, audit, FindingType.OFI, FindingStatus.RECORDED, number=2)
    services.report_save(
        actor=world.auditor, audit=audit, values=report_values(recommendation="after_corrections")
    )
    services.report_issue(actor=world.auditor, audit=audit)
    audit.refresh_from_db()
    assert audit.status == S.NCS_PENDING
    assert statuses(audit)[-1] == (S.REPORT_ISSUED, S.NCS_PENDING, "Auditor", "1 nonconformities to settle.")
    services.audit_settle(actor=world.cert_manager, audit=audit)
    audit.refresh_from_db()
    assert audit.status == S.NCS_PENDING
    Finding.objects.filter(pk=minor.pk).update(status=FindingStatus.PLAN_ACCEPTED)
    services.audit_settle(actor=world.cert_manager, audit=audit)
    audit.refresh_from_db()
    assert audit.status == S.CLOSED
    assert statuses(audit)[-1] == (
        S.NCS_PENDING,
        S.CLOSED,
        "Certification Manager",
        "Every nonconformity is settled.",
    )


def test_a_major_is_settled_only_when_verified(world, programme):
    audit = led(world, programme.audits.get(kind=AuditKind.STAGE2))
    finding(world, audit, FindingType.MAJOR_NC, FindingStatus.PLAN_ACCEPTED)
    at(audit, S.NCS_PENDING)
    services.audit_settle(actor=None, audit=audit)
    audit.refresh_from_db()
    assert audit.status == S.NCS_PENDING


def test_issuing_without_nonconformities_closes_the_audit(world, stage1):
    at(stage1, S.FIELDWORK_DONE)
    finding(world, stage1, FindingType.AREA_OF_CONCERN, FindingStatus.RECORDED)
    services.report_save(
        actor=world.auditor, audit=stage1, values=ReportContent(stage1_outcome="ready", summary="Ready")
    )
    services.report_issue(actor=world.auditor, audit=stage1)
    stage1.refresh_from_db()
    assert stage1.status == S.CLOSED


@pytest.mark.parametrize(
    ("kind", "values", "message"),
    [
        (AuditKind.STAGE1, ReportContent(summary="S"), "Conclude whether the client is ready for stage 2"),
        (AuditKind.STAGE2, ReportContent(summary="S"), "Give the team's recommendation"),
        (AuditKind.STAGE2, ReportContent(recommendation="certify"), "Sum up the conformity"),
    ],
)
def test_the_report_is_issued_only_with_its_conclusions(world, programme, kind, values, message):
    audit = led(world, programme.audits.get(kind=kind))
    at(audit, S.FIELDWORK_DONE)
    services.report_save(actor=world.auditor, audit=audit, values=values)
    with pytest.raises(FieldworkError, match=message):
        services.report_issue(actor=world.auditor, audit=audit)
    audit.refresh_from_db()
    assert audit.status == S.FIELDWORK_DONE and not audit.report.is_issued


def test_an_unwritten_report_is_not_issued(world, stage1):
    at(stage1, S.FIELDWORK_DONE)
    with pytest.raises(FieldworkError, match="Write the report first"):
        services.report_issue(actor=world.auditor, audit=stage1)


def test_the_conclusion_matches_the_stage(world, stage1, stage2):
    at(stage1, S.IN_PROGRESS)
    at(stage2, S.IN_PROGRESS)
    with pytest.raises(FieldworkError, match="not with a recommendation"):
        services.report_save(actor=world.auditor, audit=stage1, values=report_values())
    with pytest.raises(FieldworkError, match="Only a stage 1 concludes on the readiness"):
        services.report_save(actor=world.auditor, audit=stage2, values=report_values(stage1_outcome="ready"))


@pytest.mark.parametrize("status", [S.PLANNED, S.PLAN_SENT, S.REPORT_ISSUED, S.NCS_PENDING, S.CLOSED])
def test_the_report_is_written_during_the_fieldwork_only(world, stage2, status):
    at(stage2, status)
    with pytest.raises(FieldworkError):
        services.report_save(actor=world.auditor, audit=stage2, values=report_values())
    assert not AuditReport.objects.filter(audit=stage2).exists()


def test_the_report_keeps_what_was_saved(world, stage2):
    at(stage2, S.IN_PROGRESS)
    services.report_save(actor=world.auditor, audit=stage2, values=report_values(marks_controlled=False))
    report = services.report_save(
        actor=world.auditor,
        audit=stage2,
        values=report_values(marks_controlled=False, unresolved_issues="None"),
    )
    assert (report.recommendation, report.marks_controlled, report.unresolved_issues) == (
        "certify",
        False,
        "None",
    )
    assert AuditReport.objects.filter(audit=stage2).count() == 1


# --- adding audits


def add(world, programme, kind, **changes):
    values = {
        "starts_on": STAGE1 + datetime.timedelta(days=100),
        "ends_on": STAGE1 + datetime.timedelta(days=100),
        "planned_days": Decimal(1),
        "on_site_days": Decimal(1),
        "purpose": "Complaint about a late delivery",
    } | changes
    return services.audit_add(actor=world.cert_manager, programme=programme, kind=kind, **values)


def test_a_short_notice_audit_is_short_notice(world, programme):
    audit = add(world, programme, AuditKind.SPECIAL_SHORT_NOTICE)
    assert audit.short_notice and audit.status == S.PLANNED and audit.clauses.exists()
    assert statuses(audit) == [("", S.PLANNED, "Certification Manager", "Complaint about a late delivery")]


def test_a_second_planned_audit_of_the_cycle_is_refused(world, programme):
    with pytest.raises(FieldworkError, match="already plans this audit; repeat it instead"):
        add(world, programme, AuditKind.SURVEILLANCE_1)
    with pytest.raises(FieldworkError, match="already plans this audit"):
        add(world, programme, AuditKind.STAGE2)


def test_repeating_a_stage_must_be_justified(world, programme, stage1):
    with pytest.raises(FieldworkError, match=r"EA FAQ 49\.2"):
        add(world, programme, AuditKind.STAGE1, repeat_of=stage1, purpose="")
    with pytest.raises(FieldworkError, match="Only a stage 1 or a stage 2"):
        add(world, programme, AuditKind.STAGE2, repeat_of=stage1)
    with pytest.raises(FieldworkError, match="Only a stage 1 or a stage 2"):
        add(
            world,
            programme,
            AuditKind.SURVEILLANCE_1,
            repeat_of=programme.audits.get(kind=AuditKind.SURVEILLANCE_1),
        )


def test_special_audits_say_why(world, programme):
    with pytest.raises(FieldworkError, match="Say why this audit is needed"):
        add(world, programme, AuditKind.TRANSFER_REVIEW, purpose="  ")


def test_a_follow_up_verifies_an_audit_with_nonconformities(world, programme, stage2):
    with pytest.raises(FieldworkError, match="Choose the audit of this programme"):
        add(world, programme, AuditKind.FOLLOW_UP)
    with pytest.raises(FieldworkError, match="raised no nonconformity to verify"):
        add(world, programme, AuditKind.FOLLOW_UP, follows_up=stage2)
    major = finding(world, stage2, FindingType.MAJOR_NC, FindingStatus.OPEN)
    audit = add(world, programme, AuditKind.FOLLOW_UP, follows_up=stage2)
    assert audit.follows_up == stage2 and list(audit.clauses.all()) == [major.clause]
    with pytest.raises(FieldworkError, match="Only a follow-up audit"):
        add(world, programme, AuditKind.SPECIAL_SCOPE_EXTENSION, follows_up=stage2)


def test_an_added_audit_keeps_its_time_on_site(world, programme):
    with pytest.raises(FieldworkError, match="on site"):
        add(world, programme, AuditKind.TRANSITION, planned_days=Decimal(2), on_site_days=Decimal("0.5"))
    with pytest.raises(FieldworkError, match="cannot end before it starts"):
        add(world, programme, AuditKind.TRANSITION, ends_on=STAGE1)


# --- what stage 1 hands on, and the panel


def test_stage_1_areas_of_concern_carry_into_stage_2_latest_first(world, programme, stage1, stage2):
    first = finding(world, stage1, FindingType.AREA_OF_CONCERN, FindingStatus.RECORDED)
    finding(world, stage1, FindingType.OFI, FindingStatus.RECORDED, number=2)
    repeat = add(
        world,
        programme,
        AuditKind.STAGE1,
        repeat_of=stage1,
        starts_on=STAGE1 + datetime.timedelta(days=10),
        ends_on=STAGE1 + datetime.timedelta(days=10),
    )
    later = finding(world, repeat, FindingType.AREA_OF_CONCERN, FindingStatus.RECORDED)
    assert areas_of_concern_for(stage2) == [later, first]
    assert areas_of_concern_for(stage1) == []


def test_the_panel_offers_each_person_their_next_step(world, stage1, django_assert_max_num_queries):
    planned(world, stage1)
    services.plan_send(actor=world.auditor, audit=stage1)
    stage1.refresh_from_db()
    lead = panel(world.auditor, stage1)
    assert lead.can_start and not lead.can_send and not lead.can_acknowledge and lead.plan.is_sent
    client = panel(world.qm_a, stage1)
    assert client.can_acknowledge and not client.can_start
    manager = panel(world.cert_manager, stage1)
    assert manager.can_cancel and not manager.can_start and not manager.can_acknowledge
    with django_assert_max_num_queries(6):
        panel(world.qm_a, stage1)
