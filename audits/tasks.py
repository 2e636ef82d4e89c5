from smtplib import SMTPException

from celery import shared_task

from audits.mail import send_plan_sent_mail, send_team_notice_mail, send_team_objection_mail
from audits.models import Audit, TeamAssignment
from core.tasks import DATABASE_OUTAGE

RETRY = {
    "autoretry_for": (SMTPException, ConnectionError, *DATABASE_OUTAGE),
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(name="audits.send_team_notice", **RETRY)
def send_team_notice(audit_id: int) -> None:
    send_team_notice_mail(audit=Audit.objects.select_related("programme__organisation").get(pk=audit_id))


@shared_task(name="audits.send_team_objection", **RETRY)
def send_team_objection(assignment_id: int) -> None:
    assignment = TeamAssignment.objects.select_related("audit__programme", "user", "objected_by").get(
        pk=assignment_id
    )
    send_team_objection_mail(assignment=assignment)


@shared_task(name="audits.send_plan_sent", **RETRY)
def send_plan_sent(audit_id: int) -> None:
    send_plan_sent_mail(audit=Audit.objects.select_related("programme__organisation").get(pk=audit_id))


# --- responses and review ---

FINDING_MAIL_RELATED = ("finding__audit__programme__organisation", "finding__clause__edition__standard")


@shared_task(name="audits.send_response_submitted", **RETRY)
def send_response_submitted(response_id: int) -> None:
    from audits.mail import send_response_submitted_mail
    from audits.models import FindingResponse

    responses = FindingResponse.objects.select_related("submitted_by", *FINDING_MAIL_RELATED)
    response = responses.get(pk=response_id)
    send_response_submitted_mail(response=response)


@shared_task(name="audits.send_response_reviewed", **RETRY)
def send_response_reviewed(response_id: int) -> None:
    from audits.mail import send_response_reviewed_mail
    from audits.models import FindingResponse

    responses = FindingResponse.objects.select_related("reviewed_by", *FINDING_MAIL_RELATED)
    response = responses.get(pk=response_id)
    send_response_reviewed_mail(response=response)


@shared_task(name="audits.send_finding_verified", **RETRY)
def send_finding_verified(finding_id: int, comment: str) -> None:
    from audits.mail import send_finding_verified_mail
    from audits.models import Finding

    finding = Finding.objects.select_related(
        "audit__programme__organisation", "clause__edition__standard"
    ).get(pk=finding_id)
    send_finding_verified_mail(finding=finding, comment=comment)
