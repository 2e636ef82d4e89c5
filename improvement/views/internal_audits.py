"""Internal-audit pages (HS 9.2, DOMAIN §13.1): the organisation's processes and trained internal
auditors, its programmes with their coverage (rule 40), and each audit with its auditors (rule 39),
checklist, findings and report. Rule 43: only the organisation's members see any of it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import call_action, call_service
from core.submits import submit_once
from core.transitions import transitions_of
from improvement import access
from improvement.enums import ChecklistResult, InternalAuditStatus
from improvement.forms import internal_audits as forms
from improvement.models import (
    InternalAudit,
    InternalAuditor,
    InternalAuditProgramme,
    InternalFinding,
)
from improvement.selectors import internal_audits as selectors
from improvement.services import internal_audits as services
from organisations.models import Organisation


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def organisation_of(request: HttpRequest, org_pk: int) -> Organisation:
    """Rule 43: the organisation's own members only; a CB serving it gets a 404 like anyone else."""
    return get_object_or_404(access.member_organisations(request.user), pk=org_pk)


def planner_guard(request: HttpRequest, organisation: Organisation) -> None:
    _require(access.can_plan_internal_audits(request.user, organisation), access.INTERNAL_AUDIT_MANAGERS_ONLY)


def _programme(request: HttpRequest, pk: int) -> InternalAuditProgramme:
    return get_object_or_404(access.internal_programmes_for(request.user), pk=pk)


def _audit(request: HttpRequest, pk: int) -> InternalAudit:
    return get_object_or_404(access.internal_audits_for(request.user).select_related("created_by"), pk=pk)


def _finding(request: HttpRequest, pk: int) -> InternalFinding:
    findings = InternalFinding.objects.select_related("audit__programme__organisation").filter(
        audit__in=access.internal_audits_for(request.user)
    )
    return get_object_or_404(findings, pk=pk)


def form_errors(form) -> str:
    return " ".join(e for errors in form.errors.values() for e in errors)


# --- Programmes --------------------------------------------------------------------------------


@login_required
@require_GET
def internal_programme_list(request: HttpRequest, org_pk: int) -> HttpResponse:
    organisation = organisation_of(request, org_pk)
    programmes = selectors.programmes_of(
        access.internal_programmes_for(request.user).filter(organisation=organisation)
    )
    return render(
        request,
        "improvement/internal_audits/programme_list.html",
        {
            "organisation": organisation,
            "page_obj": selectors.page_of(programmes, request.GET.get("page")),
            "tab": "internal_audits",
            "can_write": access.can_plan_internal_audits(request.user, organisation),
        },
    )


def _programme_values(form) -> dict:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "editions": list(data["editions"]),
        "starts_on": data["starts_on"],
        "ends_on": data["ends_on"],
        "objectives": data["objectives"],
    }


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def internal_programme_new(request: HttpRequest, org_pk: int) -> HttpResponse:
    organisation = organisation_of(request, org_pk)
    planner_guard(request, organisation)
    form = forms.ProgrammeCreateForm(request.POST or None)
    programme = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.internal_programme_create(
                actor=request.user, organisation=organisation, **_programme_values(form)
            ),
        )
    )
    if programme:
        messages.success(request, _("The internal audit programme was set up."))
        return redirect(programme)
    return render(
        request,
        "improvement/internal_audits/programme_form.html",
        {"organisation": organisation, "form": form, "tab": "internal_audits", "programme": None},
    )


@login_required
@require_GET
def internal_programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    coverage = selectors.programme_coverage(programme, request.GET.get("page"))
    return render(
        request,
        "improvement/internal_audits/programme_detail.html",
        {
            "programme": programme,
            "organisation": programme.organisation,
            "editions": selectors.editions_of(programme),
            "audits": selectors.audits_of(programme),
            "coverage": coverage,
            "can_write": access.can_plan_internal_audits(request.user, programme.organisation),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def internal_programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    planner_guard(request, programme.organisation)
    initial = {
        "title": programme.title,
        "editions": list(programme.editions.all()),
        "starts_on": programme.starts_on,
        "ends_on": programme.ends_on,
        "objectives": programme.objectives,
    }
    form = forms.ProgrammeForm(request.POST or None, initial=initial)
    saved = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.internal_programme_update(
                actor=request.user, programme=programme, **_programme_values(form)
            ),
        )
    )
    if saved:
        messages.success(request, _("The programme was saved."))
        return redirect(programme)
    return render(
        request,
        "improvement/internal_audits/programme_form.html",
        {
            "organisation": programme.organisation,
            "form": form,
            "tab": "internal_audits",
            "programme": programme,
        },
    )


