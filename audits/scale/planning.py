"""Planning the programmes of the national-scale data set as `audits.services.programmes` plans
them: the audit time from the tables (or entered by hand where a standard has none), the cycle's
dates and due windows, the sites drawn (IAF MD 1); then how far each audit got by the day the data
set is seeded for: its steps before that day happened, none after (`coverage` writes the clauses
each audit covers)."""

import datetime
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from audits import audit_time, cycle, sampling
from audits.enums import (
    AuditKind,
    AuditStatus,
    ProgrammeStatus,
    SiteSelection,
    TeamRole,
)
from audits.models import Audit, AuditProgramme, Finding, ProgrammeEdition, TeamAssignment
from audits.selectors.programme_checks import cycle_policy
from audits.services.audits import SAMPLING_KIND
from core.scale import days, moment
from organisations.models import Site, User
from organisations.scale import Client
from standards.models import AuditTimeRow, AuditTimeTable, Clause, Edition
from standards.time_tables import Row, Table, table_from_rows

S = AuditStatus
FIRST_KINDS = (
    AuditKind.STAGE1,
    AuditKind.STAGE2,
    AuditKind.SURVEILLANCE_1,
    AuditKind.SURVEILLANCE_2,
    AuditKind.RECERTIFICATION,
)
NEXT_KINDS = FIRST_KINDS[2:]
# A held audit's steps before its first day: (step, days before the first day, hour)
BEFORE = (
    ("assigned", 28, 10),
    ("declared", 27, 11),
    ("confirmed", 26, 10),
    ("notified", 21, 10),
    ("planned", 20, 14),
    ("sent", 18, 10),
    ("acknowledged", 15, 11),
)
# The status an audit is in after its latest step
STATUS_AFTER = {
    None: S.PLANNED,
    "assigned": S.PLANNED,
    "declared": S.PLANNED,
    "confirmed": S.TEAM_ASSIGNED,
    "notified": S.TEAM_ASSIGNED,
    "planned": S.TEAM_ASSIGNED,
    "sent": S.PLAN_SENT,
    "acknowledged": S.PLAN_SENT,
    "started": S.IN_PROGRESS,
    "done": S.FIELDWORK_DONE,
    "saved": S.FIELDWORK_DONE,
    "issued": S.REPORT_ISSUED,
}
NO_TABLE_DAYS_PER = 300  # the CB's own table for standards without an IAF one: 2 days + 1 per 300 people
INTEGRATION_PERCENT = Decimal(10)
INTEGRATION_REASON = "One integrated system: common policy, internal audits and management review."


@dataclass(frozen=True)
class Catalogue:
    """What planning reads of the catalogue, once: the assessable clauses of each edition in order,
    and the audit-time table of each standard that has one."""

    clauses: dict[int, list[Clause]]
    tables: dict[int, Table]

    def assessable(self, editions: tuple[Edition, ...]) -> list[Clause]:
        """The editions' assessable clauses in the programme's order (standard, then position)."""
        ordered = sorted(editions, key=lambda e: (e.standard.number, e.standard.code))
        return [clause for edition in ordered for clause in self.clauses.get(edition.pk, [])]


def catalogue_read() -> Catalogue:
    """Four queries, whatever the size of the data set (no per-process cache: a second run counts
    the same queries as the first)."""
    clauses: dict[int, list[Clause]] = {}
    for clause in Clause.objects.filter(assessable=True, edition__certifiable=True).order_by(
        "edition", "position"
    ):
        clauses.setdefault(clause.edition_id, []).append(clause)
    rows: dict[int, list[Row]] = {}
    values = AuditTimeRow.objects.order_by("table", "pk").values_list(
        "table_id", "complexity", "personnel_min", "personnel_max", "days"
    )
    for table_id, *row in values:
        rows.setdefault(table_id, []).append(Row(*row))
    tables = {
        table.standard_id: table_from_rows(
            table.title, rows.get(table.pk, []), notes=table.notes, source=table.source
        )
        for table in AuditTimeTable.objects.order_by("pk")
    }
    return Catalogue(clauses, tables)


@dataclass
class Plan:
    """What the certificate side asks of one programme: when its initial decision is taken (the
    stage audits end in time for it), whether the recertification is decided too (it opens the
    next cycle), and from which day no audit is held any more (a suspension; an end of the
    certificate, after which the audits not held are cancelled)."""

    client: Client
    editions: tuple[Edition, ...]
    manager: User  # plans the programme and staffs its audits
    decider: User  # takes its decisions: never on a team (rule 3)
    decided_on: datetime.date | None = None
    stage1_on: datetime.date | None = None  # a programme still heading for its decision
    renew: bool = False
    halted_on: datetime.date | None = None
    ended: bool = False
    halt_reason: str = ""
    skip_first_surveillance: bool = False  # rule 10: its first surveillance is never held


