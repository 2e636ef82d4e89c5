"""The action register's pages (HS 10.2, DOMAIN §13.3, rules 42 and 43): the organisation's
register with the certification body's nonconformities beside it, its export, one action with
its lifecycle, evidence and effectiveness review, and everyone's own open actions."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.forms import call_action, call_service, edit_form
from core.listing import form_rows, query_without
from core.submits import submit_once
from improvement import access, action_exports, registry
from improvement.filters import ActionFilter
from improvement.forms.actions import ActionCancelForm, ActionEditForm, ActionNewForm, ActionReviewForm
from improvement.forms.gap import EvidenceUploadForm
from improvement.models import Action, ActionEvidenceFile
from improvement.selectors import actions as selectors
from improvement.services import actions as services
from organisations import access as tenancy
from organisations.models import Organisation, OrganisationMembership

PER_PAGE = 25
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _organisation(request: HttpRequest, org_pk: int) -> Organisation:
    """An organisation the user is a member of: nobody else reads its register (rule 43)."""
    return _membership(request, org_pk).organisation


def _membership(request: HttpRequest, org_pk: int) -> OrganisationMembership:
    """The user's active membership of the organisation, with it (one query for the page's
    organisation and the user's role in it); none: 404."""
    if not tenancy.signed_in(request.user):
        raise Http404
    return get_object_or_404(
        OrganisationMembership.objects.select_related("organisation"),
        user=request.user,
        organisation_id=org_pk,
        is_active=True,
    )


def _action(request: HttpRequest, pk: int) -> Action:
    return get_object_or_404(access.actions_for(request.user), pk=pk)


def _writable(request: HttpRequest, pk: int) -> Action:
    action = _action(request, pk)
    _require(access.can_write_action(request.user, action), access.ACTION_WRITERS_ONLY)
    return action


def _reviewable(request: HttpRequest, pk: int) -> Action:
    action = _action(request, pk)
    _require(access.can_review_action(request.user, action), access.REVIEWERS_ONLY)
    return action


# --- the register --------------------------------------------------------------------------------


@login_required
@require_GET
def action_list(request: HttpRequest, org_pk: int) -> HttpResponse:
    membership = _membership(request, org_pk)
    organisation = membership.organisation
    filters = ActionFilter(
        request.GET or None,
        queryset=selectors.register_actions(request.user, organisation),
        organisation=organisation,
    )
    page = Paginator(filters.qs, PER_PAGE).get_page(request.GET.get("page"))
    sections = [
        (section, Paginator(section.rows, PER_PAGE).get_page(request.GET.get(f"{section.key}_page")))
        for section in registry.sections([organisation.pk], filters.external())
    ]
    return render(
        request,
        "improvement/actions/action_list.html",
        {
            "organisation": organisation,
            "tab": "actions",
            "filters": filters,
            "filter_rows": form_rows(filters.form),
            "page_obj": page,
            "sections": sections,
            "query": query_without(request, "page"),
            "export_query": query_without(
                request, "page", "format", *(f"{s.key}_page" for s, _p in sections)
            ),
            "today": timezone.localdate(),
            # access.can_raise_action, read from the membership the page has already
            "can_raise": membership.role in tenancy.CONTRIBUTING_ROLES,
        },
    )


