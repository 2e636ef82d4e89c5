import hashlib

import pytest
from django.urls import reverse

from core.models import Document, DocumentStatus
from improvement.documents import GAP_ANALYSIS
from improvement.services import gap as services
from tests.core.test_pdf import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_gap_analysis_pdf_contains_answers_readiness_and_actions(
    client, world, integrated, django_capture_on_commit_callbacks
):
    shared = integrated.answers.get(hs_key="HS-9.2")
    services.gap_answer_save(
        actor=world.qm_a,
        answer=shared,
        status="partial",
        notes="Audit programme drafted",
    )
    services.gap_answer_action_raise(
        actor=world.qm_a, answer=shared, title="Train auditors", owner=world.contributor_a
    )
    services.gap_answer_save(
        actor=world.qm_a,
        answer=integrated.answers.get(clause__number="8.3"),
        status="not_applicable",
        justification="No design work",
    )
    client.force_login(world.viewer_a)
    page = client.get(reverse("improvement:gap_pdf", args=[integrated.pk]))
    assert page.status_code == 200 and "Prepare the PDF" in page.content.decode()

    # The button posts; the render runs in the task (eager in tests) once the request commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:subject", args=[GAP_ANALYSIS, integrated.pk]))
    document = Document.objects.get(kind=GAP_ANALYSIS, object_id=integrated.pk)
    assert response.url == reverse("documents:status", args=[document.pk])
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY, document.error

    download = client.get(reverse("documents:download", args=[document.pk]))
    pdf = b"".join(download.streaming_content)
    assert download["Content-Disposition"] == f'attachment; filename="gap-analysis-{integrated.pk}.pdf"'
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == document.sha256
    text = pdf_text(pdf)
    for expected in (
        "QMS + EMS",
        "Organisation A",
        "Readiness",
        "Combined",
        "Audit programme drafted",
        "A-1 Train auditors",
        "Contributor A",
        "No design work",
        "Partially conforming",
        "Not applicable",
        "HS-9.2",
    ):
        assert expected in text, expected
    assert (
        reverse("documents:download", args=[document.pk])
        in client.get(integrated.get_absolute_url()).content.decode()
    )


def test_the_gap_page_request_does_not_render_a_pdf(
    client, world, integrated, django_capture_on_commit_callbacks
):
    """Without the task, a request leaves a queued document and returns at once."""
    client.force_login(world.qm_a)
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        client.post(reverse("documents:subject", args=[GAP_ANALYSIS, integrated.pk]), HTTP_HX_REQUEST="true")
    assert len(enqueued) == 1
    assert Document.objects.get().status == DocumentStatus.QUEUED
    page = client.get(integrated.get_absolute_url()).content.decode()
    assert "Queued…" in page and 'hx-trigger="every 1s"' in page
