"""The Statement of Applicability's pages (ISO/IEC 27001:2022 6.1.3 d, DOMAIN §13.4, rules 8 and
43): the versions of an organisation, a version's controls grouped by theme, a control's form,
approval, sharing, its PDF and XLSX. The organisation's members read every version; the staff of a
CB serving it read the approved versions shared with it (`access.soas_for`), read-only."""

import io
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import call_action, call_service
from core.submits import submit_once
from core.transitions import transitions_of
from core.views import document_subject
from improvement import access, soa_exports
from improvement.documents import SOA
from improvement.forms.soa import SoaApproveForm, SoaControlForm, SoaNewForm, SoaShareForm
from improvement.models import SoaControl, StatementOfApplicability
from improvement.selectors import soa as selectors
from improvement.selectors.internal_audits import page_of
from improvement.services import soa as services
from improvement.views.internal_audits import form_errors, organisation_of

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _soa(request: HttpRequest, pk: int) -> StatementOfApplicability:
    return get_object_or_404(access.soas_for(request.user), pk=pk)


def _new_form(request: HttpRequest, organisation, data=None, **kwargs) -> SoaNewForm:
    return SoaNewForm(
        data, organisation=organisation, analyses=access.gap_analyses_for(request.user), **kwargs
    )


@login_required
@require_GET
def soa_list(request: HttpRequest, org_pk: int) -> HttpResponse:
    organisation = organisation_of(request, org_pk)
    versions = selectors.versions_of(access.soas_for(request.user).filter(organisation=organisation))
    can_write = access.can_write_soa(request.user, organisation)
    return render(
        request,
        "improvement/soa/soa_list.html",
        {
            "organisation": organisation,
            "page_obj": page_of(versions, request.GET.get("page")),
            "tab": "soa",
            "can_write": can_write,
            "form": _new_form(request, organisation) if can_write else None,
            "gap_form": _new_form(request, organisation, auto_id="gap_%s") if can_write else None,
        },
    )


@login_required
@require_POST
@submit_once
def soa_new(request: HttpRequest, org_pk: int) -> HttpResponse:
    organisation = organisation_of(request, org_pk)
    _require(access.can_write_soa(request.user, organisation), access.SOA_WRITERS_ONLY)
    form = _new_form(request, organisation, request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("improvement:soa_list", organisation.pk)
    try:
        soa = services.soa_draft(actor=request.user, organisation=organisation, **form.cleaned_data)
    except services.SoaDraftExists as exists:
        messages.error(request, str(exists))
        return redirect(exists.draft)
    except services.SoaError as error:
        messages.error(request, str(error))
        return redirect("improvement:soa_list", organisation.pk)
    messages.success(request, _("Version %(version)s was drafted.") % {"version": soa.version})
    return redirect(soa)


def _themes(controls: list[SoaControl], can_write: bool) -> list[tuple]:
    """(theme clause, its controls) in the edition's order; each control with its form's address
    where the user may edit it."""
    for control in controls if can_write else ():
        control.edit_url = reverse("improvement:soa_control", args=[control.pk])
    return [(theme, list(rows)) for theme, rows in groupby(controls, key=lambda c: c.clause.parent)]


@login_required
@require_GET
def soa_detail(request: HttpRequest, pk: int) -> HttpResponse:
    soa = _soa(request, pk)
    organisation = soa.organisation
    controls = selectors.controls_of(soa)
    show = request.GET.get("show", "")
    show = show if show in selectors.FILTERS else ""
    page = page_of(selectors.filtered(controls, show), request.GET.get("page"), selectors.CONTROLS_PAGE_SIZE)
    can_approve = access.can_approve_soa(request.user, organisation)
    can_write = soa.is_draft and access.can_write_soa(request.user, organisation)
    return render(
        request,
        "improvement/soa/soa_detail.html",
        {
            "soa": soa,
            "organisation": organisation,
            "page_obj": page,
            "themes": _themes(page.object_list, can_write),
            "show": show,
            "summary": selectors.summary(controls),
            "can_write": can_write,
            "can_approve": soa.is_draft and can_approve,
            "can_share": not soa.is_draft and can_approve,
            "approve_form": SoaApproveForm(),
            "history": transitions_of(soa),
        },
    )


def _control(request: HttpRequest, pk: int) -> SoaControl:
    controls = SoaControl.objects.select_related(
        "soa__organisation", "soa__edition", "clause__parent", "action"
    )
    return get_object_or_404(controls.filter(soa__in=access.soas_for(request.user)), pk=pk)


def _control_initial(control: SoaControl) -> dict:
    return {
        "applicable": {True: "yes", False: "no"}.get(control.applicable, ""),
        "justification": control.justification,
        "implementation": control.implementation,
        "evidence": control.evidence,
        "action": control.action.reference if control.action_id else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def soa_control(request: HttpRequest, pk: int) -> HttpResponse:
    control = _control(request, pk)
    soa = control.soa
    _require(access.can_write_soa(request.user, soa.organisation), access.SOA_WRITERS_ONLY)
    form = SoaControlForm(
        request.POST or None,
        initial=_control_initial(control),
        organisation=soa.organisation,
        actions=access.actions_for(request.user),
    )
    saved = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, lambda: services.soa_control_save(actor=request.user, control=control, **form.cleaned_data)
        )
    )
    if saved:
        messages.success(request, _("Control %(number)s saved.") % {"number": control.clause.number})
        return redirect(f"{soa.get_absolute_url()}#control-{control.pk}")
    return render(
        request,
        "improvement/soa/soa_control.html",
        {"control": control, "soa": soa, "organisation": soa.organisation, "form": form},
    )


@login_required
@require_POST
def soa_approve(request: HttpRequest, pk: int) -> HttpResponse:
    soa = _soa(request, pk)
    _require(access.can_approve_soa(request.user, soa.organisation), access.SOA_MANAGERS_ONLY)
    form = SoaApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(soa)
    call_action(
        request,
        lambda: services.soa_approve(actor=request.user, soa=soa, **form.cleaned_data),
        _("Version %(version)s is approved; it no longer changes.") % {"version": soa.version},
    )
    return redirect(soa)


@login_required
@require_POST
def soa_share(request: HttpRequest, pk: int) -> HttpResponse:
    soa = _soa(request, pk)
    _require(access.can_approve_soa(request.user, soa.organisation), access.SOA_MANAGERS_ONLY)
    form = SoaShareForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(soa)
    call_action(
        request,
        lambda: services.soa_share(actor=request.user, soa=soa, shared=form.cleaned_data["shared"]),
        _("Sharing with the certification body was updated."),
    )
    return redirect(soa)


@login_required
@require_GET
def soa_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """An approved version as PDF, rendered off the request path: the page of its latest render,
    with the button that asks for one (core.documents)."""
    return document_subject(request, kind=SOA, object_id=pk)


@login_required
@require_GET
def soa_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    soa = _soa(request, pk)
    content = soa_exports.xlsx_bytes(soa, selectors.controls_of(soa))
    return FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=soa_exports.xlsx_filename(soa),
        content_type=XLSX_TYPE,
    )
