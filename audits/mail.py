"""E-mails about audits: the team's notice to the client and its objection, the plan, the issued
report, and the answers to nonconformities and their review."""

from django.urls import reverse
from django.utils.translation import gettext as _

from audits.enums import AssignmentStatus
from audits.models import Audit, TeamAssignment
from core.mail import absolute_url, send_templated_mail
from organisations import access as tenancy
from organisations.models import CBMembership
from organisations.selectors import quality_manager_emails


def _quality_managers(audit: Audit) -> list[str]:
    return quality_manager_emails(audit.programme.organisation_id)


def report_issued_text(kind_label: str) -> str:
    """The news of an issued report, as the client's home page and e-mail say it."""
    return _("Report of the %(kind)s audit issued") % {"kind": kind_label}


def send_report_issued_mail(*, audit: Audit, pending: int) -> None:
    """Tell the client's quality managers that the report is issued: the nonconformities can now
    be answered (before, nothing was asked of them)."""
    recipients = _quality_managers(audit)
    if recipients:
        send_templated_mail(
            to=recipients,
            template="audits/email/report_issued",
            context={
                "audit": audit,
                "text": report_issued_text(audit.get_kind_display()),
                "pending": pending,
                "url": absolute_url(reverse("audits:audit_report", args=[audit.pk])),
                "answers_url": absolute_url(reverse("audits:nc_list")),
            },
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
