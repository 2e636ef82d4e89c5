"""The cycle's next steps kept as rows (certificates.services.steps): each service that takes a step
or changes what one depends on recalculates its organisation's rows in its transaction, so the rows
are always those the records call for (`assert_steps_kept`); the daily check corrects, and logs,
what changed outside the services. The derivation of each step is tested in test_queue_steps."""

import datetime
import logging

import pytest
from django.utils import timezone

from audits.enums import AuditKind, AuditStatus, FindingType
from audits.models import Audit
from audits.services import fieldwork as fieldwork_services
from audits.services import programmes as programme_services
from audits.services import responses as response_services
from audits.services import teams as team_services
from certificates.enums import CertificateStatus, StepKind, TaskKind
from certificates.models import CycleStep, Task
from certificates.services import certificates as certificate_services
from certificates.services.certificates import Suspension
from certificates.services.daily import daily_job_run
from certificates.services.steps import cycle_steps_check, cycle_steps_refresh
from certificates.services.tasks import tasks_sync
from tests.audits.test_programme_services import open_programme
from tests.audits.test_team_services import staffed
from tests.certificates.conftest import assert_steps_kept, make_certificate
from tests.certificates.test_decision_services import PLAN, content, decide, decider, finding, ready  # noqa: F401

pytestmark = pytest.mark.django_db

S = StepKind


def kept(organisation) -> dict[str, tuple[str, int | None]]:
    """key -> (kind, owner) of the organisation's kept steps."""
    rows = CycleStep.objects.filter(organisation=organisation).values_list("key", "kind", "owner_id")
    return {key: (kind, owner) for key, kind, owner in rows}


def test_planning_keeps_the_programmes_and_its_audits_steps(world, qms):
    programme = open_programme(world, [qms])
    assert kept(world.org_a) == {f"programme:{programme.pk}": (S.PROGRAMME_APPROVE, world.cert_manager.pk)}
    assert_steps_kept()

    stage1 = programme.audits.get(kind=AuditKind.STAGE1)
    staffed(world, stage1)
    team_services.team_confirm(actor=world.cert_manager, audit=stage1)
    assert_steps_kept()
    programme_services.programme_approve(actor=world.cert_manager, programme=programme)
    steps = kept(world.org_a)
    assert f"programme:{programme.pk}" not in steps  # approved: the step is taken
    assert steps[f"audit:{stage1.pk}"] == (S.TEAM_NOTIFY, None)  # the managers' step: no owner
    others = {kind for key, (kind, _owner) in steps.items() if key != f"audit:{stage1.pk}"}
    assert others == {S.TEAM_CONFIRM}  # stage 2, the surveillances and the recertification
    assert_steps_kept()

    team_services.team_notify(actor=world.cert_manager, audit=stage1)
    assert kept(world.org_a)[f"audit:{stage1.pk}"] == (S.PLAN_SEND, world.auditor.pk)  # the lead's
    assert_steps_kept()

    # the client objects to the lead: the team is to be confirmed again, by the managers
    lead = stage1.assignments.get(user=world.auditor)
    team_services.team_object(actor=world.qm_a, assignment=lead, reason="He audited us as a consultant.")
    assert kept(world.org_a)[f"audit:{stage1.pk}"] == (S.TEAM_CONFIRM, None)
    assert_steps_kept()


def test_fieldwork_and_the_report_keep_the_audits_steps(world, qms):
    programme = open_programme(world, [qms])
    stage1 = programme.audits.get(kind=AuditKind.STAGE1)
    staffed(world, stage1)
    Audit.objects.filter(pk=stage1.pk).update(status=AuditStatus.PLAN_SENT)
    programme_services.programme_approve(actor=world.cert_manager, programme=programme)
    assert f"audit:{stage1.pk}" not in kept(world.org_a)  # the plan is sent: nothing until fieldwork

    stage1.refresh_from_db()
    fieldwork_services.audit_start(
        actor=world.auditor, audit=stage1, early_start_reason="Agreed with the client to start sooner."
    )
    assert kept(world.org_a)[f"audit:{stage1.pk}"] == (S.REPORT_ISSUE, world.auditor.pk)
    row = CycleStep.objects.get(key=f"audit:{stage1.pk}")
    assert row.listed_from == stage1.ends_on + datetime.timedelta(days=1)  # once its last day is over
    fieldwork_services.audit_fieldwork_done(actor=world.auditor, audit=stage1)
    assert CycleStep.objects.get(key=f"audit:{stage1.pk}").listed_from is None  # at once
    assert_steps_kept()


