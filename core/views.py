import sys

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.db import InterfaceError, OperationalError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core import documents, health
from core.errors import DomainError
from core.models import Document

DATABASE_RETRY_SECONDS = 30  # what a 503 asks the browser (and a proxy) to wait


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler. When the database does not answer (restarted, failing over), a short page
    with status 503 asks to try again in a moment instead; it renders without a query, since the
    database is what is missing. Django has logged the error before calling this."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        body = loader.get_template("503.html").render()
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(DATABASE_RETRY_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return defaults.server_error(request)


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links (and the admin links none): the icon
    is the static SVG that every page links."""
    return redirect(static("img/favicon.svg"), permanent=True)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring (core.health): 200 while the database answers, with the
    broker and the last daily job reported ("degraded" when either needs an operator), 503
    otherwise."""
    report = health.report()
    return JsonResponse(report, status=503 if report["status"] == "unavailable" else 200)


# --- Documents rendered off the request path (core.documents) -------------------------------------


def _entry(kind: str) -> documents.DocumentKind:
    try:
        return documents.kind_of(kind)
    except documents.UnknownKind:
        raise Http404 from None


def _visible_document(request: HttpRequest, document_pk: int) -> tuple[Document, object]:
    """The document and its subject, if the user may see the subject (another tenant's: 404)."""
    document = get_object_or_404(Document, pk=document_pk)
    entry = _entry(document.kind)
    try:
        subject = entry.subjects_for(request.user).get(pk=document.object_id)
    except ObjectDoesNotExist:
        raise Http404 from None
    return document, subject


def _panel(
    request: HttpRequest, entry, subject, document: Document | None, *, page: bool, error: str = ""
) -> HttpResponse:
    context = {"doc": document, "kind": entry.kind, "subject": subject, "label": entry.label, "error": error}
    template = "core/document_status.html" if page else "core/_document.html"
    return render(request, template, context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def document_subject(request: HttpRequest, kind: str, object_id: int) -> HttpResponse:
    """GET: the subject's latest document of this kind. POST: render it afresh (or follow the
    render already under way): htmx gets the status fragment, a plain form the status page."""
    entry = _entry(kind)
    subject = get_object_or_404(entry.subjects_for(request.user), pk=object_id)
    if request.method == "GET":
        return _panel(request, entry, subject, documents.latest_document(kind, subject.pk), page=True)
    try:
        document = documents.document_request(actor=request.user, kind=kind, subject=subject)
    except DomainError as error:
        if request.htmx:
            latest = documents.latest_document(kind, subject.pk)
            return _panel(request, entry, subject, latest, page=False, error=str(error))
        messages.error(request, str(error))
        return redirect("documents:subject", kind=kind, object_id=subject.pk)
    if request.htmx:
        return _panel(request, entry, subject, document, page=False)
    return redirect("documents:status", document_pk=document.pk)


@never_cache
@login_required
@require_GET
def document_status(request: HttpRequest, document_pk: int) -> HttpResponse:
    """Where a render stands; htmx polls the fragment every second while it is pending."""
    document, subject = _visible_document(request, document_pk)
    return _panel(request, _entry(document.kind), subject, document, page=not request.htmx)


@login_required
@require_GET
def document_download(request: HttpRequest, document_pk: int) -> FileResponse:
    document, _subject = _visible_document(request, document_pk)
    if not document.is_ready or not document.file:
        raise Http404
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=documents.original_name(document),
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
