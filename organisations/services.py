"""State changes of organisations, sites and memberships. Views and tasks call these only.

Each service re-checks its actor with the predicates of `organisations.access` (see
docs/architecture.md, "Access").
"""

import dataclasses
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.records import assign_changes, refuse_invalid
from core.transitions import transition_record
from organisations import access
from organisations.access import require
from organisations.enums import OrganisationKind, OrganisationRole, SiteKind
from organisations.models import IAFCode, Organisation, OrganisationMembership, Site, User
from organisations.tasks import send_invitation


class MembershipError(DomainError):
    pass


@dataclass(frozen=True)
class OrganisationProfile:
    """What the organisation says of itself (its quality manager keeps it up to date)."""

    name: str
    kind: OrganisationKind
    street: str
    city: str
    country: str
    headcount: int
    registration_number: str = ""
    postcode: str = ""
    iaf_codes: tuple[IAFCode, ...] = ()


@dataclass(frozen=True)
class SiteDetails:
    name: str
    street: str
    city: str
    country: str
    headcount: int
    kind: SiteKind = SiteKind.PERMANENT
    postcode: str = ""
    is_central_function: bool = False
    is_active: bool = True


def _require_manager(actor: User, organisation: Organisation) -> None:
    require(access.can_manage_organisation(actor, organisation), access.MANAGERS_ONLY)


@transaction.atomic
def organisation_update(
    *, actor: User, organisation: Organisation, profile: OrganisationProfile
) -> Organisation:
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    _require_manager(actor, organisation)
    values = dataclasses.asdict(profile)
    iaf_codes = values.pop("iaf_codes")
    changed = assign_changes(organisation, values)
    organisation.full_clean()
    if changed:
        organisation.save(update_fields=changed)
    organisation.iaf_codes.set(iaf_codes)
    return organisation


@transaction.atomic
def site_create(*, actor: User, organisation: Organisation, details: SiteDetails) -> Site:
    _require_manager(actor, organisation)
    site = Site(organisation=organisation, **dataclasses.asdict(details))
    site.full_clean()
    site.save()
    transition_record(subject=site, field="is_active", from_state=None, to_state=site.is_active, actor=actor)
    return site


@transaction.atomic
def site_update(*, actor: User, site: Site, details: SiteDetails, reason: str = "") -> Site:
    site = Site.objects.select_for_update().select_related("organisation").get(pk=site.pk)
    _require_manager(actor, site.organisation)
    was_active = site.is_active
    changed = assign_changes(site, dataclasses.asdict(details))
    if not changed:
        return site
    site.full_clean()
    site.save(update_fields=changed)
    if site.is_active != was_active:
        transition_record(
            subject=site,
            field="is_active",
            from_state=was_active,
            to_state=site.is_active,
            actor=actor,
            reason=reason,
        )
    return site


def _other_quality_managers(membership: OrganisationMembership) -> bool:
    return (
        OrganisationMembership.objects.filter(
            organisation_id=membership.organisation_id, role=OrganisationRole.QUALITY_MANAGER, is_active=True
        )
        .exclude(pk=membership.pk)
        .exists()
    )


def _guard_last_quality_manager(membership: OrganisationMembership) -> None:
    if (
        membership.role == OrganisationRole.QUALITY_MANAGER
        and membership.is_active
        and not (_other_quality_managers(membership))
    ):
        raise MembershipError(
            _("%(name)s is the only quality manager of %(org)s. Make someone else quality manager first.")
            % {"name": membership.user, "org": membership.organisation}
        )


@transaction.atomic
def membership_invite(
    *, actor: User, organisation: Organisation, email: str, full_name: str, role: str
) -> OrganisationMembership:
    """Add a person to the organisation, creating their account if needed, and invite them."""
    _require_manager(actor, organisation)
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        refuse_invalid(User(email=email, full_name=full_name), MembershipError, exclude=("password",))
        user = User.objects.create_user(email=email, password=None, full_name=full_name)
    membership, created = OrganisationMembership.objects.select_for_update().get_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    if not created and membership.is_active:
        raise MembershipError(
            _("%(email)s is already a member of %(org)s.") % {"email": email, "org": organisation}
        )
    if not created:
        membership_reactivate(actor=actor, membership=membership, role=role)
    else:
        transition_record(subject=membership, field="role", from_state=None, to_state=role, actor=actor)
    transaction.on_commit(lambda: send_invitation.delay(membership.pk, actor.pk))
    return membership


@transaction.atomic
def membership_reactivate(
    *, actor: User, membership: OrganisationMembership, role: str
) -> OrganisationMembership:
    _require_manager(actor, membership.organisation)
    membership.is_active = True
    membership.role = role
    membership.save(update_fields=["is_active", "role"])
    transition_record(subject=membership, field="is_active", from_state=False, to_state=True, actor=actor)
    return membership


@transaction.atomic
def membership_change_role(
    *, actor: User, membership: OrganisationMembership, role: str
) -> OrganisationMembership:
    membership = (
        OrganisationMembership.objects.select_for_update()
        .select_related("organisation")
        .get(pk=membership.pk)
    )
    _require_manager(actor, membership.organisation)
    if membership.role == role:
        return membership
    if role != OrganisationRole.QUALITY_MANAGER:
        _guard_last_quality_manager(membership)
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    transition_record(subject=membership, field="role", from_state=previous, to_state=role, actor=actor)
    return membership


@transaction.atomic
def membership_deactivate(
    *, actor: User, membership: OrganisationMembership, reason: str = ""
) -> OrganisationMembership:
    membership = (
        OrganisationMembership.objects.select_for_update()
        .select_related("organisation")
        .get(pk=membership.pk)
    )
    _require_manager(actor, membership.organisation)
    if not membership.is_active:
        return membership
    _guard_last_quality_manager(membership)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    transition_record(
        subject=membership, field="is_active", from_state=True, to_state=False, actor=actor, reason=reason
    )
    return membership
