"""Audit teams (DOMAIN §9.3–9.5, rules 22, 23, 25): who audits, their declarations, the client's say.

The certification manager composes the team; each member declares conflicts of interest; the
team is confirmed only when the rules hold; the client is told who comes and may object, which
sends the team back for a new assignment.
"""

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audits import access
from audits.changes import audits_changed
from audits.enums import PLANNING_STATUSES, AssignmentStatus, AuditStatus, Declaration, TeamRole
from audits.mail import send_team_notice_mail, send_team_objection_mail
from audits.models import Audit, TeamAssignment
from audits.selectors.programme_checks import team_problems
from audits.selectors.programmes import consultancy_ends
from audits.services.fieldwork import plan_recall
from audits.services.programmes import ProgrammeError
from audits.team_rules import CONSULTANCY_COOLING_OFF_YEARS
from core.bounds import clamped_add
from core.records import refuse_invalid
from core.transitions import transition_record
from organisations.access import require
from organisations.models import CBMembership, User


class TeamError(ProgrammeError):
    pass


ASSIGNMENT_KEYS = ("audit", "user", "assigned_by", "objected_by")  # checked by the services themselves


def _locked(audit: Audit) -> Audit:
    return (
        Audit.objects.select_for_update()
        .select_related("programme__certification_body", "programme__organisation")
        .get(pk=audit.pk)
    )


def team_unconfirm(*, actor: User | None, audit: Audit, reason: str) -> Audit:
    """The confirmed team no longer holds (dates moved, someone joined or left, a conflict, the
    client objected): it must be confirmed and notified again.

    A consequence with no door of its own: only services that checked their own rule call it."""
    if audit.status in (AuditStatus.TEAM_ASSIGNED, AuditStatus.PLAN_SENT):
        before = audit.status
        audit.status, audit.team_notified_on = AuditStatus.PLANNED, None
        audit.save(update_fields=["status", "team_notified_on"])
        transition_record(
            subject=audit,
            field="status",
            from_state=before,
            to_state=AuditStatus.PLANNED,
            actor=actor,
            reason=reason,
        )
        if before == AuditStatus.PLAN_SENT:  # the plan names the team and the dates: send it again
            plan_recall(actor=actor, audit=audit, reason=reason)
    audits_changed(audits=[audit])  # its team to confirm again, its lead maybe another
    return audit


@transaction.atomic
def team_assign(*, actor: User, audit: Audit, user: User, role: TeamRole) -> TeamAssignment:
    audit = _locked(audit)
    programme = audit.programme
    require(access.can_plan(actor, programme.certification_body), access.PLANNERS_ONLY)
    if not CBMembership.objects.filter(
        user=user, certification_body=programme.certification_body, is_active=True
    ).exists():
        raise TeamError(_("%(user)s is not on the CB's staff.") % {"user": user})
    if audit.assignments.filter(user=user, status=AssignmentStatus.ACTIVE).exists():
        raise TeamError(_("%(user)s is already on the team.") % {"user": user})
    if (
        role == TeamRole.LEAD
        and audit.assignments.filter(role=TeamRole.LEAD, status=AssignmentStatus.ACTIVE).exists()
    ):
        raise TeamError(_("The team already has a lead auditor: withdraw them first."))
    if audit.assignments.filter(user=user, status=AssignmentStatus.OBJECTED).exists():
        raise TeamError(_("The client objected to %(user)s on this audit.") % {"user": user})
    ended = consultancy_ends([user.pk], programme.organisation).get(user.pk)
    if ended and ended > clamped_add(audit.starts_on, -relativedelta(years=CONSULTANCY_COOLING_OFF_YEARS)):
        raise TeamError(
            _("%(user)s advised this client until %(ended)s: not on its audits for 2 years (rule 23).")
            % {"user": user, "ended": ended}
        )
    assignment = TeamAssignment.objects.create(audit=audit, user=user, role=role, assigned_by=actor)
    transition_record(
        subject=assignment, field="status", from_state=None, to_state=assignment.status, actor=actor
    )
    team_unconfirm(actor=actor, audit=audit, reason=_("%(user)s joined the team.") % {"user": user})
    return assignment


@transaction.atomic
def team_withdraw(*, actor: User, assignment: TeamAssignment, reason: str) -> TeamAssignment:
    audit = _locked(assignment.audit)
    require(access.can_plan(actor, audit.programme.certification_body), access.PLANNERS_ONLY)
    assignment = TeamAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status != AssignmentStatus.ACTIVE:
        return assignment
    assignment.status = AssignmentStatus.WITHDRAWN
    assignment.save(update_fields=["status"])
    transition_record(
        subject=assignment,
        field="status",
        from_state=AssignmentStatus.ACTIVE,
        to_state=assignment.status,
        actor=actor,
        reason=reason,
    )
    team_unconfirm(actor=actor, audit=audit, reason=_("%(user)s left the team.") % {"user": assignment.user})
    return assignment


