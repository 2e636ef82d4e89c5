from smtplib import SMTPException

from celery import shared_task

from audits.mail import send_team_notice_mail, send_team_objection_mail
from audits.models import Audit, TeamAssignment

RETRY = {"autoretry_for": (SMTPException, ConnectionError), "retry_backoff": True, "max_retries": 5}


@shared_task(name="audits.send_team_notice", **RETRY)
def send_team_notice(audit_id: int) -> None:
    send_team_notice_mail(audit=Audit.objects.select_related("programme__organisation").get(pk=audit_id))


@shared_task(name="audits.send_team_objection", **RETRY)
def send_team_objection(assignment_id: int) -> None:
    assignment = TeamAssignment.objects.select_related("audit__programme", "user", "objected_by").get(
        pk=assignment_id
    )
    send_team_objection_mail(assignment=assignment)
