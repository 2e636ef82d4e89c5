from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import call_action, call_service, edit_form
from core.listing import form_rows, page_of, query_without
from core.submits import submit_once
from core.transitions import transitions_of
from organisations import access, locks, selectors, services
from organisations.filters import OrganisationFilter
from organisations.forms import (
    InvitationSignUpForm,
    MemberInviteForm,
    MembershipDeactivateForm,
    MembershipRoleForm,
    OrganisationForm,
    SiteCreateForm,
    SiteForm,
    SiteManagerForm,
)
from organisations.models import Invitation, Organisation


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
    """The organisations the user sees, 50 a page, by name, searched and filtered."""
    organisations = access.organisations_for(request.user).order_by("name", "pk")
    filters = OrganisationFilter(request.GET or None, queryset=organisations)
    page = page_of(filters.qs, request)
    # the sites of this page's organisations only: counted after the page is cut
    counts = dict(
        Organisation.objects.filter(pk__in=[o.pk for o in page])
        .annotate(site_count=Count("sites", filter=Q(sites__is_active=True)))
        .values_list("pk", "site_count")
    )
    for organisation in page:
        organisation.site_count = counts[organisation.pk]
    context = {
        "page_obj": page,
        "filters": filters,
        "filter_rows": form_rows(filters.form),
        "query": query_without(request, "page"),
        "clear_url": reverse("organisations:list"),
    }
    return render(request, "organisations/list.html", context)


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
    sites = organisation.sites.select_related("manager")
    members = SiteManagerForm(organisation=organisation).fields["manager"].queryset
    return _page(request, organisation, "sites", sites=sites, members=members)


@login_required
@require_POST
def site_manager(request: HttpRequest, pk: int, site_pk: int) -> HttpResponse:
    """Name the site's manager, from the sites list (the organisation's internal information)."""
    organisation = _managed_organisation(request, pk)
    site = get_object_or_404(organisation.sites, pk=site_pk)
    form = SiteManagerForm(request.POST, organisation=organisation)
    if form.is_valid() and call_service(
        form,
        lambda: services.site_manager_set(
            actor=request.user, site=site, manager=form.cleaned_data["manager"]
        ),
    ):
        messages.success(request, _("The manager of %(site)s was saved.") % {"site": site.name})
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("organisations:sites", pk=organisation.pk)


@login_required
@require_GET
def member_list(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(request, pk)
    memberships = organisation.memberships.select_related("user").order_by("-is_active", "user__full_name")
    invitations = selectors.pending_invitations(organisation)  # read by the template for managers only
    return _page(
        request, organisation, "members", memberships=memberships, invitations=invitations, now=timezone.now()
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _managed_organisation(request, pk)
    lock = locks.edit_lock(organisation)
    form = edit_form(OrganisationForm, request.POST or None, instance=organisation, locked=bool(lock))
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
    return _page(request, organisation, "edit", form=form, lock=lock)


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def site_create(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _managed_organisation(request, pk)
    if lock := locks.edit_lock(organisation):
        return _page(request, organisation, "site_form", lock=lock)
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
    if lock := locks.edit_lock(organisation):
        return _page(request, organisation, "site_form", lock=lock, site=site, history=transitions_of(site))
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
    return _page(request, organisation, "site_form", form=form, site=site, history=transitions_of(site))


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
            lambda: services.invitation_create(
                actor=request.user, organisation=organisation, **form.cleaned_data
            ),
        )
    ):
        messages.success(
            request, _("%(email)s was invited by e-mail, and joins once they accept.") % form.cleaned_data
        )
        return redirect("organisations:members", pk=organisation.pk)
    return _page(request, organisation, "member_invite", form=form, valid_days=settings.INVITATION_VALID_DAYS)


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
        history=transitions_of(membership),
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
        history=transitions_of(membership),
    )


def _managed_invitation(request: HttpRequest, pk: int, invitation_pk: int) -> Invitation:
    organisation = _managed_organisation(request, pk)
    return get_object_or_404(organisation.invitations.select_related("organisation"), pk=invitation_pk)


@login_required
@require_POST
def invitation_resend(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    invitation = _managed_invitation(request, pk, invitation_pk)
    call_action(
        request,
        lambda: services.invitation_resend(actor=request.user, invitation=invitation),
        _("The invitation was sent to %(email)s again, with a new link.") % {"email": invitation.email},
    )
    return redirect("organisations:members", pk=pk)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    invitation = _managed_invitation(request, pk, invitation_pk)
    call_action(
        request,
        lambda: services.invitation_revoke(actor=request.user, invitation=invitation),
        _("The invitation of %(email)s was revoked: its link no longer works.") % {"email": invitation.email},
    )
    return redirect("organisations:members", pk=pk)


def _invitation_page(request: HttpRequest, invitation: Invitation | None, status: int = 200, **context):
    context["invitation"] = invitation
    return render(request, "organisations/invitation.html", context, status=status)


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link of an invitation e-mail (public: its token is its key). Signed in with the invited
    address: a button to accept. Signed out: a link to sign in if the address has an account, else
    the form that creates the account and accepts at once."""
    invitation = selectors.invitation_by_token(token)
    if invitation is None:
        return _invitation_page(request, None, 404, refusal=_("This invitation link is not valid."))
    if refusal := services.invitation_refusal(invitation, timezone.now()):
        return _invitation_page(request, invitation, 410, refusal=refusal)
    if request.user.is_authenticated:
        return _accept_signed_in(request, invitation)
    if selectors.account_exists(invitation.email):
        return _invitation_page(request, invitation, sign_in=True)
    return _sign_up(request, invitation)


def _welcome(invitation: Invitation) -> str:
    return _("Welcome to %(org)s, as %(role)s.") % {
        "org": invitation.organisation,
        "role": invitation.get_role_display().lower(),
    }


def _accept_signed_in(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    if refusal := services.account_refusal(invitation, request.user):
        return _invitation_page(request, invitation, 403, refusal=refusal)
    if request.method == "POST" and call_action(
        request,
        lambda: services.invitation_accept(actor=request.user, invitation=invitation),
        _welcome(invitation),
    ):
        return redirect(invitation.organisation)
    return _invitation_page(request, invitation, accept=True)


def _sign_up(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    form = InvitationSignUpForm(
        request.POST or None, email=invitation.email, initial={"full_name": invitation.full_name}
    )
    user = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.invitation_sign_up(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            ),
        )
    )
    if user:
        login(request, user, backend="organisations.backends.UserBackend")
        messages.success(request, _welcome(invitation))
        return redirect(invitation.organisation)
    return _invitation_page(request, invitation, form=form)
