"""The `pdf` queue with a real worker on the broker (Redis in CI): a document requested in one
transaction is rendered by a worker consuming only `pdf`, and the file is stored."""

import hashlib
import os
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from config.celery import app
from core.documents import document_request
from core.models import Document, DocumentStatus
from tests.core.test_pdf import pdf_text

GAP_ANALYSIS = "improvement.gap_analysis"


def test_render_document_is_routed_to_the_pdf_queue():
    assert app.amqp.router.route({}, "core.render_document")["queue"].name == "pdf"
    assert app.amqp.router.route({}, "core.send_email")["queue"].name == "celery"


@pytest.fixture
def pdf_worker(settings, tmp_path):
    if not settings.REDIS_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true: REDIS_URL must be set, the pdf queue is tested on Redis.")
        pytest.skip("REDIS_URL is not set: the pdf queue is tested against Redis only.")
    assert app.conf.broker_url.startswith("redis://")
    settings.MEDIA_ROOT = tmp_path
    app.conf.task_always_eager = False
    try:
        with start_worker(
            app,
            queues=["pdf"],
            pool="solo",
            perform_ping_check=False,
            shutdown_timeout=10,
            loglevel="WARNING",
        ):
            yield
    finally:
        app.conf.task_always_eager = True


@pytest.mark.django_db(transaction=True)
def test_a_gap_analysis_pdf_is_rendered_by_a_worker_on_the_pdf_queue(pdf_worker, world):
    from improvement.services import gap as gap_services
    from tests import factories

    edition = factories.ClauseFactory(
        edition__standard__code="ISO 9999", number="4.1", title="Context"
    ).edition
    analysis = gap_services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title="Queue check", editions=[edition], sites=[]
    )
    document = document_request(actor=world.qm_a, kind=GAP_ANALYSIS, subject=analysis)  # commits: enqueued

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        document.refresh_from_db()
        if not document.is_pending:
            break
        time.sleep(0.2)
    assert document.status == DocumentStatus.READY, document.error
    content = document.file.read()
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == document.sha256 and document.size == len(content)
    assert "Queue check" in pdf_text(content)
    assert Document.objects.count() == 1
    assert settings.CELERY_TASK_ROUTES["core.render_document"] == {"queue": "pdf"}
