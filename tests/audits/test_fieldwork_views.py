"""The pages of the audit itself: the plan, the lifecycle buttons, the report, adding an audit."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from audits.enums import AuditKind, AuditStatus, FindingStatus, FindingType, Stage1Outcome
from audits.models import Audit, AuditPlan, AuditReport, PlanSession
from audits.services import fieldwork as services
from audits.services.fieldwork import ReportContent
from core.forms import NOT_CONFIRMED
from core.transitions import transitions_of
from tests.audits.test_fieldwork_services import at, finding, led, planned, reported, session
from tests.audits.test_programme_services import STAGE1, open_programme

S = AuditStatus


@pytest.fixture
def programme(world, qms):
    return open_programme(world, [qms])


@pytest.fixture
def stage1(world, programme):
    return led(world, programme.audits.get(kind=AuditKind.STAGE1))


@pytest.fixture
def stage2(world, programme):
    return led(world, programme.audits.get(kind=AuditKind.STAGE2))


def url(name: str, audit: Audit, **kwargs) -> str:
    return reverse(f"audits:{name}", kwargs={"pk": audit.pk, **kwargs})


def messages_of(response) -> list[str]:
    """The messages waiting after the last redirect (the latest last)."""
    return [m.message for m in get_messages(response.wsgi_request)]


def page(client, user, address: str) -> str:
    client.force_login(user)
    response = client.get(address)
    assert response.status_code == 200
    return response.content.decode()


# --- the audit page's panel


def test_the_audit_page_shows_the_plan_state_and_the_next_step_of_each_person(client, world, stage1):
    planned(world, stage1)
    services.plan_send(actor=world.auditor, audit=stage1)
    lead = page(client, world.auditor, stage1.get_absolute_url())
    assert "Plan, fieldwork and report" in lead and "not yet acknowledged by the client" in lead
    assert url("audit_start", stage1) in lead and url("audit_plan_acknowledge", stage1) not in lead
    client_page = page(client, world.qm_a, stage1.get_absolute_url())
    assert (
        url("audit_plan_acknowledge", stage1) in client_page and url("audit_start", stage1) not in client_page
    )
    manager = page(client, world.cert_manager, stage1.get_absolute_url())
    assert url("audit_cancel", stage1) in manager and url("audit_start", stage1) not in manager
    member = page(client, world.other_auditor, stage1.get_absolute_url())
    assert url("audit_start", stage1) not in member and url("audit_cancel", stage1) not in member


def test_the_audit_page_shows_the_stage_1_outcome_once_issued(client, world, stage1):
    reported(world, stage1, Stage1Outcome.NOT_READY)
    body = page(client, world.qm_a, stage1.get_absolute_url())
    assert "Not ready for stage 2" in body and url("audit_report", stage1) in body


def test_the_stage_2_pages_show_the_areas_of_concern_of_stage_1(client, world, stage1, stage2):
    finding(world, stage1, FindingType.AREA_OF_CONCERN, FindingStatus.RECORDED)
    at(stage2, S.IN_PROGRESS)
    for address in (stage2.get_absolute_url(), url("audit_plan_edit", stage2), url("audit_report", stage2)):
        body = page(client, world.auditor, address)
        assert "Areas of concern from stage 1" in body and "Internal audits skip the warehouse" in body
    assert "Areas of concern from stage 1" not in page(client, world.auditor, stage1.get_absolute_url())


def test_the_audit_page_reads_the_same_number_of_queries_with_more_concerns(
    client, world, stage1, stage2, django_assert_num_queries
):
    finding(world, stage1, FindingType.AREA_OF_CONCERN, FindingStatus.RECORDED)
    client.force_login(world.auditor)
    client.get(stage2.get_absolute_url())  # warm the caches
    with CaptureQueriesContext(connection) as one:
        client.get(stage2.get_absolute_url())
    for number in (2, 3):
        finding(world, stage1, FindingType.AREA_OF_CONCERN, FindingStatus.RECORDED, number=number)
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(stage2.get_absolute_url())


# --- the plan page


def test_the_client_reads_the_plan_only_once_it_is_sent(client, world, stage1):
    planned(world, stage1)
    draft = page(client, world.qm_a, url("audit_plan_edit", stage1))
    assert "has not been sent yet" in draft and "Judge readiness" not in draft
    assert "Judge readiness" in page(client, world.cert_manager, url("audit_plan_edit", stage1))
    services.plan_send(actor=world.auditor, audit=stage1)
    sent = page(client, world.qm_a, url("audit_plan_edit", stage1))
    assert "Judge readiness" in sent and "Management review" in sent and "<form" in sent
    assert 'name="objectives"' not in sent


def test_the_lead_writes_the_plan(client, world, stage1):
    client.force_login(world.auditor)
    data = {"objectives": "Check readiness", "language": "Dutch", "confidentiality": "", "arrangements": ""}
    response = client.post(url("audit_plan_edit", stage1), data)
    assert response.status_code == 302 and response.url == url("audit_plan_edit", stage1)
    stage1.refresh_from_db()
    assert (stage1.plan.objectives, stage1.plan.language, stage1.plan.updated_by) == (
        "Check readiness",
        "Dutch",
        world.auditor,
    )


@pytest.mark.parametrize("persona", ["other_auditor", "cert_manager", "qm_a"])
def test_only_the_lead_writes_the_plan(client, world, stage1, persona):
    client.force_login(getattr(world, persona))
    response = client.post(url("audit_plan_edit", stage1), {"objectives": "Mine", "language": "English"})
    assert response.status_code == 403
    assert not AuditPlan.objects.filter(audit=stage1).exists()


def test_the_plan_of_another_cb_is_not_found(client, world, stage1):
    client.force_login(world.other_cb_manager)
    assert client.get(url("audit_plan_edit", stage1)).status_code == 404
    assert client.post(url("audit_plan_send", stage1)).status_code == 404


def test_the_lead_cannot_change_the_plan_once_the_audit_started(client, world, stage1):
    planned(world, stage1)
    at(stage1, S.IN_PROGRESS)
    client.force_login(world.auditor)
    response = client.post(url("audit_plan_edit", stage1), {"objectives": "Late", "language": "English"})
    assert response.status_code == 302
    assert messages_of(response) == ["The plan changes only before the fieldwork starts."]
    stage1.refresh_from_db()
    assert stage1.plan.objectives == "Judge readiness for stage 2"


def test_a_session_is_added_on_its_page_and_refused_outside_the_audit_days(client, world, stage1):
    planned(world, stage1)
    client.force_login(world.auditor)
    data = {
        "day": str(STAGE1),
        "starts_at": "14:00",
        "ends_at": "15:30",
        "site": world.site_a.pk,
        "mode": "remote",
        "activity": "Purchasing",
        "clauses": [stage1.clauses.first().pk],
        "auditors": [world.other_auditor.pk],
    }
    assert client.get(url("audit_plan_session_add", stage1)).status_code == 200
    response = client.post(url("audit_plan_session_add", stage1), data)
    assert response.status_code == 302
    added = PlanSession.objects.get(activity="Purchasing")
    assert (added.mode, list(added.auditors.all()), added.starts_at) == (
        "remote",
        [world.other_auditor],
        datetime.time(14),
    )
    response = client.post(url("audit_plan_session_add", stage1), data | {"day": "2027-03-09"})
    assert response.status_code == 200
    assert "Choose a day of the audit, from 2027-03-01 to 2027-03-01." in response.content.decode()


def test_a_session_is_removed_by_the_lead_only(client, world, stage1):
    planned(world, stage1)
    removed = stage1.plan.sessions.get()
    client.force_login(world.cert_manager)
    assert client.post(url("audit_plan_session_remove", stage1, session_pk=removed.pk)).status_code == 403
    client.force_login(world.auditor)
    assert client.get(url("audit_plan_session_remove", stage1, session_pk=removed.pk)).status_code == 405
    response = client.post(url("audit_plan_session_remove", stage1, session_pk=removed.pk))
    assert response.status_code == 302
    removed.refresh_from_db()
    assert removed.removed_at is not None
    assert "Management review" not in page(client, world.auditor, url("audit_plan_edit", stage1))


def test_a_session_of_another_audit_is_not_found(client, world, stage1, stage2):
    planned(world, stage2)
    other = stage2.plan.sessions.get()
    client.force_login(world.auditor)
    assert client.post(url("audit_plan_session_remove", stage1, session_pk=other.pk)).status_code == 404


def test_the_plan_page_reads_the_same_number_of_queries_with_more_sessions(
    client, world, stage1, django_assert_num_queries
):
    planned(world, stage1)
    client.force_login(world.auditor)
    client.get(url("audit_plan_edit", stage1))
    with CaptureQueriesContext(connection) as one:
        client.get(url("audit_plan_edit", stage1))
    session(world, stage1, activity="Design")
    session(world, stage1, activity="Purchasing", auditors=[world.auditor, world.other_auditor])
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(url("audit_plan_edit", stage1))


def test_sending_the_plan_mails_the_client_and_the_client_acknowledges(
    client, world, stage1, django_capture_on_commit_callbacks
):
    planned(world, stage1)
    client.force_login(world.auditor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("audit_plan_send", stage1), {"confirm": "on"})
    assert messages_of(response) == ["The plan was sent to the client's quality managers."]
    assert [m.to for m in mail.outbox] == [[world.qm_a.email]]
    client.force_login(world.contributor_a)
    assert client.post(url("audit_plan_acknowledge", stage1)).status_code == 403
    client.force_login(world.qm_a)
    response = client.post(url("audit_plan_acknowledge", stage1))
    assert messages_of(response) == ["You acknowledged the audit plan."]
    stage1.refresh_from_db()
    assert stage1.status == S.PLAN_SENT and stage1.plan.acknowledged_by == world.qm_a
    assert "acknowledged by the client on" in page(client, world.auditor, stage1.get_absolute_url())
    assert "acknowledged by Quality Manager A" in page(client, world.auditor, url("audit_plan_edit", stage1))


def test_sending_an_unconfirmed_team_s_plan_says_why(client, world, stage1):
    planned(world, stage1)
    at(stage1, S.PLANNED)
    client.force_login(world.auditor)
    response = client.post(url("audit_plan_send", stage1), {"confirm": "on"})
    assert messages_of(response) == ["The plan is sent once the team is confirmed, before the audit starts."]
    assert mail.outbox == []


# --- the lifecycle buttons


def test_stage_2_starts_with_its_gap_justification(client, world, stage1, stage2):
    reported(world, stage1)
    Audit.objects.filter(pk=stage2.pk).update(
        starts_on=datetime.date(2027, 12, 1), ends_on=datetime.date(2027, 12, 1)
    )
    at(stage2, S.PLAN_SENT)
    client.force_login(world.auditor)
    body = page(client, world.auditor, stage2.get_absolute_url())
    assert 'name="stage_gap_justification"' in body
    start = {"confirm": "on", "early_start_reason": "The client asked for an earlier date."}
    response = client.post(url("audit_start", stage2), {"stage_gap_justification": ""} | start)
    assert messages_of(response)[-1].startswith("Rule 2: stage 2 starts 275 days after stage 1")
    response = client.post(url("audit_start", stage2), {"stage_gap_justification": "Nothing changed"} | start)
    assert messages_of(response)[-1] == "The audit has started."
    stage2.refresh_from_db()
    assert (stage2.status, stage2.stage_gap_justification) == (S.IN_PROGRESS, "Nothing changed")


def test_stage_2_start_before_stage_1_report_is_refused_with_rule_1(client, world, stage2):
    at(stage2, S.PLAN_SENT)
    client.force_login(world.auditor)
    response = client.post(url("audit_start", stage2), {"confirm": "on", "early_start_reason": "Sooner."})
    assert messages_of(response) == ["Rule 1: stage 2 cannot start before the stage 1 report is issued."]
    stage2.refresh_from_db()
    assert stage2.status == S.PLAN_SENT


@pytest.mark.parametrize(
    "name", ["audit_start", "audit_fieldwork_done", "audit_fieldwork_reopen", "audit_report_issue"]
)
def test_lifecycle_buttons_are_the_lead_s(client, world, stage1, name):
    for persona in ("other_auditor", "cert_manager", "qm_a"):
        client.force_login(getattr(world, persona))
        assert client.post(url(name, stage1), {"reason": "Why"}).status_code == 403
    client.force_login(world.other_cb_manager)
    assert client.post(url(name, stage1), {"reason": "Why"}).status_code == 404
    client.force_login(world.auditor)
    assert client.get(url(name, stage1)).status_code == 405
    stage1.refresh_from_db()
    assert stage1.status == S.PLANNED


def test_fieldwork_done_and_reopened_with_a_reason(client, world, stage1):
    at(stage1, S.IN_PROGRESS)
    client.force_login(world.auditor)
    client.post(url("audit_fieldwork_done", stage1))
    stage1.refresh_from_db()
    assert stage1.status == S.FIELDWORK_DONE
    response = client.post(url("audit_fieldwork_reopen", stage1), {"reason": ""})
    assert messages_of(response)[-1] == "Reason: This field is required."
    stage1.refresh_from_db()
    assert stage1.status == S.FIELDWORK_DONE
    client.post(url("audit_fieldwork_reopen", stage1), {"reason": "A site was missed"})
    stage1.refresh_from_db()
    assert stage1.status == S.IN_PROGRESS


def test_the_planner_cancels_with_a_reason(client, world, stage1):
    client.force_login(world.auditor)
    assert client.post(url("audit_cancel", stage1), {"reason": "No"}).status_code == 403
    client.force_login(world.cert_manager)
    response = client.post(url("audit_cancel", stage1), {"reason": ""})
    assert messages_of(response)[-1] == "Reason: This field is required."
    stage1.refresh_from_db()
    assert stage1.status == S.PLANNED
    response = client.post(url("audit_cancel", stage1), {"reason": "The client withdrew."})
    assert messages_of(response)[-1] == "The audit was cancelled."
    stage1.refresh_from_db()
    assert stage1.status == S.CANCELLED


# --- the report page


REPORT = {
    "recommendation": "after_corrections",
    "summary": "Effective, but purchasing is weak.",
    "scope_appropriate": "true",
    "objectives_met": "true",
    "marks_controlled": "unknown",
}


def test_the_lead_writes_and_issues_the_report_and_the_audit_waits_for_its_ncs(client, world, stage2):
    at(stage2, S.FIELDWORK_DONE)
    finding(world, stage2, FindingType.MINOR_NC, FindingStatus.OPEN)
    client.force_login(world.auditor)
    body = page(client, world.auditor, url("audit_report", stage2))
    assert 'name="recommendation"' in body and 'name="stage1_outcome"' not in body
    response = client.post(url("audit_report", stage2), REPORT)
    assert response.status_code == 302
    report = AuditReport.objects.get(audit=stage2)
    assert (report.recommendation, report.scope_appropriate, report.marks_controlled) == (
        "after_corrections",
        True,
        None,
    )
    response = client.post(url("audit_report_issue", stage2))
    assert messages_of(response)[-1] == "The report was issued: the findings are locked."
    stage2.refresh_from_db()
    assert stage2.status == S.NCS_PENDING
    response = client.post(url("audit_report", stage2), REPORT | {"summary": "Changed"})
    assert messages_of(response)[-1] == "The report is written during the fieldwork, until it is issued."
    assert AuditReport.objects.get(audit=stage2).summary == "Effective, but purchasing is weak."


def test_the_client_reads_the_report_once_issued(client, world, stage1):
    at(stage1, S.FIELDWORK_DONE)
    services.report_save(
        actor=world.auditor, audit=stage1, values=ReportContent(stage1_outcome="ready", summary="Ready to go")
    )
    draft = page(client, world.qm_a, url("audit_report", stage1))
    assert "has not been issued yet" in draft and "Ready to go" not in draft
    assert "Ready to go" in page(client, world.cert_manager, url("audit_report", stage1))
    services.report_issue(actor=world.auditor, audit=stage1)
    issued = page(client, world.qm_a, url("audit_report", stage1))
    assert "Ready to go" in issued and "Ready for stage 2" in issued and 'name="summary"' not in issued


def test_a_stage_1_report_concludes_on_readiness(client, world, stage1):
    at(stage1, S.IN_PROGRESS)
    body = page(client, world.auditor, url("audit_report", stage1))
    assert 'name="stage1_outcome"' in body and 'name="recommendation"' not in body


def test_the_report_page_reads_the_same_number_of_queries_with_more_findings(
    client, world, stage2, django_assert_num_queries
):
    at(stage2, S.IN_PROGRESS)
    finding(world, stage2, FindingType.MINOR_NC, FindingStatus.OPEN)
    client.force_login(world.auditor)
    client.get(url("audit_report", stage2))
    with CaptureQueriesContext(connection) as one:
        client.get(url("audit_report", stage2))
    finding(world, stage2, FindingType.OFI, FindingStatus.RECORDED, number=2)
    finding(world, stage2, FindingType.MAJOR_NC, FindingStatus.OPEN, number=3)
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(url("audit_report", stage2))


# --- adding an audit


def test_the_planner_adds_a_short_notice_audit_from_the_programme_page(client, world, programme):
    body = page(client, world.cert_manager, programme.get_absolute_url())
    add_url = reverse("audits:audit_add", kwargs={"programme_pk": programme.pk})
    assert add_url in body
    response = client.post(
        add_url,
        {
            "kind": AuditKind.SPECIAL_SHORT_NOTICE,
            "starts_on": "2027-06-01",
            "ends_on": "2027-06-01",
            "planned_days": "1.0",
            "on_site_days": "1.0",
            "purpose": "A complaint about late deliveries",
        },
    )
    audit = programme.audits.get(kind=AuditKind.SPECIAL_SHORT_NOTICE)
    assert response.status_code == 302 and response.url == audit.get_absolute_url()
    assert audit.short_notice and audit.purpose == "A complaint about late deliveries"


def test_a_second_surveillance_is_refused_on_the_form(client, world, programme):
    client.force_login(world.cert_manager)
    response = client.post(
        reverse("audits:audit_add", kwargs={"programme_pk": programme.pk}),
        {
            "kind": AuditKind.STAGE1,
            "starts_on": "2027-06-01",
            "ends_on": "2027-06-01",
            "planned_days": "1.0",
            "on_site_days": "1.0",
            "purpose": "Again",
        },
    )
    assert response.status_code == 200
    assert escape("The programme already plans this audit; repeat it instead.") in response.content.decode()
    assert programme.audits.filter(kind=AuditKind.STAGE1).count() == 1


def test_only_planners_add_audits(client, world, programme, stage1):
    add_url = reverse("audits:audit_add", kwargs={"programme_pk": programme.pk})
    assert add_url not in page(client, world.auditor, programme.get_absolute_url())
    assert client.get(add_url).status_code == 403
    client.force_login(world.other_cb_manager)
    assert client.get(add_url).status_code == 404


def test_the_programme_page_still_shows_after_an_audit_of_the_cycle_is_cancelled(
    client, world, programme, stage1
):
    services.audit_cancel(
        actor=world.cert_manager, audit=stage1, reason="Stage 1 will be repeated elsewhere."
    )
    body = page(client, world.cert_manager, programme.get_absolute_url())
    assert "Stage 1 is cancelled: add its repeat, or plan the cycle again." in body


# --- no step that cannot be undone by surprise -----------------------------------------------------


def test_starting_asks_to_confirm_and_before_its_day_why(client, world, stage1):
    planned(world, stage1)
    at(stage1, S.PLAN_SENT)
    client.force_login(world.auditor)
    body = page(client, world.auditor, stage1.get_absolute_url())
    assert 'name="confirm"' in body and "Once started, the audit cannot go back to planning" in body
    assert 'name="early_start_reason"' in body  # planned on 1 March 2027, after today
    response = client.post(url("audit_start", stage1), {"early_start_reason": "Sooner."})
    assert messages_of(response) == [str(NOT_CONFIRMED)]
    response = client.post(url("audit_start", stage1), {"confirm": "on"})
    assert messages_of(response)[-1].startswith("The audit is planned to start on 2027-03-01: say why")
    stage1.refresh_from_db()
    assert stage1.status == S.PLAN_SENT
    response = client.post(
        url("audit_start", stage1), {"confirm": "on", "early_start_reason": "Client's request."}
    )
    assert messages_of(response)[-1] == "The audit has started."
    start = transitions_of(stage1).filter(field="status").latest("pk")
    assert (start.to_state, start.reason) == (S.IN_PROGRESS, "Client's request.")


def test_sending_the_plan_asks_to_confirm(client, world, stage1):
    planned(world, stage1)
    client.force_login(world.auditor)
    body = page(client, world.auditor, url("audit_plan_edit", stage1))
    assert 'id="confirm-send"' in body and "which cannot be recalled" in body
    response = client.post(url("audit_plan_send", stage1))
    assert messages_of(response) == [str(NOT_CONFIRMED)] and mail.outbox == []
    stage1.refresh_from_db()
    assert stage1.status == S.TEAM_ASSIGNED
