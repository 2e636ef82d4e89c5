"""A worker killed in the middle of rendering a PDF: the document is taken over once it is stale
and rendered once, by the next worker (the same proof as the reminders' in
tests/certificates/test_reminder_worker.py)."""

import datetime
import subprocess
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from config.celery import app
from core.documents import STALE_AFTER, documents_requeue
from core.models import Document, DocumentStatus
from tests.certificates.test_reminder_worker import require, require_redis
from tests.processes import kill, start_worker_beside, wait_for

KIND = "tests.slow_sheet"  # tests/core/slow_document_worker.py
TASK = "core.render_document"


def _start_worker(var_dir: Path, log: Path, *, delay: float) -> subprocess.Popen:
    return start_worker_beside(
        log,
        app="tests.core.slow_document_worker",
        queues="pdf",
        VAR_DIR=str(var_dir),
        TEST_RENDER_DELAY=str(delay),
    )


def _status(document: Document) -> str:
    document.refresh_from_db()
    return document.status


def _files(var_dir: Path) -> list[Path]:
    return [path for path in (var_dir / "media").rglob("*") if path.is_file()]


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_rendering_loses_nothing_and_renders_once(world, tmp_path):
    require_redis()
    require(
        connection.vendor == "postgresql",
        "A worker in its own process needs the test database in PostgreSQL.",
    )
    log = tmp_path / "worker.log"
    document = Document.objects.create(kind=KIND, subject=world.org_a, status=DocumentStatus.QUEUED)
    first = second = None
    app.conf.task_always_eager = False  # the sweeper's tasks go to the broker, to the worker
    try:
        first = _start_worker(tmp_path, log, delay=120)  # renders only after two minutes
        app.send_task(TASK, args=[document.pk], queue="pdf")
        wait_for(
            lambda: _status(document) == DocumentStatus.RENDERING,
            seconds=45,
            what=f"the first worker to claim the document (log: {log})",
        )
        kill(first)  # SIGKILL to the whole worker, in the middle of rendering

        assert _status(document) == DocumentStatus.RENDERING and _files(tmp_path) == []
        assert documents_requeue(now=timezone.now()) == []  # not stale yet: its worker may be alive
        # Time passes: the render is stale (longer than any render runs)
        Document.objects.filter(pk=document.pk).update(
            started_at=timezone.now() - STALE_AFTER - datetime.timedelta(seconds=1)
        )
        second = _start_worker(tmp_path, log, delay=0)
        assert documents_requeue(now=timezone.now()) == [document.pk]
        wait_for(
            lambda: _status(document) == DocumentStatus.READY,
            seconds=45,
            what=f"the second worker to render the document (log: {log})",
        )
        [stored] = _files(tmp_path)  # one file: nothing half-written by the killed worker
        assert stored.read_bytes() == f"%PDF-1.7 sheet of {world.org_a.name}".encode()
        assert document.size == stored.stat().st_size and document.file.name.endswith(".pdf")
    finally:
        app.conf.task_always_eager = True
        kill(first)
        kill(second)
        _purge_pdf_queue()


def _purge_pdf_queue() -> None:
    """The killed worker's message stays unacknowledged on Redis, to come back after the visibility
    timeout to whatever worker then uses this broker database: remove it."""
    with app.connection_for_write() as broker:
        client = broker.default_channel.client
        for tag, raw in client.hgetall("unacked").items():
            if TASK.encode() in raw:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
