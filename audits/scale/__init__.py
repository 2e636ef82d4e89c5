"""The CB's audit programmes of the national-scale data set (`manage.py seed_scale`), written in
bulk as `audits.services` would have left them.

The certificate side says what it needs of each programme (`Plan`); `programmes_build` plans each
one (`planning`), takes every audit as far as its dates allow by the day of the data set, gives the
audits whose fieldwork started their findings and the nonconformities their answers (`findings`),
then writes the rows and the transition log in batches."""

import datetime
import random
from collections.abc import Sequence

from audits import audit_time, finding_rules
from audits.enums import (
    NC_TYPES,
    AssignmentStatus,
    AuditKind,
    AuditStatus,
    Declaration,
    FindingStatus,
    ProgrammeStatus,
    Recommendation,
    SessionMode,
    SiteSelection,
    Stage1Outcome,
)
from audits.models import (
    AuditPlan,
    AuditProgramme,
    AuditReport,
    AuditSite,
    Finding,
    PlanSession,
    TeamAssignment,
)
from audits.scale import findings as finding_steps
from audits.scale.coverage import coverage_write
from audits.scale.planning import (
    STATUS_AFTER,
    Catalogue,
    Cycle,
    Plan,
    Visit,
    catalogue_read,
    first_cycle,
    next_cycle,
)
from core.scale import Bulk, moment, seeded

__all__ = ["Catalogue", "Cycle", "Plan", "Visit", "catalogue_read", "programmes_build"]

S = AuditStatus
PLAN_TEXTS = {
    "objectives": "Confirm the conformity and effectiveness of the management system within the scope.",
    "language": "English",
    "confidentiality": "Records are seen on the client's screens; nothing is copied.",
    "arrangements": "Opening meeting with the management representative; a meeting room on site.",
}
MOVED = "Moved into its due window after the certification decision."


# --- Building ------------------------------------------------------------------------------------


def _findings(
    rng: random.Random, bulk: Bulk, visits: Sequence[Visit], today, *, total: int, responses: int, big: int
):
    """Every finding with its editions, and every response; each audit's closing moment."""
    counts = finding_steps.allocate(rng, visits, total, big)
    share = finding_steps.nc_share(visits, counts, responses)
    cut = moment(today, 0)
    found, answers = [], []
    for index, visit in enumerate(visits):
        visit.reviewer = rng.choice([*visit.cycle.plan.client.body.reviewers, visit.lead])
        made = sorted(
            (finding_steps.finding_of(rng, visit, share, today) for _ in range(counts.get(index, 0))),
            key=lambda f: f.raised_at,
        )
        for number, finding in enumerate(made, start=1):
            finding.number = number
        visit.findings = made
        answers += _settle(rng, bulk, visit, cut)
        found += made
    return found, answers


def _settle(rng: random.Random, bulk: Bulk, visit: Visit, cut: datetime.datetime) -> list:
    """Withdrawals on site; once the report is issued, the answers; the audit's closing moment."""
    withdrawn = {id(f) for f in visit.findings if finding_steps.withdraw(rng, visit, f)}
    ncs = [f for f in visit.findings if f.type in NC_TYPES and id(f) not in withdrawn]
    if not visit.reported:
        return []
    states = [finding_steps.answer(rng, bulk, visit, finding, cut) for finding in ncs]
    if not ncs:
        visit.closed_at, visit.closed_by = visit.reached["issued"], visit.lead
    elif all(state.settled_at for state in states):
        last = max(states, key=lambda state: state.settled_at)
        visit.closed_at, visit.closed_by = last.settled_at, last.settled_by
    return [response for state in states for response in state.responses]


def _cycles(rng: random.Random, plans: Sequence[Plan], catalogue: Catalogue, today) -> list[Cycle]:
    first = [first_cycle(rng, plan, catalogue, today) for plan in plans]
    return first + [next_cycle(rng, cycle, catalogue, today) for cycle in first if cycle.plan.renew]


# --- Rows -----------------------------------------------------------------------------------------


def _assignments(visit: Visit) -> list[TeamAssignment]:
    if "assigned" not in visit.reached:
        return []
    declared = visit.reached.get("declared")
    return [
        TeamAssignment(
            audit=visit.audit,
            user=person,
            role=role,
            declaration=Declaration.NO_CONFLICT if declared else Declaration.PENDING,
            declared_at=declared,
            assigned_by=visit.cycle.plan.manager,
            assigned_at=visit.reached["assigned"],
        )
        for person, role in visit.team
    ]


