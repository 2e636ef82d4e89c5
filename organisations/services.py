"""State changes of organisations, sites and memberships. Views and tasks call these only.

Each service re-checks its actor with the predicates of `organisations.access` (see
docs/architecture.md, "Access").
"""

import dataclasses
import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.records import assign_changes, refuse_invalid
from core.transitions import transition_record
from organisations import access, locks
from organisations.access import require
from organisations.enums import InvitationStatus, OrganisationKind, OrganisationRole, SiteKind
from organisations.independence import require_independent
from organisations.mail import send_invitation_mail
from organisations.models import IAFCode, Invitation, Organisation, OrganisationMembership, Site, User
from organisations.selectors import account_exists, token_digest


class MembershipError(DomainError):
    pass


class InvitationClosed(MembershipError):
    """The invitation was accepted, revoked or has expired: its link does nothing any more."""


class SiteError(DomainError):
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


@transaction.atomic
def site_manager_set(*, actor: User, site: Site, manager: User | None) -> Site:
    """Name the member responsible for the site (or nobody). The organisation's own internal
    information, never on a certificate: it changes whatever the certified data's lock (rule 39 reads
    it for internal audits)."""
    site = Site.objects.select_for_update().select_related("organisation").get(pk=site.pk)
    _require_manager(actor, site.organisation)
    if manager is not None and access.organisation_role(manager, site.organisation) is None:
        raise SiteError(_("The site manager must be a member of the organisation."))
    if site.manager_id == (manager.pk if manager else None):
        return site
    before = site.manager
    site.manager = manager
    site.save(update_fields=["manager"])
    transition_record(
        subject=site,
        field="manager",
        from_state=before.get_full_name() if before else "",
        to_state=manager.get_full_name() if manager else "",
        actor=actor,
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


# --- Invitations: a person joins an organisation only by accepting one -------------------------


def _valid_until(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(days=settings.INVITATION_VALID_DAYS)


def _new_token(invitation: Invitation) -> str:
    """A fresh secret for the invitation's link; the invitation keeps only its hash."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_digest(token)
    return token


def _mail(invitation: Invitation, token: str) -> None:
    """Written to the e-mail outbox with the invitation, in its transaction (core.outbox)."""
    send_invitation_mail(invitation=invitation, token=token)


def _move_invitation(invitation: Invitation, target: str, *, actor: User | None, reason: str = "") -> None:
    before = invitation.status
    invitation.status = target
    invitation.save(update_fields=["status"])
    transition_record(
        subject=invitation, field="status", from_state=before, to_state=target, actor=actor, reason=reason
    )


def _guard_not_member(user: User, organisation: Organisation) -> None:
    role = access.organisation_role(user, organisation)
    if role:
        raise MembershipError(
            _("%(name)s is already a member of %(org)s, as %(role)s.")
            % {"name": user, "org": organisation, "role": role.label.lower()}
        )


@transaction.atomic
def invitation_create(
    *, actor: User, organisation: Organisation, email: str, full_name: str, role: OrganisationRole
) -> Invitation:
    """Invite a person to the organisation in a role: an e-mail with a link to accept. It grants
    nothing until accepted, and creates no account. A former member is invited the same way. The
    invitation returned carries its secret `token` (sent by e-mail, never stored)."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    _require_manager(actor, organisation)
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        _guard_not_member(user, organisation)
        require_independent(user=user, organisation=organisation)
    now = timezone.now()
    invitations_expire(now=now, organisation=organisation, email=email)
    if pending := organisation.invitations.filter(email=email, status=InvitationStatus.PENDING).first():
        raise MembershipError(
            _(
                "%(email)s is already invited to %(org)s, until %(day)s: resend or revoke that "
                "invitation from the members page."
            )
            % {
                "email": email,
                "org": organisation,
                "day": date_format(timezone.localdate(pending.expires_at)),
            }
        )
    invitation = Invitation(
        organisation=organisation,
        email=email,
        full_name=full_name,
        role=role,
        invited_by=actor,
        created_at=now,
        expires_at=_valid_until(now),
    )
    token = _new_token(invitation)
    refuse_invalid(invitation, MembershipError, exclude=("organisation", "invited_by"))
    invitation.save()
    transition_record(
        subject=invitation, field="status", from_state=None, to_state=invitation.status, actor=actor
    )
    _mail(invitation, token)
    invitation.token = token
    return invitation


def _locked_invitation(invitation: Invitation) -> Invitation:
    return Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)


@transaction.atomic
def invitation_resend(*, actor: User, invitation: Invitation) -> Invitation:
    """E-mail a pending invitation again with a new link, valid for the full period again; the
    previous link stops working."""
    invitation = _locked_invitation(invitation)
    _require_manager(actor, invitation.organisation)
    if invitation.status != InvitationStatus.PENDING:
        raise MembershipError(
            _("This invitation is %(status)s: invite the person again.")
            % {"status": invitation.get_status_display().lower()}
        )
    token = _new_token(invitation)
    invitation.expires_at = _valid_until(timezone.now())
    invitation.save(update_fields=["token_hash", "expires_at"])
    _mail(invitation, token)
    invitation.token = token
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation: its link stops working."""
    invitation = _locked_invitation(invitation)
    _require_manager(actor, invitation.organisation)
    if invitation.status == InvitationStatus.REVOKED:
        return invitation
    if invitation.status != InvitationStatus.PENDING:
        raise MembershipError(
            _("This invitation is already %(status)s: nothing to revoke.")
            % {"status": invitation.get_status_display().lower()}
        )
    _move_invitation(invitation, InvitationStatus.REVOKED, actor=actor)
    return invitation


def invitations_expire(*, now: datetime.datetime, **filters) -> int:
    """Mark the pending invitations past their date expired (narrowed by `filters`), each change
    recorded; each is claimed with a conditional update, so a second run changes nothing. The daily
    job runs it for every invitation."""
    due = Invitation.objects.filter(status=InvitationStatus.PENDING, expires_at__lte=now, **filters)
    expired = 0
    for invitation in due.order_by("pk"):
        with transaction.atomic():
            if Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.PENDING).update(
                status=InvitationStatus.EXPIRED
            ):
                transition_record(
                    subject=invitation,
                    field="status",
                    from_state=InvitationStatus.PENDING,
                    to_state=InvitationStatus.EXPIRED,
                )
                expired += 1
    return expired


def invitation_refusal(invitation: Invitation, now: datetime.datetime) -> str | None:
    """Why the invitation's link does nothing any more, said plainly; None while it is open."""
    org = invitation.organisation
    if invitation.status == InvitationStatus.ACCEPTED:
        return _("This invitation to %(org)s was already accepted. Sign in to reach it.") % {"org": org}
    if invitation.status == InvitationStatus.REVOKED:
        return _("This invitation to %(org)s was withdrawn. Ask its quality manager for a new one.") % {
            "org": org
        }
    if invitation.is_expired(now):
        return _(
            "This invitation to %(org)s expired on %(day)s. Ask its quality manager to send it again."
        ) % {
            "org": org,
            "day": date_format(timezone.localdate(invitation.expires_at)),
        }
    return None


def account_refusal(invitation: Invitation, user: User) -> str | None:
    """Why this signed-in person may not accept the invitation (it is for another address), or None."""
    if user.email.lower() == invitation.email:
        return None
    return _(
        "This invitation is for %(email)s, and you are signed in as %(you)s. Sign out, then open the "
        "link again and sign in as %(email)s (or create that account)."
    ) % {"email": invitation.email, "you": user.email}


def _open_invitation(invitation: Invitation) -> Invitation:
    invitation = _locked_invitation(invitation)
    if refusal := invitation_refusal(invitation, timezone.now()):
        raise InvitationClosed(refusal)
    return invitation


def _join(invitation: Invitation, user: User) -> OrganisationMembership:
    """The invited person becomes a member in the invitation's role (again, for a former member)."""
    organisation = invitation.organisation
    require_independent(user=user, organisation=organisation)
    membership = (
        OrganisationMembership.objects.select_for_update()
        .filter(user=user, organisation=organisation)
        .first()
    )
    reason = _("Invited by %(name)s") % {"name": invitation.invited_by}
    if membership is None:
        membership = OrganisationMembership.objects.create(
            user=user, organisation=organisation, role=invitation.role
        )
        transition_record(
            subject=membership,
            field="role",
            from_state=None,
            to_state=membership.role,
            actor=user,
            reason=reason,
        )
    elif membership.is_active:
        _guard_not_member(user, organisation)
    else:
        membership.is_active, membership.role = True, invitation.role
        membership.save(update_fields=["is_active", "role"])
        transition_record(
            subject=membership, field="is_active", from_state=False, to_state=True, actor=user, reason=reason
        )
    invitation.accepted_by, invitation.accepted_at = user, timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    _move_invitation(invitation, InvitationStatus.ACCEPTED, actor=user)
    return membership


@transaction.atomic
def invitation_accept(*, actor: User, invitation: Invitation) -> OrganisationMembership:
    """The invited person, signed in with the invitation's e-mail address, joins the organisation."""
    invitation = _open_invitation(invitation)
    refusal = account_refusal(invitation, actor)
    require(refusal is None, refusal)
    return _join(invitation, actor)


@transaction.atomic
def invitation_sign_up(*, invitation: Invitation, full_name: str, password: str) -> User:
    """Someone new to the application: their account (with the invitation's e-mail address) and
    their membership, at once, from the invitation's link."""
    invitation = _open_invitation(invitation)
    if account_exists(invitation.email):
        raise MembershipError(
            _("An account with %(email)s exists: sign in with it to accept the invitation.")
            % {"email": invitation.email}
        )
    user = User(email=invitation.email, full_name=full_name)
    refuse_invalid(user, MembershipError, exclude=("password",))
    try:
        validate_password(password, user)
    except ValidationError as weak:
        raise MembershipError(" ".join(weak.messages)) from weak
    user.set_password(password)
    user.save()
    _join(invitation, user)
    return user
