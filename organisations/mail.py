from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.mail import absolute_url, send_templated_mail
from organisations.models import OrganisationMembership, User


def send_invitation_mail(*, membership: OrganisationMembership, inviter: User | None) -> None:
    """Tell the person they were added; a new account gets a link to choose a password."""
    user = membership.user
    set_password_url = None
    if not user.has_usable_password():
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        set_password_url = absolute_url(reverse("password_reset_confirm", args=[uid, token]))
    send_templated_mail(
        to=[user.email],
        template="organisations/email/invitation",
        context={
            "membership": membership,
            "inviter": inviter,
            "set_password_url": set_password_url,
            "dashboard_url": absolute_url(reverse("dashboard")),
        },
    )
