"""E-mails about audit teams: the notice to the client, the client's objection to the CB."""

from django.urls import reverse

from audits.enums import AssignmentStatus
from audits.models import Audit, TeamAssignment
from core.mail import absolute_url, send_templated_mail
from organisations import access as tenancy
from organisations.enums import OrganisationRole
from organisations.models import CBMembership, User


def _quality_managers(audit: Audit) -> list[str]:
    return list(
        User.objects.filter(
            organisation_memberships__organisation=audit.programme.organisation,
            organisation_memberships__role=OrganisationRole.QUALITY_MANAGER,
            organisation_memberships__is_active=True,
            is_active=True,
        ).values_list("email", flat=True)
    )


def send_team_notice_mail(*, audit: Audit) -> None:
    """Tell the client's quality managers who audits them, so they can object in time."""
    team = audit.assignments.filter(status=AssignmentStatus.ACTIVE).select_related("user")
    recipients = _quality_managers(audit)
    if recipients:
        send_templated_mail(
            to=recipients,
            template="audits/email/team_notice",
            context={
                "audit": audit,
                "team": team,
                "url": absolute_url(reverse("audits:audit_detail", args=[audit.pk])),
            },
        )


def send_team_objection_mail(*, assignment: TeamAssignment) -> None:
    audit = assignment.audit
    recipients = list(
        CBMembership.objects.filter(
            certification_body_id=audit.programme.certification_body_id,
            role__in=tenancy.PLANNING_ROLES,
            is_active=True,
            user__is_active=True,
        )
        .values_list("user__email", flat=True)
        .distinct()
    )
    if recipients:
        send_templated_mail(
            to=recipients,
            template="audits/email/team_objection",
            context={
                "assignment": assignment,
                "audit": audit,
                "url": absolute_url(reverse("audits:audit_detail", args=[audit.pk])),
            },
        )
