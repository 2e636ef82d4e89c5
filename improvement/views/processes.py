"""The pages of what internal audits are planned around (DOMAIN §13.1): the organisation's processes
and its trained internal auditors. Rule 43: only the organisation's members see them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import call_action, call_service
from core.submits import submit_once
from improvement import access
from improvement.forms import internal_audits as forms
from improvement.models import Process
from improvement.selectors import internal_audits as selectors
from improvement.services import processes as process_services
from improvement.views.internal_audits import form_errors, organisation_of, planner_guard


def _process(request: HttpRequest, pk: int) -> Process:
    return get_object_or_404(access.processes_for(request.user), pk=pk)


# --- Processes ---------------------------------------------------------------------------------


@login_required
@require_GET
def process_list(request: HttpRequest, org_pk: int) -> HttpResponse:
    organisation = organisation_of(request, org_pk)
    page = selectors.page_of(selectors.processes_of(organisation), request.GET.get("page"))
    return render(
        request,
        "improvement/internal_audits/process_list.html",
        {
            "organisation": organisation,
            "page_obj": page,
            "tab": "processes",
            "can_write": access.can_plan_internal_audits(request.user, organisation),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def process_new(request: HttpRequest, org_pk: int) -> HttpResponse:
    organisation = organisation_of(request, org_pk)
    planner_guard(request, organisation)
    form = forms.ProcessCreateForm(request.POST or None, organisation=organisation)
    process = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: process_services.process_create(
                actor=request.user,
                organisation=organisation,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                owner=form.cleaned_data["owner"],
                sites=list(form.cleaned_data["sites"]),
            ),
        )
    )
    if process:
        messages.success(request, _("The process %(name)s was added.") % {"name": process.name})
        return redirect("improvement:process_list", organisation.pk)
    return render(
        request,
        "improvement/internal_audits/process_form.html",
        {"organisation": organisation, "form": form, "tab": "processes", "process": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def process_edit(request: HttpRequest, pk: int) -> HttpResponse:
    process = _process(request, pk)
    organisation = process.organisation
    planner_guard(request, organisation)
    initial = {
        "name": process.name,
        "description": process.description,
        "owner": process.owner_id,
        "sites": list(process.sites.all()),
    }
    form = forms.ProcessForm(request.POST or None, initial=initial, organisation=organisation)
    saved = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: process_services.process_update(
                actor=request.user,
                process=process,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                owner=form.cleaned_data["owner"],
                sites=list(form.cleaned_data["sites"]),
            ),
        )
    )
    if saved:
        messages.success(request, _("The process was saved."))
        return redirect("improvement:process_list", organisation.pk)
    return render(
        request,
        "improvement/internal_audits/process_form.html",
        {"organisation": organisation, "form": form, "tab": "processes", "process": process},
    )


@login_required
@require_POST
def process_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    process = _process(request, pk)
    planner_guard(request, process.organisation)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        call_action(
            request,
            lambda: process_services.process_deactivate(
                actor=request.user, process=process, reason=form.cleaned_data["reason"]
            ),
            _("The process %(name)s is no longer active; its audits keep it.") % {"name": process.name},
        )
    return redirect("improvement:process_list", process.organisation_id)


# --- Internal-auditor training ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def auditor_trainings(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The members with their internal-auditor trainings; quality managers add one below."""
    organisation = organisation_of(request, org_pk)
    can_write = access.can_plan_internal_audits(request.user, organisation)
    if request.method == "POST":
        planner_guard(request, organisation)
    form = forms.AuditorTrainingForm(request.POST or None, organisation=organisation) if can_write else None
    training = (
        form is not None
        and request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: process_services.auditor_training_add(
                actor=request.user,
                membership=form.cleaned_data["member"],
                standard=form.cleaned_data["standard"],
                course=form.cleaned_data["course"],
                completed_on=form.cleaned_data["completed_on"],
            ),
        )
    )
    if training:
        messages.success(request, _("The training was recorded."))
        return redirect("improvement:auditor_trainings", organisation.pk)
    page = selectors.page_of(selectors.members_with_trainings(organisation), request.GET.get("page"))
    return render(
        request,
        "improvement/internal_audits/trainings.html",
        {
            "organisation": organisation,
            "page_obj": page,
            "form": form,
            "tab": "internal_audits",
            "can_write": can_write,
        },
    )


@login_required
@require_POST
def auditor_training_remove(request: HttpRequest, pk: int) -> HttpResponse:
    training = get_object_or_404(access.trainings_for(request.user), pk=pk)
    organisation = training.membership.organisation
    planner_guard(request, organisation)
    call_action(
        request,
        lambda: process_services.auditor_training_remove(actor=request.user, training=training),
        _("The training was removed from the list."),
    )
    return redirect("improvement:auditor_trainings", organisation.pk)
