"""The findings of the national-scale data set's audits and the client's answers to them, as
`audits.services.findings` and `audits.services.responses` would have left them: findings only on
audits whose fieldwork started (rule 19 locks them once the report is issued), areas of concern only
at stage 1, each nonconformity with its clause of the audited edition, evidence and site (rules 17,
18, 29) and its deadlines (rule 20); the client answers and the CB reviews only once the report is
issued, and an audit closes when its last nonconformity is settled."""

import datetime
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from audits.enums import (
    NC_TYPES,
    AuditKind,
    FindingStatus,
    FindingType,
    RequirementSource,
    ResponseKind,
    ReviewOutcome,
)
from audits.finding_rules import DeadlinePolicy, deadlines, initial_status, is_settled
from audits.models import Finding, FindingResponse
from audits.scale.planning import Visit
from core.scale import Bulk, days, moment
from organisations.models import User
from standards.models import Clause

F = FindingStatus
STAGE1_TYPES = {
    FindingType.AREA_OF_CONCERN: 40,
    FindingType.OBSERVATION: 20,
    FindingType.OFI: 25,
    FindingType.POSITIVE: 15,
}
OTHER_TYPES = {FindingType.OBSERVATION: 35, FindingType.OFI: 40, FindingType.POSITIVE: 25}
MAJOR_SHARE = 0.15  # of the nonconformities
WITHDRAWN_SHARE = 0.02
LEGAL_SHARE = 0.1  # nonconformities against a legal requirement rather than a clause
# How a nonconformity is answered after the report: (weight, steps). Client steps take 3 to 8 days,
# the CB's 2 to 5, so every script ends within 40 days of the report.
MINOR_SCRIPTS = (
    (35, ("plan", "accept")),
    (10, ("plan", "reject", "plan", "accept")),
    (15, ("plan", "accept", "implement")),
    (20, ("plan", "accept", "implement", "confirm")),
    (20, ("plan", "accept", "verify")),
)
MAJOR_SCRIPTS = (
    (60, ("plan", "accept", "implement", "confirm")),
    (20, ("plan", "reject", "plan", "accept", "implement", "confirm")),
    (20, ("plan", "accept", "implement", "refute", "implement", "confirm")),
)
CLIENT_STEPS = ("plan", "implement")
# What each step does to the nonconformity
TARGETS = {
    "plan": F.RESPONSE_SUBMITTED,
    "accept": F.PLAN_ACCEPTED,
    "reject": F.PLAN_REJECTED,
    "implement": F.IMPLEMENTED,
    "confirm": F.VERIFIED_CLOSED,
    "refute": F.PLAN_ACCEPTED,
    "verify": F.VERIFIED_CLOSED,
}
COMMENTS = {
    "accept": "",
    "reject": "The root cause is not shown: say why it happened, not what happened.",
    "confirm": "Verified on the records sent.",
    "refute": "The evidence does not show the change in use: send the records of the last month.",
    "verify": "Seen in use at the next visit.",
}
PROBLEMS = (
    "records are missing for three of the ten cases sampled",
    "the procedure in use is an outdated version",
    "the responsibilities are not defined",
    "the monitoring results are not analysed",
    "the required training is not recorded",
    "the supplier was not evaluated",
    "the objectives have no owner or deadline",
)
REMARKS = {
    FindingType.AREA_OF_CONCERN: "Not yet ready: {clause} {title} is not fully in place.",
    FindingType.OBSERVATION: "{clause} {title}: a weakness that could lead to a nonconformity.",
    FindingType.OFI: "{clause} {title} could be simplified with a shared checklist.",
    FindingType.POSITIVE: "{clause} {title} is well organised and known by the staff.",
}
PROCESSES = ("Front office", "Public works", "Procurement", "IT services", "Human resources", "")


def expected_responses() -> float:
    """Responses a nonconformity gets on average when its script runs to the end."""

    def mean(scripts) -> float:
        return sum(w * steps.count("plan") + w * steps.count("implement") for w, steps in scripts) / sum(
            w for w, _ in scripts
        )

    return (1 - MAJOR_SHARE) * mean(MINOR_SCRIPTS) + MAJOR_SHARE * mean(MAJOR_SCRIPTS)


