"""The Celery app for a worker a test starts in its own process (`celery -A
tests.core.slow_document_worker worker`), with one kind of document more: `tests.slow_sheet`, whose
render waits TEST_RENDER_DELAY seconds first (the test kills the worker in the middle)."""

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

from config.celery import app  # noqa: E402
from core import documents  # noqa: E402
from organisations.models import Organisation  # noqa: E402

KIND = "tests.slow_sheet"


def _render(organisation: Organisation) -> bytes:
    time.sleep(float(os.environ.get("TEST_RENDER_DELAY", "0")))
    return f"%PDF-1.7 sheet of {organisation.name}".encode()


documents.register(
    KIND,
    label="Slow sheet",
    model=Organisation,
    render=_render,
    subjects_for=lambda user: Organisation.objects.all(),
    filename=lambda organisation: f"sheet-{organisation.pk}.pdf",
)

__all__ = ["KIND", "app"]
