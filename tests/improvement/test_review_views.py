"""Management-review pages: planning (one review whatever the double submits), the checklist of
inputs, holding (rule 41 on the page), decisions into actions, the minutes PDF, access (rule 43:
CB staff 404, viewer 403, other tenant 404), and bounded lists and pages."""

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import submits
from core.models import Document, DocumentStatus
from improvement.documents import REVIEW_MINUTES
from improvement.enums import ActionSource, ReviewStatus
from improvement.models import Action, ManagementReview
from improvement.services import reviews as services
from tests.audits.conftest import isms as isms
from tests.core.test_pdf import pdf_text
from tests.improvement.review_world import PLANNED_ON, address_all, review_records

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def records(world, qms):
    return review_records(world, qms)


@pytest.fixture
def review(records):
    return records["review"]


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured.captured_queries)


def test_review_new_plans_once_whatever_the_double_submit(client, world, qms):
    client.force_login(world.qm_a)
    url = reverse("improvement:review_new", args=[world.org_a.pk])
    data = {
        "title": "Review 2026",
        "editions": [qms.pk],
        "planned_on": "2026-02-01",
        submits.TOKEN_FIELD: submits.token_new(),
    }
    first = client.post(url, data)
    second = client.post(url, data)
    review = ManagementReview.objects.get()
    assert first.url == review.get_absolute_url() and second.status_code == 302
    assert review.reference == "MR-1" and review.inputs.count() > 7


def test_review_new_shows_errors_and_saves_nothing(client, world):
    client.force_login(world.qm_a)
    url = reverse("improvement:review_new", args=[world.org_a.pk])
    response = client.post(url, {"title": "Line\nbreak", "editions": [], "planned_on": "1800-01-01"})
    assert response.status_code == 200 and not ManagementReview.objects.exists()