@transaction.atomic
def team_declare(*, actor: User, assignment: TeamAssignment, conflict: bool, note: str) -> TeamAssignment:
    """The member's own conflict-of-interest declaration for this client."""
    assignment = TeamAssignment.objects.select_for_update().get(pk=assignment.pk)
    require(assignment.user_id == actor.pk, access.DECLARANT_ONLY)
    if assignment.status != AssignmentStatus.ACTIVE:
        raise TeamError(_("You are no longer on this team."))
    if conflict and not note.strip():
        raise TeamError(_("Describe the conflict of interest."))
    declaration = Declaration.CONFLICT if conflict else Declaration.NO_CONFLICT
    before = assignment.declaration
    assignment.declaration, assignment.declaration_note, assignment.declared_at = (
        declaration,
        note,
        timezone.now(),
    )
    refuse_invalid(assignment, TeamError, exclude=ASSIGNMENT_KEYS)
    assignment.save(update_fields=["declaration", "declaration_note", "declared_at"])
    if before != declaration:
        transition_record(
            subject=assignment,
            field="declaration",
            from_state=before,
            to_state=declaration,
            actor=actor,
            reason=note,
        )
    if conflict:
        team_unconfirm(
            actor=actor, audit=_locked(assignment.audit), reason=_("A member declared a conflict.")
        )
    return assignment


@transaction.atomic
def team_confirm(*, actor: User, audit: Audit) -> Audit:
    audit = _locked(audit)
    require(access.can_plan(actor, audit.programme.certification_body), access.PLANNERS_ONLY)
    if audit.status == AuditStatus.TEAM_ASSIGNED:
        return audit
    problems = team_problems(audit)
    if problems:
        raise TeamError(_("The team cannot be confirmed: ") + " ".join(problems))
    audit.status = AuditStatus.TEAM_ASSIGNED
    audit.save(update_fields=["status"])
    transition_record(
        subject=audit, field="status", from_state=AuditStatus.PLANNED, to_state=audit.status, actor=actor
    )
    audits_changed(audits=[audit])
    return audit


@transaction.atomic
def team_notify(*, actor: User, audit: Audit) -> Audit:
    """Tell the client who is on the confirmed team, so that it can object (rule 25)."""
    audit = _locked(audit)
    require(access.can_plan(actor, audit.programme.certification_body), access.PLANNERS_ONLY)
    if audit.status != AuditStatus.TEAM_ASSIGNED:
        raise TeamError(_("Confirm the team before telling the client."))
    if audit.team_notified_on:
        return audit
    audit.team_notified_on = timezone.localdate()
    audit.save(update_fields=["team_notified_on"])
    transition_record(
        subject=audit, field="team_notified_on", from_state=None, to_state=audit.team_notified_on, actor=actor
    )
    audits_changed(audits=[audit])
    send_team_notice_mail(audit=audit)
    return audit


@transaction.atomic
def team_object(*, actor: User, assignment: TeamAssignment, reason: str) -> TeamAssignment:
    """The client objects to a member: they leave the team, and a new assignment is needed."""
    audit = _locked(assignment.audit)
    require(access.can_object_to_team(actor, audit.programme.organisation), access.OBJECTORS_ONLY)
    if audit.status not in PLANNING_STATUSES:
        raise TeamError(_("The audit has started: objections to its team are made before it (rule 25)."))
    if not reason.strip():
        raise TeamError(_("Say why you object: the CB needs it to choose someone else."))
    assignment = TeamAssignment.objects.select_for_update().select_related("user").get(pk=assignment.pk)
    if assignment.status != AssignmentStatus.ACTIVE:
        raise TeamError(_("%(user)s is no longer on the team.") % {"user": assignment.user})
    assignment.status, assignment.objection = AssignmentStatus.OBJECTED, reason
    assignment.objected_by, assignment.objected_at = actor, timezone.now()
    refuse_invalid(assignment, TeamError, exclude=ASSIGNMENT_KEYS)
    assignment.save(update_fields=["status", "objection", "objected_by", "objected_at"])
    transition_record(
        subject=assignment,
        field="status",
        from_state=AssignmentStatus.ACTIVE,
        to_state=assignment.status,
        actor=actor,
        reason=reason,
    )
    team_unconfirm(
        actor=actor, audit=audit, reason=_("The client objected to %(user)s.") % {"user": assignment.user}
    )
    send_team_objection_mail(assignment=assignment)
    return assignment