@dataclass
class Answering:
    """Where a nonconformity stands while its script runs."""

    finding: Finding
    status: str
    responses: list[FindingResponse] = field(default_factory=list)
    settled_at: datetime.datetime | None = None
    settled_by: User | None = None


# --- How many findings each audit gets -----------------------------------------------------------


def big_audit(visits: Sequence[Visit]) -> Visit | None:
    """The audit with 100+ findings the benchmark needs: the longest reported audit (not a stage 1)
    of the larger body."""
    candidates = [v for v in visits if v.reported and v.audit.kind != AuditKind.STAGE1]
    return max(
        candidates,
        key=lambda v: (v.cycle.plan.client.body.spec.share, v.audit.planned_days, v.audit.ends_on),
        default=None,
    )


def allocate(rng: random.Random, visits: Sequence[Visit], total: int, big: int) -> dict[int, int]:
    """{visit index: findings}: `total` in all over the audits whose fieldwork started, in
    proportion to their time (a stage 1 finds less), `big` of them on the big audit."""
    held = [i for i, v in enumerate(visits) if v.held]
    if not held or total <= 0:
        return {}
    chosen = big_audit([visits[i] for i in held])
    big = min(big, total) if chosen else 0
    others = [i for i in held if visits[i] is not chosen] or held
    weights = [
        float(visits[i].audit.planned_days) * (0.4 if visits[i].audit.kind == AuditKind.STAGE1 else 1)
        for i in others
    ]
    counts = Counter(rng.choices(others, weights, k=total - big))
    if chosen:
        counts[visits.index(chosen)] += big
    return dict(counts)


def nc_share(visits: Sequence[Visit], counts: dict[int, int], responses: int) -> float:
    """The share of nonconformities among the findings that gives about `responses` answers."""
    answerable = sum(
        n for i, n in counts.items() if visits[i].reported and visits[i].audit.kind != AuditKind.STAGE1
    )
    if not answerable:
        return 0.2
    return min(max(responses / (answerable * expected_responses()), 0.02), 0.9)


# --- The findings ---------------------------------------------------------------------------------


def _type(rng: random.Random, visit: Visit, share: float) -> str:
    if visit.audit.kind == AuditKind.STAGE1:
        return rng.choices(list(STAGE1_TYPES), list(STAGE1_TYPES.values()))[0]
    if rng.random() < share:
        return FindingType.MAJOR_NC if rng.random() < MAJOR_SHARE else FindingType.MINOR_NC
    return rng.choices(list(OTHER_TYPES), list(OTHER_TYPES.values()))[0]


def _raised_at(rng: random.Random, visit: Visit, today: datetime.date) -> datetime.datetime:
    last = min(visit.audit.ends_on, days(today, -1))
    day = days(visit.audit.starts_on, rng.randrange((last - visit.audit.starts_on).days + 1))
    return moment(day, rng.randrange(9, 16), rng.randrange(60))


def _content(rng: random.Random, finding: Finding, clause: Clause, visit: Visit) -> None:
    site = rng.choice(visit.sites)[0]
    finding.site, finding.process = site, rng.choice(PROCESSES)
    if finding.type in NC_TYPES:
        problem = rng.choice(PROBLEMS)
        finding.statement = f"{clause.number} {clause.title}: {problem}."
        finding.evidence = f"Seen at {site.name}: {problem}; files sampled and staff interviewed."
        if rng.random() < LEGAL_SHARE:
            finding.source, finding.requirement_reference = (
                RequirementSource.LEGAL,
                "Public procurement act, art. 12",
            )
            return
    else:
        finding.statement = REMARKS.get(finding.type, REMARKS[FindingType.OBSERVATION]).format(
            clause=clause.number, title=clause.title
        )
    finding.clause = clause


