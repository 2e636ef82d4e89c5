"""When a service fails, pages degrade and nothing is lost: Redis stopped (the rate limits count per
process, the public pages answer), the broker down when a document is asked for (the sweeper sends
it later), the database gone for a moment (a 503 that asks to try again, tasks retried), the upload
storage full (a clear message, nothing saved, no partly written file)."""

import datetime
import io
import logging
import os
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import ratelimit
from core.documents import RESEND_AFTER, STALE_AFTER, document_render, documents_requeue
from core.models import Document, DocumentStatus
from core.storage import AtomicFileSystemStorage
from core.tasks import render_document
from improvement.enums import ActionSource
from improvement.models import ActionEvidenceFile
from improvement.services import actions as action_services
from tests.core.test_documents import KIND, renders  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

# A Redis nobody listens on: every call fails at once, as when the server is stopped
UNREACHABLE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@pytest.fixture
def redis_down(settings):
    ratelimit._lost.clear()
    ratelimit._local.clear()
    settings.CACHES = UNREACHABLE
    settings.RATELIMIT_ENABLE = True
    yield settings
    ratelimit._lost.clear()
    ratelimit._local.clear()


def _warnings(caplog, text: str) -> int:
    return sum(1 for r in caplog.records if r.levelno == logging.WARNING and text in r.getMessage())


def test_with_redis_down_a_rate_limit_counts_in_the_process_and_warns_once(redis_down, caplog):
    caplog.set_level(logging.WARNING, logger="core.ratelimit")
    waits = [ratelimit.hit(group="tests", key="198.51.100.7", rate="2/m", now=1_000_000.0) for _ in range(3)]
    assert waits[:2] == [None, None] and waits[2] is not None and 1 <= waits[2] <= 60  # limited, not open
    assert ratelimit.hit(group="tests", key="198.51.100.8", rate="2/m", now=1_000_000.0) is None
    assert _warnings(caplog, "the shared cache does not answer") == 1


def test_when_redis_answers_again_the_limits_are_shared_again(redis_down, settings, caplog):
    caplog.set_level(logging.WARNING, logger="core.ratelimit")
    ratelimit.hit(group="tests", key="k", rate="5/m")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    ratelimit.hit(group="tests", key="k", rate="5/m")
    ratelimit.hit(group="tests", key="k", rate="5/m")
    assert _warnings(caplog, "the shared cache answers again") == 1
    assert not ratelimit._lost.is_set()