def _plan(visit: Visit) -> AuditPlan | None:
    if "planned" not in visit.reached:
        return None
    reached, lead = visit.reached, visit.lead
    acknowledged = reached.get("acknowledged")
    return AuditPlan(
        audit=visit.audit,
        updated_by=lead,
        updated_at=reached["planned"],
        sent_at=reached.get("sent"),
        sent_by=lead if "sent" in reached else None,
        acknowledged_at=acknowledged,
        acknowledged_by=visit.cycle.plan.client.quality_manager if acknowledged else None,
        **PLAN_TEXTS,
    )


def _sessions(visit: Visit, plan: AuditPlan) -> list[tuple[PlanSession, list]]:
    """The opening meeting with the whole team, then the lead's first session, at the central
    function (or the site visited)."""
    site = visit.sites[-1][0]
    day = visit.audit.starts_on
    everyone = [person for person, _role in visit.team]
    return [
        (
            PlanSession(
                plan=plan,
                day=day,
                starts_at=datetime.time(9),
                ends_at=datetime.time(9, 30),
                site=site,
                mode=SessionMode.ON_SITE,
                activity="Opening meeting",
            ),
            everyone,
        ),
        (
            PlanSession(
                plan=plan,
                day=day,
                starts_at=datetime.time(9, 30),
                ends_at=datetime.time(16),
                site=site,
                mode=SessionMode.ON_SITE,
                activity="Processes, records and interviews",
            ),
            [visit.lead],
        ),
    ]


def _conclusion(visit: Visit) -> dict:
    kind = visit.audit.kind
    if kind == AuditKind.STAGE1:
        return {"stage1_outcome": Stage1Outcome.READY}
    if kind in (AuditKind.SURVEILLANCE_1, AuditKind.SURVEILLANCE_2):
        return {"recommendation": Recommendation.CONTINUE}
    ncs = any(f.type in NC_TYPES and f.status != FindingStatus.WITHDRAWN for f in visit.findings)
    return {"recommendation": Recommendation.AFTER_CORRECTIONS if ncs else Recommendation.CERTIFY}


def _report(visit: Visit) -> AuditReport | None:
    if "saved" not in visit.reached:
        return None
    issued = visit.reached.get("issued")
    return AuditReport(
        audit=visit.audit,
        summary="The system is established and implemented; the findings below are to be addressed.",
        internal_audit_and_review="Internal audits cover every process; a management review every year.",
        scope_appropriate=True,
        objectives_met=True,
        marks_controlled=True,
        updated_by=visit.lead,
        updated_at=visit.reached["saved"],
        issued_at=issued,
        issued_by=visit.lead if issued else None,
        **_conclusion(visit),
    )


def _insert_programmes(bulk: Bulk, cycles: list[Cycle]) -> None:
    bulk.insert([c.programme for c in cycles if c.previous is None])
    bulk.insert([c.programme for c in cycles if c.previous is not None])
    bulk.insert([row for c in cycles for row in c.editions])
    sites, codes = AuditProgramme.sites.through, AuditProgramme.iaf_codes.through
    bulk.stream(sites(auditprogramme_id=c.programme.pk, site_id=s.pk) for c in cycles for s in c.sites)
    bulk.stream(
        codes(auditprogramme_id=c.programme.pk, iafcode_id=code)
        for c in cycles
        for code in c.plan.client.codes
    )


def _insert_audits(bulk: Bulk, visits: list[Visit], cut: datetime.datetime) -> None:
    for visit in visits:
        visit.audit.status = visit.status(cut)
    bulk.insert([v.audit for v in visits])
    bulk.stream(AuditSite(audit=v.audit, site=site, selection=how) for v in visits for site, how in v.sites)
    coverage_write(bulk, [v.audit.pk for v in visits])


def _insert_fieldwork(bulk: Bulk, visits: list[Visit]) -> None:
    for visit in visits:
        visit.assignments = _assignments(visit)
    bulk.insert([a for v in visits for a in v.assignments])
    plans = [(v, plan) for v in visits if (plan := _plan(v))]
    bulk.insert([plan for _v, plan in plans])
    sessions = [pair for v, plan in plans for pair in _sessions(v, plan)]
    bulk.insert([session for session, _people in sessions])
    through = PlanSession.auditors.through
    bulk.stream(through(plansession_id=s.pk, user_id=p.pk) for s, people in sessions for p in people)
    bulk.insert([report for v in visits if (report := _report(v))])


