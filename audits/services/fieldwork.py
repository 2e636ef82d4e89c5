"""The audit itself, from its plan to its report (DOMAIN §1.2, §1.3, §1.9, §2.5, §10; rules 1, 2, 36).

The CB's planners add the audits the cycle needs beyond the planned ones (special, follow-up,
transfer, transition, a repeated stage) and cancel those that will not take place. The lead
auditor writes the audit plan (17021-1 §9.2.3) and its timetable, sends it to the client, whose
quality manager acknowledges it; starts the audit (stage 2 only after a stage 1 that found the
client ready, within the CB's gap, rules 1 and 2), ends the fieldwork and issues the report, which
locks the findings. The audit then waits for its nonconformities to be settled, and closes.

Every status change goes through `audit_rules.TRANSITIONS` and leaves a transition record.
"""

import dataclasses
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audits import access, audit_rules, audit_time, finding_rules
from audits.changes import audits_changed
from audits.enums import (
    CYCLE_KINDS,
    EXTRA_KINDS,
    INITIAL_KINDS,
    NC_TYPES,
    PLANNING_STATUSES,
    REPORTED_STATUSES,
    AssignmentStatus,
    AuditKind,
    AuditStatus,
    FindingStatus,
)
from audits.mail import send_plan_sent_mail, send_report_issued_mail
from audits.models import Audit, AuditPlan, AuditProgramme, AuditReport, PlanSession
from audits.selectors.programme_checks import edition_refusal
from audits.services.programmes import programme_reopen
from core.errors import DomainError
from core.records import assign_changes, refuse_invalid
from core.transitions import transition_record
from organisations.access import require
from organisations.models import Site, User
from standards.models import Clause

S = AuditStatus
CANCELLABLE = (S.PLANNED, S.TEAM_ASSIGNED, S.PLAN_SENT)
REPEATABLE = (AuditKind.STAGE1, AuditKind.STAGE2)
PLAN_KEYS = ("audit", "updated_by", "sent_by", "acknowledged_by")  # set by the services themselves
REPORT_KEYS = ("audit", "updated_by", "issued_by")
SESSION_KEYS = ("plan", "site")
AUDIT_KEYS = ("programme", "repeat_of", "follows_up", "sampled_by")


class FieldworkError(DomainError):
    pass


@dataclass(frozen=True)
class ReportContent:
    """What the team concludes (DOMAIN §2.5); the rest of the report is read from the audit."""

    stage1_outcome: str = ""
    recommendation: str = ""
    summary: str = ""
    internal_audit_and_review: str = ""
    scope_appropriate: bool | None = None
    objectives_met: bool | None = None
    marks_controlled: bool | None = None
    previous_actions_effective: str = ""
    deviations_from_plan: str = ""
    significant_issues: str = ""
    changes_since_last_audit: str = ""
    unresolved_issues: str = ""


REPORT_FIELDS = tuple(field.name for field in dataclasses.fields(ReportContent))


def _locked(audit: Audit) -> Audit:
    return (
        Audit.objects.select_for_update()
        .select_related("programme__certification_body", "programme__organisation")
        .get(pk=audit.pk)
    )


def _move(audit: Audit, target: str, *, actor: User | None, reason: str = "") -> None:
    """One step of the audit's state machine, recorded (rule 36)."""
    if refusal := audit_rules.transition_refusal(audit.status, target):
        raise FieldworkError(refusal)
    before, audit.status = audit.status, target
    audit.save(update_fields=["status"])
    transition_record(
        subject=audit, field="status", from_state=before, to_state=target, actor=actor, reason=reason
    )
    audits_changed(audits=[audit])


def _require_from(audit: Audit, source: str, target: str, message: str) -> None:
    """Some steps reach a status the state machine reaches from several others (in progress)."""
    if audit.status != source:
        raise FieldworkError(audit_rules.transition_refusal(audit.status, target) or message)


def _require_lead(actor: User, audit: Audit) -> None:
    require(access.can_lead(actor, audit), access.LEAD_ONLY)


