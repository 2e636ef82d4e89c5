from smtplib import SMTPException

from celery import shared_task

from core.tasks import DATABASE_OUTAGE
from organisations.mail import send_invitation_mail
from organisations.models import Invitation


@shared_task(
    name="organisations.send_invitation",
    autoretry_for=(SMTPException, ConnectionError, *DATABASE_OUTAGE),
    retry_backoff=True,
    max_retries=5,
)
def send_invitation(invitation_id: int, token: str) -> None:
    """E-mail the invitation's link. The secret token travels with the task: the database keeps
    only its hash."""
    invitation = Invitation.objects.select_related("organisation", "invited_by").get(pk=invitation_id)
    send_invitation_mail(invitation=invitation, token=token)
