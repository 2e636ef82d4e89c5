"""The dashboard's panels of work for each role: the auditor's next audits and unfinished reports,
the client's nonconformities waiting for an answer, the reviewer's answers to review."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from audits.enums import AuditKind, AuditStatus, FindingStatus, FindingType
from audits.models import Audit
from audits.selectors import responses as selectors
from audits.services import responses as services
from audits.services import teams as team_services
from tests.audits.conftest import make_edition
from tests.audits.test_responses_services import PLAN, audit_world, make_finding

pytestmark = pytest.mark.django_db

F = FindingStatus
DAY = datetime.timedelta(days=1)


@pytest.fixture
def w(world):
    edition = make_edition("ISO 9001", 2015, [("4", "Context", "HS-4"), ("4.1", "Context", "HS-4.1")])
    w = audit_world(world, edition)
    programme = w.audit.programme
    w.stage2 = programme.audits.get(kind=AuditKind.STAGE2)
    w.surveillance = programme.audits.get(kind=AuditKind.SURVEILLANCE_1)
    w.recertification = programme.audits.get(kind=AuditKind.RECERTIFICATION)
    for audit, role in ((w.stage2, "lead"), (w.surveillance, "lead"), (w.recertification, "auditor")):
        team_services.team_assign(actor=w.cert_manager, audit=audit, user=w.auditor, role=role)
    Audit.objects.filter(pk__in=[w.surveillance.pk, w.recertification.pk]).update(
        status=AuditStatus.IN_PROGRESS
    )
    return w


def _dashboard(client, user):
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response


def test_the_auditor_sees_the_next_audits_and_the_reports_to_finish(client, w):
    response = _dashboard(client, w.auditor)
    work = response.context["work"]
    assert [a.pk for a in work.next_audits] == [w.stage2.pk]  # planned, on the team
    assert [a.pk for a in work.unfinished_reports] == [w.surveillance.pk]  # led, in progress
    assert work.awaiting_answer == [] and not work.is_client
    html = response.content.decode()
    assert "Your next audits" in html and "Reports to finish" in html
    assert "Nonconformities waiting for your answer" not in html


def test_next_audits_come_soonest_first_and_leave_once_reported(w):
    later = w.audit.programme.audits.get(kind=AuditKind.SURVEILLANCE_2)
    team_services.team_assign(actor=w.cert_manager, audit=later, user=w.auditor, role="auditor")
    assert [a.pk for a in selectors.dashboard_for(w.auditor).next_audits] == [w.stage2.pk, later.pk]
    Audit.objects.filter(pk=w.stage2.pk).update(status=AuditStatus.REPORT_ISSUED)
    assert [a.pk for a in selectors.dashboard_for(w.auditor).next_audits] == [later.pk]


def test_the_client_sees_its_nonconformities_waiting_for_an_answer_overdue_highlighted(client, w):
    today = timezone.localdate()
    late = make_finding(w, response_due_on=today - DAY)
    due_today = make_finding(w, FindingType.MINOR_NC, response_due_on=today)
    make_finding(w, status=F.RESPONSE_SUBMITTED)
    response = _dashboard(client, w.qm_a)
    work = response.context["work"]
    assert [f.pk for f in work.awaiting_answer] == [late.pk, due_today.pk]
    assert [f.overdue_since for f in work.awaiting_answer] == [late.response_due_on, None]
    assert work.awaiting_answer_overdue == 1
    html = response.content.decode()
    assert "1 overdue" in html and f"Overdue since {date_format(late.response_due_on)}" in html
    assert 'class="table-danger"' in html and "Your next audits" not in html
    assert reverse("audits:finding_detail", args=[late.pk]) in html


def test_the_reviewer_sees_the_answers_to_review_oldest_first(client, w):
    first = services.response_submit(actor=w.qm_a, finding=make_finding(w), **PLAN)
    second = services.response_submit(actor=w.qm_a, finding=make_finding(w), **PLAN)
    work = _dashboard(client, w.reviewer).context["work"]
    assert work.is_reviewer and [r.pk for r in work.to_review] == [first.pk, second.pk]
    assert work.next_audits == [] and work.unfinished_reports == []
    lead = _dashboard(client, w.auditor).context["work"]  # the lead reviews the answers of their audits
    assert lead.is_reviewer and [r.pk for r in lead.to_review] == [first.pk, second.pk]


def test_someone_with_nothing_to_do_sees_empty_panels(client, w):
    work = _dashboard(client, w.other_auditor).context["work"]
    assert (work.next_audits, work.unfinished_reports, work.to_review, work.is_reviewer) == (
        [],
        [],
        [],
        False,
    )
    html = _dashboard(client, w.other_auditor).content.decode()
    assert "No audit planned for you." in html and "Answers to review" not in html
    other = _dashboard(client, w.qm_b).context["work"]
    assert other.is_client and other.awaiting_answer == []
    assert not _dashboard(client, w.staff).context["work"].has_panels


@pytest.mark.parametrize("persona", ["qm_a", "reviewer", "auditor"])
def test_the_dashboard_runs_the_same_queries_however_many_rows(
    client, w, persona, django_assert_max_num_queries
):
    make_finding(w)
    services.response_submit(actor=w.qm_a, finding=make_finding(w), **PLAN)
    client.force_login(getattr(w, persona))
    client.get(reverse("dashboard"))
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("dashboard"))
    for _ in range(5):
        make_finding(w, response_due_on=timezone.localdate() - DAY)
        services.response_submit(actor=w.qm_a, finding=make_finding(w), **PLAN)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("dashboard"))