# --- Audits ------------------------------------------------------------------------------------


def _scope_values(form) -> dict:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "criteria": data["criteria"],
        "starts_on": data["starts_on"],
        "ends_on": data["ends_on"],
        "processes": list(data["processes"]),
        "sites": list(data["sites"]),
        "clauses": data["clauses"],
    }


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def internal_audit_new(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    planner_guard(request, programme.organisation)
    form = forms.AuditCreateForm(
        request.POST or None,
        programme=programme,
        initial={"starts_on": programme.starts_on, "ends_on": programme.starts_on},
    )
    audit = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.internal_audit_create(
                actor=request.user, programme=programme, **_scope_values(form)
            ),
        )
    )
    if audit:
        messages.success(
            request, _("Audit %(ref)s was planned. Name its auditors next.") % {"ref": audit.reference}
        )
        return redirect(audit)
    return render(
        request,
        "improvement/internal_audits/audit_form.html",
        {"programme": programme, "organisation": programme.organisation, "form": form, "audit": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def internal_audit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _audit(request, pk)
    programme = audit.programme
    planner_guard(request, programme.organisation)
    form = forms.AuditForm(request.POST or None, programme=programme, initial=forms.audit_initial(audit))
    saved = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.internal_audit_update(actor=request.user, audit=audit, **_scope_values(form)),
        )
    )
    if saved:
        messages.success(request, _("The audit was saved."))
        return redirect(audit)
    return render(
        request,
        "improvement/internal_audits/audit_form.html",
        {"programme": programme, "organisation": programme.organisation, "form": form, "audit": audit},
    )


def _audit_context(request: HttpRequest, audit: InternalAudit) -> dict:
    organisation = audit.programme.organisation
    return {
        "audit": audit,
        "programme": audit.programme,
        "organisation": organisation,
        "can_plan": access.can_plan_internal_audits(request.user, organisation),
        "can_audit": access.can_audit_internally(request.user, audit),
        "can_report": access.can_report_internal_audit(request.user, audit),
        "Status": InternalAuditStatus,
    }


