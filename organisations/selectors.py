import hashlib

from django.db.models import Count, Prefetch, Q, QuerySet

from organisations.enums import InvitationStatus, OrganisationRole
from organisations.models import (
    CBMembership,
    CertificationBody,
    ClientEngagement,
    Invitation,
    Organisation,
    OrganisationMembership,
    User,
)

TOKEN_MAX_LENGTH = 64  # an invitation's token is 43 characters; a longer one is nobody's


def memberships_of(user) -> QuerySet[OrganisationMembership]:
    """The user's own active memberships, with their organisation's active site count."""
    return (
        OrganisationMembership.objects.filter(user=user, is_active=True)
        .select_related("organisation")
        .annotate(site_count=Count("organisation__sites", filter=Q(organisation__sites__is_active=True)))
        .order_by("organisation__name")
    )


NEWEST_CLIENTS = 10  # the dashboard names the newest; the organisations list finds any of them


def certification_bodies_of(user) -> QuerySet[CertificationBody]:
    """The CBs the user works for, each with the user's roles, its number of clients
    (`client_count`) and its NEWEST_CLIENTS newest open engagements (`open_engagements`): a CB of
    1,400 clients is not listed whole on every dashboard."""
    own = CBMembership.objects.filter(user=user, is_active=True).values("certification_body_id")
    return (
        CertificationBody.objects.filter(pk__in=own)
        .annotate(client_count=Count("engagements", filter=Q(engagements__ended_on__isnull=True)))
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=CBMembership.objects.filter(user=user, is_active=True),
                to_attr="my_roles",
            ),
            Prefetch(
                "engagements",
                queryset=ClientEngagement.objects.filter(ended_on__isnull=True)
                .select_related("organisation")
                .order_by("-since", "-pk")[:NEWEST_CLIENTS],
                to_attr="open_engagements",
            ),
        )
    )


def token_digest(token: str) -> str:
    """What an invitation keeps of its secret token: its SHA-256, so the table gives no link away."""
    return hashlib.sha256(token.encode()).hexdigest()


def account_exists(email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation whose link carries this token, or None."""
    if len(token) > TOKEN_MAX_LENGTH:
        return None
    return (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(token_hash=token_digest(token))
        .first()
    )


def pending_invitations(organisation: Organisation) -> QuerySet[Invitation]:
    """The organisation's invitations waiting for an answer, for its members page."""
    return organisation.invitations.filter(status=InvitationStatus.PENDING).select_related("invited_by")


def quality_manager_emails(organisation_id: int) -> list[str]:
    """Whom the CB's news of an organisation goes to: its active quality managers."""
    return list(
        User.objects.filter(
            organisation_memberships__organisation_id=organisation_id,
            organisation_memberships__role=OrganisationRole.QUALITY_MANAGER,
            organisation_memberships__is_active=True,
            is_active=True,
        )
        .order_by("email")
        .values_list("email", flat=True)
    )