def test_a_decision_and_the_certificate_keep_their_steps(world, qms, decider):  # noqa: F811
    programme = ready(world, [qms])
    stage2 = programme.audits.get(kind=AuditKind.STAGE2)
    cycle_steps_refresh(organisations=[world.org_a.pk], reason="the audits the test reported")
    assert kept(world.org_a)[f"decision:{stage2.pk}"] == (S.DECISION_TAKE, None)

    decision = decide(decider, programme, qms, content(decided_on=stage2.ends_on))
    steps = kept(world.org_a)
    assert f"decision:{stage2.pk}" not in steps
    revision = decision.revision
    assert steps[f"draft:{revision.pk}"] == (S.CERTIFICATE_ISSUE, None)
    assert_steps_kept()


def test_suspending_and_reinstating_keep_the_suspensions_step(world, qms):
    certificate = make_certificate(world, qms)
    certificate_services.certificate_suspend(
        actor=world.cert_manager, certificate=certificate, suspension=Suspension("audits_refused")
    )
    certificate.refresh_from_db()
    row = CycleStep.objects.get(key=f"suspension:{certificate.pk}")
    assert (row.kind, row.due_on) == (S.SUSPENSION_RESOLVE, certificate.suspension_ends_on)
    assert row.programme_id == certificate.revisions.get().decision.programme_id
    assert_steps_kept()

    # past its deadline the daily job's task stands for the step
    tasks_sync(today=certificate.suspension_ends_on + datetime.timedelta(days=1))
    assert Task.objects.filter(certificate=certificate, kind=TaskKind.SUSPENSION_EXPIRED).exists()
    assert f"suspension:{certificate.pk}" not in kept(world.org_a)
    assert_steps_kept()

    certificate_services.certificate_reinstate(
        actor=world.cert_manager, certificate=certificate, reason="The audits were held."
    )
    assert f"suspension:{certificate.pk}" not in kept(world.org_a)
    assert_steps_kept()
    assert type(certificate).objects.get(pk=certificate.pk).status == CertificateStatus.ACTIVE


def test_an_answer_waits_for_review_until_it_is_reviewed(world, qms):
    programme = ready(world, [qms])
    stage2 = programme.audits.get(kind=AuditKind.STAGE2)
    Audit.objects.filter(pk=stage2.pk).update(status=AuditStatus.REPORT_ISSUED)
    nc = finding(world, stage2, FindingType.MINOR_NC)
    response = response_services.response_submit(actor=world.qm_a, finding=nc, **PLAN)
    row = CycleStep.objects.get(key=f"finding:{nc.pk}")
    submitted = timezone.localdate(response.submitted_at)
    assert nc.close_due_on is None  # no deadline: reviewed within 14 days of the answer
    assert (row.kind, row.due_on) == (S.NC_PLAN, submitted + datetime.timedelta(days=14))
    assert_steps_kept()

    response_services.response_review(actor=world.cert_manager, response=response, accept=True, comment="")
    assert f"finding:{nc.pk}" not in kept(world.org_a)
    assert_steps_kept()


def test_the_daily_check_corrects_and_logs_what_changed_outside_the_services(world, qms, caplog):
    programme = open_programme(world, [qms])
    stage1 = programme.audits.get(kind=AuditKind.STAGE1)
    staffed(world, stage1)
    team_services.team_confirm(actor=world.cert_manager, audit=stage1)
    programme_services.programme_approve(actor=world.cert_manager, programme=programme)
    row = CycleStep.objects.get(key=f"audit:{stage1.pk}")
    assert row.due_on == stage1.starts_on - datetime.timedelta(days=world.cb.team_notice_days)

    assert cycle_steps_check().count == 0  # the services left nothing to correct
    world.cb.team_notice_days += 7  # in the admin: no service is told
    world.cb.save(update_fields=["team_notice_days"])

    with caplog.at_level(logging.WARNING, logger="certificates.services.steps"):
        run = daily_job_run(today=timezone.localdate())
    row.refresh_from_db()
    assert row.due_on == stage1.starts_on - datetime.timedelta(days=world.cb.team_notice_days)
    assert run.steps_corrected == programme.audits.count() == 5  # every team's notice moved
    assert "The daily check corrected cycle steps: 0 created, 5 changed, 0 removed (audit:" in caplog.text
    assert daily_job_run(today=timezone.localdate()).steps_corrected == 0  # checked once a day
