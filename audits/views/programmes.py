"""Audit programmes: the CB's certification managers plan, the client and the CB's staff read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audits import access
from audits.enums import AuditKind
from audits.filters import ProgrammeFilter, clients_matching
from audits.forms.programmes import (
    AdjustmentFormSet,
    CoverageForm,
    EditionTimeForm,
    ProgrammeForm,
    ProgrammeOpenForm,
    adjustments_from,
)
from audits.models import AuditProgramme, AuditSite, TeamAssignment
from audits.selectors import programme_checks
from audits.selectors import programmes as selectors
from audits.services import audits as audit_services
from audits.services import programmes as services
from core.forms import call_action, call_service, edit_form
from core.listing import form_rows, page_of, query_without
from core.submits import submit_once
from core.transitions import transitions_of
from organisations import access as tenancy


def programme_for(request: HttpRequest, pk: int) -> AuditProgramme:
    return get_object_or_404(access.programmes_for(request.user), pk=pk)


def plannable(request: HttpRequest, pk: int) -> AuditProgramme:
    programme = programme_for(request, pk)
    if not access.can_plan_record(request.user, programme):
        raise PermissionDenied(access.PLANNERS_ONLY)
    return programme


@login_required
@require_GET
def programme_list(request: HttpRequest) -> HttpResponse:
    """The programmes the user sees, 50 a page, searched and filtered; for a planner, a client
    picker that finds a client by name (htmx fetches its matches as they type; without JavaScript
    the form reloads the page with them)."""
    filters = ProgrammeFilter(request.GET or None, queryset=access.programmes_for(request.user))
    page = page_of(filters.qs, request)
    sheets = selectors.time_sheets(page.object_list)
    for programme in page:
        programme.sheet = sheets[programme.pk]
    clients = access.plannable_clients(request.user)
    can_plan = access.planning_bodies(request.user).exists()
    client_q = request.GET.get("client_q", "")
    matches, more = clients_matching(clients, client_q) if can_plan else ([], False)
    context = {
        "page_obj": page,
        "filters": filters,
        "filter_rows": form_rows(filters.form),
        "query": query_without(request, "page"),
        "clear_url": reverse("audits:programme_list"),
        "can_plan": can_plan,
        "client_q": client_q[:200],
        "clients": matches,
        "more_clients": more,
    }
    template = (
        "audits/_client_matches.html" if request.headers.get("HX-Request") else "audits/programme_list.html"
    )
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def programme_open(request: HttpRequest, org_pk: int) -> HttpResponse:
    organisation = get_object_or_404(tenancy.organisations_for(request.user), pk=org_pk)
    bodies = access.planning_bodies(request.user).filter(
        engagements__organisation=organisation, engagements__ended_on__isnull=True
    )
    if not bodies:
        raise PermissionDenied(access.PLANNERS_ONLY)
    form = ProgrammeOpenForm(request.POST or None, organisation=organisation, bodies=bodies)
    programme = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.programme_open(
                actor=request.user,
                organisation=organisation,
                certification_body=form.cleaned_data["certification_body"],
                editions=form.cleaned_data["editions"],
                sites=form.cleaned_data["sites"],
                iaf_codes=form.cleaned_data["iaf_codes"],
                stage1_on=form.cleaned_data["stage1_on"],
                scope=form.scope(),
            ),
        )
    )
    if programme:
        messages.success(request, _("The programme was opened and its cycle planned."))
        return redirect(programme)
    return render(request, "audits/programme_form.html", {"form": form, "organisation": organisation})


@login_required
@require_GET
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = programme_for(request, pk)
    audits = list(
        access.programme_audits(request.user, programme)
        .prefetch_related(
            Prefetch("audit_sites", queryset=AuditSite.objects.select_related("site")),
            Prefetch("assignments", queryset=TeamAssignment.objects.select_related("user")),
        )
        .order_by("starts_on")
    )
    by_kind = programme_checks.cycle_audits(audits)
    for audit in audits:
        audit.window = programme_checks.due_window(programme, audit.kind, by_kind)
    decided_on, provisional = programme_checks.decision_day(programme, by_kind)
    can_plan = access.can_plan_record(request.user, programme)
    sheet = selectors.time_sheet(programme, with_sites=can_plan)
    for audit in audits:
        audit.suggested_days = sheet.suggested_days(audit.kind)
    return render(
        request,
        "audits/programme_detail.html",
        {
            "programme": programme,
            "audits": audits,
            "sheet": sheet,
            "editions": [item.programme_edition for item in sheet.editions],
            "sites": sheet.site_list if sheet.with_sites else programme.sites.all(),
            "iaf_codes": programme.iaf_codes.all(),
            "problems": programme_checks.programme_problems(programme, sheet=sheet, audits=audits)
            if can_plan
            else [],
            "off_suggestion": can_plan and any(sheet.unjustified(audit) for audit in audits),
            "provisional": provisional and decided_on,
            "can_plan": can_plan,
            "cb_staff": tenancy.request_memberships(request).is_cb_staff,
            "history": transitions_of(programme),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = plannable(request, pk)
    form = edit_form(
        ProgrammeForm, request.POST or None, instance=programme, organisation=programme.organisation
    )
    saved = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.programme_update(
                actor=request.user,
                programme=programme,
                scope=form.scope(),
                sites=form.cleaned_data["sites"],
                iaf_codes=form.cleaned_data["iaf_codes"],
            ),
        )
    )
    if saved:
        messages.success(request, _("The programme was saved."))
        return redirect(programme)
    return render(request, "audits/programme_form.html", {"form": form, "programme": programme})


@login_required
@require_GET
def programme_time(request: HttpRequest, pk: int) -> HttpResponse:
    """The audit-time sheet: every step, as the CB justifies it to the client and the AB."""
    programme = programme_for(request, pk)
    sheet = selectors.time_sheet(programme, with_sites=True)
    audits = list(programme.audits.prefetch_related("audit_sites__site").order_by("starts_on"))
    return render(
        request,
        "audits/programme_time.html",
        {
            "programme": programme,
            "sheet": sheet,
            "visits": sheet.visits(audits) if sheet.sites else [],
            "can_plan": access.can_plan_record(request.user, programme),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_edition_time(request: HttpRequest, pk: int, edition_pk: int) -> HttpResponse:
    programme = plannable(request, pk)
    pe = get_object_or_404(programme.programme_editions.select_related("edition__standard"), pk=edition_pk)
    table = selectors.table_for(pe)
    initial = [{"reason": a.reason, "percent": a.percent} for a in pe.adjustments.all()]
    data = request.POST if request.method == "POST" else None
    form = EditionTimeForm(
        data,
        table=table,
        initial={
            "complexity": pe.complexity,
            "override_days": pe.override_days,
            "override_justification": pe.override_justification,
        },
    )
    formset = AdjustmentFormSet(data, initial=initial, prefix="adjustments")
    saved = (
        data is not None
        and form.is_valid()
        and formset.is_valid()
        and call_service(
            form,
            lambda: services.programme_edition_time_set(
                actor=request.user,
                programme_edition=pe,
                adjustments=adjustments_from(formset),
                **form.cleaned_data,
            ),
        )
    )
    if saved:
        messages.success(request, _("The audit time of %(edition)s was saved.") % {"edition": pe.edition})
        return redirect("audits:programme_time", programme.pk)
    return render(
        request,
        "audits/edition_time_form.html",
        {"programme": programme, "pe": pe, "table": table, "form": form, "formset": formset},
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_coverage(request: HttpRequest, pk: int) -> HttpResponse:
    programme = programme_for(request, pk)
    can_plan = access.can_plan_record(request.user, programme)
    if request.method == "POST" and not can_plan:
        raise PermissionDenied(access.PLANNERS_ONLY)
    form = CoverageForm(request.POST or None, programme=programme)
    saved = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: (
                audit_services.programme_coverage_set(
                    actor=request.user, programme=programme, coverage=form.coverage()
                )
                or True
            ),
        )
    )
    if saved:
        messages.success(request, _("The clause coverage was saved."))
        return redirect(programme)
    return render(
        request,
        "audits/programme_coverage.html",
        {"programme": programme, "form": form, "can_plan": can_plan, "whole": AuditKind.STAGE2},
    )


@login_required
@require_POST
def programme_approve(request: HttpRequest, pk: int) -> HttpResponse:
    programme = plannable(request, pk)
    call_action(
        request,
        lambda: services.programme_approve(actor=request.user, programme=programme),
        _("The programme is approved."),
    )
    return redirect(programme)


@login_required
@require_POST
def programme_times_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan the suggested times (after a new table or policy) for audits planned without a justification."""
    programme = plannable(request, pk)
    call_action(
        request,
        lambda: services.programme_times_apply(actor=request.user, programme=programme),
        _("The suggested audit times were applied."),
    )
    return redirect(programme)


@login_required
@require_POST
def programme_headcount_reviewed(request: HttpRequest, pk: int) -> HttpResponse:
    """The planner says the audit time was reviewed after a headcount change the client notified."""
    programme = plannable(request, pk)
    call_action(
        request,
        lambda: services.programme_headcount_reviewed(actor=request.user, programme=programme),
        _("Recorded: the audit time was reviewed after the headcount change."),
    )
    return redirect(programme)