@login_required
@require_GET
def internal_audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _audit(request, pk)
    auditors = list(audit.auditors.filter(removed_at__isnull=True).select_related("user"))
    findings = selectors.findings_of(audit)
    counts = selectors.checklist_counts(audit)
    return render(
        request,
        "improvement/internal_audits/audit_detail.html",
        {
            **_audit_context(request, audit),
            "auditors": auditors,
            "clauses": selectors.audit_clauses(audit),
            "processes": list(audit.processes.select_related("owner")),
            "sites": list(audit.sites.all()),
            "findings_page": selectors.page_of(findings, request.GET.get("page")),
            "checklist_summary": [(label, counts.get(value, 0)) for value, label in ChecklistResult.choices],
            "report_problems": services.report_problems(audit)
            if audit.status == InternalAuditStatus.IN_PROGRESS
            else [],
            "close_problems": services.close_problems(audit)
            if audit.status == InternalAuditStatus.REPORTED
            else [],
            "history": transitions_of(audit),
            "cancel_form": forms.RequiredReasonForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def internal_auditor_add(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _audit(request, pk)
    organisation = audit.programme.organisation
    planner_guard(request, organisation)
    form = forms.AuditorForm(request.POST or None, organisation=organisation)
    added = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, lambda: services.internal_auditor_add(actor=request.user, audit=audit, **form.cleaned_data)
        )
    )
    if added:
        auditor, untrained = added
        messages.success(
            request, _("%(name)s audits %(ref)s.") % {"name": auditor.name, "ref": audit.reference}
        )
        if untrained:
            messages.warning(
                request,
                _("%(name)s has no internal-auditor training recorded for %(standards)s.")
                % {"name": auditor.name, "standards": ", ".join(untrained)},
            )
        return redirect(audit)
    owners = [p for p in audit.processes.select_related("owner") if p.owner_id]
    managers = [site for site in audit.sites.select_related("manager") if site.manager_id]
    return render(
        request,
        "improvement/internal_audits/auditor_form.html",
        {**_audit_context(request, audit), "form": form, "owners": owners, "managers": managers},
    )


@login_required
@require_POST
def internal_auditor_remove(request: HttpRequest, pk: int, auditor_pk: int) -> HttpResponse:
    audit = _audit(request, pk)
    planner_guard(request, audit.programme.organisation)
    auditor = get_object_or_404(InternalAuditor.objects.select_related("user"), pk=auditor_pk, audit=audit)
    call_action(
        request,
        lambda: services.internal_auditor_remove(actor=request.user, auditor=auditor),
        _("%(name)s no longer audits %(ref)s.") % {"name": auditor.name, "ref": audit.reference},
    )
    return redirect(audit)


@login_required
@require_POST
def internal_audit_start(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _audit(request, pk)
    _require(access.can_audit_internally(request.user, audit), access.INTERNAL_AUDITORS_ONLY)
    if call_action(
        request,
        lambda: services.internal_audit_start(actor=request.user, audit=audit),
        _("The audit is in progress; its checklist is ready."),
    ):
        return redirect("improvement:internal_audit_checklist", audit.pk)
    return redirect(audit)


def _checklist_item(request: HttpRequest, audit: InternalAudit):
    """The item a checklist POST names, among this audit's only (None: none such)."""
    item_pk = request.POST.get("item", "")
    if not (item_pk.isdigit() and len(item_pk) < 12):
        return None
    return audit.checklist.select_related("clause").filter(pk=int(item_pk)).first()


def _checklist_rows(page, failed, can_write: bool) -> list:
    """(item, its form) for the page; the refused item keeps its posted form and errors."""
    rows = []
    for item in page.object_list:
        if failed and failed.prefix == f"i{item.pk}":
            form = failed
        else:
            form = forms.ChecklistItemForm(
                initial={"result": item.result, "notes": item.notes}, prefix=f"i{item.pk}"
            )
        rows.append((item, form if can_write else None))
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def internal_audit_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    """One page of the checklist, one small form per clause (saved one at a time: usable on a
    tablet). A POST saves the item named by `item`."""
    audit = _audit(request, pk)
    can_audit = access.can_audit_internally(request.user, audit)
    failed = None
    if request.method == "POST":
        _require(can_audit, access.INTERNAL_AUDITORS_ONLY)
        item = _checklist_item(request, audit)
        if item is None:
            messages.error(request, _("Choose a clause of this audit's checklist to save."))
            return redirect("improvement:internal_audit_checklist", audit.pk)
        form = forms.ChecklistItemForm(request.POST, prefix=f"i{item.pk}")
        if form.is_valid() and call_service(
            form, lambda: services.checklist_item_save(actor=request.user, item=item, **form.cleaned_data)
        ):
            messages.success(request, _("Clause %(number)s saved.") % {"number": item.clause.number})
            page = request.POST.get("page", "")
            query = f"?page={page}" if page.isdigit() and len(page) < 6 else ""
            url = reverse("improvement:internal_audit_checklist", args=[audit.pk])
            return redirect(f"{url}{query}#item-{item.pk}")
        failed = form
    page = selectors.page_of(
        selectors.checklist_of(audit), request.GET.get("page"), selectors.CHECKLIST_PAGE_SIZE
    )
    can_write = can_audit and audit.status == InternalAuditStatus.IN_PROGRESS
    context = {"page_obj": page, "rows": _checklist_rows(page, failed, can_write), "can_write": can_write}
    return render(
        request,
        "improvement/internal_audits/checklist.html",
        {**_audit_context(request, audit), **context, "form": failed},  # form: the refused item's
    )


# --- Findings ----------------------------------------------------------------------------------


def _finding_values(form) -> dict:
    return dict(form.cleaned_data)


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def internal_finding_new(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _audit(request, pk)
    _require(access.can_audit_internally(request.user, audit), access.INTERNAL_AUDITORS_ONLY)
    form = forms.FindingCreateForm(request.POST or None, audit=audit)
    finding = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.internal_finding_raise(actor=request.user, audit=audit, **_finding_values(form)),
        )
    )
    if finding:
        if finding.is_nonconformity:
            messages.success(
                request,
                _("Finding %(ref)s was logged and its action opened in the register.")
                % {"ref": finding.reference},
            )
        else:
            messages.success(request, _("Finding %(ref)s was logged.") % {"ref": finding.reference})
        return redirect(
            reverse("improvement:internal_audit_detail", args=[audit.pk]) + f"#finding-{finding.pk}"
        )
    return render(
        request,
        "improvement/internal_audits/finding_form.html",
        {**_audit_context(request, audit), "form": form, "finding": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def internal_finding_edit(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _finding(request, pk)
    audit = _audit(request, finding.audit_id)
    _require(access.can_audit_internally(request.user, audit), access.INTERNAL_AUDITORS_ONLY)
    initial = {
        "grade": finding.grade,
        "clause": finding.clause_id,
        "process": finding.process_id,
        "site": finding.site_id,
        "title": finding.title,
        "statement": finding.statement,
        "evidence": finding.evidence,
    }
    form = forms.FindingForm(request.POST or None, audit=audit, initial=initial)
    saved = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.internal_finding_update(
                actor=request.user, finding=finding, **_finding_values(form)
            ),
        )
    )
    if saved:
        messages.success(request, _("Finding %(ref)s was saved.") % {"ref": finding.reference})
        return redirect(
            reverse("improvement:internal_audit_detail", args=[audit.pk]) + f"#finding-{finding.pk}"
        )
    return render(
        request,
        "improvement/internal_audits/finding_form.html",
        {
            **_audit_context(request, audit),
            "form": form,
            "finding": finding,
            "withdraw_form": forms.RequiredReasonForm(),
        },
    )


@login_required
@require_POST
def internal_finding_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _finding(request, pk)
    audit = finding.audit
    _require(access.can_audit_internally(request.user, audit), access.INTERNAL_AUDITORS_ONLY)
    form = forms.RequiredReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        call_action(
            request,
            lambda: services.internal_finding_withdraw(
                actor=request.user, finding=finding, reason=form.cleaned_data["reason"]
            ),
            _("Finding %(ref)s was withdrawn.") % {"ref": finding.reference},
        )
    return redirect(reverse("improvement:internal_audit_detail", args=[audit.pk]) + f"#finding-{finding.pk}")


# --- Report, close, cancel ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def internal_audit_report(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _audit(request, pk)
    _require(access.can_report_internal_audit(request.user, audit), access.INTERNAL_REPORTERS_ONLY)
    form = forms.ReportForm(
        request.POST or None, initial={"conclusions": audit.conclusions, "distribution": audit.distribution}
    )
    saved = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.internal_audit_report_save(actor=request.user, audit=audit, **form.cleaned_data),
        )
    )
    if saved:
        messages.success(request, _("The report was saved."))
        return redirect(audit)
    return render(
        request,
        "improvement/internal_audits/report_form.html",
        {**_audit_context(request, audit), "form": form, "report_problems": services.report_problems(audit)},
    )


@login_required
@require_POST
def internal_audit_report_issue(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _audit(request, pk)
    _require(access.can_report_internal_audit(request.user, audit), access.INTERNAL_REPORTERS_ONLY)
    call_action(
        request,
        lambda: services.internal_audit_report_issue(actor=request.user, audit=audit),
        _("The report was issued; it no longer changes."),
    )
    return redirect(audit)


@login_required
@require_POST
def internal_audit_close(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _audit(request, pk)
    planner_guard(request, audit.programme.organisation)
    call_action(
        request,
        lambda: services.internal_audit_close(actor=request.user, audit=audit),
        _("The audit is closed."),
    )
    return redirect(audit)


@login_required
@require_POST
def internal_audit_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _audit(request, pk)
    planner_guard(request, audit.programme.organisation)
    form = forms.RequiredReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        call_action(
            request,
            lambda: services.internal_audit_cancel(
                actor=request.user, audit=audit, reason=form.cleaned_data["reason"]
            ),
            _("The audit was cancelled."),
        )
    return redirect(audit)