def _require_reason(reason: str, message: str) -> None:
    if not reason.strip():
        raise FieldworkError(message)


# --- The audit settles when its nonconformities are -------------------------------------------


def unsettled_findings(audit: Audit) -> int:
    rows = audit.findings.values_list("type", "status")
    return sum(1 for kind, status in rows if not finding_rules.is_settled(kind, status))


@transaction.atomic
def audit_settle(*, actor: User | None, audit: Audit) -> Audit:
    """An audit waiting for its nonconformities closes once every one is settled; otherwise nothing.

    A consequence with no door of its own: only services that checked their own rule call it (the
    review of a response that accepts or verifies a nonconformity)."""
    audit = _locked(audit)
    if audit.status == S.NCS_PENDING and not unsettled_findings(audit):
        _move(audit, S.CLOSED, actor=actor, reason=_("Every nonconformity is settled."))
    return audit


# --- Audits beyond the planned cycle, and cancelling one --------------------------------------


def _refuse_addition(
    programme: AuditProgramme, kind: str, purpose: str, repeat_of: Audit | None, follows_up: Audit | None
) -> None:
    if repeat_of is not None:
        if kind not in REPEATABLE or repeat_of.kind != kind or repeat_of.programme_id != programme.pk:
            raise FieldworkError(
                _("Only a stage 1 or a stage 2 of this programme is repeated, as the same stage.")
            )
        if not purpose.strip():
            raise FieldworkError(
                _("Say why the stage is repeated: repeating it must be justified (EA FAQ 49.2).")
            )
    elif kind in CYCLE_KINDS and programme.audits.filter(kind=kind).exists():
        raise FieldworkError(_("The programme already plans this audit; repeat it instead."))
    if kind == AuditKind.FOLLOW_UP:
        if follows_up is None or follows_up.programme_id != programme.pk:
            raise FieldworkError(_("Choose the audit of this programme whose corrections are verified."))
        if not follows_up.findings.filter(type__in=NC_TYPES).exclude(status=FindingStatus.WITHDRAWN).exists():
            raise FieldworkError(_("%(audit)s raised no nonconformity to verify.") % {"audit": follows_up})
    elif follows_up is not None:
        raise FieldworkError(_("Only a follow-up audit verifies another audit's corrections."))
    if kind in EXTRA_KINDS and not purpose.strip():
        raise FieldworkError(_("Say why this audit is needed."))


def _clauses_of_new(programme: AuditProgramme, repeat_of: Audit | None, follows_up: Audit | None):
    """A repeat covers what it repeats; a follow-up the requirements of the nonconformities it
    verifies; any other audit the whole system (the planner narrows it later)."""
    if repeat_of is not None:
        return repeat_of.clauses.all()
    if follows_up is not None:
        return Clause.objects.filter(
            pk__in=follows_up.findings.filter(type__in=NC_TYPES, clause__isnull=False).values("clause_id")
        )
    return Clause.objects.filter(edition__in=programme.editions.all(), assessable=True)


