"""The audit itself: adding one to a programme, its plan and timetable, the lifecycle buttons, and
its report. Everyone who sees the audit reads the plan once sent and the report once issued (the
team and the CB's staff read their drafts); only the lead auditor writes them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audits import access
from audits.enums import AssignmentStatus
from audits.forms.fieldwork import (
    AuditAddForm,
    AuditStartForm,
    LifecycleReasonForm,
    PlanForm,
    PlanSessionForm,
    ReportForm,
)
from audits.models import Audit, AuditPlan, AuditReport, PlanSession
from audits.selectors import fieldwork as selectors
from audits.services import fieldwork as services
from audits.views.audits import audit_for, plannable_audit
from core.forms import call_action, call_service, confirmed, edit_form
from core.submits import submit_once


def led_audit(request: HttpRequest, pk: int) -> Audit:
    audit = audit_for(request, pk)
    if not access.can_lead(request.user, audit):
        raise PermissionDenied(access.LEAD_ONLY)
    return audit


def _with_panel(request: HttpRequest, pk: int) -> Audit:
    """The audit with its plan and report, read at once for the panel."""
    return get_object_or_404(access.audits_for(request.user).select_related(*selectors.PANEL_RELATED), pk=pk)


def _plan_url(audit: Audit) -> str:
    return reverse("audits:audit_plan_edit", args=[audit.pk])


def _report_url(audit: Audit) -> str:
    return reverse("audits:audit_report", args=[audit.pk])


def _facts(audit: Audit) -> dict:
    """What the plan and the report read from the audit and its programme rather than copy."""
    return {
        "programme": audit.programme,
        "editions": audit.programme.programme_editions.select_related("edition__standard"),
        "sites": audit.audit_sites.select_related("site"),
        "team": audit.assignments.filter(status=AssignmentStatus.ACTIVE).select_related("user"),
    }


def _refuse_post(request: HttpRequest, panel: selectors.Panel, message: str, url: str) -> HttpResponse:
    """Someone other than the lead: 403; the lead at the wrong time: the message."""
    if not panel.is_lead:
        raise PermissionDenied(access.LEAD_ONLY)
    messages.error(request, message)
    return redirect(url)


def _form_errors(form) -> str:
    return " ".join(
        f"{form.fields[name].label}: {error}" if name in form.fields and form.fields[name].label else error
        for name, errors in form.errors.items()
        for error in errors
    )


def _act_with_form(request: HttpRequest, audit: Audit, form, service, success: str) -> HttpResponse:
    """A button with a field or two on the audit page: the service with the form's values, or the
    form's errors as a message; back to the audit either way."""
    if form.is_valid():
        call_action(request, lambda: service(actor=request.user, audit=audit, **form.cleaned_data), success)
    else:
        messages.error(request, _form_errors(form))
    return redirect(audit)


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def audit_add(request: HttpRequest, programme_pk: int) -> HttpResponse:
    programme = get_object_or_404(access.programmes_for(request.user), pk=programme_pk)
    if not access.can_plan_record(request.user, programme):
        raise PermissionDenied(access.PLANNERS_ONLY)
    form = AuditAddForm(request.POST or None, instance=Audit(programme=programme), programme=programme)
    audit = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, lambda: services.audit_add(actor=request.user, programme=programme, **form.cleaned_data)
        )
    )
    if audit:
        messages.success(
            request, _("%(audit)s was added to the programme.") % {"audit": audit.get_kind_display()}
        )
        return redirect(audit)
    return render(request, "audits/fieldwork/audit_add.html", {"programme": programme, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def audit_plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _with_panel(request, pk)
    panel = selectors.panel(request.user, audit)
    plan = panel.plan
    form = None
    if panel.plan_editable:
        form = edit_form(PlanForm, request.POST or None, instance=plan or AuditPlan(audit=audit))
    elif request.method == "POST":
        return _refuse_post(
            request, panel, _("The plan changes only before the fieldwork starts."), _plan_url(audit)
        )
    saved = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, lambda: services.plan_save(actor=request.user, audit=audit, **form.cleaned_data)
        )
    )
    if saved:
        messages.success(request, _("The plan was saved."))
        return redirect(_plan_url(audit))
    readable = plan is not None and (plan.is_sent or access.reads_drafts(request.user, audit))
    return render(
        request,
        "audits/fieldwork/plan.html",
        {
            "audit": audit,
            **_facts(audit),
            "plan": plan if readable else None,
            "sessions": selectors.sessions_of(plan) if readable else [],
            "panel": panel,
            "form": form,
            "session_form": PlanSessionForm(audit=audit) if panel.plan_editable and plan else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def audit_plan_session_add(request: HttpRequest, pk: int) -> HttpResponse:
    audit = led_audit(request, pk)
    form = PlanSessionForm(request.POST or None, audit=audit)
    saved = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, lambda: services.plan_session_add(actor=request.user, audit=audit, **form.cleaned_data)
        )
    )
    if saved:
        messages.success(request, _("The session was added to the timetable."))
        return redirect(_plan_url(audit))
    return render(
        request,
        "audits/fieldwork/session_add.html",
        {"audit": audit, "programme": audit.programme, "form": form},
    )