@dataclass
class Visit:
    """One audit and what happened to it before the cut."""

    audit: Audit
    cycle: "Cycle"
    steps: dict[str, datetime.datetime]
    reached: dict[str, datetime.datetime] = field(default_factory=dict)
    team: list[tuple[User, str]] = field(default_factory=list)
    sites: list[tuple[Site, str]] = field(default_factory=list)
    cancelled_at: datetime.datetime | None = None
    moved_from: datetime.date | None = None
    findings: list[Finding] = field(default_factory=list)
    closed_at: datetime.datetime | None = None
    closed_by: User | None = None
    reviewer: User | None = None
    assignments: list[TeamAssignment] = field(default_factory=list)

    @property
    def lead(self) -> User:
        return self.team[0][0]

    @property
    def held(self) -> bool:
        return "started" in self.reached

    @property
    def reported(self) -> bool:
        return "issued" in self.reached

    def status(self, cut: datetime.datetime) -> str:
        if self.cancelled_at:
            return S.CANCELLED
        latest = STATUS_AFTER[next(reversed(self.reached), None)]
        if latest != S.REPORT_ISSUED:
            return latest
        return S.CLOSED if self.closed_at and self.closed_at < cut else S.NCS_PENDING


@dataclass
class Cycle:
    """One programme being built: the first cycle of a certification, or the next one a
    recertification decision opened."""

    plan: Plan
    programme: AuditProgramme
    editions: list[ProgrammeEdition]
    times: audit_time.CycleTimes
    opened: datetime.datetime
    clauses: list[Clause]  # what its findings cite: the assessable clauses of its editions
    approved: datetime.datetime | None = None
    visits: dict[str, Visit] = field(default_factory=dict)
    previous: "Cycle | None" = None
    renewed_on: datetime.date | None = None

    @property
    def sites(self) -> list[Site]:
        return self.plan.client.sites

    @property
    def is_current(self) -> bool:
        """The cycle the certificate is in now: the next one once the recertification is decided."""
        return self.previous is not None or not self.plan.renew


# --- Audit time ---------------------------------------------------------------------------------


def _override(personnel: int, edition: Edition) -> tuple[Decimal, str]:
    days_ = audit_time.round_half_day(Decimal(2) + Decimal(personnel) / NO_TABLE_DAYS_PER)
    why = f"No IAF table for {edition.standard.code}: CB procedure P-07, {days_} days for {personnel} people."
    return days_, why


def programme_editions(
    programme: AuditProgramme, editions: tuple[Edition, ...], catalogue: Catalogue
) -> list[ProgrammeEdition]:
    """Each edition with its table's first column, or its time entered by hand where there is no table."""
    found = []
    for edition in editions:
        table = catalogue.tables.get(edition.standard_id)
        row = ProgrammeEdition(
            programme=programme, edition=edition, complexity=next(iter(table.columns)) if table else "all"
        )
        if table is None:
            row.override_days, row.override_justification = _override(programme.effective_personnel, edition)
        found.append(row)
    return found


def cycle_times(
    programme: AuditProgramme, rows: list[ProgrammeEdition], catalogue: Catalogue
) -> audit_time.CycleTimes:
    """The programme's initial time (MD 11 for an integrated one) and its split over the cycle."""
    results = []
    for row in rows:
        table = catalogue.tables.get(row.edition.standard_id)
        if table is None:
            results.append(row.override_days)
        else:
            results.append(
                audit_time.initial_time(
                    table=table, personnel=programme.effective_personnel, complexity=row.complexity
                ).days
            )
    total = sum(results, Decimal(0))
    if len(results) > 1:
        total, _steps = audit_time.integrated_time(
            results,
            reduction_percent=programme.integration_reduction_percent,
            reason=programme.integration_reason,
        )
    body = programme.certification_body
    return audit_time.cycle_times(
        total, stage1_share_percent=body.stage1_time_share_percent, stage1_min_days=body.stage1_min_days
    )


def suggested(times: audit_time.CycleTimes, kind: str) -> Decimal:
    return {
        AuditKind.STAGE1: times.stage1,
        AuditKind.STAGE2: times.stage2,
        AuditKind.SURVEILLANCE_1: times.surveillance,
        AuditKind.SURVEILLANCE_2: times.surveillance,
        AuditKind.RECERTIFICATION: times.recertification,
    }[kind]


def span(planned: Decimal) -> int:
    """Days after the first one that an audit of this time lasts (`programmes._days_span`)."""
    return max(math.ceil(planned) - 1, 0)


# --- Dates ------------------------------------------------------------------------------------------