@transaction.atomic
def audit_add(
    *,
    actor: User,
    programme: AuditProgramme,
    kind: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    planned_days: Decimal,
    on_site_days: Decimal,
    purpose: str,
    repeat_of: Audit | None = None,
    follows_up: Audit | None = None,
    short_notice: bool = False,
) -> Audit:
    """Add a special (scope extension, short notice), follow-up, transfer-review or transition
    audit, or repeat stage 1 or stage 2 (DOMAIN §1.2, §1.9, §1.11)."""
    programme = (
        AuditProgramme.objects.select_for_update().select_related("certification_body").get(pk=programme.pk)
    )
    require(access.can_plan(actor, programme.certification_body), access.PLANNERS_ONLY)
    _refuse_addition(programme, kind, purpose, repeat_of, follows_up)
    if problem := audit_time.on_site_problem(planned_days, on_site_days):
        raise FieldworkError(problem)
    if kind in INITIAL_KINDS:
        for edition in programme.editions.select_related("standard"):
            if refusal := edition_refusal(edition, starts_on):
                raise FieldworkError(refusal)
    audit = Audit(
        programme=programme,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        planned_days=planned_days,
        on_site_days=on_site_days,
        purpose=purpose,
        repeat_of=repeat_of,
        follows_up=follows_up,
        short_notice=short_notice or kind == AuditKind.SPECIAL_SHORT_NOTICE,
    )
    refuse_invalid(audit, FieldworkError, exclude=("programme", "repeat_of", "follows_up"))
    audit.save()
    audit.clauses.set(_clauses_of_new(programme, repeat_of, follows_up))
    transition_record(
        subject=audit, field="status", from_state=None, to_state=audit.status, actor=actor, reason=purpose
    )
    audits_changed(audits=[audit])
    if kind in CYCLE_KINDS:
        programme_reopen(
            actor=actor,
            programme=programme,
            reason=_("%(audit)s is repeated.") % {"audit": audit.get_kind_display()},
        )
    return audit


@transaction.atomic
def audit_cancel(*, actor: User, audit: Audit, reason: str) -> Audit:
    """An audit that will not take place is kept, cancelled, with the reason."""
    audit = _locked(audit)
    require(access.can_plan(actor, audit.programme.certification_body), access.PLANNERS_ONLY)
    if audit.status == S.CANCELLED:
        return audit
    if audit.status not in CANCELLABLE:
        raise FieldworkError(_("An audit is cancelled only before it starts."))
    _require_reason(reason, _("Say why the audit is cancelled."))
    _move(audit, S.CANCELLED, actor=actor, reason=reason)
    return audit


# --- The audit plan (17021-1 §9.2.3) -----------------------------------------------------------


def plan_recall(*, actor: User | None, audit: Audit, reason: str) -> None:
    """A sent plan that no longer holds must be sent (and acknowledged) again.

    A consequence with no door of its own: only services that checked their own rule call it (a
    change of the plan, of the team or of the dates)."""
    plan = AuditPlan.objects.select_for_update().filter(audit=audit).first()
    if plan is None or not plan.is_sent:
        return
    before = _("acknowledged") if plan.is_acknowledged else _("sent")
    plan.sent_at = plan.sent_by = plan.acknowledged_at = plan.acknowledged_by = None
    plan.save(update_fields=["sent_at", "sent_by", "acknowledged_at", "acknowledged_by"])
    transition_record(
        subject=audit,
        field="plan",
        from_state=before,
        to_state=_("to send again"),
        actor=actor,
        reason=reason,
    )


def _plan_changed(*, actor: User, audit: Audit) -> None:
    reason = _("The audit plan changed: send it again.")
    plan_recall(actor=actor, audit=audit, reason=reason)
    if audit.status == S.PLAN_SENT:
        _move(audit, S.TEAM_ASSIGNED, actor=actor, reason=reason)


def _require_plannable(audit: Audit) -> None:
    if audit.status not in PLANNING_STATUSES:
        raise FieldworkError(
            _(
                "The audit is “%(status)s”: the plan changes only before the fieldwork starts; "
                "record deviations from it in the report."
            )
            % {"status": audit.get_status_display()}
        )


@transaction.atomic
def plan_save(
    *, actor: User, audit: Audit, objectives: str, language: str, confidentiality: str, arrangements: str
) -> AuditPlan:
    audit = _locked(audit)
    _require_lead(actor, audit)
    _require_plannable(audit)
    plan = AuditPlan.objects.select_for_update().filter(audit=audit).first() or AuditPlan(
        audit=audit, updated_by=actor
    )
    values = {
        "objectives": objectives,
        "language": language,
        "confidentiality": confidentiality,
        "arrangements": arrangements,
    }
    changed = assign_changes(plan, values)
    if plan.pk and not changed:
        return plan
    if not objectives.strip():
        raise FieldworkError(_("State the objectives of the audit."))
    refuse_invalid(plan, FieldworkError, exclude=PLAN_KEYS)
    plan.updated_by, plan.updated_at = actor, timezone.now()
    if plan.pk:
        plan.save(update_fields=[*changed, "updated_by", "updated_at"])
        _plan_changed(actor=actor, audit=audit)
    else:
        plan.save()
    return plan