def _insert_findings(bulk: Bulk, visits: list[Visit], found: list[Finding], answers: list) -> None:
    bulk.insert(found)
    through = Finding.editions.through
    bulk.stream(
        through(finding_id=f.pk, edition_id=pk)
        for v in visits
        for f in v.findings
        for pk in finding_steps.edition_ids(f, v)
    )
    bulk.insert(answers)


# --- The transition log --------------------------------------------------------------------------


def _record_programme(bulk: Bulk, cycle: Cycle) -> None:
    plan, programme = cycle.plan, cycle.programme
    if cycle.previous is None:
        bulk.record(programme, "status", None, ProgrammeStatus.DRAFT, cycle.opened, actor=plan.manager)
    else:
        reason = (
            f"Carried over from {cycle.previous.programme.reference} for review after the decision of "
            f"{programme.cycle_started_on}."
        )
        bulk.record(
            programme, "status", None, ProgrammeStatus.DRAFT, cycle.opened, actor=plan.decider, reason=reason
        )
        bulk.record(
            cycle.previous.programme,
            "next_cycle",
            None,
            programme.reference,
            cycle.opened,
            actor=plan.decider,
        )
    if cycle.previous is None:
        _record_times(bulk, cycle)
    if cycle.approved:
        bulk.record(
            programme,
            "status",
            ProgrammeStatus.DRAFT,
            ProgrammeStatus.APPROVED,
            cycle.approved,
            actor=plan.manager,
        )
    if cycle.previous is None and plan.decided_on:
        at = moment(plan.decided_on, 10, 1)
        bulk.record(programme, "cycle_started_on", None, plan.decided_on, at)
        for visit in cycle.visits.values():
            if visit.moved_from:
                bulk.record(
                    visit.audit, "starts_on", visit.moved_from, visit.audit.starts_on, at, reason=MOVED
                )


def _record_times(bulk: Bulk, cycle: Cycle) -> None:
    """`programme_edition_time_set` for each standard without a table: planned at half a day until
    its time is entered, the audits then follow the suggestion."""
    entered = [row for row in cycle.editions if row.override_days is not None]
    at = cycle.opened + datetime.timedelta(minutes=5)
    for row in entered:
        bulk.record(
            row, "initial_days", None, row.override_days, at, actor=cycle.plan.manager, reason="no adjustment"
        )
    if not entered:
        return
    reason = f"The audit time of {entered[-1].edition.label} changed."
    for visit in cycle.visits.values():
        if visit.audit.planned_days != audit_time.HALF:
            bulk.record(
                visit.audit,
                "planned_days",
                audit_time.HALF,
                visit.audit.planned_days,
                at,
                actor=cycle.plan.manager,
                reason=reason,
            )


def _sites_reason(visit: Visit) -> str:
    """`audit_sites_draw`'s record of the draw: its seed and the sites, by name."""
    ordered = sorted(visit.sites, key=lambda pair: pair[0].name)
    names = "; ".join(f"{site.name} ({SiteSelection(how).label})" for site, how in ordered)
    return f"seed {visit.audit.sample_seed}: {names}"


def _record_team(bulk: Bulk, visit: Visit) -> None:
    manager = visit.cycle.plan.manager
    for assignment in visit.assignments:
        bulk.record(
            assignment, "status", None, AssignmentStatus.ACTIVE, assignment.assigned_at, actor=manager
        )
        if assignment.declared_at:
            bulk.record(
                assignment,
                "declaration",
                Declaration.PENDING,
                Declaration.NO_CONFLICT,
                assignment.declared_at,
                actor=assignment.user,
            )


def _record_steps(bulk: Bulk, visit: Visit) -> None:
    """The audit's own moves, as `teams` and `fieldwork` record them."""
    reached, audit = visit.reached, visit.audit
    manager, lead = visit.cycle.plan.manager, visit.lead
    moves = {
        "confirmed": (S.PLANNED, S.TEAM_ASSIGNED, manager),
        "sent": (S.TEAM_ASSIGNED, S.PLAN_SENT, lead),
        "started": (S.PLAN_SENT, S.IN_PROGRESS, lead),
        "done": (S.IN_PROGRESS, S.FIELDWORK_DONE, lead),
        "issued": (S.FIELDWORK_DONE, S.REPORT_ISSUED, lead),
    }
    for step, at in reached.items():
        if step in moves:
            before, after, actor = moves[step]
            bulk.record(audit, "status", before, after, at, actor=actor)
        elif step == "notified":
            bulk.record(audit, "team_notified_on", None, at.date(), at, actor=manager)
        elif step == "acknowledged":
            bulk.record(
                audit, "plan", "sent", "acknowledged", at, actor=visit.cycle.plan.client.quality_manager
            )


