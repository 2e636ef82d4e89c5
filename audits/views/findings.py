"""Logging findings on site: the team's fast form, the list of an audit's findings, withdrawing,
and the team's evidence files (served like gap-analysis evidence: through access, as attachments).

A saved form names its browser draft to the page it leads to (`DRAFT_SAVED`), which clears it
(static/js/finding-draft.js): typed text stays in the browser until the server has it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audits import access
from audits.enums import FIELDWORK_STATUSES, FindingStatus
from audits.forms.findings import (
    FindingFilterForm,
    FindingForm,
    FindingNewForm,
    FindingWithdrawForm,
    initial_of,
)
from audits.models import Audit, Finding
from audits.selectors import findings as selectors
from audits.services import findings as services
from core.forms import call_action, call_service
from core.submits import submit_once
from core.transitions import transitions_of
from improvement.forms.gap import EvidenceUploadForm

DRAFT_SAVED = "finding_draft_saved"
THEN_ANOTHER = "another"


def draft_key(request: HttpRequest, audit: Audit, finding: Finding | None = None) -> str:
    """Where the browser keeps the form's draft: per user, audit and finding."""
    return f"finding-draft:{request.user.pk}:{audit.pk}:{finding.pk if finding else 'new'}"


def _audit(request: HttpRequest, pk: int) -> Audit:
    return get_object_or_404(access.audits_for(request.user), pk=pk)


def _require_team(request: HttpRequest, audit: Audit) -> None:
    if not access.can_log_findings(request.user, audit):
        raise PermissionDenied(access.TEAM_ONLY)


def _finding(request: HttpRequest, pk: int) -> Finding:
    return get_object_or_404(
        access.findings_for(request.user).select_related(
            "audit__programme__organisation", "audit__programme__certification_body", "raised_by"
        ),
        pk=pk,
    )


def _team_finding(request: HttpRequest, pk: int) -> Finding:
    finding = _finding(request, pk)
    _require_team(request, finding.audit)
    return finding


def _list_url(audit: Audit, finding: Finding | None = None) -> str:
    url = reverse("audits:finding_list", args=[audit.pk])
    return f"{url}#finding-{finding.pk}" if finding else url


def _edit_url(finding: Finding, anchor: str = "") -> str:
    return reverse("audits:finding_edit", args=[finding.pk]) + anchor


def _saved(request: HttpRequest, finding: Finding, key: str, message: str, form: FindingForm) -> HttpResponse:
    """After a save: the page it leads to clears the browser's draft."""
    request.session[DRAFT_SAVED] = key
    messages.success(request, message % {"reference": finding.reference})
    if form.cleaned_data.get("then") == THEN_ANOTHER:
        return redirect("audits:finding_new", finding.audit_id)
    return redirect(_list_url(finding.audit, finding))


def closed_message(audit: Audit) -> str | None:
    """Why the team cannot log or change findings now, or None while the fieldwork runs."""
    if audit.is_reported:
        return _("The report is issued: its findings are locked.")
    return None if audit.status in FIELDWORK_STATUSES else str(services.NOT_OPEN)


def _form_page(request: HttpRequest, audit: Audit, form: FindingForm | None, **context) -> HttpResponse:
    closed = closed_message(audit)
    return render(
        request,
        "audits/findings/finding_form.html",
        {
            "audit": audit,
            "programme": audit.programme,
            "form": form,
            "closed": closed,
            "show_form": form is not None and (closed is None or form.is_bound),  # typed text comes back
            "saved_draft": request.session.pop(DRAFT_SAVED, None),
            **context,
        },
    )


