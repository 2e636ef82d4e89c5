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
from organisations import access, locks
from organisations.access import require
from organisations.enums import OrganisationKind, OrganisationRole, SiteKind
from organisations.models import IAFCode, Organisation, OrganisationMembership, Site, User
from organisations.tasks import send_invitation


class MembershipError(DomainError):
    pass


class LockedError(DomainError):
    """A certificate holds the record: its change is notified to the CB (rule 38)."""


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


@dataclass(frozen=True)
class NotifiedValues:
    """The new values of a change the client notified and a CB reviewed; None stays as it is (an
    empty postcode is a value: an address is replaced whole)."""

    name: str | None = None
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str | None = None
    headcount: int | None = None

    def given(self) -> dict:
        return {name: value for name, value in dataclasses.asdict(self).items() if value is not None}


STATE_MAX = 60  # a transition's from and to hold 60 characters


def _require_manager(actor: User, organisation: Organisation) -> None:
    require(access.can_manage_organisation(actor, organisation), access.MANAGERS_ONLY)


def _refuse_locked(organisation: Organisation) -> None:
    if reason := locks.edit_lock(organisation):
        raise LockedError(reason)


def _record_changes(record, before: dict, changed: list[str], *, actor: User | None, reason: str) -> None:
    for name in changed:
        transition_record(
            subject=record,
            field=name,
            from_state=str(before[name])[:STATE_MAX],
            to_state=str(getattr(record, name))[:STATE_MAX],
            actor=actor,
            reason=reason,
        )


@transaction.atomic
def organisation_update(
    *, actor: User, organisation: Organisation, profile: OrganisationProfile
) -> Organisation:
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    _require_manager(actor, organisation)
    values = dataclasses.asdict(profile)
    iaf_codes = values.pop("iaf_codes")
    if any(values[name] != getattr(organisation, name) for name in locks.LOCKED_FIELDS):
        _refuse_locked(organisation)
    changed = assign_changes(organisation, values)
    organisation.full_clean()
    if changed:
        organisation.save(update_fields=changed)
    organisation.iaf_codes.set(iaf_codes)
    return organisation


@transaction.atomic
def organisation_notified_apply(
    *, actor: User | None, organisation: Organisation, values: NotifiedValues, reason: str
) -> Organisation:
    """Apply the new values of a reviewed change notification, each change recorded.

    A consequence with no door of its own: the change review's service calls it after checking its
    own rule (its actor is the CB's certification manager, who does not manage the organisation)."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    given = values.given()
    before = {name: getattr(organisation, name) for name in given}
    changed = assign_changes(organisation, given)
    if not changed:
        return organisation
    refuse_invalid(organisation, DomainError, exclude=("iaf_codes",))
    organisation.save(update_fields=changed)
    _record_changes(organisation, before, changed, actor=actor, reason=reason)
    return organisation


def _site_create(
    *, actor: User | None, organisation: Organisation, details: SiteDetails, reason: str
) -> Site:
    site = Site(organisation=organisation, **dataclasses.asdict(details))
    site.full_clean()
    site.save()
    transition_record(
        subject=site, field="is_active", from_state=None, to_state=site.is_active, actor=actor, reason=reason
    )
    return site


@transaction.atomic
def site_create(*, actor: User, organisation: Organisation, details: SiteDetails) -> Site:
    _require_manager(actor, organisation)
    _refuse_locked(organisation)
    return _site_create(actor=actor, organisation=organisation, details=details, reason="")


@transaction.atomic
def site_notified_add(
    *, actor: User | None, organisation: Organisation, details: SiteDetails, reason: str
) -> Site:
    """Add the site of a reviewed change notification. A consequence with no door of its own, as
    `organisation_notified_apply`."""
    return _site_create(actor=actor, organisation=organisation, details=details, reason=reason)


def _site_update(site: Site, values: dict, *, actor: User | None, reason: str, record_all: bool) -> Site:
    """Change the site; record its opening or closing, and every change when `record_all`."""
    before = {name: getattr(site, name) for name in values}
    changed = assign_changes(site, values)
    if not changed:
        return site
    site.full_clean()
    site.save(update_fields=changed)
    recorded = changed if record_all else [name for name in changed if name == "is_active"]
    _record_changes(site, before, recorded, actor=actor, reason=reason)
    return site


@transaction.atomic
def site_update(*, actor: User, site: Site, details: SiteDetails, reason: str = "") -> Site:
    site = Site.objects.select_for_update().select_related("organisation").get(pk=site.pk)
    _require_manager(actor, site.organisation)
    _refuse_locked(site.organisation)
    return _site_update(site, dataclasses.asdict(details), actor=actor, reason=reason, record_all=False)


@transaction.atomic
def site_notified_update(
    *, actor: User | None, site: Site, values: NotifiedValues, is_active: bool, reason: str
) -> Site:
    """Move or close the site of a reviewed change notification, each change recorded. A
    consequence with no door of its own, as `organisation_notified_apply`."""
    site = Site.objects.select_for_update().get(pk=site.pk)
    return _site_update(
        site, values.given() | {"is_active": is_active}, actor=actor, reason=reason, record_all=True
    )


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
