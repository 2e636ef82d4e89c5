"""Tenancy: which organisations and certification bodies a user belongs to, and with which role.

This module holds only tenancy. What a user may see and do with an app's own records lives in that
app's `access.py` (`audits/access.py`, later `certificates/access.py`), built on the helpers here.

Who sees an organisation:
- its active members (quality manager, contributor, viewer);
- the active staff of a certification body with an open engagement with it;
- platform staff (administrators), read-only.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.errors import NotAllowed
from organisations.enums import CBRole, OrganisationRole
from organisations.models import (
    CBMembership,
    CertificationBody,
    ClientEngagement,
    Organisation,
    OrganisationMembership,
    User,
)

PLANNING_ROLES = (CBRole.CERTIFICATION_MANAGER, CBRole.CB_ADMIN)


def require(allowed: bool, message: str) -> None:
    """What a service calls to re-check its actor: refuse with the predicate's own message."""
    if not allowed:
        raise NotAllowed(message)


def signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


# --- Memberships, as subqueries of ids -----------------------------------------------------------


def cb_ids(user) -> QuerySet:
    """The CBs the user works for now."""
    return CBMembership.objects.filter(user=user, is_active=True).values("certification_body_id")


def member_organisation_ids(user, roles: Iterable[OrganisationRole] | None = None) -> QuerySet:
    """The organisations the user is an active member of (with one of these roles, if given)."""
    memberships = OrganisationMembership.objects.filter(user=user, is_active=True)
    if roles is not None:
        memberships = memberships.filter(role__in=list(roles))
    return memberships.values("organisation_id")


def served_organisation_ids(user) -> QuerySet:
    """Organisations that a CB the user works for serves now."""
    return ClientEngagement.objects.filter(
        certification_body_id__in=cb_ids(user), ended_on__isnull=True
    ).values("organisation_id")


# --- What a user may see -------------------------------------------------------------------


def organisations_for(user) -> QuerySet[Organisation]:
    if not signed_in(user):
        return Organisation.objects.none()
    if user.is_staff:
        return Organisation.objects.all()
    return Organisation.objects.filter(
        Q(pk__in=member_organisation_ids(user)) | Q(pk__in=served_organisation_ids(user))
    )


def bodies_with_role(user, roles: Iterable[CBRole]) -> QuerySet[CertificationBody]:
    """Active CBs where the user holds one of these roles."""
    if not signed_in(user):
        return CertificationBody.objects.none()
    return CertificationBody.objects.filter(
        is_active=True,
        memberships__user=user,
        memberships__is_active=True,
        memberships__role__in=list(roles),
    ).distinct()


def cb_memberships(user, roles: Iterable[CBRole]) -> QuerySet[CBMembership]:
    """The user's active memberships, with one of these roles, at active CBs."""
    return CBMembership.objects.filter(
        user=user, is_active=True, certification_body__is_active=True, role__in=list(roles)
    )


def has_cb_role(user, certification_body: CertificationBody, roles: Iterable[CBRole]) -> bool:
    """Whether the user holds one of these roles at this CB: one cheap EXISTS."""
    return (
        signed_in(user) and cb_memberships(user, roles).filter(certification_body=certification_body).exists()
    )


def clients_of(bodies) -> QuerySet[Organisation]:
    """Active organisations that one of these CBs serves now."""
    return Organisation.objects.filter(
        is_active=True,
        engagements__certification_body__in=bodies,
        engagements__ended_on__isnull=True,
    ).distinct()


# --- Roles -------------------------------------------------------------------------------


def organisation_role(user, organisation: Organisation) -> OrganisationRole | None:
    if not signed_in(user):
        return None
    role = (
        OrganisationMembership.objects.filter(user=user, organisation=organisation, is_active=True)
        .values_list("role", flat=True)
        .first()
    )
    return OrganisationRole(role) if role else None


@dataclass(frozen=True)
class Memberships:
    is_client: bool = False
    is_cb_staff: bool = False


def memberships_of(user) -> Memberships:
    """Whether the user belongs to any organisation and to any CB, in one query (the navigation)."""
    if not signed_in(user):
        return Memberships()
    if hasattr(user, "has_client_membership"):  # read with the user (organisations.backends)
        return Memberships(user.has_client_membership, user.has_cb_membership)
    found = (
        User.objects.filter(pk=user.pk)
        .annotate(
            client=Exists(OrganisationMembership.objects.filter(user=OuterRef("pk"), is_active=True)),
            staff=Exists(CBMembership.objects.filter(user=OuterRef("pk"), is_active=True)),
        )
        .values_list("client", "staff")
        .first()
    )
    return Memberships(*found) if found else Memberships()


def request_memberships(request) -> Memberships:
    """`memberships_of(request.user)`, read once per request (the navigation and the page share it)."""
    if not hasattr(request, "_memberships"):
        request._memberships = memberships_of(request.user)
    return request._memberships


# --- What a user may do with the organisation itself -----------------------------------------


def can_manage_organisation(user, organisation: Organisation) -> bool:
    """Edit the profile and the sites, and manage who belongs to the organisation."""
    return organisation_role(user, organisation) == OrganisationRole.QUALITY_MANAGER


CONTRIBUTING_ROLES = (OrganisationRole.QUALITY_MANAGER, OrganisationRole.CONTRIBUTOR)


def can_contribute(user, organisation: Organisation) -> bool:
    """Write the organisation's own records (self-assessments, responses to findings)."""
    return organisation_role(user, organisation) in CONTRIBUTING_ROLES


MANAGERS_ONLY = _("Only a quality manager of the organisation may do this.")
