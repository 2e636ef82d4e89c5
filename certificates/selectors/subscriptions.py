"""A person's calendar subscription: the owner of a feed address, their settings, and the kinds of
reminder they may choose to receive by e-mail."""

import re

from django.db.models import Exists, OuterRef

from certificates.enums import CLIENT_DUE_KINDS, OWN_DUE_KINDS, DueKind
from certificates.models import CalendarSettings
from organisations import access as tenancy
from organisations.models import CBMembership, OrganisationMembership, User

# What `certificates.models.feed_token` makes (URL-safe base64), at most as long as the field
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,43}")


def feed_owner(token: str) -> User | None:
    """The active person whose feed this address is, or None (an address never made, replaced by a
    new one, malformed, or an account closed). One query, none for a malformed address; the person
    comes with their kinds of membership, as from the sign-in (`organisations.backends`)."""
    if not TOKEN.fullmatch(token):
        return None
    found = (
        CalendarSettings.objects.select_related("user")
        .annotate(
            client=Exists(OrganisationMembership.objects.filter(user=OuterRef("user"), is_active=True)),
            staff=Exists(CBMembership.objects.filter(user=OuterRef("user"), is_active=True)),
        )
        .filter(feed_token=token, user__is_active=True)
        .first()
    )
    if found is None:
        return None
    found.user.has_client_membership, found.user.has_cb_membership = found.client, found.staff
    return found.user


def calendar_settings_found(user: User) -> CalendarSettings | None:
    """The user's settings if they were made, without making them."""
    return CalendarSettings.objects.filter(user=user).first()


def emailed_kinds_offered(user: User) -> tuple[DueKind, ...]:
    """The kinds of reminder the user may choose to be e-mailed: a client's members are never
    reminded of the CB's own planning (team notices, rule 25), and only they of the organisation's
    own work (actions, internal audits, rule 43)."""
    memberships = tenancy.memberships_of(user)
    kinds = tuple(DueKind) if user.is_staff or memberships.is_cb_staff else CLIENT_DUE_KINDS
    if not memberships.is_client:
        kinds = tuple(kind for kind in kinds if kind not in OWN_DUE_KINDS)
    return kinds
