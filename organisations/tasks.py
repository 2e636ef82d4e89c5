from smtplib import SMTPException

from celery import shared_task

from organisations.mail import send_invitation_mail
from organisations.models import OrganisationMembership, User


@shared_task(
    name="organisations.send_invitation",
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def send_invitation(membership_id: int, inviter_id: int | None) -> None:
    membership = OrganisationMembership.objects.select_related("user", "organisation").get(pk=membership_id)
    inviter = User.objects.filter(pk=inviter_id).first()
    send_invitation_mail(membership=membership, inviter=inviter)
