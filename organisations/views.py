from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import call_service, edit_form
from core.submits import submit_once
from organisations import access, services
from organisations.forms import (
    MemberInviteForm,
    MembershipDeactivateForm,
    MembershipRoleForm,
    OrganisationForm,
    SiteCreateForm,
    SiteForm,
)
from organisations.models import Organisation


def _organisation(request: HttpRequest, pk: int) -> Organisation:
    return get_object_or_404(access.organisations_for(request.user), pk=pk)


def _managed_organisation(request: HttpRequest, pk: int) -> Organisation:
    organisation = _organisation(request, pk)
    if not access.can_manage_organisation(request.user, organisation):
        raise PermissionDenied(_("Only a quality manager of %(org)s may change it.") % {"org": organisation})
    return organisation


def _page(request: HttpRequest, organisation: Organisation, tab: str, **context) -> HttpResponse:
    context.update(
        organisation=organisation,
        tab=tab,
        can_manage=access.can_manage_organisation(request.user, organisation),
    )
    return render(request, f"organisations/{tab}.html", context)


@login_required
@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = access.organisations_for(request.user).annotate(
        site_count=Count("sites", filter=Q(sites__is_active=True))
    )
    return render(request, "organisations/list.html", {"organisations": organisations})


@login_required
@require_GET
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(request, pk)
    iaf_codes = organisation.iaf_codes.all()
    engagements = organisation.engagements.filter(ended_on__isnull=True).select_related("certification_body")
    return _page(request, organisation, "detail", iaf_codes=iaf_codes, engagements=engagements)


@login_required
@require_GET
def site_list(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(request, pk)
    return _page(request, organisation, "sites", sites=organisation.sites.all())


@login_required
@require_GET
def member_list(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(request, pk)
    memberships = organisation.memberships.select_related("user").order_by("-is_active", "user__full_name")
    return _page(request, organisation, "members", memberships=memberships)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _managed_organisation(request, pk)
    form = edit_form(OrganisationForm, request.POST or None, instance=organisation)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.organisation_update(
                actor=request.user, organisation=organisation, profile=form.profile()
            ),
        )
    ):
        messages.success(request, _("The profile was saved."))
        return redirect(organisation)
    return _page(request, organisation, "edit", form=form)


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def site_create(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _managed_organisation(request, pk)
    form = SiteCreateForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.site_create(
                actor=request.user, organisation=organisation, details=form.details()
            ),
        )
    ):
        messages.success(request, _("The site was added."))
        return redirect("organisations:sites", pk=organisation.pk)
    return _page(request, organisation, "site_form", form=form)


@login_required
@require_http_methods(["GET", "POST"])
def site_edit(request: HttpRequest, pk: int, site_pk: int) -> HttpResponse:
    organisation = _managed_organisation(request, pk)
    site = get_object_or_404(organisation.sites, pk=site_pk)
    form = edit_form(SiteForm, request.POST or None, instance=site)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, lambda: services.site_update(actor=request.user, site=site, details=form.details())
        )
    ):
        messages.success(request, _("The site was saved."))
        return redirect("organisations:sites", pk=organisation.pk)
    return _page(request, organisation, "site_form", form=form, site=site)


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def member_invite(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _managed_organisation(request, pk)
    form = MemberInviteForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.membership_invite(
                actor=request.user, organisation=organisation, **form.cleaned_data
            ),
        )
    ):
        messages.success(request, _("%(email)s was added and invited by e-mail.") % form.cleaned_data)
        return redirect("organisations:members", pk=organisation.pk)
    return _page(request, organisation, "member_invite", form=form)


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    organisation = _managed_organisation(request, pk)
    membership = get_object_or_404(organisation.memberships.select_related("user"), pk=membership_pk)
    form = MembershipRoleForm(request.POST or None, initial={"role": membership.role})
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.membership_change_role(
                actor=request.user, membership=membership, role=form.cleaned_data["role"]
            ),
        )
    ):
        messages.success(request, _("The role of %(name)s was saved.") % {"name": membership.user})
        return redirect("organisations:members", pk=organisation.pk)
    deactivate_form = MembershipDeactivateForm()
    return _page(
        request,
        organisation,
        "member_edit",
        form=form,
        membership=membership,
        deactivate_form=deactivate_form,
    )


@login_required
@require_POST
def member_deactivate(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    organisation = _managed_organisation(request, pk)
    membership = get_object_or_404(organisation.memberships.select_related("user"), pk=membership_pk)
    form = MembershipDeactivateForm(request.POST)
    if form.is_valid() and call_service(
        form,
        lambda: services.membership_deactivate(
            actor=request.user, membership=membership, reason=form.cleaned_data["reason"]
        ),
    ):
        messages.success(
            request,
            _("%(name)s no longer belongs to %(org)s.") % {"name": membership.user, "org": organisation},
        )
        return redirect("organisations:members", pk=organisation.pk)
    return _page(
        request,
        organisation,
        "member_edit",
        form=MembershipRoleForm(initial={"role": membership.role}),
        membership=membership,
        deactivate_form=form,
    )
