"""The audit's state machine (DOMAIN §10) and the rules on the order of the stages (rules 1, 2).
Pure: plain values in, a refusal message (naming its rule) or None out."""

import datetime

from django.utils.translation import gettext as _

from audits.enums import REPORTED_STATUSES, AuditStatus, Stage1Outcome

S = AuditStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.PLANNED: frozenset({S.TEAM_ASSIGNED, S.CANCELLED}),
    S.TEAM_ASSIGNED: frozenset({S.PLANNED, S.PLAN_SENT, S.CANCELLED}),
    S.PLAN_SENT: frozenset({S.PLANNED, S.TEAM_ASSIGNED, S.IN_PROGRESS, S.CANCELLED}),  # back: to send again
    S.IN_PROGRESS: frozenset({S.FIELDWORK_DONE}),
    S.FIELDWORK_DONE: frozenset({S.IN_PROGRESS, S.REPORT_ISSUED}),
    S.REPORT_ISSUED: frozenset({S.NCS_PENDING, S.CLOSED}),
    S.NCS_PENDING: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}


# An audit runs over at most a quarter, first day to last: a longer engagement is planned as several
# audits. The calendar reads the audits begun before a page's first day within that reach.
LONGEST_SPAN_DAYS = 92


def span_refusal(starts_on: datetime.date, ends_on: datetime.date) -> str | None:
    if (ends_on - starts_on).days > LONGEST_SPAN_DAYS:
        return _(
            "An audit runs over at most %(days)s days from its first day to its last: plan a longer "
            "engagement as several audits."
        ) % {"days": LONGEST_SPAN_DAYS}
    return None


def transition_refusal(current: str, target: str) -> str | None:
    """Why the audit cannot go from `current` to `target`, or None when it can."""
    if target in TRANSITIONS[current]:
        return None
    return _("An audit that is “%(current)s” cannot become “%(target)s”.") % {
        "current": S(current).label,
        "target": S(target).label,
    }


def starts_early(first_day: datetime.date, today: datetime.date) -> bool:
    return today < first_day


def early_start_refusal(first_day: datetime.date, today: datetime.date, reason: str) -> str | None:
    """An audit started before its planned first day says why: the client was told that day (its
    plan, its team's notice), so the change is recorded with its reason."""
    if starts_early(first_day, today) and not reason.strip():
        return _(
            "The audit is planned to start on %(day)s: say why it starts before, or start it on that day."
        ) % {"day": first_day.isoformat()}
    return None


def stage_order_refusal(stage1s: list[tuple[str, str]]) -> str | None:
    """Rule 1: stage 2 starts only after a stage 1 whose report is issued with "ready".
    `stage1s` holds (status, outcome) of the programme's stage 1 audits, the latest last."""
    done = [(status, outcome) for status, outcome in stage1s if status in REPORTED_STATUSES]
    if not done:
        return _("Rule 1: stage 2 cannot start before the stage 1 report is issued.")
    if done[-1][1] != Stage1Outcome.READY:
        return _("Rule 1: stage 1 concluded that the client is not ready; repeat stage 1 first.")
    return None


def stage_gap_days(stage1_last_day: datetime.date, stage2_first_day: datetime.date) -> int:
    return (stage2_first_day - stage1_last_day).days


def stage_gap_refusal(
    stage1_last_day: datetime.date,
    stage2_first_day: datetime.date,
    *,
    min_days: int,
    max_days: int,
    justification: str,
) -> str | None:
    """Rule 2 (and the CB's minimum, DOMAIN §1.2): beyond the CB's maximum gap stage 2 starts only
    with a recorded justification (or after stage 1 is repeated, which resets the gap)."""
    gap = stage_gap_days(stage1_last_day, stage2_first_day)
    if gap < 0:
        return _("Rule 1: stage 2 cannot start before stage 1 has ended.")
    if gap > max_days and not justification.strip():
        return _(
            "Rule 2: stage 2 starts %(gap)s days after stage 1, more than the %(max)s the CB allows; "
            "record a justification or repeat stage 1."
        ) % {"gap": gap, "max": max_days}
    if gap < min_days and not justification.strip():
        return _(
            "Stage 2 starts %(gap)s days after stage 1; the CB asks for at least %(min)s so the client "
            "can address the areas of concern. Record a justification to go ahead."
        ) % {"gap": gap, "min": min_days}
    return None