def _plan_of(audit: Audit) -> AuditPlan:
    plan = AuditPlan.objects.select_for_update().filter(audit=audit).first()
    if plan is None:
        raise FieldworkError(_("Write the plan's objectives first."))
    return plan


def _refuse_session(
    audit: Audit, day: datetime.date, site: Site | None, clauses: list[Clause], auditors: list[User]
) -> None:
    if not audit.starts_on <= day <= audit.ends_on:
        raise FieldworkError(
            _("Choose a day of the audit, from %(start)s to %(end)s.")
            % {"start": audit.starts_on, "end": audit.ends_on}
        )
    programme = audit.programme
    if site is not None and not programme.sites.filter(pk=site.pk).exists():
        raise FieldworkError(_("Choose a site in the programme's scope."))
    allowed = set(
        Clause.objects.filter(
            edition__in=programme.editions.all(), pk__in=[c.pk for c in clauses]
        ).values_list("pk", flat=True)
    )
    if len(allowed) != len({c.pk for c in clauses}):
        raise FieldworkError(_("Choose clauses of the audited standards."))
    team = set(audit.assignments.filter(status=AssignmentStatus.ACTIVE).values_list("user_id", flat=True))
    if any(user.pk not in team for user in auditors):
        raise FieldworkError(_("Choose members of the audit team."))


@transaction.atomic
def plan_session_add(
    *,
    actor: User,
    audit: Audit,
    day: datetime.date,
    starts_at: datetime.time,
    ends_at: datetime.time,
    site: Site | None,
    mode: str,
    activity: str,
    clauses: list[Clause],
    auditors: list[User],
) -> PlanSession:
    """A line of the plan's timetable: when, where, on site or remote, what, which clauses, who."""
    audit = _locked(audit)
    _require_lead(actor, audit)
    _require_plannable(audit)
    plan = _plan_of(audit)
    _refuse_session(audit, day, site, clauses, auditors)
    session = PlanSession(
        plan=plan, day=day, starts_at=starts_at, ends_at=ends_at, site=site, mode=mode, activity=activity
    )
    refuse_invalid(session, FieldworkError, exclude=SESSION_KEYS)
    session.save()
    session.clauses.set(clauses)
    session.auditors.set(auditors)
    _plan_changed(actor=actor, audit=audit)
    return session


@transaction.atomic
def plan_session_remove(*, actor: User, session: PlanSession) -> PlanSession:
    audit = _locked(session.plan.audit)
    _require_lead(actor, audit)
    _require_plannable(audit)
    session = PlanSession.objects.select_for_update().get(pk=session.pk)
    if session.removed_at is None:
        session.removed_at = timezone.now()
        session.save(update_fields=["removed_at"])
        _plan_changed(actor=actor, audit=audit)
    return session


@transaction.atomic
def plan_send(*, actor: User, audit: Audit) -> AuditPlan:
    """Send the plan to the client's quality managers, once the team is confirmed."""
    audit = _locked(audit)
    _require_lead(actor, audit)
    plan = _plan_of(audit)
    if audit.status == S.PLAN_SENT and plan.is_sent:
        return plan
    if audit.status != S.TEAM_ASSIGNED:
        raise FieldworkError(_("The plan is sent once the team is confirmed, before the audit starts."))
    sessions = list(plan.sessions.filter(removed_at__isnull=True).values_list("day", flat=True))
    if not plan.objectives.strip() or not sessions:
        raise FieldworkError(_("The plan needs its objectives and at least one session of the timetable."))
    if any(not audit.starts_on <= day <= audit.ends_on for day in sessions):
        raise FieldworkError(_("Some sessions fall outside the audit's dates: move or remove them."))
    plan.sent_at, plan.sent_by = timezone.now(), actor
    plan.acknowledged_at = plan.acknowledged_by = None
    plan.save(update_fields=["sent_at", "sent_by", "acknowledged_at", "acknowledged_by"])
    _move(audit, S.PLAN_SENT, actor=actor)
    send_plan_sent_mail(audit=audit)
    return plan


