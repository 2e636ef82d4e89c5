"""Audit time (DOMAIN.md §3; IAF MD 5, ISO/IEC 27006-1, IAF MD 11): pure, table-driven.

Tables (data in `standards`, looked up with `standards.selectors.time_table_versions`) give the initial
audit time (stage 1 + stage 2) in auditor-days by effective personnel.
The calculation returns every step, so a page can show it as an auditor justifies it to an
accreditation body: table value, each adjustment with its reason, the caps, the rounding.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from standards.time_tables import AuditTimeError, Table, is_half_days

HALF = Decimal("0.5")
TENTH = Decimal("0.1")  # days are shown and stored with one decimal: 4.0, 4.5
MAX_MD5_REDUCTION = Decimal(30)  # percent of the table value (MD 5)
MIN_TABLE_SHARE = (100 - MAX_MD5_REDUCTION) / 100  # never below 70% of the table value
MAX_INTEGRATION_REDUCTION = Decimal(20)  # percent of the summed times (MD 11)
MIN_INTEGRATED_SHARE = (100 - MAX_INTEGRATION_REDUCTION) / 100  # never below 80% of the sum
MAX_SITE_REDUCTION = Decimal(50)  # percent, per sampled site (MD 1)
MIN_ON_SITE_SHARE = Decimal("0.8")


def round_half_day(days: Decimal) -> Decimal:
    """To the nearest half day: 5.3 → 5.5, 5.2 → 5.0, 5.25 → 5.5."""
    return ((days * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 2).quantize(TENTH)


def ceil_half_day(days: Decimal) -> Decimal:
    return ((days * 2).quantize(Decimal(1), rounding=ROUND_CEILING) / 2).quantize(TENTH)


def on_site_minimum(planned_days: Decimal) -> Decimal:
    """The least time on site for an audit of `planned_days` (at least 80%, in half days)."""
    return ceil_half_day(planned_days * MIN_ON_SITE_SHARE)


def needs_justification(planned_days: Decimal, suggested_days: Decimal | None, justification: str) -> bool:
    """Time planned off the suggestion needs a justification (IAF MD 5: available to client and AB)."""
    return suggested_days is not None and planned_days != suggested_days and not justification.strip()


def on_site_problem(planned_days: Decimal, on_site_days: Decimal) -> str:
    """Why the split between planned and on-site time is wrong, or "" when it is right."""
    if not (is_half_days(planned_days) and is_half_days(on_site_days)):
        return "Plan the time in half days."
    if on_site_days > planned_days:
        return "The time on site cannot exceed the planned time."
    minimum = on_site_minimum(planned_days)
    if on_site_days < minimum:
        share = f"{MIN_ON_SITE_SHARE:.0%}"
        return f"At least {share} of the audit time is spent on site: {minimum} of {planned_days} days."
    return ""


def floor_half_day(days: Decimal) -> Decimal:
    return ((days * 2).quantize(Decimal(1), rounding=ROUND_FLOOR) / 2).quantize(TENTH)


@dataclass(frozen=True)
class Adjustment:
    """A change to the table value in percent: negative reduces, positive increases."""

    reason: str
    percent: Decimal


@dataclass(frozen=True)
class Step:
    label: str
    days: Decimal


@dataclass(frozen=True)
class InitialTime:
    table_days: Decimal
    days: Decimal
    reduction: Decimal  # total percent reduction claimed, before rounding
    steps: tuple[Step, ...]


def initial_time(
    *, table: Table, personnel: int, complexity: str = "all", adjustments: Sequence[Adjustment] = ()
) -> InitialTime:
    """Initial audit time (stage 1 + stage 2) for one standard, with its justification steps."""
    table_days = table.days(personnel, complexity)
    steps = [Step(f"{table.title}, {personnel} people, {complexity}", table_days)]
    for adjustment in adjustments:
        if not adjustment.reason.strip():
            raise AuditTimeError("Every adjustment needs a reason.")
        steps.append(
            Step(f"{adjustment.percent:+}% {adjustment.reason}", table_days * adjustment.percent / 100)
        )
    reduction = -sum((a.percent for a in adjustments if a.percent < 0), Decimal(0))
    if reduction > MAX_MD5_REDUCTION:
        raise AuditTimeError(
            f"Reductions add up to {reduction}%: IAF MD 5 allows at most {MAX_MD5_REDUCTION}%."
        )
    adjusted = table_days * (1 + sum((a.percent for a in adjustments), Decimal(0)) / 100)
    days = max(round_half_day(adjusted), ceil_half_day(table_days * MIN_TABLE_SHARE))
    steps.append(Step("Rounded to the nearest half day, never below 70% of the table", days))
    return InitialTime(table_days, days, reduction, tuple(steps))


@dataclass(frozen=True)
class CycleTimes:
    initial: Decimal
    stage1: Decimal
    stage2: Decimal
    surveillance: Decimal
    recertification: Decimal
    on_site_minimum: Decimal


def cycle_times(
    initial: Decimal, *, stage1_share_percent: int = 33, stage1_min_days: Decimal = HALF
) -> CycleTimes:
    """Stage split (CB policy), surveillance ≈ 1/3 and recertification ≈ 2/3 of the initial time."""
    stage1 = min(max(floor_half_day(initial * stage1_share_percent / 100), stage1_min_days), initial - HALF)
    return CycleTimes(
        initial=initial,
        stage1=stage1,
        stage2=initial - stage1,
        surveillance=round_half_day(initial / 3),
        recertification=round_half_day(initial * 2 / 3),
        on_site_minimum=on_site_minimum(initial),
    )


def integrated_time(
    times: Sequence[Decimal], *, reduction_percent: Decimal, reason: str
) -> tuple[Decimal, tuple[Step, ...]]:
    """IAF MD 11: sum the per-standard times, then reduce for integration by at most 20%."""
    total = sum(times, Decimal(0))
    if reduction_percent > MAX_INTEGRATION_REDUCTION:
        raise AuditTimeError(
            f"IAF MD 11 allows at most {MAX_INTEGRATION_REDUCTION}% for integration, "
            f"not {reduction_percent}%."
        )
    if reduction_percent and not reason.strip():
        raise AuditTimeError("A reduction for integration needs a reason (level of integration, team).")
    days = max(
        round_half_day(total * (100 - reduction_percent) / 100), ceil_half_day(total * MIN_INTEGRATED_SHARE)
    )
    steps = (
        Step("Sum of the per-standard times", total),
        Step(f"-{reduction_percent}% integration: {reason}".rstrip(": "), -total * reduction_percent / 100),
        Step("Rounded to the nearest half day, never below 80% of the sum", days),
    )
    return days, steps


def site_time(table_days: Decimal, *, reductions: Sequence[Adjustment]) -> Decimal:
    """Audit time of one sampled site: its reductions together at most 50% (IAF MD 1)."""
    total = -sum((a.percent for a in reductions if a.percent < 0), Decimal(0))
    if total > MAX_SITE_REDUCTION:
        raise AuditTimeError(
            f"A sampled site's time may be reduced by at most {MAX_SITE_REDUCTION}%, not {total}%."
        )
    return max(round_half_day(table_days * (100 - total) / 100), HALF)
