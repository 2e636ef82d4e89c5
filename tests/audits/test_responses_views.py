"""The finding page and the list of nonconformities: who sees which form, what each post does,
the deadlines shown to both sides, and a number of queries that does not grow with the rows."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from audits.enums import AuditStatus, FindingStatus, FindingType, ReviewOutcome
from audits.models import Audit, Finding, FindingEvidenceFile, FindingResponse
from audits.services import responses as services
from tests.audits.test_responses_services import PLAN, audit_world, make_finding

pytestmark = pytest.mark.django_db

F = FindingStatus
FORMS = ("plan_form", "implementation_form", "file_form", "review_form", "verify_form")


@pytest.fixture
def w(world, qms, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return audit_world(world, qms)


def _url(name: str, finding: Finding, **kwargs) -> str:
    return reverse(f"audits:{name}", kwargs={"pk": finding.pk, **kwargs})


def _forms_shown(response) -> set[str]:
    return {name for name in FORMS if response.context.get(name) is not None}


def _message(response) -> str:
    return " ".join(m.message for m in get_messages(response.wsgi_request))


# --- whose turn: the forms each side sees


@pytest.mark.parametrize(
    ("status", "pending", "persona", "shown"),
    [
        (F.OPEN, False, "qm_a", {"plan_form"}),
        (F.OPEN, False, "contributor_a", {"plan_form"}),
        (F.OPEN, False, "viewer_a", set()),
        (F.OPEN, False, "reviewer", set()),
        (F.PLAN_REJECTED, False, "qm_a", {"plan_form"}),
        (F.RESPONSE_SUBMITTED, True, "qm_a", {"file_form"}),
        (F.RESPONSE_SUBMITTED, True, "reviewer", {"review_form"}),
        (F.RESPONSE_SUBMITTED, True, "auditor", {"review_form"}),
        (F.RESPONSE_SUBMITTED, True, "cert_manager", {"review_form"}),
        (F.RESPONSE_SUBMITTED, True, "staff", set()),
        (F.PLAN_ACCEPTED, False, "qm_a", {"implementation_form"}),
        (F.PLAN_ACCEPTED, False, "reviewer", {"verify_form"}),
        (F.IMPLEMENTED, True, "contributor_a", {"file_form"}),
        (F.IMPLEMENTED, True, "reviewer", {"review_form"}),
        (F.VERIFIED_CLOSED, False, "qm_a", set()),
        (F.VERIFIED_CLOSED, False, "reviewer", set()),
    ],
)
def test_each_side_sees_the_forms_of_its_turn(client, w, status, pending, persona, shown):
    finding = make_finding(w, status=status)
    if pending:
        FindingResponse.objects.create(
            finding=finding, kind="plan", submitted_by=w.qm_a, **PLAN
        ) if status == F.RESPONSE_SUBMITTED else FindingResponse.objects.create(
            finding=finding, kind="implementation", submitted_by=w.qm_a, implementation="Done"
        )
    client.force_login(getattr(w, persona))
    response = client.get(_url("finding_detail", finding))
    assert response.status_code == 200
    assert _forms_shown(response) == shown


def test_no_forms_before_the_report_nor_on_an_observation(client, w):
    ofi = make_finding(w, FindingType.OFI, status=F.RECORDED, response_due_on=None, close_due_on=None)
    major = make_finding(w)
    client.force_login(w.qm_a)
    response = client.get(_url("finding_detail", ofi))
    assert _forms_shown(response) == set() and "needs no answer and no closure" in response.content.decode()
    Audit.objects.filter(pk=w.audit.pk).update(status=AuditStatus.FIELDWORK_DONE)
    response = client.get(_url("finding_detail", major))
    assert _forms_shown(response) == set()
    assert "The client answers once the audit report is issued" in response.content.decode()


def test_the_page_shows_the_requirement_evidence_deadlines_and_history(client, w):
    major = make_finding(w)
    FindingEvidenceFile.objects.create(
        finding=major,
        file="findings/x.txt",
        original_name="Record R-12.pdf",
        size=2048,
        uploaded_by=w.auditor,
    )
    plan = services.response_submit(actor=w.qm_a, finding=major, **PLAN)
    services.response_review(actor=w.reviewer, response=plan, accept=False, comment="Cause is a symptom")
    client.force_login(w.qm_a)
    html = client.get(_url("finding_detail", major)).content.decode()
    for text in (
        major.reference,
        "ISO 9001:2015 4.1",
        "The design review of project P-7 is not recorded.",
        "Project file P-7 seen on 1 March",
        "Record R-12.pdf",
        date_format(major.response_due_on),
        date_format(major.close_due_on),
        "No review step",
        "Cause is a symptom",
        "Send a new answer",
        "Plan rejected by ",  # the history's sentence, with its reason
        ": Cause is a symptom",
    ):
        assert text in html, text


def test_an_overdue_nonconformity_is_flagged_to_both_sides(client, w):
    today = timezone.localdate()
    late = make_finding(w, response_due_on=today - datetime.timedelta(days=1))
    due_today = make_finding(w, response_due_on=today)
    for persona in ("qm_a", "reviewer"):
        client.force_login(getattr(w, persona))
        assert (
            f"Overdue since {date_format(late.response_due_on)}"
            in client.get(_url("finding_detail", late)).content.decode()
        )
        assert "Overdue since" not in client.get(_url("finding_detail", due_today)).content.decode()


def test_the_page_runs_the_same_queries_however_many_answers_and_files(
    client, w, django_assert_max_num_queries
):
    major = make_finding(w)
    client.force_login(w.reviewer)

    def answer_rejected():
        plan = services.response_submit(actor=w.qm_a, finding=major, **PLAN)
        for n in range(3):
            services.response_file_add(
                actor=w.qm_a, response=plan, upload=SimpleUploadedFile(f"{n}.txt", b"x")
            )
        services.response_review(actor=w.reviewer, response=plan, accept=False, comment="Again")

    answer_rejected()
    client.get(_url("finding_detail", major))
    with django_assert_max_num_queries(30) as few:
        client.get(_url("finding_detail", major))
    for _ in range(3):
        answer_rejected()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(_url("finding_detail", major))
    assert response.content.decode().count("2.txt") == 4


# --- the posts


def test_the_client_answers_and_attaches_a_file(client, w):
    major = make_finding(w)
    client.force_login(w.contributor_a)
    response = client.post(_url("finding_respond", major), PLAN)
    assert response.status_code == 302 and response.url == _url("finding_detail", major)
    assert "sent to the certification body" in _message(response)
    plan = major.responses.get()
    response = client.post(
        _url("finding_response_file", major, response_pk=plan.pk),
        {"file": SimpleUploadedFile("minutes.txt", b"Minutes of the review")},
    )
    assert response.status_code == 302 and plan.files.get().original_name == "minutes.txt"


def test_a_file_of_a_refused_type_is_refused_on_the_page(client, w):
    major = make_finding(w)
    plan = services.response_submit(actor=w.qm_a, finding=major, **PLAN)
    client.force_login(w.qm_a)
    response = client.post(
        _url("finding_response_file", major, response_pk=plan.pk),
        {"file": SimpleUploadedFile("run.exe", b"MZ")},
    )
    assert response.status_code == 200 and "Files of this type are not accepted" in response.content.decode()
    assert not plan.files.exists()


def test_an_incomplete_answer_is_shown_again_with_its_errors(client, w):
    major = make_finding(w)
    client.force_login(w.qm_a)
    response = client.post(_url("finding_respond", major), PLAN | {"correction": ""})
    assert response.status_code == 200 and response.context["plan_form"].errors["correction"]
    assert "No review step" in response.content.decode()
    assert major.responses.count() == 0


def test_a_refused_step_comes_back_as_a_form_error(client, w):
    major = make_finding(w, status=F.PLAN_ACCEPTED)
    client.force_login(w.qm_a)
    response = client.post(_url("finding_respond", major), PLAN)
    assert response.status_code == 200
    assert "cannot become" in " ".join(response.context["plan_form"].non_field_errors())


def test_the_reviewer_accepts_rejects_and_verifies(client, w):
    major = make_finding(w)
    plan = services.response_submit(actor=w.qm_a, finding=major, **PLAN)
    client.force_login(w.reviewer)
    url = _url("finding_review", major, response_pk=plan.pk)
    response = client.post(url, {"decision": "reject", "comment": ""})
    assert response.status_code == 200 and "Say why the response is rejected." in response.content.decode()
    response = client.post(url, {"decision": "accept", "comment": ""})
    assert response.status_code == 302 and "accepted" in _message(response)
    major.refresh_from_db()
    assert major.status == F.PLAN_ACCEPTED
    response = client.post(_url("finding_verify", major), {"comment": "Follow-up visit on 2 May"})
    assert response.status_code == 302 and "verified and closed" in _message(response)
    major.refresh_from_db()
    assert major.status == F.VERIFIED_CLOSED
    w.audit.refresh_from_db()
    assert w.audit.status == AuditStatus.CLOSED


def test_the_client_sends_evidence_of_implementation(client, w):
    major = make_finding(w, status=F.PLAN_ACCEPTED)
    client.force_login(w.qm_a)
    response = client.post(_url("finding_implementation", major), {"implementation": "Checklist in use"})
    assert response.status_code == 302
    assert major.responses.get().kind == "implementation"


@pytest.mark.parametrize("persona", ["viewer_a", "auditor", "reviewer", "cert_manager", "staff"])
def test_only_the_client_posts_answers(client, w, persona):
    major = make_finding(w)
    plan = services.response_submit(actor=w.qm_a, finding=major, **PLAN)
    client.force_login(getattr(w, persona))
    assert client.post(_url("finding_respond", major), PLAN).status_code == 403
    assert client.post(_url("finding_implementation", major), {"implementation": "x"}).status_code == 403
    upload = {"file": SimpleUploadedFile("a.txt", b"a")}
    assert client.post(_url("finding_response_file", major, response_pk=plan.pk), upload).status_code == 403
    assert major.responses.count() == 1 and not plan.files.exists()


@pytest.mark.parametrize("persona", ["qm_a", "contributor_a", "viewer_a", "staff"])
def test_only_the_cb_reviews(client, w, persona):
    major = make_finding(w)
    plan = services.response_submit(actor=w.qm_a, finding=major, **PLAN)
    client.force_login(getattr(w, persona))
    review = _url("finding_review", major, response_pk=plan.pk)
    assert client.post(review, {"decision": "accept", "comment": ""}).status_code == 403
    assert client.post(_url("finding_verify", major), {"comment": "Seen"}).status_code == 403
    plan.refresh_from_db()
    assert plan.outcome == ReviewOutcome.PENDING


@pytest.mark.parametrize("persona", ["other_auditor", "other_cb_manager", "qm_b"])
def test_people_who_do_not_see_the_audit_get_404(client, w, persona):
    major = make_finding(w)
    plan = services.response_submit(actor=w.qm_a, finding=major, **PLAN)
    client.force_login(getattr(w, persona))
    assert client.get(_url("finding_detail", major)).status_code == 404
    assert client.post(_url("finding_respond", major), PLAN).status_code == 404
    review = _url("finding_review", major, response_pk=plan.pk)
    assert client.post(review, {"decision": "accept"}).status_code == 404


def test_a_response_of_another_finding_is_not_found(client, w):
    first, second = make_finding(w), make_finding(w)
    plan = services.response_submit(actor=w.qm_a, finding=first, **PLAN)
    client.force_login(w.reviewer)
    response = client.post(_url("finding_review", second, response_pk=plan.pk), {"decision": "accept"})
    assert response.status_code == 404


# --- the list of nonconformities


def test_the_client_list_puts_the_overdue_first_with_their_deadlines(client, w):
    today = timezone.localdate()
    soon = make_finding(w, response_due_on=today + datetime.timedelta(days=3))
    late = make_finding(w, response_due_on=today - datetime.timedelta(days=3))
    make_finding(w, status=F.RESPONSE_SUBMITTED)
    client.force_login(w.viewer_a)
    response = client.get(reverse("audits:nc_list"))
    assert [f.pk for f in response.context["awaiting"]] == [late.pk, soon.pk]
    html = response.content.decode()
    assert html.index(late.reference) < html.index(soon.reference)
    assert f"Overdue since {date_format(late.response_due_on)}" in html
    assert date_format(soon.response_due_on) in html


def test_the_reviewer_list_shows_the_answers_to_review_oldest_first(client, w):
    first = services.response_submit(actor=w.qm_a, finding=make_finding(w), **PLAN)
    second = services.response_submit(actor=w.qm_a, finding=make_finding(w), **PLAN)
    client.force_login(w.reviewer)
    response = client.get(reverse("audits:nc_list"))
    assert [r.pk for r in response.context["to_review"]] == [first.pk, second.pk]
    client.force_login(w.other_cb_manager)
    assert list(client.get(reverse("audits:nc_list")).context["to_review"]) == []


@pytest.mark.parametrize("persona", ["qm_a", "reviewer"])
def test_the_list_runs_the_same_queries_however_many_rows(client, w, persona, django_assert_max_num_queries):
    client.force_login(getattr(w, persona))
    make_finding(w)
    services.response_submit(actor=w.qm_a, finding=make_finding(w), **PLAN)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("audits:nc_list"))
    for _ in range(5):
        make_finding(w)
        services.response_submit(actor=w.qm_a, finding=make_finding(w), **PLAN)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("audits:nc_list"))
    assert len(response.context["awaiting"] if persona == "qm_a" else response.context["to_review"]) == 6


def test_both_lists_are_paginated_each_with_its_own_page_number(client, w):
    for _ in range(51):
        make_finding(w)
    client.force_login(w.qm_a)
    url = reverse("audits:nc_list")

    first = client.get(url)
    assert len(first.context["awaiting"]) == 50 and first.context["awaiting"].paginator.count == 51
    assert 'href="?page=2"' in first.content.decode()
    assert len(client.get(url, {"page": "2"}).context["awaiting"]) == 1
    assert client.get(url, {"page": "zz"}).context["awaiting"].number == 1
    for finding in list(first.context["awaiting"])[:2]:
        services.response_submit(actor=w.qm_a, finding=finding, **PLAN)
    client.force_login(w.reviewer)
    review = client.get(url, {"review_page": "1"})
    assert review.context["to_review"].paginator.count == 2 and review.context["awaiting"] is None
