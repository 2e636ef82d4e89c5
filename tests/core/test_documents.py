"""Documents off the request path (core.documents): the request, the task's claim, the views."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from core import documents
from core.documents import STALE_AFTER, document_render, document_request
from core.errors import NotAllowed
from core.models import Document, DocumentStatus
from organisations.access import organisations_for
from organisations.models import Organisation

pytestmark = pytest.mark.django_db

KIND = "tests.organisation_sheet"


class Renders:
    """The fake renderer: counts its calls and can be told to fail."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail = False

    def __call__(self, organisation) -> bytes:
        self.calls += 1
        if self.fail:
            raise RuntimeError("the renderer broke " + "x" * 600)
        return f"%PDF-1.7 sheet of {organisation.name}".encode()


@pytest.fixture
def renders(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    renderer = Renders()
    documents.register(
        KIND,
        label="Organisation sheet",
        model=Organisation,
        render=renderer,
        subjects_for=organisations_for,
        filename=lambda organisation: f"sheet-{organisation.pk}.pdf",
    )
    yield renderer
    documents._KINDS.pop(KIND, None)


@pytest.fixture
def request_now(django_capture_on_commit_callbacks):
    """Request a document and run what was enqueued on commit (the task, eager in tests)."""

    def request(actor, subject) -> Document:
        with django_capture_on_commit_callbacks(execute=True):
            document = document_request(actor=actor, kind=KIND, subject=subject)
        document.refresh_from_db()
        return document

    return request


def test_a_request_renders_stores_and_hashes_the_file(world, renders, request_now):
    document = request_now(world.qm_a, world.org_a)

    content = b"%PDF-1.7 sheet of Organisation A"
    assert document.status == DocumentStatus.READY
    assert document.file.read() == content
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size == len(content)
    assert document.requested_by == world.qm_a
    assert document.started_at and document.rendered_at and document.error == ""
    assert documents.original_name(document) == f"sheet-{world.org_a.pk}.pdf"
    assert renders.calls == 1


def test_a_request_while_pending_reuses_the_row(world, renders, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        first = document_request(actor=world.qm_a, kind=KIND, subject=world.org_a)
        second = document_request(actor=world.viewer_a, kind=KIND, subject=world.org_a)
    assert first.pk == second.pk and first.status == DocumentStatus.QUEUED
    assert len(enqueued) == 1
    assert Document.objects.count() == 1


def test_a_queued_row_left_behind_is_sent_again(world, renders, django_capture_on_commit_callbacks):
    first = document_request(actor=world.qm_a, kind=KIND, subject=world.org_a)
    Document.objects.filter(pk=first.pk).update(requested_at=timezone.now() - documents.RESEND_AFTER * 2)
    with django_capture_on_commit_callbacks(execute=True) as enqueued:
        again = document_request(actor=world.qm_a, kind=KIND, subject=world.org_a)
    assert again.pk == first.pk and len(enqueued) == 1
    again.refresh_from_db()
    assert again.status == DocumentStatus.READY


def test_the_claim_is_conditional_so_a_duplicate_task_does_nothing(world, renders, request_now):
    document = request_now(world.qm_a, world.org_a)
    rendered_at = document.rendered_at

    assert document_render(document.pk) is None
    document.refresh_from_db()
    assert (document.status, document.rendered_at, renders.calls) == (DocumentStatus.READY, rendered_at, 1)

    rendering = Document.objects.create(
        kind=KIND, subject=world.org_a, status=DocumentStatus.RENDERING, started_at=timezone.now()
    )
    assert document_render(rendering.pk) is None
    assert renders.calls == 1


def test_a_render_whose_worker_died_is_taken_over(world, renders):
    stale = Document.objects.create(
        kind=KIND,
        subject=world.org_a,
        status=DocumentStatus.RENDERING,
        started_at=timezone.now() - STALE_AFTER * 2,
    )
    assert document_render(stale.pk).status == DocumentStatus.READY


def test_a_failed_render_is_recorded_and_a_new_request_renders_afresh(world, renders, request_now):
    renders.fail = True
    failed = request_now(world.qm_a, world.org_a)
    assert failed.status == DocumentStatus.FAILED
    assert failed.error.startswith("RuntimeError: the renderer broke") and len(failed.error) == 500
    assert not failed.file

    renders.fail = False
    ready = request_now(world.qm_a, world.org_a)
    again = request_now(world.qm_a, world.org_a)
    assert ready.pk != failed.pk and again.pk not in (ready.pk, failed.pk)
    assert [d.status for d in Document.objects.order_by("pk")] == ["failed", "ready", "ready"]
    assert ready.file.name != again.file.name and ready.file.read() == again.file.read()


def test_a_request_for_a_record_the_actor_cannot_see_is_refused(world, renders):
    with pytest.raises(NotAllowed):
        document_request(actor=world.qm_b, kind=KIND, subject=world.org_a)
    assert not Document.objects.exists()


# --- views ------------------------------------------------------------------------------------------


def test_post_without_javascript_redirects_to_the_status_page(
    client, world, renders, django_capture_on_commit_callbacks
):
    client.force_login(world.qm_a)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("documents:subject", args=[KIND, world.org_a.pk]))
    document = Document.objects.get()
    assert response.status_code == 302 and response.url == reverse("documents:status", args=[document.pk])

    page = client.get(response.url).content.decode()
    assert "Queued…" in page or "Rendering…" in page
    assert reverse("documents:status", args=[document.pk]) in page  # "Check again", a plain link


def test_htmx_polls_every_second_while_pending_then_shows_the_download(
    client, world, renders, django_capture_on_commit_callbacks
):
    client.force_login(world.qm_a)
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        response = client.post(
            reverse("documents:subject", args=[KIND, world.org_a.pk]), HTTP_HX_REQUEST="true"
        )
    fragment = response.content.decode()
    document = Document.objects.get()
    assert "<html" not in fragment
    assert 'hx-trigger="every 1s"' in fragment
    assert f'hx-get="{reverse("documents:status", args=[document.pk])}"' in fragment

    enqueued[0]()  # the task runs
    fragment = client.get(
        reverse("documents:status", args=[document.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "hx-trigger" not in fragment
    assert reverse("documents:download", args=[document.pk]) in fragment


def test_download_serves_the_stored_pdf(client, world, renders, request_now):
    document = request_now(world.qm_a, world.org_a)
    client.force_login(world.viewer_a)
    response = client.get(reverse("documents:download", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="sheet-{world.org_a.pk}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == document.sha256


def test_another_tenant_gets_404_and_anonymous_the_login(client, world, renders, request_now):
    document = request_now(world.qm_a, world.org_a)
    urls = [
        reverse("documents:status", args=[document.pk]),
        reverse("documents:download", args=[document.pk]),
        reverse("documents:subject", args=[KIND, world.org_a.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(world.qm_b)
    for url in urls:
        assert client.get(url).status_code == 404
    assert client.post(urls[2]).status_code == 404
    assert client.get(reverse("documents:subject", args=["no.such_kind", world.org_a.pk])).status_code == 404
    assert Document.objects.count() == 1


def test_a_pending_document_has_no_download(client, world, renders):
    document = Document.objects.create(kind=KIND, subject=world.org_a, requested_by=world.qm_a)
    client.force_login(world.qm_a)
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404


def test_weasyprint_is_imported_only_where_a_pdf_is_rendered():
    """Loading every URL (and so every view module) must not import WeasyPrint."""
    code = (
        "import sys, django; django.setup(); "
        "from django.urls import get_resolver; get_resolver().url_patterns; import config.urls; "
        "import core.tasks, audits.documents; "
        "print('weasyprint' in sys.modules)"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(  # noqa: S603  (the arguments are this test's own literals)
        [sys.executable, "-c", code],
        cwd=Path(django_settings.BASE_DIR),
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stdout + result.stderr


# --- re-use and the per-person limit -------------------------------------------------------------


@pytest.fixture
def versioned(renders):
    """The organisation sheet with a content version: its name (any change of it is a new one)."""
    documents._KINDS[KIND] = documents._KINDS[KIND].__class__(
        **{**documents._KINDS[KIND].__dict__, "version": lambda organisation: organisation.name}
    )
    return renders


def test_a_ready_file_of_the_same_content_version_is_reused(world, versioned, request_now):
    first = request_now(world.qm_a, world.org_a)
    assert request_now(world.viewer_a, world.org_a) == first and versioned.calls == 1
    Organisation.objects.filter(pk=world.org_a.pk).update(name="Organisation A renamed")
    world.org_a.refresh_from_db()
    second = request_now(world.qm_a, world.org_a)
    assert second != first and second.version == "Organisation A renamed" and versioned.calls == 2


def test_a_kind_without_a_version_renders_afresh(world, renders, request_now):
    first = request_now(world.qm_a, world.org_a)
    assert request_now(world.qm_a, world.org_a) != first and renders.calls == 2


def test_a_person_may_start_only_so_many_renders(world, renders, request_now, settings):
    settings.RATELIMIT_ENABLE = True
    settings.DOCUMENT_RATE = "2/10m"
    cache.clear()
    request_now(world.qm_a, world.org_a)
    request_now(world.qm_a, world.org_a)
    with pytest.raises(documents.TooManyRequests, match=r"try again in (a minute|\d+ minutes)"):
        request_now(world.qm_a, world.org_a)
    assert renders.calls == 2 and Document.objects.count() == 2
    assert request_now(world.viewer_a, world.org_a).is_ready  # everyone has their own count


def test_over_the_limit_the_page_says_so_without_an_error_page(
    client, world, renders, settings, django_capture_on_commit_callbacks
):
    settings.RATELIMIT_ENABLE = True
    settings.DOCUMENT_RATE = "1/10m"
    cache.clear()
    client.force_login(world.qm_a)
    url = reverse("documents:subject", args=[KIND, world.org_a.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "many documents in a short time" in response.content.decode()
    response = client.post(url, follow=True)
    assert response.status_code == 200 and "many documents in a short time" in response.content.decode()
    assert Document.objects.count() == 1


def test_a_completed_gap_analysis_pdf_is_rendered_once_per_completion(world):
    version = documents.kind_of("improvement.gap_analysis").version
    analysis = type("Analysis", (), {"completed_at": None})()
    assert version(analysis) == ""
    analysis.completed_at = timezone.now()
    assert version(analysis) == analysis.completed_at.isoformat()