def finding_of(rng: random.Random, visit: Visit, share: float, today: datetime.date) -> Finding:
    kind = _type(rng, visit, share)
    lead, members = visit.lead, [person for person, _role in visit.team]
    raised_at = _raised_at(rng, visit, today)
    finding = Finding(
        audit=visit.audit,
        number=0,
        type=kind,
        status=initial_status(kind),
        raised_by=lead if kind in NC_TYPES else rng.choice(members),
        raised_at=raised_at,
        updated_at=raised_at,
    )
    _content(rng, finding, rng.choice(visit.cycle.clauses), visit)
    policy = DeadlinePolicy.of(visit.cycle.plan.client.body.body)
    finding.response_due_on, finding.close_due_on = deadlines(kind, visit.audit.ends_on, policy)
    return finding


def edition_ids(finding: Finding, visit: Visit) -> list[int]:
    """Rule 29: a clause's own edition; a nonconformity without a clause the first audited
    standard; any other finding without one, every audited standard."""
    if finding.clause is not None:
        return [finding.clause.edition_id]
    audited = [row.edition_id for row in visit.cycle.editions]
    return audited[:1] if finding.type in NC_TYPES else audited


def due_reason(finding: Finding) -> str:
    """`findings._due_reason`, recorded when a nonconformity is raised."""
    if finding.type not in NC_TYPES:
        return ""
    return f"response due {finding.response_due_on or '—'}, closure due {finding.close_due_on or '—'}"


def withdraw(rng: random.Random, visit: Visit, finding: Finding) -> bool:
    """A few findings are taken back on site, before the fieldwork ends."""
    at = finding.raised_at + datetime.timedelta(hours=1)
    if rng.random() >= WITHDRAWN_SHARE or at >= visit.steps["done"]:
        return False
    finding.status, finding.updated_at = F.WITHDRAWN, at
    return True


# --- The answers --------------------------------------------------------------------------------


def _step_moment(rng: random.Random, after: datetime.datetime, step: str) -> datetime.datetime:
    low, high = (3, 9) if step in CLIENT_STEPS else (2, 6)
    return moment(days(after.date(), rng.randrange(low, high)), rng.randrange(9, 17), rng.randrange(60))


def _response(state: Answering, step: str, at: datetime.datetime, writer: User) -> None:
    if step == "plan":
        state.responses.append(
            FindingResponse(
                finding=state.finding,
                kind=ResponseKind.PLAN,
                root_cause="The task had no owner and no check.",
                correction="Corrected for the cases found.",
                corrective_action="Owner named, check added to the yearly plan.",
                submitted_by=writer,
                submitted_at=at,
            )
        )
    else:
        state.responses.append(
            FindingResponse(
                finding=state.finding,
                kind=ResponseKind.IMPLEMENTATION,
                implementation="Done: the records of the last month are attached.",
                submitted_by=writer,
                submitted_at=at,
            )
        )


def _review(state: Answering, step: str, at: datetime.datetime, reviewer: User) -> None:
    pending = state.responses[-1]
    pending.outcome = ReviewOutcome.REJECTED if step in ("reject", "refute") else ReviewOutcome.ACCEPTED
    pending.review_comment, pending.reviewed_by, pending.reviewed_at = COMMENTS[step], reviewer, at


def answer(
    rng: random.Random, bulk: Bulk, visit: Visit, finding: Finding, cut: datetime.datetime
) -> Answering:
    """Run the nonconformity's script from the report's issue until the cut, recording each step
    as `responses._move` does."""
    scripts = MAJOR_SCRIPTS if finding.type == FindingType.MAJOR_NC else MINOR_SCRIPTS
    steps = rng.choices([s for _w, s in scripts], [w for w, _s in scripts])[0]
    state = Answering(finding, finding.status)
    at = visit.reached["issued"]
    client = visit.cycle.plan.client
    for step in steps:
        at = _step_moment(rng, at, step)
        if at >= cut:
            break
        actor = (
            rng.choice(client.writers)
            if step in CLIENT_STEPS
            else visit.lead
            if step == "verify"
            else visit.reviewer
        )
        if step in CLIENT_STEPS:
            _response(state, step, at, actor)
        elif step != "verify":
            _review(state, step, at, actor)
        target = TARGETS[step]
        bulk.record(finding, "status", state.status, target, at, actor=actor, reason=COMMENTS.get(step, ""))
        state.status, finding.updated_at = target, at
        if state.settled_at is None and is_settled(finding.type, target):
            state.settled_at, state.settled_by = at, actor
    finding.status = state.status
    return state