def first_dates(rng: random.Random, plan: Plan, times: audit_time.CycleTimes, policy: cycle.CyclePolicy):
    """The first day of each audit of a first cycle, and where the decision moved one from: stage 2
    ends two or three months before the decision (its nonconformities settle within 40 days);
    stage 1 a month before stage 2; the rest where `_default_dates` puts them, moved into their
    windows by the decision (`programme_cycle_start`)."""
    if plan.decided_on:
        stage2_end = days(plan.decided_on, -rng.randrange(55, 80))
        stage2 = days(stage2_end, -span(times.stage2))
        stage1 = days(stage2, -30)
    else:
        stage1 = plan.stage1_on
        stage2 = days(stage1, 30)
    starts = {AuditKind.STAGE1: stage1, AuditKind.STAGE2: stage2, **cycle.default_days(stage2, policy)}
    moved = {}
    if plan.decided_on:
        planned = cycle.default_days(plan.decided_on, policy)
        for kind, window in cycle.due_windows(plan.decided_on, policy).items():
            if starts[kind] not in window:
                moved[kind], starts[kind] = starts[kind], planned[kind]
    return starts, moved


def opened_on(rng: random.Random, stage1: datetime.date, today: datetime.date) -> datetime.date:
    """The application review opens the programme six weeks or so before stage 1 (never later
    than yesterday)."""
    opened = days(stage1, -rng.randrange(40, 60))
    return opened if opened < today else days(today, -rng.randrange(1, 20))


# --- Programmes ----------------------------------------------------------------------------------


def programme_of(plan: Plan, previous: AuditProgramme | None = None) -> AuditProgramme:
    client = plan.client
    integrated = len(plan.editions) > 1
    disciplines = ", ".join(edition.standard.discipline for edition in plan.editions)
    return AuditProgramme(
        certification_body=client.body.body,
        organisation=client.organisation,
        scope=f"{disciplines} of {client.organisation.name}: the public services delivered from its "
        f"{len(client.sites)} site(s).",
        headcount=client.organisation.headcount,
        effective_personnel=client.organisation.headcount,
        is_integrated=integrated,
        integration_reduction_percent=INTEGRATION_PERCENT if integrated else Decimal(0),
        integration_reason=INTEGRATION_REASON if integrated else "",
        created_by=plan.decider if previous else plan.manager,
        previous=previous,
    )


def draw(
    rng: random.Random, kind: str, sites: list[Site], visited: set[int]
) -> tuple[list[tuple[Site, str]], int]:
    """`audit_sites_draw` without sites chosen on risk: the central function and a random sample
    (the second surveillance prefers sites the first did not visit); the seed records the draw."""
    central = [site for site in sites if site.is_central_function]
    candidates = [site for site in sites if not site.is_central_function]
    size = sampling.sample_size(len(candidates), SAMPLING_KIND.get(kind, sampling.SampleKind.SURVEILLANCE))
    pool = candidates
    if kind == AuditKind.SURVEILLANCE_2:
        fresh = [site for site in candidates if site.pk not in visited]
        pool = fresh if len(fresh) >= size else candidates
    chosen = sampling.draw_sample([site.pk for site in pool], size, seed=rng.getrandbits(63))
    by_pk = {site.pk: site for site in sites}
    picked = [(by_pk[pk], SiteSelection.RANDOM) for pk in chosen.drawn_at_random]
    picked += [(site, SiteSelection.CENTRAL_FUNCTION) for site in central]
    if len(sites) == 1:
        picked = [(sites[0], SiteSelection.CENTRAL_FUNCTION if central else SiteSelection.ALL_SITES)]
    return picked, chosen.seed


# --- How far each audit got ------------------------------------------------------------------


def schedule(rng: random.Random, audit: Audit) -> dict[str, datetime.datetime]:
    """When each step of the audit happens if nothing stops it: the team a month before, the
    plan sent two weeks and a half before, the fieldwork, the report a few days after."""
    steps = {name: moment(days(audit.starts_on, -before), hour) for name, before, hour in BEFORE}
    report_day = days(audit.ends_on, rng.randrange(0, 4))
    steps["started"] = moment(audit.starts_on, 9)
    steps["done"] = moment(audit.ends_on, 16)
    steps["saved"] = moment(report_day, 16, 30)
    steps["issued"] = moment(report_day, 17)
    return steps


def stop(visit: Visit, cut: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime | None]:
    """Until when the audit's steps happen, and when it is cancelled (if it is). Once halted, an
    audit not yet started is cancelled at the halt when the certificate ended; when it was only
    suspended, on coming due (the client does not allow it) or not before the cut."""
    plan, audit = visit.cycle.plan, visit.audit
    if plan.skip_first_surveillance and audit.kind == AuditKind.SURVEILLANCE_1 and visit.cycle.is_current:
        return visit.cycle.opened, None
    if plan.halted_on is None:
        return cut, None
    halt = moment(plan.halted_on, 11)
    if visit.steps["started"] < halt:
        return cut, None
    if plan.ended:
        return halt, halt
    due = max(halt, moment(days(audit.starts_on, -7), 11))
    return halt, due if due < cut else None