@login_required
@require_POST
def audit_plan_session_remove(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    audit = led_audit(request, pk)
    session = get_object_or_404(PlanSession.objects.filter(plan__audit=audit), pk=session_pk)
    call_action(
        request,
        lambda: services.plan_session_remove(actor=request.user, session=session),
        _("The session was removed from the timetable."),
    )
    return redirect(_plan_url(audit))


@login_required
@require_POST
def audit_plan_send(request: HttpRequest, pk: int) -> HttpResponse:
    audit = led_audit(request, pk)
    if confirmed(request):
        call_action(
            request,
            lambda: services.plan_send(actor=request.user, audit=audit),
            _("The plan was sent to the client's quality managers."),
        )
    return redirect(_plan_url(audit))


@login_required
@require_POST
def audit_plan_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    audit = audit_for(request, pk)
    if not access.can_acknowledge_plan(request.user, audit.programme.organisation):
        raise PermissionDenied(access.ACKNOWLEDGERS_ONLY)
    call_action(
        request,
        lambda: services.plan_acknowledge(actor=request.user, audit=audit),
        _("You acknowledged the audit plan."),
    )
    return redirect(_plan_url(audit))


@login_required
@require_POST
def audit_start(request: HttpRequest, pk: int) -> HttpResponse:
    audit = led_audit(request, pk)
    return _act_with_form(
        request, audit, AuditStartForm(request.POST), start_audit, _("The audit has started.")
    )


def start_audit(*, actor, audit: Audit, confirm: bool, **values) -> Audit:
    """The service, once the form's confirmation is ticked (the form refuses it unticked)."""
    return services.audit_start(actor=actor, audit=audit, **values)


@login_required
@require_POST
def audit_fieldwork_done(request: HttpRequest, pk: int) -> HttpResponse:
    audit = led_audit(request, pk)
    call_action(
        request,
        lambda: services.audit_fieldwork_done(actor=request.user, audit=audit),
        _("The fieldwork is done: write and issue the report."),
    )
    return redirect(audit)


@login_required
@require_POST
def audit_fieldwork_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    audit = led_audit(request, pk)
    return _act_with_form(
        request,
        audit,
        LifecycleReasonForm(request.POST),
        services.audit_fieldwork_reopen,
        _("The fieldwork is open again."),
    )


@login_required
@require_POST
def audit_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    audit = plannable_audit(request, pk)
    return _act_with_form(
        request,
        audit,
        LifecycleReasonForm(request.POST),
        services.audit_cancel,
        _("The audit was cancelled."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def audit_report(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _with_panel(request, pk)
    panel = selectors.panel(request.user, audit)
    report = panel.report
    form = None
    if panel.can_write_report:
        form = edit_form(
            ReportForm, request.POST or None, instance=report or AuditReport(audit=audit), audit=audit
        )
    elif request.method == "POST":
        return _refuse_post(
            request,
            panel,
            _("The report is written during the fieldwork, until it is issued."),
            _report_url(audit),
        )
    saved = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, lambda: services.report_save(actor=request.user, audit=audit, values=form.content())
        )
    )
    if saved:
        messages.success(request, _("The report was saved."))
        return redirect(_report_url(audit))
    readable = report is not None and (panel.report_issued or access.reads_drafts(request.user, audit))
    return render(
        request,
        "audits/fieldwork/report.html",
        {
            "audit": audit,
            **_facts(audit),
            "plan_objectives": panel.plan.objectives if panel.plan and readable else "",
            "report": report if readable else None,
            "panel": panel,
            "form": form,
            "findings": audit.findings.select_related("clause", "site").order_by("number")
            if readable
            else [],
        },
    )


@login_required
@require_POST
def audit_report_issue(request: HttpRequest, pk: int) -> HttpResponse:
    audit = led_audit(request, pk)
    call_action(
        request,
        lambda: services.report_issue(actor=request.user, audit=audit),
        _("The report was issued: the findings are locked."),
    )
    return redirect(audit)
