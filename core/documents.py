"""Documents rendered off the request path: a registry of kinds, the request, the render.

Each app registers its kinds in its AppConfig.ready (``audits/documents.py``): how to render a
subject to bytes, which subjects a user may see, and the file name. A request creates a
``Document`` row (or re-uses the one already queued or rendering for the same subject and kind)
and enqueues ``core.render_document`` on the ``pdf`` queue once the transaction commits. The task
claims the row with a conditional update, so a duplicate or retried task does nothing, renders,
stores the file with its SHA-256 and size, and marks it ready, or failed with a short error.
Every row is kept: a new request renders afresh and the older files stay, unless a ready file
answers it (a kind rendered `once`, or one of the subject's same content `version`). Each person
may start `DOCUMENT_RATE` renders (settings), so no reader can keep the workers busy.

Nothing here imports a renderer: WeasyPrint is imported by ``core.pdf``, which the registered
render functions import when they run, in the worker.
"""

import datetime
import functools
import hashlib
import logging
import operator
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import ratelimit
from core.enqueue import enqueue_on_commit
from core.errors import DomainError, NotAllowed
from core.models import Document, DocumentStatus

logger = logging.getLogger(__name__)

# A render that started this long ago and never finished died with its worker: it may be claimed
# again (the Celery hard time limit is 300 s).
STALE_AFTER = datetime.timedelta(minutes=6)
# A queued row whose task has not started after this long is enqueued again, on the next request
# and by the sweeper (`documents_requeue`): the broker may have been down; duplicates are harmless.
RESEND_AFTER = datetime.timedelta(seconds=30)
ERROR_MAX = 500

NOT_ALLOWED = _("You may not see this record, so you cannot have its document.")
PENDING = (DocumentStatus.QUEUED, DocumentStatus.RENDERING)


class UnknownKind(DomainError):
    """No renderer is registered for this kind of document."""


class TooManyRequests(DomainError):
    """The person asked for more renders than `DOCUMENT_RATE` allows."""


@dataclass(frozen=True)
class DocumentKind:
    kind: str
    label: str
    model: type[models.Model]
    render: Callable[[models.Model], bytes]
    subjects_for: Callable[[object], QuerySet]
    filename: Callable[[models.Model], str]
    once: bool = False  # rendered once: a ready document is kept, never rendered again
    # the subject's content version ("" while it may still change): a ready document of the same
    # version answers a new request instead of a new render
    version: Callable[[models.Model], str] | None = None


_KINDS: dict[str, DocumentKind] = {}


def register(
    kind: str,
    *,
    label: str,
    model: type[models.Model],
    render: Callable[[models.Model], bytes],
    subjects_for: Callable[[object], QuerySet],
    filename: Callable[[models.Model], str],
    once: bool = False,
    version: Callable[[models.Model], str] | None = None,
) -> None:
    """Register a kind of document (called from an AppConfig.ready; registering again replaces).
    `once`: the subject never changes once it has a document (an issued certificate revision), so
    a ready document answers every later request. `version`: the subject's content version, ""
    while it may still change; a ready document of the same version answers a request."""
    _KINDS[kind] = DocumentKind(kind, label, model, render, subjects_for, filename, once, version)


def kind_of(kind: str) -> DocumentKind:
    try:
        return _KINDS[kind]
    except KeyError:
        raise UnknownKind(_("There is no document of this kind.")) from None


def registered_kinds() -> list[str]:
    return sorted(_KINDS)


def documents_of(kind: str, object_id: int) -> QuerySet[Document]:
    """Every document of the subject of this kind, the newest first (the kind names the model)."""
    return Document.objects.filter(kind=kind, object_id=object_id).order_by("-requested_at", "-pk")


def latest_document(kind: str, object_id: int) -> Document | None:
    return documents_of(kind, object_id).first()


def latest_documents(kinds: list[str], object_id: int) -> dict[str, Document | None]:
    """The latest document of each kind of one subject, in one query (none without kinds)."""
    found: dict[str, Document | None] = dict.fromkeys(kinds)
    if kinds:
        latest = functools.reduce(
            operator.or_,
            (Q(pk=Subquery(documents_of(kind, object_id).values("pk")[:1])) for kind in kinds),
        )
        for document in Document.objects.filter(latest):
            found[document.kind] = document
    return found


def subject_of(document: Document, user) -> models.Model:
    """The document's subject if ``user`` may see it; ``DoesNotExist`` otherwise (a view's 404)."""
    entry = kind_of(document.kind)
    return entry.subjects_for(user).get(pk=document.object_id)


def original_name(document: Document) -> str:
    """The file name without the storage path and the ``<pk>-`` prefix it was stored under."""
    return PurePosixPath(document.file.name).name.removeprefix(f"{document.pk}-")


def _pending(documents: QuerySet[Document], now: datetime.datetime) -> Document | None:
    """The queued, or the rendering and not stale, document to re-use."""
    return (
        documents.filter(
            Q(status=DocumentStatus.QUEUED)
            | Q(status=DocumentStatus.RENDERING, started_at__gte=now - STALE_AFTER)
        )
        .select_for_update()
        .first()
    )