@login_required
@require_GET
def finding_list(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _audit(request, pk)
    filter_form = FindingFilterForm(request.GET, sites=selectors.programme_sites(audit))
    chosen = filter_form.chosen()
    editions = selectors.audited_editions(audit)
    integrated = editions if len(editions) > 1 else None  # which standards each finding belongs to
    counts, withdrawn = selectors.finding_counts(audit)
    return render(
        request,
        "audits/findings/finding_list.html",
        {
            "audit": audit,
            "programme": audit.programme,
            "findings": selectors.finding_rows(selectors.findings_of(audit).filter(**chosen), integrated),
            "filter_form": filter_form,
            "filtered": bool(chosen),
            "finding_counts": counts,
            "findings_withdrawn": withdrawn,
            "can_log_findings": access.can_log_findings(request.user, audit)
            and audit.status in FIELDWORK_STATUSES,
            "saved_draft": request.session.pop(DRAFT_SAVED, None),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def finding_new(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _audit(request, pk)
    _require_team(request, audit)
    data = request.POST if request.method == "POST" else None
    form = FindingNewForm(data, choices=selectors.finding_choices(audit))
    finding = (
        data is not None
        and form.is_valid()
        and call_service(
            form, lambda: services.finding_raise(actor=request.user, audit=audit, content=form.content())
        )
    )
    if finding:
        return _saved(
            request, finding, draft_key(request, audit), _("Finding %(reference)s was logged."), form
        )
    return _form_page(request, audit, form, draft_key=draft_key(request, audit))


@login_required
@require_http_methods(["GET", "POST"])
def finding_edit(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _team_finding(request, pk)
    audit = finding.audit
    data = request.POST if request.method == "POST" else None
    choices = selectors.finding_choices(audit, cited_pack_id=finding.readiness_pack_id)
    form = FindingForm(data, initial=initial_of(finding), choices=choices)
    saved = (
        data is not None
        and form.is_valid()
        and call_service(
            form,
            lambda: services.finding_update(actor=request.user, finding=finding, content=form.content()),
        )
    )
    key = draft_key(request, audit, finding)
    if saved:
        return _saved(request, finding, key, _("Finding %(reference)s was saved."), form)
    return _form_page(
        request,
        audit,
        form if finding.status != FindingStatus.WITHDRAWN else None,
        finding=finding,
        draft_key=key,
        files=finding.files.filter(removed_at__isnull=True, response__isnull=True).select_related(
            "uploaded_by"
        ),
        upload_form=EvidenceUploadForm(),
        withdraw_form=FindingWithdrawForm(),
        history=transitions_of(finding),
    )


@login_required
@require_POST
def finding_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _team_finding(request, pk)
    form = FindingWithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(_edit_url(finding, "#withdraw"))
    withdrawn = call_action(
        request,
        lambda: services.finding_withdraw(
            actor=request.user, finding=finding, reason=form.cleaned_data["reason"]
        ),
        _("Finding %(reference)s was withdrawn.") % {"reference": finding.reference},
    )
    return redirect(_list_url(finding.audit, finding) if withdrawn else _edit_url(finding, "#withdraw"))


@login_required
@require_POST
@submit_once
def finding_file_add(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _team_finding(request, pk)
    form = EvidenceUploadForm(request.POST, request.FILES)
    added = form.is_valid() and call_service(
        form,
        lambda: services.finding_file_add(
            actor=request.user, finding=finding, upload=form.cleaned_data["file"]
        ),
    )
    if added:
        messages.success(request, _("The file %(name)s was attached.") % {"name": added.original_name})
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(_edit_url(finding, "#files"))


@login_required
@require_GET
def finding_file(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    finding = _finding(request, pk)
    evidence = get_object_or_404(finding.files.filter(removed_at__isnull=True), pk=file_pk)
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name)


@login_required
@require_POST
def finding_file_remove(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    finding = _team_finding(request, pk)
    evidence = get_object_or_404(finding.files.filter(response__isnull=True), pk=file_pk)
    call_action(
        request,
        lambda: services.finding_file_remove(actor=request.user, file=evidence),
        _("The file %(name)s was removed from the finding.") % {"name": evidence.original_name},
    )
    return redirect(_edit_url(finding, "#files"))