@transaction.atomic
def plan_acknowledge(*, actor: User, audit: Audit) -> AuditPlan:
    """The client's quality manager confirms receiving the plan."""
    audit = _locked(audit)
    require(access.can_acknowledge_plan(actor, audit.programme.organisation), access.ACKNOWLEDGERS_ONLY)
    plan = AuditPlan.objects.select_for_update().filter(audit=audit).first()
    if plan is None or not plan.is_sent:
        raise FieldworkError(_("The plan has not been sent yet."))
    if plan.is_acknowledged:
        return plan
    plan.acknowledged_at, plan.acknowledged_by = timezone.now(), actor
    plan.save(update_fields=["acknowledged_at", "acknowledged_by"])
    transition_record(
        subject=audit, field="plan", from_state=_("sent"), to_state=_("acknowledged"), actor=actor
    )
    return plan


# --- Fieldwork ----------------------------------------------------------------------------------


def _refuse_stage2(audit: Audit, justification: str) -> None:
    """Rules 1 and 2 over the programme's stage 1 audits (a repeated stage 1 counts as the latest)."""
    stage1s = list(
        audit.programme.audits.filter(kind=AuditKind.STAGE1)
        .exclude(status=S.CANCELLED)
        .order_by("starts_on", "pk")
        .values_list("status", "report__stage1_outcome", "ends_on")
    )
    if refusal := audit_rules.stage_order_refusal(
        [(status, outcome or "") for status, outcome, _end in stage1s]
    ):
        raise FieldworkError(refusal)
    last_day = [ends_on for status, _outcome, ends_on in stage1s if status in REPORTED_STATUSES][-1]
    body = audit.programme.certification_body
    if refusal := audit_rules.stage_gap_refusal(
        last_day,
        audit.starts_on,
        min_days=body.stage2_min_gap_days,
        max_days=body.stage2_max_gap_days,
        justification=justification,
    ):
        raise FieldworkError(refusal)


@transaction.atomic
def audit_start(
    *, actor: User, audit: Audit, stage_gap_justification: str = "", early_start_reason: str = ""
) -> Audit:
    """The fieldwork begins, once the plan is sent; stage 2 only after rules 1 and 2 hold; before
    its planned first day only with the reason, recorded with the start."""
    audit = _locked(audit)
    _require_lead(actor, audit)
    if audit.status == S.IN_PROGRESS:
        return audit
    _require_from(audit, S.PLAN_SENT, S.IN_PROGRESS, _("The audit starts once its plan is sent."))
    if refusal := audit_rules.early_start_refusal(audit.starts_on, timezone.localdate(), early_start_reason):
        raise FieldworkError(refusal)
    justification = stage_gap_justification.strip() or audit.stage_gap_justification
    if audit.kind == AuditKind.STAGE2:
        _refuse_stage2(audit, justification)
    if justification != audit.stage_gap_justification:
        audit.stage_gap_justification = justification
        refuse_invalid(audit, FieldworkError, fields_only=True, exclude=AUDIT_KEYS)
        audit.save(update_fields=["stage_gap_justification"])
    reasons = [justification if audit.kind == AuditKind.STAGE2 else "", early_start_reason.strip()]
    _move(audit, S.IN_PROGRESS, actor=actor, reason=" ".join(reason for reason in reasons if reason))
    return audit


@transaction.atomic
def audit_fieldwork_done(*, actor: User, audit: Audit) -> Audit:
    audit = _locked(audit)
    _require_lead(actor, audit)
    if audit.status != S.FIELDWORK_DONE:
        _move(audit, S.FIELDWORK_DONE, actor=actor)
    return audit