def test_with_redis_down_the_public_verification_answers(client, redis_down, settings):
    settings.VERIFICATION_RATE_MINUTE = "3/m"
    statuses = [client.get(reverse("verification:search"), {"q": "NOPE-1"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # answered, and still limited


# --- the broker down when a document is asked for ---------------------------------------------


def test_the_sweeper_sends_again_what_the_broker_never_took(
    world,
    renders,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    now = timezone.now()

    def document(status, **times):
        return Document.objects.create(kind=KIND, subject=world.org_a, status=status, **times)

    lost = document(DocumentStatus.QUEUED, requested_at=now - RESEND_AFTER * 3)
    died = document(
        DocumentStatus.RENDERING, requested_at=now - STALE_AFTER * 3, started_at=now - STALE_AFTER * 2
    )
    document(DocumentStatus.QUEUED, requested_at=now)  # just asked for: its message is on its way
    document(DocumentStatus.RENDERING, requested_at=now, started_at=now)  # a worker is on it
    document(DocumentStatus.READY, requested_at=now - RESEND_AFTER * 3)
    with (
        mock.patch.object(render_document, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert documents_requeue(now=now) == [died.pk, lost.pk]
    assert sorted(call.args[0] for call in delay.call_args_list) == sorted([lost.pk, died.pk])


def test_the_sweeper_renders_the_lost_document_once(
    world,
    renders,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    lost = Document.objects.create(
        kind=KIND,
        subject=world.org_a,
        status=DocumentStatus.QUEUED,
        requested_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # the task runs (eager in the tests)
        call_command("requeue_documents", stdout=out)
    lost.refresh_from_db()
    assert lost.status == DocumentStatus.READY and renders.calls == 1
    assert "1 document(s) enqueued again." in out.getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("requeue_documents", stdout=out)  # nothing left: nothing rendered twice
    assert renders.calls == 1 and "0 document(s) enqueued again." in out.getvalue()


def test_the_beat_runs_the_documents_sweeper(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["requeue-documents"]
    assert schedule["task"] == "core.requeue_documents" and schedule["schedule"] <= 5 * 60


# --- the database gone for a moment -------------------------------------------------------------


def test_a_request_that_finds_no_database_gets_503_asking_to_try_again(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.qm_a)
    gone = OperationalError("server closed the connection unexpectedly")
    with mock.patch("config.views.response_selectors.dashboard_for", side_effect=gone):
        response = client.get(reverse("dashboard"))
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "Back in a moment" in response.content.decode() and "Traceback" not in response.content.decode()
    with mock.patch("config.views.response_selectors.dashboard_for", side_effect=ValueError("a bug")):
        response = client.get(reverse("dashboard"))
    assert response.status_code == 500 and "Something went wrong" in response.content.decode()


def test_a_task_that_finds_no_database_is_tried_again(world, renders):  # noqa: F811
    document = Document.objects.create(kind=KIND, subject=world.org_a, status=DocumentStatus.QUEUED)
    calls = []

    def flaky(pk):
        calls.append(pk)
        if len(calls) == 1:
            raise OperationalError("the database is restarting")
        return document_render(pk)

    with mock.patch("core.tasks.document_render", side_effect=flaky):
        result = render_document.apply(args=[document.pk], throw=False)  # as a worker runs it
    document.refresh_from_db()
    assert result.successful() and len(calls) == 2 and document.status == DocumentStatus.READY


# --- the upload storage full or not writable ---------------------------------------------------

NO_SPACE = OSError(28, "No space left on device")


@pytest.fixture
def evidence_upload(client, world, settings, tmp_path):
    """An action of organisation A, its quality manager signed in, and where to upload its evidence."""
    settings.MEDIA_ROOT = tmp_path
    action = action_services.action_create(
        actor=world.qm_a, organisation=world.org_a, source=ActionSource.OTHER, title="Fix", owner=world.qm_a
    )
    client.force_login(world.qm_a)
    return action, reverse("improvement:action_file_add", args=[action.pk])


def test_an_upload_the_storage_cannot_take_is_refused_and_saves_nothing(client, evidence_upload):
    action, add = evidence_upload
    with mock.patch("django.core.files.storage.FileSystemStorage._save", side_effect=NO_SPACE):
        response = client.post(add, {"file": SimpleUploadedFile("minutes.txt", b"minutes")})
    assert (
        response.status_code == 200
        and "the storage is full or cannot be written" in response.content.decode()
    )
    assert not ActionEvidenceFile.objects.filter(action=action).exists()
    assert client.post(add, {"file": SimpleUploadedFile("minutes.txt", b"minutes")}).status_code == 302


class _DiskFillsUp(ContentFile):
    """A file whose second chunk meets a full disk."""

    def chunks(self, chunk_size=None):
        yield b"the first half"
        raise OSError(28, "No space left on device")


def test_a_disk_that_fills_up_mid_write_leaves_no_partly_written_file(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    storage = AtomicFileSystemStorage(location=tmp_path)
    with pytest.raises(OSError, match="No space left"):
        storage.save("documents/report.pdf", _DiskFillsUp(b""))
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []
    assert storage.save("documents/report.pdf", ContentFile(b"whole")) == "documents/report.pdf"
    assert (tmp_path / "documents" / "report.pdf").read_bytes() == b"whole"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["report.pdf"]  # nothing staged is left
    assert oct((tmp_path / "documents" / "report.pdf").stat().st_mode & 0o777) == oct(0o644)


def test_an_upload_cut_by_a_full_disk_saves_no_record_and_no_file(client, evidence_upload, tmp_path):
    action, add = evidence_upload
    real_fdopen = os.fdopen

    class FillingDisk(io.BytesIO):
        """The disk under the file being written: it takes a few bytes, then is full."""

        def __init__(self, fd, mode):
            super().__init__()
            self.file = real_fdopen(fd, mode)

        def write(self, data):
            self.file.write(data[:4])
            self.file.flush()
            raise OSError(28, "No space left on device")

        def close(self):
            self.file.close()

    with mock.patch("core.storage.os.fdopen", FillingDisk):
        response = client.post(add, {"file": SimpleUploadedFile("plan.pdf", b"%PDF-1.7 minutes")})
    assert response.status_code == 200 and "the storage is full" in response.content.decode()
    assert not ActionEvidenceFile.objects.filter(action=action).exists()
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_a_document_the_storage_cannot_take_fails_clearly_and_a_new_request_renders_it(
    world,
    renders,  # noqa: F811
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    document = Document.objects.create(kind=KIND, subject=world.org_a, status=DocumentStatus.QUEUED)
    with mock.patch("django.core.files.storage.FileSystemStorage._save", side_effect=NO_SPACE):
        failed = document_render(document.pk)
    assert failed.status == DocumentStatus.FAILED and "storage could not take the file" in failed.error
    assert not failed.file
    again = Document.objects.create(kind=KIND, subject=world.org_a, status=DocumentStatus.QUEUED)
    assert document_render(again.pk).status == DocumentStatus.READY