@login_required
@require_GET
def action_export(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The register as filtered, as CSV (streamed; the default) or XLSX (`?format=xlsx`)."""
    organisation = _organisation(request, org_pk)
    filters = ActionFilter(
        request.GET or None,
        queryset=selectors.export_actions(selectors.register_actions(request.user, organisation)),
        organisation=organisation,
    )
    day = timezone.localdate()
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(action_exports.xlsx_bytes(filters.qs), content_type=XLSX_TYPE)
        extension = "xlsx"
    else:
        response = StreamingHttpResponse(
            action_exports.csv_stream(filters.qs), content_type="text/csv; charset=utf-8"
        )
        extension = "csv"
    filename = action_exports.export_filename(organisation, extension, day)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def my_actions(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.my_actions(request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "improvement/actions/my_actions.html", {"page_obj": page, "today": timezone.localdate()}
    )


# --- one action ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def action_new(request: HttpRequest, org_pk: int) -> HttpResponse:
    organisation = _organisation(request, org_pk)
    _require(access.can_raise_action(request.user, organisation), access.ACTION_RAISERS_ONLY)
    form = ActionNewForm(request.POST or None, organisation=organisation, initial={"owner": request.user.pk})
    action = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.action_create(
                actor=request.user, organisation=organisation, **form.cleaned_data
            ),
        )
    )
    if action:
        messages.success(request, _("Action %(reference)s was raised.") % {"reference": action.reference})
        return redirect(action)
    return render(
        request,
        "improvement/actions/action_form.html",
        {"organisation": organisation, "form": form, "tab": "actions"},
    )


def _detail(request: HttpRequest, action: Action, **forms) -> HttpResponse:
    organisation = action.organisation
    can_write = access.can_write_action(request.user, action)
    can_review = access.can_review_action(request.user, action)
    page = selectors.action_page(action)
    return render(
        request,
        "improvement/actions/action_detail.html",
        {
            "action": action,
            "organisation": organisation,
            "page": page,
            "today": timezone.localdate(),
            "can_write": can_write and action.is_open,
            "can_review": can_review,
            "review_form": forms.get("review_form") or ActionReviewForm(organisation=organisation),
            "cancel_form": forms.get("cancel_form") or ActionCancelForm(),
            "upload_form": forms.get("upload_form") or EvidenceUploadForm(),
            "evidence_types": ", ".join(settings.EVIDENCE_EXTENSIONS),
            "evidence_max": settings.EVIDENCE_MAX_BYTES,
            "history": page.history,
        },
    )


def _for_page(request: HttpRequest, pk: int) -> Action:
    return get_object_or_404(
        access.actions_for(request.user).select_related(
            "site",
            "clause__edition__standard",
            "follows",
            "reviewed_by",
            "created_by",
        ),
        pk=pk,
    )


@login_required
@require_GET
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _for_page(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = _writable(request, pk)
    form = edit_form(ActionEditForm, request.POST or None, instance=action, organisation=action.organisation)
    saved = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, lambda: services.action_update(actor=request.user, action=action, **form.cleaned_data)
        )
    )
    if saved:
        messages.success(request, _("Action %(reference)s was saved.") % {"reference": action.reference})
        return redirect(action)
    return render(
        request,
        "improvement/actions/action_form.html",
        {"organisation": action.organisation, "form": form, "action": action, "tab": "actions"},
    )


@login_required
@require_POST
def action_start(request: HttpRequest, pk: int) -> HttpResponse:
    action = _writable(request, pk)
    call_action(
        request,
        lambda: services.action_start(actor=request.user, action=action),
        _("The action is in progress."),
    )
    return redirect(action)


@login_required
@require_POST
def action_done(request: HttpRequest, pk: int) -> HttpResponse:
    action = _writable(request, pk)
    call_action(
        request,
        lambda: services.action_done(actor=request.user, action=action),
        _("The action is done; it awaits the review of its effectiveness."),
    )
    return redirect(action)


@login_required
@require_POST
def action_review(request: HttpRequest, pk: int) -> HttpResponse:
    action = _reviewable(request, pk)
    form = ActionReviewForm(request.POST, organisation=action.organisation)
    reviewed = form.is_valid() and call_service(
        form,
        lambda: services.action_review(
            actor=request.user,
            action=action,
            reviewed_on=form.cleaned_data["reviewed_on"],
            result=form.cleaned_data["result"],
            comment=form.cleaned_data["comment"],
            follow_up_owner=form.cleaned_data["follow_up_owner"],
            follow_up_due_on=form.cleaned_data["follow_up_due_on"],
        ),
    )
    if not reviewed:
        return _detail(request, _for_page(request, pk), review_form=form)
    if reviewed.follow_up:
        messages.success(
            request,
            _("The action was not effective: %(reference)s follows it.")
            % {"reference": reviewed.follow_up.reference},
        )
    else:
        messages.success(request, _("The action is effective and closed."))
    return redirect(action)


@login_required
@require_POST
def action_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    action = _reviewable(request, pk)
    form = ActionCancelForm(request.POST)
    cancelled = form.is_valid() and call_service(
        form,
        lambda: services.action_cancel(actor=request.user, action=action, reason=form.cleaned_data["reason"]),
    )
    if not cancelled:
        return _detail(request, _for_page(request, pk), cancel_form=form)
    messages.success(request, _("The action was cancelled; it stays in the register."))
    return redirect(action)


# --- evidence -----------------------------------------------------------------------------------


@login_required
@require_POST
@submit_once
def action_file_add(request: HttpRequest, pk: int) -> HttpResponse:
    action = _writable(request, pk)
    form = EvidenceUploadForm(request.POST, request.FILES)
    added = form.is_valid() and call_service(
        form,
        lambda: services.action_file_add(actor=request.user, action=action, upload=form.cleaned_data["file"]),
    )
    if not added:
        return _detail(request, _for_page(request, pk), upload_form=form)
    messages.success(request, _("The file %(name)s was attached.") % {"name": added.original_name})
    return redirect(f"{action.get_absolute_url()}#evidence")


def _evidence(action: Action, file_pk: int) -> ActionEvidenceFile:
    return get_object_or_404(action.evidence_files.filter(removed_at__isnull=True), pk=file_pk)


@login_required
@require_GET
def action_file(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    evidence = _evidence(_action(request, pk), file_pk)
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name)


@login_required
@require_POST
def action_file_remove(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    action = _writable(request, pk)
    evidence = _evidence(action, file_pk)
    evidence.action = action
    try:
        services.action_file_remove(actor=request.user, evidence=evidence)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The file %(name)s was removed.") % {"name": evidence.original_name})
    return redirect(f"{action.get_absolute_url()}#evidence")