def _record_end(bulk: Bulk, visit: Visit, cut: datetime.datetime) -> None:
    audit, plan = visit.audit, visit.cycle.plan
    if visit.cancelled_at:
        before = STATUS_AFTER[next(reversed(visit.reached), None)]
        bulk.record(
            audit,
            "status",
            before,
            S.CANCELLED,
            visit.cancelled_at,
            actor=plan.manager,
            reason=plan.halt_reason,
        )
    if not visit.reported:
        return
    issued = visit.reached["issued"]
    ncs = sum(1 for f in visit.findings if f.type in NC_TYPES and f.status != FindingStatus.WITHDRAWN)
    if not ncs:
        bulk.record(
            audit,
            "status",
            S.REPORT_ISSUED,
            S.CLOSED,
            issued,
            actor=visit.lead,
            reason="No nonconformity to settle.",
        )
        return
    bulk.record(
        audit,
        "status",
        S.REPORT_ISSUED,
        S.NCS_PENDING,
        issued,
        actor=visit.lead,
        reason=f"{ncs} nonconformities to settle.",
    )
    if visit.closed_at and visit.closed_at < cut:
        bulk.record(
            audit,
            "status",
            S.NCS_PENDING,
            S.CLOSED,
            visit.closed_at,
            actor=visit.closed_by,
            reason="Every nonconformity is settled.",
        )


def _record_findings(bulk: Bulk, visit: Visit) -> None:
    for finding in visit.findings:
        initial = finding_rules.initial_status(finding.type)
        bulk.record(
            finding,
            "status",
            None,
            initial,
            finding.raised_at,
            actor=finding.raised_by,
            reason=finding_steps.due_reason(finding),
        )
        if finding.status == FindingStatus.WITHDRAWN:
            bulk.record(
                finding,
                "status",
                initial,
                FindingStatus.WITHDRAWN,
                finding.updated_at,
                actor=finding.raised_by,
                reason="Settled with the client on site.",
            )


def _record(bulk: Bulk, cycles: list[Cycle], visits: list[Visit], cut: datetime.datetime) -> None:
    for cycle in cycles:
        _record_programme(bulk, cycle)
    for visit in visits:
        bulk.record(
            visit.audit,
            "sites",
            "0 sites",
            f"{len(visit.sites)} sites",
            visit.audit.sampled_at,
            actor=visit.cycle.plan.manager,
            reason=_sites_reason(visit),
        )
        _record_team(bulk, visit)
        _record_steps(bulk, visit)
        _record_findings(bulk, visit)
        _record_end(bulk, visit, cut)


def programmes_build(
    bulk: Bulk,
    plans: Sequence[Plan],
    *,
    catalogue: Catalogue,
    seed: int,
    today: datetime.date,
    findings: int,
    responses: int,
    big: int,
) -> list[Cycle]:
    """Every programme asked for, with its audits, findings and answers; returns the cycles (the
    first ones in the order of `plans`, then the next ones) for the certificate side."""
    rng = seeded(seed, "audits")
    cut = moment(today, 0)
    cycles = _cycles(rng, plans, catalogue, today)
    visits = [visit for cycle in cycles for visit in cycle.visits.values()]
    bulk.progress(f"{len(cycles)} programmes planned, {len(visits)} audits")
    found, answers = _findings(
        seeded(seed, "findings"), bulk, visits, today, total=findings, responses=responses, big=big
    )
    bulk.progress(f"{len(found)} findings, {len(answers)} responses")
    _insert_programmes(bulk, cycles)
    _insert_audits(bulk, visits, cut)
    bulk.progress("programmes and audits written, with their sites and clauses")
    _insert_fieldwork(bulk, visits)
    _insert_findings(bulk, visits, found, answers)
    bulk.progress("teams, plans, reports, findings and responses written")
    _record(bulk, cycles, visits, cut)
    bulk.write_log()
    bulk.progress("their transitions written")
    return cycles
