"""The access policy: the one place that says what a user may see and do.

Views get tenant data only through the scoped querysets below, so that another tenant's
object is a 404, and check the named predicates before a change (a read-only role gets 403).

Who sees an organisation:
- its active members (quality manager, contributor, viewer);
- the active staff of a certification body with an open engagement with it;
- platform staff (administrators), read-only.
"""

from django.db.models import Q, QuerySet

from organisations.enums import CBRole, OrganisationRole
from organisations.models import (
    CBMembership,
    CertificationBody,
    ClientEngagement,
    Organisation,
    OrganisationMembership,
)

PLANNING_ROLES = (CBRole.CERTIFICATION_MANAGER, CBRole.CB_ADMIN)


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _active_cb_ids(user) -> QuerySet:
    return CBMembership.objects.filter(user=user, is_active=True).values("certification_body_id")


def _member_of(user) -> QuerySet:
    return OrganisationMembership.objects.filter(user=user, is_active=True).values("organisation_id")


def _served_by(user) -> QuerySet:
    """Organisations that a CB the user works for serves now."""
    return ClientEngagement.objects.filter(
        certification_body_id__in=_active_cb_ids(user), ended_on__isnull=True
    ).values("organisation_id")


# --- What a user may see -------------------------------------------------------------------


def organisations_for(user) -> QuerySet[Organisation]:
    if not _signed_in(user):
        return Organisation.objects.none()
    if user.is_staff:
        return Organisation.objects.all()
    return Organisation.objects.filter(Q(pk__in=_member_of(user)) | Q(pk__in=_served_by(user)))


# --- Roles -------------------------------------------------------------------------------


def organisation_role(user, organisation: Organisation) -> OrganisationRole | None:
    if not _signed_in(user):
        return None
    role = (
        OrganisationMembership.objects.filter(user=user, organisation=organisation, is_active=True)
        .values_list("role", flat=True)
        .first()
    )
    return OrganisationRole(role) if role else None


def is_cb_staff(user) -> bool:
    return _signed_in(user) and CBMembership.objects.filter(user=user, is_active=True).exists()


def is_client_user(user) -> bool:
    return _signed_in(user) and OrganisationMembership.objects.filter(user=user, is_active=True).exists()


# --- What a user may do ----------------------------------------------------------------------


def can_manage_organisation(user, organisation: Organisation) -> bool:
    """Edit the profile and the sites, and manage who belongs to the organisation."""
    return organisation_role(user, organisation) == OrganisationRole.QUALITY_MANAGER


def can_contribute(user, organisation: Organisation) -> bool:
    """Write the organisation's own records (self-assessments, responses to findings)."""
    return organisation_role(user, organisation) in {
        OrganisationRole.QUALITY_MANAGER,
        OrganisationRole.CONTRIBUTOR,
    }


# --- Gap analyses (rule 24): the client's own; CB staff read only what the client shared ----


def gap_analyses_visible(user, analyses: QuerySet) -> QuerySet:
    """Narrow a queryset of gap analyses (passed in: organisations sits below audits) to the user's.

    Members of the organisation see all of its analyses; staff of a CB serving it see only those
    the client shared with its CB; platform staff see none (they are not a party to it).
    """
    if not _signed_in(user):
        return analyses.none()
    return analyses.filter(
        Q(organisation__in=_member_of(user)) | Q(shared_with_cb=True, organisation__in=_served_by(user))
    )


def can_write_gap_analysis(user, organisation: Organisation) -> bool:
    """Start, answer and attach evidence: client users who contribute; never CB staff (rule 24)."""
    return can_contribute(user, organisation)


def can_conclude_gap_analysis(user, organisation: Organisation) -> bool:
    """Complete an analysis and decide whether the CB may read it: the quality manager."""
    return can_manage_organisation(user, organisation)


# --- Audit programmes and audits: the CB's records, read by its staff and by the client ------


def programmes_visible(user, programmes: QuerySet) -> QuerySet:
    """Narrow a queryset of programmes (passed in: organisations sits below audits) to the user's.

    The staff of the programme's CB, the members of the client organisation (read-only: the audit
    time and its justification are theirs to see, DOMAIN §3.1) and platform staff.
    """
    if not _signed_in(user):
        return programmes.none()
    if user.is_staff:
        return programmes
    return programmes.filter(
        Q(certification_body__in=_active_cb_ids(user)) | Q(organisation__in=_member_of(user))
    )


def planning_bodies(user) -> QuerySet[CertificationBody]:
    """The CBs for which the user plans programmes: certification managers and CB administrators."""
    if not _signed_in(user):
        return CertificationBody.objects.none()
    return CertificationBody.objects.filter(
        is_active=True,
        memberships__user=user,
        memberships__is_active=True,
        memberships__role__in=PLANNING_ROLES,
    ).distinct()


def can_plan(user, certification_body: CertificationBody) -> bool:
    """Open and change programmes, plan audits and compose teams for the CB."""
    return planning_bodies(user).filter(pk=certification_body.pk).exists()


def clients_of(bodies) -> QuerySet[Organisation]:
    """Active organisations that one of these CBs serves now."""
    return Organisation.objects.filter(
        is_active=True,
        engagements__certification_body__in=bodies,
        engagements__ended_on__isnull=True,
    ).distinct()


def can_object_to_team(user, organisation: Organisation) -> bool:
    """Object to a member of an audit team: the client's quality manager (DOMAIN §9.5)."""
    return can_manage_organisation(user, organisation)
