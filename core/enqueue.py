"""Handing work to Celery once the rows that describe it are committed. The database is the record
of the work (a queued document, a pending e-mail or reminder); the broker only carries a nudge. If
the broker is down, the rest of the nudges are dropped with one log line and the rows wait for
their sweeper (`core.documents`, `core.outbox`, `certificates.services.reminders`)."""

import logging
from collections.abc import Iterable

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, ids: Iterable[int], *, what: str) -> None:
    """Send `task(id)` for each id after the current transaction commits (at once outside one)."""
    ids = list(ids)
    if not ids:
        return

    def send() -> None:
        for pk in ids:
            try:
                task.delay(pk)
            except Exception:
                logger.exception("Could not enqueue %s %s; it waits for its sweeper", what, pk)
                return

    transaction.on_commit(send)