@transaction.atomic
def audit_fieldwork_reopen(*, actor: User, audit: Audit, reason: str) -> Audit:
    """Back to the fieldwork, before the report is issued (a visit to finish, evidence to add)."""
    audit = _locked(audit)
    _require_lead(actor, audit)
    if audit.status == S.IN_PROGRESS:
        return audit
    _require_from(audit, S.FIELDWORK_DONE, S.IN_PROGRESS, _("Only finished fieldwork is reopened."))
    _require_reason(reason, _("Say why the fieldwork is reopened."))
    _move(audit, S.IN_PROGRESS, actor=actor, reason=reason)
    return audit


# --- The report (DOMAIN §2.5) -------------------------------------------------------------------


def _refuse_conclusions(audit: Audit, values: ReportContent) -> None:
    if audit.kind == AuditKind.STAGE1 and values.recommendation:
        raise FieldworkError(
            _("Stage 1 concludes on the client's readiness for stage 2, not with a recommendation.")
        )
    if audit.kind != AuditKind.STAGE1 and values.stage1_outcome:
        raise FieldworkError(_("Only a stage 1 concludes on the readiness for stage 2."))


@transaction.atomic
def report_save(*, actor: User, audit: Audit, values: ReportContent) -> AuditReport:
    audit = _locked(audit)
    _require_lead(actor, audit)
    if audit.status in REPORTED_STATUSES:
        raise FieldworkError(_("The report is issued: it can no longer change."))
    if audit.status not in (S.IN_PROGRESS, S.FIELDWORK_DONE):
        raise FieldworkError(_("The report is written once the audit has started."))
    _refuse_conclusions(audit, values)
    report = AuditReport.objects.select_for_update().filter(audit=audit).first() or AuditReport(
        audit=audit, updated_by=actor
    )
    changed = assign_changes(report, dataclasses.asdict(values))
    if report.pk and not changed:
        return report
    refuse_invalid(report, FieldworkError, exclude=REPORT_KEYS)
    report.updated_by, report.updated_at = actor, timezone.now()
    if report.pk:
        report.save(update_fields=[*changed, "updated_by", "updated_at"])
    else:
        report.save()
    return report


def _refuse_issue(audit: Audit, report: AuditReport | None) -> None:
    if report is None:
        raise FieldworkError(_("Write the report first."))
    if audit.kind == AuditKind.STAGE1 and not report.stage1_outcome:
        raise FieldworkError(_("Conclude whether the client is ready for stage 2."))
    if audit.kind != AuditKind.STAGE1 and not report.recommendation:
        raise FieldworkError(_("Give the team's recommendation."))
    if not report.summary.strip():
        raise FieldworkError(_("Sum up the conformity and effectiveness of the system."))


@transaction.atomic
def report_issue(*, actor: User, audit: Audit) -> AuditReport:
    """Issue the report: the findings are locked; the audit waits for its nonconformities, or
    closes when none is pending."""
    audit = _locked(audit)
    _require_lead(actor, audit)
    report = AuditReport.objects.select_for_update().filter(audit=audit).first()
    if audit.status in REPORTED_STATUSES and report is not None and report.is_issued:
        return report
    if refusal := audit_rules.transition_refusal(audit.status, S.REPORT_ISSUED):
        raise FieldworkError(refusal)
    _refuse_issue(audit, report)
    report.issued_at, report.issued_by = timezone.now(), actor
    report.save(update_fields=["issued_at", "issued_by"])
    _move(audit, S.REPORT_ISSUED, actor=actor)
    pending = unsettled_findings(audit)
    if pending:
        _move(
            audit,
            S.NCS_PENDING,
            actor=actor,
            reason=_("%(n)s nonconformities to settle.") % {"n": pending},
        )
    else:
        _move(audit, S.CLOSED, actor=actor, reason=_("No nonconformity to settle."))
    send_report_issued_mail(audit=audit, pending=pending)
    return report
