from django.urls import reverse

from core.mail import absolute_url, send_templated_mail
from organisations.models import Invitation
from organisations.selectors import account_exists


def send_invitation_mail(*, invitation: Invitation, token: str) -> None:
    """The link to accept: after signing in for someone with an account, to create one otherwise."""
    send_templated_mail(
        to=[invitation.email],
        template="organisations/email/invitation",
        context={
            "invitation": invitation,
            "has_account": account_exists(invitation.email),
            "accept_url": absolute_url(reverse("organisations:invitation_accept", args=[token])),
        },
    )
