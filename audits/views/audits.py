"""One planned audit: its page, its planning, its sites, its team; and an auditor's own audits."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audits import access
from audits.enums import PLANNING_STATUSES, AssignmentStatus, AuditKind
from audits.filters import MyAuditsFilter
from audits.forms.programmes import (
    AuditPlanForm,
    DeclarationForm,
    ReasonForm,
    SiteDrawForm,
    TeamAssignForm,
    WithdrawForm,
)
from audits.models import Audit, TeamAssignment
from audits.selectors import fieldwork as fieldwork_selectors
from audits.selectors import findings as finding_selectors
from audits.selectors import programme_checks, readiness
from audits.selectors import programmes as selectors
from audits.services import audits as audit_services
from audits.services import teams as team_services
from core.forms import call_action, call_service, edit_form
from core.listing import form_rows, page_of, query_without
from core.submits import submit_once
from core.transitions import transitions_of
from organisations import access as tenancy


def audit_for(request: HttpRequest, pk: int) -> Audit:
    return get_object_or_404(access.audits_for(request.user), pk=pk)


def plannable_audit(request: HttpRequest, pk: int) -> Audit:
    audit = audit_for(request, pk)
    if not access.can_plan_record(request.user, audit):
        raise PermissionDenied(access.PLANNERS_ONLY)
    return audit


@login_required
@require_GET
def my_audits(request: HttpRequest) -> HttpResponse:
    """The audits the user is on the team of, 50 a page: those ahead and under way by default."""
    filters = MyAuditsFilter(
        request.GET or None, queryset=selectors.audits_of_auditor(request.user), today=timezone.localdate()
    )
    context = {
        "page_obj": page_of(filters.qs, request),
        "filters": filters,
        "filter_rows": form_rows(filters.form),
        "query": query_without(request, "page"),
    }
    return render(request, "audits/my_audits.html", context)


@login_required
@require_GET
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    audit = get_object_or_404(
        access.audits_for(request.user).select_related(
            "sampled_by",
            *fieldwork_selectors.PANEL_RELATED,
        ),
        pk=pk,
    )
    programme = audit.programme
    can_plan = access.can_plan_record(request.user, audit)
    assignments = list(audit.assignments.select_related("user", "objected_by").order_by("status", "role"))
    if can_plan:  # the planner sees the suggested time beside the planned one (the time sheet has it)
        sheet = selectors.time_sheet(programme)
        suggested, editions = (
            sheet.suggested_days(audit.kind),
            [e.programme_edition.edition for e in sheet.editions],
        )
    else:
        suggested, editions = None, list(programme.editions.select_related("standard"))
    return render(
        request,
        "audits/audit_detail.html",
        {
            "audit": audit,
            "suggested_days": suggested,
            "editions": editions,
            "programme": programme,
            "window": programme_checks.due_window(programme, audit.kind),
            "sites": audit.audit_sites.select_related("site"),
            "coverage": selectors.clause_coverage(audit),
            "assignments": assignments,
            "can_plan": can_plan,
            "can_object": audit.team_notified_on
            and audit.status in PLANNING_STATUSES
            and tenancy.request_memberships(request).is_client
            and access.can_object_to_team(request.user, programme.organisation),
            "team_problems": programme_checks.team_problems(audit)
            if can_plan and audit.is_being_staffed
            else [],
            "notice_problems": programme_checks.notice_problems(audit) if audit.is_team_confirmed else [],
            "draw_form": SiteDrawForm(audit=audit) if can_plan else None,
            "assign_form": TeamAssignForm(audit=audit) if can_plan else None,
            "history": transitions_of(audit),
            "active": AssignmentStatus.ACTIVE,
            "readiness_packs": readiness.packs_for_audit(request.user, audit)
            if audit.kind == AuditKind.STAGE1
            else None,
            "fieldwork": fieldwork_selectors.panel(request.user, audit),
            **finding_selectors.findings_panel(request.user, audit),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def audit_plan(request: HttpRequest, pk: int) -> HttpResponse:
    audit = plannable_audit(request, pk)
    form = edit_form(AuditPlanForm, request.POST or None, instance=audit)
    saved = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, lambda: audit_services.audit_plan(actor=request.user, audit=audit, **form.cleaned_data)
        )
    )
    if saved:
        messages.success(request, _("%(audit)s was planned.") % {"audit": audit.get_kind_display()})
        return redirect(audit)
    suggested = selectors.time_sheet(audit.programme).suggested_days(audit.kind)
    return render(
        request, "audits/audit_plan_form.html", {"audit": audit, "form": form, "suggested_days": suggested}
    )


@login_required
@require_POST
def audit_sites(request: HttpRequest, pk: int) -> HttpResponse:
    audit = plannable_audit(request, pk)
    form = SiteDrawForm(request.POST, audit=audit)
    if form.is_valid():
        sites = list(form.cleaned_data["chosen_on_risk"])
        call_action(
            request,
            lambda: audit_services.audit_sites_draw(actor=request.user, audit=audit, chosen_on_risk=sites),
            _("The sites were drawn and the draw recorded."),
        )
    else:
        messages.error(request, _("Choose sites of the programme."))
    return redirect(audit)


@login_required
@require_POST
@submit_once
def team_assign(request: HttpRequest, pk: int) -> HttpResponse:
    audit = plannable_audit(request, pk)
    form = TeamAssignForm(request.POST, audit=audit)
    if form.is_valid():
        call_action(
            request,
            lambda: team_services.team_assign(actor=request.user, audit=audit, **form.cleaned_data),
            _("%(user)s joined the team.") % {"user": form.cleaned_data["user"]},
        )
    else:
        messages.error(request, _("Choose a person of the certification body and a role."))
    return redirect(audit)


def _assignment(audit: Audit, assignment_pk: int) -> TeamAssignment:
    return get_object_or_404(audit.assignments.select_related("user"), pk=assignment_pk)


@login_required
@require_POST
def team_withdraw(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    audit = plannable_audit(request, pk)
    assignment = _assignment(audit, assignment_pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        call_action(
            request,
            lambda: team_services.team_withdraw(
                actor=request.user, assignment=assignment, reason=form.cleaned_data["reason"]
            ),
            _("%(user)s left the team.") % {"user": assignment.user},
        )
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(audit)


@login_required
@require_POST
def team_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    audit = plannable_audit(request, pk)
    call_action(
        request,
        lambda: team_services.team_confirm(actor=request.user, audit=audit),
        _("The team is confirmed."),
    )
    return redirect(audit)


@login_required
@require_POST
def team_notify(request: HttpRequest, pk: int) -> HttpResponse:
    audit = plannable_audit(request, pk)
    call_action(
        request,
        lambda: team_services.team_notify(actor=request.user, audit=audit),
        _("The client's quality managers were told who is on the team."),
    )
    return redirect(audit)


@login_required
@require_http_methods(["GET", "POST"])
def team_declare(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    audit = audit_for(request, pk)
    assignment = _assignment(audit, assignment_pk)
    if assignment.user_id != request.user.pk:
        raise PermissionDenied(_("Only the team member declares their own conflicts of interest."))
    form = DeclarationForm(request.POST or None)
    saved = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: team_services.team_declare(
                actor=request.user, assignment=assignment, **form.cleaned_data
            ),
        )
    )
    if saved:
        messages.success(request, _("Your declaration was recorded."))
        return redirect(audit)
    return render(
        request, "audits/team_declare.html", {"audit": audit, "assignment": assignment, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_object(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    audit = audit_for(request, pk)
    assignment = _assignment(audit, assignment_pk)
    if not access.can_object_to_team(request.user, audit.programme.organisation):
        raise PermissionDenied(_("Only the client's quality manager may object to a team member."))
    form = ReasonForm(request.POST or None)
    saved = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: team_services.team_object(
                actor=request.user, assignment=assignment, reason=form.cleaned_data["reason"]
            ),
        )
    )
    if saved:
        messages.success(
            request, _("Your objection was sent: the certification body will assign someone else.")
        )
        return redirect(audit)
    return render(
        request, "audits/team_object.html", {"audit": audit, "assignment": assignment, "form": form}
    )