@transaction.atomic
def document_request(*, actor, kind: str, subject: models.Model) -> Document:
    """Ask for the subject's document of this kind to be rendered; returns the row to follow.

    Re-uses a document of the same subject and kind that is still queued or rendering; otherwise
    creates a new row, so a finished document is never overwritten. ``actor=None`` is the system
    (the benchmark, demo data) and skips the access check, which every other caller gets.
    """
    entry = kind_of(kind)
    if actor is not None and not entry.subjects_for(actor).filter(pk=subject.pk).exists():
        raise NotAllowed(NOT_ALLOWED)
    # Lock the subject's row: two requests at once create one document, not two.
    entry.model._default_manager.select_for_update().filter(pk=subject.pk).exists()
    version = entry.version(subject) if entry.version else ""
    if ready := _ready(entry, subject, version):
        return ready
    now = timezone.now()
    pending = _pending(documents_of(kind, subject.pk), now)
    if pending is not None:
        if pending.status == DocumentStatus.QUEUED and pending.requested_at < now - RESEND_AFTER:
            _enqueue_on_commit(pending.pk)
        return pending
    _count_render(actor)
    document = Document.objects.create(
        kind=kind,
        subject=subject,
        version=version,
        requested_by=actor,
        requested_at=now,
        status=DocumentStatus.QUEUED,
    )
    _enqueue_on_commit(document.pk)
    return document


def _ready(entry: DocumentKind, subject: models.Model, version: str) -> Document | None:
    """The ready document that answers a request: any of a kind rendered once, else one of the
    subject's current content version (none while the content may still change)."""
    if not entry.once and not version:
        return None
    ready = documents_of(entry.kind, subject.pk).filter(status=DocumentStatus.READY)
    return (ready if entry.once else ready.filter(version=version)).first()


def _count_render(actor) -> None:
    """Each person may start `DOCUMENT_RATE` renders (a PDF costs the worker up to seconds);
    a document re-used or followed costs nothing."""
    if actor is None:
        return
    wait = ratelimit.hit(group="documents", key=str(actor.pk), rate=settings.DOCUMENT_RATE)
    if wait is not None:
        minutes = max(1, round(wait / 60))
        raise TooManyRequests(
            ngettext(
                "You asked for many documents in a short time: try again in a minute.",
                "You asked for many documents in a short time: try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes}
        )


def _enqueue_on_commit(*document_ids: int) -> None:
    from core.tasks import render_document  # the tasks module imports this one

    enqueue_on_commit(render_document, document_ids, what="document")


REQUEUE_BATCH = 500  # documents enqueued again per sweep; the next sweep takes the rest


def documents_requeue(*, now: datetime.datetime) -> list[int]:
    """The sweeper (beat every few minutes, `manage.py requeue_documents`): enqueue again the
    documents queued for longer than RESEND_AFTER (the broker was down when they were asked for, or
    their message was lost) and those whose render went stale (its worker died), so nobody has to
    ask twice. A duplicate message is harmless: the task claims the row once. Returns the ids."""
    waiting = (
        Document.objects.filter(
            Q(status=DocumentStatus.QUEUED, requested_at__lt=now - RESEND_AFTER)
            | Q(status=DocumentStatus.RENDERING, started_at__lt=now - STALE_AFTER)
        )
        .order_by("requested_at", "pk")
        .values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    ids = list(waiting)
    _enqueue_on_commit(*ids)
    return ids


def document_render(document_id: int) -> Document | None:
    """The task's body: claim, render, store. Returns the document, or None when it was not ours.

    The claim is a conditional update (queued → rendering, or a stale rendering taken over), so a
    second delivery of the same task finds nothing to do. The result is written only if the row is
    still ours (same ``started_at``); a file written for a row lost meanwhile is removed again.
    """
    now = timezone.now()
    claimable = Q(status=DocumentStatus.QUEUED) | Q(
        status=DocumentStatus.RENDERING, started_at__lt=now - STALE_AFTER
    )
    claimed = Document.objects.filter(claimable, pk=document_id).update(
        status=DocumentStatus.RENDERING, started_at=now, error=""
    )
    if not claimed:
        return None
    document = Document.objects.get(pk=document_id)
    ours = Document.objects.filter(pk=document_id, status=DocumentStatus.RENDERING, started_at=now)
    try:
        entry = kind_of(document.kind)
        subject = entry.model._default_manager.get(pk=document.object_id)
        content = entry.render(subject)
        name = entry.filename(subject)
    except Exception as error:
        logger.exception("Rendering document %s (%s) failed", document.pk, document.kind)
        message = f"{type(error).__name__}: {error}"[:ERROR_MAX]
        ours.update(status=DocumentStatus.FAILED, error=message, rendered_at=timezone.now())
        document.refresh_from_db()
        return document
    try:
        document.file.save(name, ContentFile(content), save=False)
    except OSError as error:  # the storage is full or not writable: failed, and a new request retries
        logger.exception("Storing document %s (%s) failed", document.pk, document.kind)
        message = f"The storage could not take the file ({type(error).__name__}: {error})"[:ERROR_MAX]
        ours.update(status=DocumentStatus.FAILED, error=message, rendered_at=timezone.now())
        document.refresh_from_db()
        return document
    stored = ours.update(
        status=DocumentStatus.READY,
        file=document.file.name,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        rendered_at=timezone.now(),
    )
    if not stored:
        document.file.storage.delete(document.file.name)
        return None
    document.refresh_from_db()
    return document
