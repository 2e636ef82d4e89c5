"""Whether an audit team may be confirmed (DOMAIN.md §9.3–9.5, §11 rules 22, 23, 25): pure.

Each check returns the problems in words a certification manager can act on; an empty list
means the team may be confirmed.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from core.bounds import clamped_add

CONSULTANCY_COOLING_OFF_YEARS = 2
AUDITING_ROLES = frozenset({"lead", "auditor", "technical_expert"})


@dataclass(frozen=True)
class Qualification:
    standard: str
    iaf_codes: frozenset[int]
    valid_from: datetime.date
    valid_until: datetime.date
    is_lead: bool = False

    def covers(self, start: datetime.date, end: datetime.date) -> bool:
        return self.valid_from <= start and end <= self.valid_until


@dataclass(frozen=True)
class Member:
    name: str
    role: str  # lead, auditor, technical_expert, observer
    qualifications: tuple[Qualification, ...] = ()
    coi_declared: bool = False
    conflict_declared: bool = False  # declared, and the declaration names a conflict
    consultancy_ended_on: datetime.date | None = None  # last consultancy for this client, if any
    objected: bool = False


@dataclass(frozen=True)
class AuditFacts:
    standards: frozenset[str]
    scope_codes: frozenset[int]
    starts_on: datetime.date
    ends_on: datetime.date
    notified_on: datetime.date | None = None
    notice_days: int = 14
    short_notice: bool = False


def _valid(member: Member, audit: AuditFacts) -> list[Qualification]:
    return [
        q
        for q in member.qualifications
        if q.standard in audit.standards and q.covers(audit.starts_on, audit.ends_on)
    ]


def lead_problems(team: Sequence[Member], audit: AuditFacts) -> list[str]:
    leads = [m for m in team if m.role == "lead"]
    if len(leads) != 1:
        return ["The team needs exactly one lead auditor."]
    if not any(q.is_lead for q in _valid(leads[0], audit)):
        return [
            f"{leads[0].name} holds no lead-auditor qualification for {', '.join(sorted(audit.standards))} "
            "valid on every audit day."
        ]
    return []


def competence_problems(team: Sequence[Member], audit: AuditFacts) -> list[str]:
    """Rule 22 (and MD 11): every standard and every IAF code of the scope is covered."""
    auditing = [m for m in team if m.role in AUDITING_ROLES]
    valid = [q for m in auditing for q in _valid(m, audit)]
    problems = [
        f"Nobody on the team is qualified for {standard} on the audit dates."
        for standard in sorted(audit.standards - {q.standard for q in valid})
    ]
    missing = audit.scope_codes - {code for q in valid for code in q.iaf_codes}
    if missing:
        problems.append(f"No valid qualification covers IAF code(s) {', '.join(map(str, sorted(missing)))}.")
    problems += [
        f"{m.name} has no qualification valid on every audit day." for m in auditing if not _valid(m, audit)
    ]
    return problems


def impartiality_problems(team: Sequence[Member], audit: AuditFacts) -> list[str]:
    """Rule 23: no consultancy for the client in the 2 years before the audit; declarations; objections."""
    limit = clamped_add(audit.starts_on, -relativedelta(years=CONSULTANCY_COOLING_OFF_YEARS))
    problems = [
        f"{m.name} gave this client consultancy until {m.consultancy_ended_on}: not before "
        f"{clamped_add(m.consultancy_ended_on, relativedelta(years=CONSULTANCY_COOLING_OFF_YEARS))}."
        for m in team
        if m.consultancy_ended_on and m.consultancy_ended_on > limit
    ]
    problems += [f"{m.name} has not declared conflicts of interest." for m in team if not m.coi_declared]
    problems += [
        f"{m.name} declared a conflict of interest with this client." for m in team if m.conflict_declared
    ]
    problems += [f"The client objected to {m.name}: assign someone else." for m in team if m.objected]
    return problems


def notice_problems(audit: AuditFacts) -> list[str]:
    """Rule 25: the client hears of the team at least N days ahead, except for short-notice audits."""
    if audit.short_notice:
        return []
    deadline = clamped_add(audit.starts_on, -datetime.timedelta(days=audit.notice_days))
    if audit.notified_on is None:
        return [f"Tell the client who is on the team by {deadline}."]
    if audit.notified_on > deadline:
        return [
            f"The client was told on {audit.notified_on}, "
            f"less than {audit.notice_days} days before the audit."
        ]
    return []


def team_problems(team: Iterable[Member], audit: AuditFacts) -> list[str]:
    team = list(team)
    return [
        *lead_problems(team, audit),
        *competence_problems(team, audit),
        *impartiality_problems(team, audit),
        *notice_problems(audit),
    ]