def test_review_detail_shows_inputs_prepared_and_decisions(client, world, review):
    client.force_login(world.viewer_a)
    response = client.get(review.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    for text in (
        "MR-1 Review a",
        "Director a",
        "Status of actions from previous management reviews",
        "Improve a",
    ):
        assert text in page
    assert "Prepared from the records" in page and "Nonconformities and actions" in page
    assert reverse("improvement:review_input", args=[review.inputs.first().pk]) not in page  # viewer


def test_review_input_saves_and_hold_refuses_naming_inputs(client, world, review):
    client.force_login(world.contributor_a)
    row = review.inputs.get(key="hs.monitoring")
    response = client.post(
        reverse("improvement:review_input", args=[row.pk]),
        {"answer": "", "not_applicable": "on", "not_applicable_reason": "No monitoring yet"},
    )
    row.refresh_from_db()
    assert response.status_code == 302 and row.not_applicable and row.answered_by == world.contributor_a
    client.force_login(world.qm_a)
    hold = reverse("improvement:review_hold", args=[review.pk])
    response = client.post(hold, {"held_on": PLANNED_ON.isoformat(), "summary": ""})
    assert response.status_code == 200
    assert "Changes in external and internal issues" in response.content.decode()
    review.refresh_from_db()
    assert review.status == ReviewStatus.PLANNED
    address_all(review, world.qm_a)
    response = client.post(hold, {"held_on": PLANNED_ON.isoformat(), "summary": "Done"})
    review.refresh_from_db()
    assert response.status_code == 302 and review.status == ReviewStatus.HELD and review.prepared


def test_review_output_action_once(client, world, records):
    output = records["review_output"]
    client.force_login(world.qm_a)
    url = reverse("improvement:review_output_action", args=[output.pk])
    data = {"title": "Improve", "owner": world.contributor_a.pk, "due_on": "2026-06-30"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 200  # a second action is refused on the form
    action = Action.objects.get()
    assert action.source == ActionSource.MANAGEMENT_REVIEW and action.source_reference == "MR-1"
    output.refresh_from_db()
    assert output.action == action


def test_review_pages_hidden_from_cb_staff_and_other_tenants(client, world, records):
    review = records["review"]
    urls = [
        reverse("improvement:review_list", args=[world.org_a.pk]),
        reverse("improvement:review_new", args=[world.org_a.pk]),
        review.get_absolute_url(),
        reverse("improvement:review_edit", args=[review.pk]),
        reverse("improvement:review_attendee_add", args=[review.pk]),
        reverse("improvement:review_input", args=[records["review_input"].pk]),
        reverse("improvement:review_hold", args=[review.pk]),
        reverse("improvement:review_output_add", args=[review.pk]),
        reverse("improvement:review_output_action", args=[records["review_output"].pk]),
        reverse("improvement:review_pdf", args=[review.pk]),
    ]
    for user in (world.auditor, world.cert_manager, world.other_cb_manager, world.qm_b, world.staff):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)


def test_review_writes_refused_to_a_viewer(client, world, records):
    review = records["review"]
    client.force_login(world.viewer_a)
    posts = [
        reverse("improvement:review_hold", args=[review.pk]),
        reverse("improvement:review_minutes_approve", args=[review.pk]),
        reverse("improvement:review_cancel", args=[review.pk]),
        reverse("improvement:review_output_add", args=[review.pk]),
        reverse("improvement:review_output_withdraw", args=[records["review_output"].pk]),
        reverse("improvement:review_input", args=[records["review_input"].pk]),
        reverse("improvement:review_attendee_remove", args=[review.pk, records["review_attendee"].pk]),
    ]
    for url in posts:
        assert client.post(url, {"reason": "x", "decision": "x", "kind": "change"}).status_code == 403, url
    review.refresh_from_db()
    assert review.status == ReviewStatus.PLANNED and review.outputs.count() == 1


def test_review_list_queries_do_not_grow(client, world, qms):
    client.force_login(world.qm_a)
    url = reverse("improvement:review_list", args=[world.org_a.pk])
    services.review_plan(
        actor=world.qm_a, organisation=world.org_a, title="1", editions=[qms], planned_on=PLANNED_ON
    )
    few = _queries(client, url)
    for n in range(5):
        services.review_plan(
            actor=world.qm_a, organisation=world.org_a, title=f"R{n}", editions=[qms], planned_on=PLANNED_ON
        )
    assert _queries(client, url) == few


def test_review_detail_queries_do_not_grow(client, world, qms, isms, records):
    review = records["review"]
    client.force_login(world.qm_a)
    few = _queries(client, review.get_absolute_url())
    services.review_update(
        actor=world.qm_a, review=review, title="More", editions=[qms, isms], planned_on=PLANNED_ON
    )
    for n in range(5):
        output = services.review_output_add(actor=world.qm_a, review=review, kind="change", decision=f"D{n}")
        services.review_output_action_raise(actor=world.qm_a, output=output, title=f"T{n}", owner=world.qm_a)
        services.review_attendee_add(actor=world.qm_a, review=review, name=f"Person {n}")
    assert _queries(client, review.get_absolute_url()) <= few + 2  # one more edition's gap lookup


def test_review_minutes_render_as_pdf(client, world, records, django_capture_on_commit_callbacks):
    review = records["review"]
    client.force_login(world.qm_a)
    assert client.post(reverse("documents:subject", args=[REVIEW_MINUTES, review.pk])).status_code == 404
    address_all(review, world.qm_a)
    services.review_output_action_raise(
        actor=world.qm_a, output=records["review_output"], title="Improve it", owner=world.qm_a
    )
    services.review_hold(actor=world.qm_a, review=review, held_on=PLANNED_ON, summary="A good year")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:subject", args=[REVIEW_MINUTES, review.pk]))
    document = Document.objects.get(kind=REVIEW_MINUTES, object_id=review.pk)
    assert document.status == DocumentStatus.READY, document.error
    pdf = b"".join(client.get(reverse("documents:download", args=[document.pk])).streaming_content)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == document.sha256
    text = pdf_text(pdf)
    for expected in ("MR-1 Review a", "Director a", "A good year", "Considered", "D-1", "Improve a", "A-1"):
        assert expected in text, expected
    assert "Nonconformities and actions" in text
    assert client.get(reverse("improvement:review_pdf", args=[review.pk])).status_code == 200
