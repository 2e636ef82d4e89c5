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


def send_plan_sent_mail(*, audit: Audit) -> None:
    """Send the audit plan to the client's quality managers, who acknowledge it on its page."""
    recipients = _quality_managers(audit)
    if recipients:
        send_templated_mail(
            to=recipients,
            template="audits/email/plan_sent",
            context={
                "audit": audit,
                "plan": audit.plan,
                "sessions": audit.plan.sessions.filter(removed_at__isnull=True).select_related("site"),
                "url": absolute_url(reverse("audits:audit_plan_edit", args=[audit.pk])),
            },
        )


# --- responses and review ---


def _finding_url(finding) -> str:
    return absolute_url(reverse("audits:finding_detail", args=[finding.pk]))


def _reviewers(audit: Audit) -> list[str]:
    """Who reviews the client's answers (rule 21): the audit's lead auditor, and the CB's reviewers
    and certification managers."""
    from audits.access import REVIEWING_ROLES
    from audits.enums import TeamRole

    lead = TeamAssignment.objects.filter(
        audit=audit, role=TeamRole.LEAD, status=AssignmentStatus.ACTIVE, user__is_active=True
    ).values_list("user__email", flat=True)
    staff = CBMembership.objects.filter(
        certification_body_id=audit.programme.certification_body_id,
        role__in=REVIEWING_ROLES,
        is_active=True,
        user__is_active=True,
    ).values_list("user__email", flat=True)
    return sorted({*lead, *staff})


def send_response_submitted_mail(*, response) -> None:
    """Tell the reviewers that the client answered a nonconformity: it is their turn."""
    finding = response.finding
    recipients = _reviewers(finding.audit)
    if recipients:
        send_templated_mail(
            to=recipients,
            template="audits/email/finding_submitted",
            context={"response": response, "finding": finding, "url": _finding_url(finding)},
        )


def send_response_reviewed_mail(*, response) -> None:
    """Tell the client's quality managers what the CB decided on their answer."""
    finding = response.finding
    recipients = _quality_managers(finding.audit)
    if recipients:
        send_templated_mail(
            to=recipients,
            template="audits/email/finding_reviewed",
            context={"response": response, "finding": finding, "url": _finding_url(finding)},
        )


def send_finding_verified_mail(*, finding, comment: str) -> None:
    """Tell the client's quality managers that the CB verified and closed a nonconformity."""
    recipients = _quality_managers(finding.audit)
    if recipients:
        send_templated_mail(
            to=recipients,
            template="audits/email/finding_verified",
            context={"finding": finding, "comment": comment, "url": _finding_url(finding)},
        )