def team(rng: random.Random, client: Client, planned: Decimal) -> list[tuple[User, str]]:
    """A lead auditor and, for longer audits, one or two auditors."""
    body = client.body
    others = rng.sample(body.auditors, 0 if planned < 2 else 1 if planned < 6 else 2)
    return [(rng.choice(body.leads), TeamRole.LEAD), *((person, TeamRole.AUDITOR) for person in others)]


def visit_of(
    rng: random.Random, cycle_: Cycle, kind: str, starts_on: datetime.date, cut: datetime.datetime
) -> Visit:
    planned = suggested(cycle_.times, kind)
    audit = Audit(
        programme=cycle_.programme,
        kind=kind,
        starts_on=starts_on,
        ends_on=days(starts_on, span(planned)),
        planned_days=planned,
        on_site_days=planned,
        sampled_by=cycle_.plan.manager,
        sampled_at=cycle_.opened + datetime.timedelta(minutes=30),
    )
    visit = Visit(audit, cycle_, schedule(rng, audit), team=team(rng, cycle_.plan.client, planned))
    until, visit.cancelled_at = stop(visit, cut)
    visit.reached = {name: at for name, at in visit.steps.items() if at < until}
    if "notified" in visit.reached:
        audit.team_notified_on = visit.reached["notified"].date()
    return visit


def draw_sites(rng: random.Random, cycle_: Cycle) -> None:
    visited: set[int] = set()
    for kind, visit in cycle_.visits.items():
        visit.sites, visit.audit.sample_seed = draw(rng, kind, cycle_.sites, visited)
        if kind == AuditKind.SURVEILLANCE_1:
            visited = {site.pk for site, _how in visit.sites}


# --- Cycles ---------------------------------------------------------------------------------------


def _cycle(plan: Plan, programme: AuditProgramme, catalogue: Catalogue, opened: datetime.datetime) -> Cycle:
    programme.created_at = opened
    rows = programme_editions(programme, plan.editions, catalogue)
    return Cycle(
        plan,
        programme,
        rows,
        cycle_times(programme, rows, catalogue),
        opened,
        catalogue.assessable(plan.editions),
    )


def _approve(rng: random.Random, cycle_: Cycle, today: datetime.date) -> None:
    approved_on = days(cycle_.opened.date(), rng.randrange(3, 9))
    if approved_on < today:
        cycle_.approved = moment(approved_on, 15)
        cycle_.programme.status = ProgrammeStatus.APPROVED


def first_cycle(rng: random.Random, plan: Plan, catalogue: Catalogue, today: datetime.date) -> Cycle:
    """A programme opened at application review with its five audits, taken as far as the cut."""
    programme = programme_of(plan)
    times = cycle_times(programme, programme_editions(programme, plan.editions, catalogue), catalogue)
    starts, moved = first_dates(rng, plan, times, cycle_policy(plan.client.body.body))
    cycle_ = _cycle(
        plan, programme, catalogue, moment(opened_on(rng, starts[AuditKind.STAGE1], today), 9, 30)
    )
    programme.cycle_started_on = plan.decided_on
    _approve(rng, cycle_, today)
    cut = moment(today, 0)
    for kind in FIRST_KINDS:
        cycle_.visits[kind] = visit_of(rng, cycle_, kind, starts[kind], cut)
        cycle_.visits[kind].moved_from = moved.get(kind)
    draw_sites(rng, cycle_)
    return cycle_


def next_cycle(rng: random.Random, first: Cycle, catalogue: Catalogue, today: datetime.date) -> Cycle:
    """`programme_next_cycle`: opened by the recertification decision, carried over, its two
    surveillances and recertification planned in their windows from the decision."""
    plan = first.plan
    recertification = first.visits[AuditKind.RECERTIFICATION]
    first.renewed_on = days(recertification.steps["issued"].date(), rng.randrange(42, 60))
    cycle_ = _cycle(plan, programme_of(plan, first.programme), catalogue, moment(first.renewed_on, 10, 15))
    cycle_.previous = first
    cycle_.programme.cycle_started_on = first.renewed_on
    _approve(rng, cycle_, today)
    cut = moment(today, 0)
    starts = cycle.default_days(first.renewed_on, cycle_policy(plan.client.body.body))
    for kind in NEXT_KINDS:
        cycle_.visits[kind] = visit_of(rng, cycle_, kind, starts[kind], cut)
    draw_sites(rng, cycle_)
    return cycle_
