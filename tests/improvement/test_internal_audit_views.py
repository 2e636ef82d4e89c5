"""Internal-audit pages: programmes and coverage, audits, auditors (rule 39 on the page), the
checklist, findings (one action per NC, whatever the double submits), report, permissions, and
bounded lists whose queries do not grow with their rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import submits
from improvement.models import Action, InternalAudit, InternalAuditProgramme, InternalFinding
from improvement.services import internal_audits as services
from improvement.services import processes as process_services
from tests.audits.conftest import qms as qms

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def programme(world, qms):
    return services.internal_programme_create(
        actor=world.qm_a,
        organisation=world.org_a,
        title="2027",
        editions=[qms],
        starts_on=D(2027, 1, 1),
        ends_on=D(2027, 12, 31),
    )


def _audit(world, programme, numbers=("4.1",), *, auditor=None, start=True, title="Audit"):
    qms = programme.editions.get()
    audit = services.internal_audit_create(
        actor=world.qm_a,
        programme=programme,
        title=title,
        starts_on=D(2027, 3, 1),
        ends_on=D(2027, 3, 1),
        clauses=list(qms.clauses.filter(number__in=numbers)),
    )
    services.internal_auditor_add(actor=world.qm_a, audit=audit, user=auditor or world.qm_a, is_lead=True)
    if start:
        services.internal_audit_start(actor=world.qm_a, audit=audit)
    return audit


def _complete(world, audit):
    audit.checklist.update(result="conforming")
    services.internal_audit_report_save(
        actor=world.qm_a, audit=audit, conclusions="Fine", distribution="Board"
    )
    return services.internal_audit_report_issue(actor=world.qm_a, audit=audit)


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured.captured_queries)


# --- programmes


def test_a_programme_runs_twelve_months_unless_told_otherwise(client, world, qms):
    client.force_login(world.qm_a)
    url = reverse("improvement:internal_programme_new", args=[world.org_a.pk])
    response = client.post(
        url, {"title": "2027", "editions": [qms.pk], "starts_on": "2027-02-01", "ends_on": ""}
    )
    programme = InternalAuditProgramme.objects.get()
    assert response.status_code == 302 and response.url == programme.get_absolute_url()
    assert (programme.starts_on, programme.ends_on) == (D(2027, 2, 1), D(2028, 1, 31))
    assert list(programme.editions.all()) == [qms] and programme.created_by == world.qm_a


def test_the_programme_page_shows_the_coverage_and_what_is_not_covered(client, world, programme):
    done = _complete(world, _audit(world, programme, ("4.1", "4.2"), title="Context"))
    _audit(world, programme, ("8.3",), title="Design")  # in progress: not counted
    client.force_login(world.viewer_a)
    response = client.get(programme.get_absolute_url())
    page = response.content.decode()
    coverage = response.context["coverage"]
    assert [a.pk for a in coverage.audits] == [done.pk]
    assert [row.clause.number for row in coverage.uncovered] == ["8.3", "9.2"]
    assert "2 of 4 clauses are covered" in page and "Not yet covered by a completed audit" in page
    assert "Design" in page and "Context" in page


def test_the_programme_page_costs_the_same_queries_for_one_or_three_audits(
    client, world, programme, django_assert_num_queries
):
    client.force_login(world.qm_a)
    _complete(world, _audit(world, programme, ("4.1",)))
    url = programme.get_absolute_url()
    one = _queries(client, url)
    for numbers in (("4.2",), ("8.3", "9.2")):
        _complete(world, _audit(world, programme, numbers, auditor=world.contributor_a))
    with django_assert_num_queries(one):
        response = client.get(url)
    assert len(response.context["coverage"].audits) == 3 and not response.context["coverage"].uncovered


def test_the_programme_list_costs_the_same_queries_for_one_or_three(
    client, world, qms, django_assert_num_queries
):
    client.force_login(world.qm_a)
    url = reverse("improvement:internal_programme_list", args=[world.org_a.pk])
    services.internal_programme_create(
        actor=world.qm_a,
        organisation=world.org_a,
        title="P0",
        editions=[qms],
        starts_on=D(2025, 1, 1),
        ends_on=D(2025, 12, 31),
    )
    one = _queries(client, url)
    for year in (2026, 2027):
        services.internal_programme_create(
            actor=world.qm_a,
            organisation=world.org_a,
            title=f"P{year}",
            editions=[qms],
            starts_on=D(year, 1, 1),
            ends_on=D(year, 12, 31),
        )
    with django_assert_num_queries(one):
        assert "P2027" in client.get(url).content.decode()


def test_the_coverage_matrix_is_paginated(client, world, programme, monkeypatch):
    from improvement.selectors import internal_audits as selectors

    monkeypatch.setattr(selectors, "COVERAGE_PAGE_SIZE", 3)
    client.force_login(world.qm_a)
    first = client.get(programme.get_absolute_url())
    assert len(first.context["coverage"].page.object_list) == 3
    assert (
        len(client.get(programme.get_absolute_url(), {"page": 2}).context["coverage"].page.object_list) == 1
    )
    assert len(first.context["coverage"].uncovered) == 4  # the list of what is missing stays whole


# --- audits


def test_an_audit_is_planned_with_whole_chapters_or_single_clauses(client, world, programme, qms):
    client.force_login(world.qm_a)
    url = reverse("improvement:internal_audit_new", args=[programme.pk])
    response = client.post(
        url,
        {
            "title": "Context and audit",
            "starts_on": "2027-05-03",
            "ends_on": "2027-05-04",
            "chapters": [qms.clauses.get(number="4").pk],
            "clauses": [qms.clauses.get(number="9.2").pk],
        },
    )
    audit = InternalAudit.objects.get()
    assert response.status_code == 302 and response.url == audit.get_absolute_url()
    assert sorted(audit.clauses.values_list("number", flat=True)) == ["4.1", "4.2", "9.2"]


def test_an_audit_outside_the_period_is_refused_on_the_form(client, world, programme, qms):
    client.force_login(world.qm_a)
    response = client.post(
        reverse("improvement:internal_audit_new", args=[programme.pk]),
        {
            "title": "Late",
            "starts_on": "2028-05-03",
            "ends_on": "2028-05-03",
            "clauses": [qms.clauses.get(number="4.1").pk],
        },
    )
    assert response.status_code == 200 and "within the programme" in response.content.decode()
    assert InternalAudit.objects.count() == 0


def test_rule_39_on_the_page_refuses_then_accepts_a_justification_and_warns_of_training(
    client, world, programme, qms
):
    process = process_services.process_create(
        actor=world.qm_a, organisation=world.org_a, name="Procurement", owner=world.contributor_a
    )
    audit = services.internal_audit_create(
        actor=world.qm_a,
        programme=programme,
        title="Buying",
        starts_on=D(2027, 3, 1),
        ends_on=D(2027, 3, 1),
        clauses=list(qms.clauses.filter(number="8.3")),
        processes=[process],
    )
    client.force_login(world.qm_a)
    url = reverse("improvement:internal_auditor_add", args=[audit.pk])
    refused = client.post(url, {"user": world.contributor_a.pk})
    assert refused.status_code == 200 and "Rule 39" in refused.content.decode()
    assert audit.auditors.count() == 0
    accepted = client.post(
        url, {"user": world.contributor_a.pk, "independence_justification": "Only one trained"}, follow=True
    )
    page = accepted.content.decode()
    assert "has no internal-auditor training recorded for ISO 9001" in page
    assert "Only one trained" in page and audit.auditors.get().user == world.contributor_a


def test_a_finding_sent_twice_makes_one_finding_and_one_action(client, world, programme, qms):
    audit = _audit(world, programme)
    client.force_login(world.qm_a)
    url = reverse("improvement:internal_finding_new", args=[audit.pk])
    data = {
        "grade": "major",
        "clause": qms.clauses.get(number="4.1").pk,
        "title": "No review",
        "statement": "Context not reviewed",
        submits.TOKEN_FIELD: submits.token_new(),
    }
    first = client.post(url, data)
    again = client.post(url, data)
    finding = InternalFinding.objects.get()
    assert first.status_code == 302 and again.status_code == 302 and again.url == first.url
    action = Action.objects.get()
    assert action.internal_finding == finding and action.title == "IA-1-F1 No review"
    page = client.get(audit.get_absolute_url()).content.decode()
    assert action.reference in page and "Major nonconformity" in page


def test_a_contributor_writes_the_checklist_and_findings_of_their_audit_only(client, world, programme, qms):
    theirs = _audit(world, programme, auditor=world.contributor_a)
    other = _audit(world, programme, title="Other")
    client.force_login(world.contributor_a)
    item = theirs.checklist.get()
    url = reverse("improvement:internal_audit_checklist", args=[theirs.pk])
    response = client.post(
        url, {"item": item.pk, f"i{item.pk}-result": "conforming", f"i{item.pk}-notes": "Seen"}
    )
    assert response.status_code == 302 and response.url.endswith(f"#item-{item.pk}")
    item.refresh_from_db()
    assert (item.result, item.notes, item.updated_by) == ("conforming", "Seen", world.contributor_a)
    other_item = other.checklist.get()
    forbidden = client.post(
        reverse("improvement:internal_audit_checklist", args=[other.pk]),
        {"item": other_item.pk, f"i{other_item.pk}-result": "conforming"},
    )
    assert forbidden.status_code == 403
    assert client.get(reverse("improvement:internal_finding_new", args=[other.pk])).status_code == 403
    assert client.get(reverse("improvement:internal_finding_new", args=[theirs.pk])).status_code == 200
    client.force_login(world.viewer_a)
    page = client.get(url)
    assert page.status_code == 200 and page.context["rows"][0][1] is None  # read only


def test_an_item_of_another_audit_is_not_saved_through_this_one(client, world, programme):
    audit, other = _audit(world, programme), _audit(world, programme, title="Other")
    client.force_login(world.qm_a)
    foreign = other.checklist.get()
    response = client.post(
        reverse("improvement:internal_audit_checklist", args=[audit.pk]),
        {"item": foreign.pk, f"i{foreign.pk}-result": "conforming"},
    )
    foreign.refresh_from_db()
    assert response.status_code == 302 and foreign.result == "not_checked"


def test_the_report_is_written_issued_and_then_offered_as_pdf(client, world, programme):
    audit = _audit(world, programme)
    client.force_login(world.qm_a)
    issue = reverse("improvement:internal_audit_report_issue", args=[audit.pk])
    refused = client.post(issue, follow=True)
    assert "Write the conclusions." in refused.content.decode()
    audit.checklist.update(result="not_applicable")
    client.post(
        reverse("improvement:internal_audit_report", args=[audit.pk]),
        {"conclusions": "Effective", "distribution": "Mayor, city manager"},
    )
    page = client.post(issue, follow=True).content.decode()
    audit.refresh_from_db()
    assert audit.status == "reported" and "Internal audit report (PDF)" in page
    assert "reported on" in page and "History" in page


def test_the_audit_page_costs_the_same_queries_for_one_or_thirty_findings(
    client, world, programme, qms, django_assert_num_queries
):
    audit = _audit(world, programme, ("4.1", "4.2"))
    clause = qms.clauses.get(number="4.1")
    services.internal_finding_raise(actor=world.qm_a, audit=audit, grade="minor", clause=clause, title="F0")
    client.force_login(world.qm_a)
    url = audit.get_absolute_url()
    one = _queries(client, url)
    for i in range(1, 30):
        grade = ("minor", "ofi", "observation")[i % 3]
        services.internal_finding_raise(
            actor=world.qm_a, audit=audit, grade=grade, clause=clause, title=f"F{i}"
        )
    with django_assert_num_queries(one):
        response = client.get(url)
    assert len(response.context["findings_page"]) == 25


def test_the_checklist_costs_the_same_queries_for_one_or_three_items(
    client, world, programme, django_assert_num_queries
):
    client.force_login(world.qm_a)
    small = _audit(world, programme, ("4.1",))
    one = _queries(client, reverse("improvement:internal_audit_checklist", args=[small.pk]))
    large = _audit(world, programme, ("4.1", "4.2", "9.2"))
    with django_assert_num_queries(one):
        response = client.get(reverse("improvement:internal_audit_checklist", args=[large.pk]))
    assert len(response.context["rows"]) == 3


def test_a_planned_audit_is_cancelled_with_a_reason_on_the_page(client, world, programme):
    audit = _audit(world, programme, start=False)
    client.force_login(world.qm_a)
    url = reverse("improvement:internal_audit_cancel", args=[audit.pk])
    refused = client.post(url, {"reason": ""}, follow=True)
    assert [str(m) for m in refused.context["messages"]] == ["This field is required."]
    audit.refresh_from_db()
    assert audit.status == "planned"
    client.post(url, {"reason": "Merged"})
    audit.refresh_from_db()
    assert audit.status == "cancelled"


def test_cb_staff_and_platform_staff_see_no_internal_audit(client, world, programme):
    audit = _audit(world, programme)
    for user in (world.cert_manager, world.auditor, world.staff):
        client.force_login(user)
        assert client.get(audit.get_absolute_url()).status_code == 404
        assert client.get(programme.get_absolute_url()).status_code == 404
        assert (
            client.get(reverse("improvement:internal_programme_list", args=[world.org_a.pk])).status_code
            == 404
        )
