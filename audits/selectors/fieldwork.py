"""Reads of an audit's plan, its report and what stage 1 hands on to stage 2, with what the user
may do next. Each read is a fixed number of queries, whatever the number of sessions or findings."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from audits import access, audit_rules
from audits.enums import (
    PLANNING_STATUSES,
    REPORTED_STATUSES,
    AuditKind,
    AuditStatus,
    FindingStatus,
    FindingType,
)
from audits.models import Audit, AuditPlan, AuditReport, Finding, PlanSession
from standards.models import Clause

S = AuditStatus


def areas_of_concern_for(audit: Audit) -> list[Finding]:
    """Stage 1's areas of concern, which stage 2 looks at again and its report takes up (DOMAIN §1.2,
    EA FAQ 32.5): those of every stage 1 of the programme, the latest stage 1 first."""
    if audit.kind != AuditKind.STAGE2:
        return []
    return list(
        Finding.objects.filter(
            audit__programme_id=audit.programme_id,
            audit__kind=AuditKind.STAGE1,
            type=FindingType.AREA_OF_CONCERN,
        )
        .exclude(status=FindingStatus.WITHDRAWN)
        .select_related("clause__edition__standard", "site")
        .order_by("-audit__starts_on", "-audit__pk", "number")
    )


# What a page showing the panel reads with its audit (`select_related`), so the panel reads neither;
# who acknowledged the plan and who issued the report are read when shown (joining the users table
# twice more cost the audit page more than the two small queries)
PANEL_RELATED = ("plan", "report")


def _read_with(audit: Audit, name: str) -> bool:
    return getattr(Audit, name).related.is_cached(audit)


def plan_of(audit: Audit) -> AuditPlan | None:
    if _read_with(audit, "plan"):
        return getattr(audit, "plan", None)
    return AuditPlan.objects.select_related("acknowledged_by").filter(audit=audit).first()


def report_of(audit: Audit) -> AuditReport | None:
    if _read_with(audit, "report"):
        return getattr(audit, "report", None)
    return AuditReport.objects.select_related("issued_by").filter(audit=audit).first()


def sessions_of(plan: AuditPlan | None) -> QuerySet[PlanSession] | list:
    """The timetable as it stands (removed sessions left out), with its clauses and auditors."""
    if plan is None:
        return []
    return (
        plan.sessions.filter(removed_at__isnull=True)
        .select_related("site")
        .prefetch_related(
            Prefetch("clauses", queryset=Clause.objects.select_related("edition__standard")),
            "auditors",
        )
    )


@dataclass
class Panel:
    """What the audit page shows of the plan and the report, and the buttons this user gets."""

    audit: Audit
    plan: AuditPlan | None
    report: AuditReport | None
    concerns: list[Finding] = field(default_factory=list)
    is_lead: bool = False
    can_plan: bool = False
    can_acknowledge: bool = False

    @property
    def status(self) -> str:
        return self.audit.status

    @property
    def plan_editable(self) -> bool:
        return self.is_lead and self.status in PLANNING_STATUSES

    @property
    def can_send(self) -> bool:
        return self.is_lead and self.status == S.TEAM_ASSIGNED and self.plan is not None

    @property
    def can_start(self) -> bool:
        return self.is_lead and self.status == S.PLAN_SENT

    @property
    def asks_gap_justification(self) -> bool:
        return self.can_start and self.audit.kind == AuditKind.STAGE2

    @property
    def starts_early(self) -> bool:
        """Started before its planned first day, the audit asks why (the client was told that day)."""
        return self.can_start and audit_rules.starts_early(self.audit.starts_on, timezone.localdate())

    @property
    def can_finish_fieldwork(self) -> bool:
        return self.is_lead and self.status == S.IN_PROGRESS

    @property
    def can_reopen_fieldwork(self) -> bool:
        return self.is_lead and self.status == S.FIELDWORK_DONE

    @property
    def can_write_report(self) -> bool:
        return self.is_lead and self.status in (S.IN_PROGRESS, S.FIELDWORK_DONE)

    @property
    def can_issue_report(self) -> bool:
        return self.is_lead and self.status == S.FIELDWORK_DONE and self.report is not None

    @property
    def can_cancel(self) -> bool:
        return self.can_plan and self.status in PLANNING_STATUSES

    @property
    def report_issued(self) -> bool:
        return self.status in REPORTED_STATUSES and self.report is not None and self.report.is_issued

    @property
    def has_actions(self) -> bool:
        return any(
            (
                self.plan_editable,
                self.can_send,
                self.can_start,
                self.can_finish_fieldwork,
                self.can_reopen_fieldwork,
                self.can_write_report,
                self.can_cancel,
                self.can_acknowledge,
            )
        )


def panel(user, audit: Audit) -> Panel:
    """The plan-and-report panel of an audit `audits_for(user)` gave (its `user_role` and
    `user_plans` read with it): at most four queries."""
    plan = plan_of(audit)
    waiting = plan is not None and plan.is_sent and not plan.is_acknowledged
    return Panel(
        audit=audit,
        plan=plan,
        report=report_of(audit),
        concerns=areas_of_concern_for(audit),
        is_lead=access.can_lead(user, audit),
        can_plan=access.can_plan_record(user, audit),
        can_acknowledge=waiting and access.can_acknowledge_plan(user, audit.programme.organisation),
    )
