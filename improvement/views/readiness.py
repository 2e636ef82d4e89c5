"""Readiness for stage 1 (DOMAIN §13.5, rule 43): the organisation's task list per edition, the
scope with its sites and processes, sharing the pack; and the pack itself, which the staff of the
certification body serving the organisation read while it is shared (404 at once after)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import call_service
from core.views import document_subject
from improvement import access
from improvement.documents import READINESS_PACK
from improvement.forms import readiness as forms
from improvement.selectors import readiness as selectors
from improvement.selectors.internal_audits import page_of
from improvement.services import readiness as services
from improvement.views.internal_audits import form_errors, organisation_of
from organisations.models import Organisation
from standards.models import Edition

EDITIONS_PAGE_SIZE = 5  # task lists a page shows


def _edition(edition_pk: int) -> Edition:
    return get_object_or_404(
        Edition.objects.select_related("standard").filter(certifiable=True), pk=edition_pk
    )


def _manager_guard(request: HttpRequest, organisation: Organisation) -> None:
    if not access.can_manage_readiness(request.user, organisation):
        raise PermissionDenied(access.READINESS_MANAGERS_ONLY)


@login_required
@require_GET
def readiness(request: HttpRequest, org_pk: int) -> HttpResponse:
    organisation = organisation_of(request, org_pk)
    page = page_of(selectors.target_editions(organisation), request.GET.get("page"), EDITIONS_PAGE_SIZE)
    editions = list(page.object_list)
    tasks = selectors.task_lists(organisation, editions, selectors.readiness_rows_for(organisation, editions))
    return render(
        request,
        "improvement/readiness/overview.html",
        {"organisation": organisation, "page_obj": page, "tasks": tasks, "tab": "readiness"},
    )


@login_required
@require_GET
def readiness_detail(request: HttpRequest, org_pk: int, edition_pk: int) -> HttpResponse:
    organisation, edition = organisation_of(request, org_pk), _edition(edition_pk)
    task = selectors.task_list(organisation, edition)
    return render(
        request,
        "improvement/readiness/detail.html",
        {
            "organisation": organisation,
            "task": task,
            "row": task.readiness,
            "tab": "readiness",
            "can_manage": access.can_manage_readiness(request.user, organisation),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def readiness_scope(request: HttpRequest, org_pk: int, edition_pk: int) -> HttpResponse:
    organisation, edition = organisation_of(request, org_pk), _edition(edition_pk)
    _manager_guard(request, organisation)
    row = selectors.readiness_row(organisation, edition)
    form = forms.ScopeForm(request.POST or None, organisation=organisation, initial=forms.initial_of(row))
    saved = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.readiness_scope_set(
                actor=request.user,
                organisation=organisation,
                edition=edition,
                scope=form.cleaned_data["scope"],
                sites=list(form.cleaned_data["sites"]),
                processes=list(form.cleaned_data["processes"]),
            ),
        )
    )
    if saved:
        messages.success(request, _("The scope was saved."))
        return redirect("improvement:readiness_detail", organisation.pk, edition.pk)
    return render(
        request,
        "improvement/readiness/scope_form.html",
        {"organisation": organisation, "edition": edition, "form": form, "tab": "readiness"},
    )


@login_required
@require_POST
def readiness_share(request: HttpRequest, org_pk: int, edition_pk: int) -> HttpResponse:
    organisation, edition = organisation_of(request, org_pk), _edition(edition_pk)
    _manager_guard(request, organisation)
    form = forms.ShareForm(request.POST)
    row = form.is_valid() and call_service(
        form,
        lambda: services.readiness_share(
            actor=request.user, organisation=organisation, edition=edition, shared=form.cleaned_data["shared"]
        ),
    )
    if not row:
        messages.error(request, form_errors(form))
    elif row.shared_with_cb:
        messages.success(request, _("The readiness pack is shared with the certification body."))
    else:
        messages.success(
            request, _("The readiness pack is no longer shared: the certification body cannot read it.")
        )
    return redirect("improvement:readiness_detail", organisation.pk, edition.pk)


@login_required
@require_GET
def readiness_pack(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(access.readiness_for(request.user), pk=pk)
    return render(
        request, "improvement/readiness/pack.html", {"pack": selectors.pack_of(row), "kind": READINESS_PACK}
    )


@login_required
@require_GET
def readiness_pack_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The pack as PDF, rendered off the request path (core.documents), for whoever reads the pack."""
    return document_subject(request, kind=READINESS_PACK, object_id=pk)
