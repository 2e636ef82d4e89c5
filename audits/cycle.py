"""The dates of a certification cycle (DOMAIN.md §1.5–1.8, §11 rules 7, 10–13): pure functions.

The one home of cycle dates: audit programmes plan with them, and certificates (expiry,
restoration) and the calendar (due items) use them too. Each function takes the CB's policy
(`CyclePolicy`) where DOMAIN leaves a value to the CB.

The cycle starts on the certification decision. The first surveillance is due no more than 12
months after it; the CB's window around each anniversary never stretches past that. Every
calendar year of the cycle after the decision year, except the recertification year, needs at
least one surveillance audit. Recertification must be done before expiry.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from core.bounds import clamped_add

CYCLE_YEARS = 3
RESTORATION_DAYS = 183  # rule 13: an expired certificate may be restored within 6 months (183 days)


@dataclass(frozen=True)
class CyclePolicy:
    """What the CB decides about cycle dates (its settings; DOMAIN's defaults)."""

    expiry_day_before: bool = False
    surveillance_months_before: int = 3
    surveillance_months_after: int = 3
    recertification_months_before: int = 6


@dataclass(frozen=True)
class Window:
    opens: datetime.date
    closes: datetime.date

    def __contains__(self, day: datetime.date) -> bool:
        return self.opens <= day <= self.closes


def expiry_date(decision_on: datetime.date, *, day_before: bool = False) -> datetime.date:
    """Decision date + 3 years (29 February → 28 February), optionally − 1 day (CB policy)."""
    expiry = clamped_add(decision_on, relativedelta(years=CYCLE_YEARS))
    return clamped_add(expiry, -datetime.timedelta(days=1)) if day_before else expiry


def restoration_deadline(expiry_on: datetime.date) -> datetime.date:
    """Rule 13: the last day on which a certificate that expired on `expiry_on` (its last valid
    day) may still be restored without a new stage 2: day 183 after expiry."""
    return clamped_add(expiry_on, datetime.timedelta(days=RESTORATION_DAYS))


def clamp(day: datetime.date, window: Window) -> datetime.date:
    """The day, moved into the window if it falls outside it."""
    return min(max(day, window.opens), window.closes)


def surveillance_window(
    decision_on: datetime.date, number: int, *, months_before: int = 3, months_after: int = 3
) -> Window:
    """The due window of surveillance 1 or 2 around the decision's anniversary (CB policy).

    Surveillance 1 closes on the anniversary at the latest: no more than 12 months after the
    decision, whatever the policy says.
    """
    if number not in (1, 2):
        raise ValueError("A cycle has surveillance 1 and surveillance 2.")
    anniversary = clamped_add(decision_on, relativedelta(years=number))
    closes = anniversary if number == 1 else clamped_add(anniversary, relativedelta(months=months_after))
    return Window(clamped_add(anniversary, -relativedelta(months=months_before)), closes)


def recertification_window(expiry_on: datetime.date, *, months_before: int = 6) -> Window:
    """Recertification must be completed before expiry (the decision too, so the day before)."""
    return Window(
        clamped_add(expiry_on, -relativedelta(months=months_before)),
        clamped_add(expiry_on, -datetime.timedelta(days=1)),
    )


def due_windows(decision_on: datetime.date, policy: CyclePolicy) -> dict[str, Window]:
    """The due windows of surveillance 1, surveillance 2 and recertification of a cycle."""
    expiry = expiry_date(decision_on, day_before=policy.expiry_day_before)
    return {
        f"surveillance{number}": surveillance_window(
            decision_on,
            number,
            months_before=policy.surveillance_months_before,
            months_after=policy.surveillance_months_after,
        )
        for number in (1, 2)
    } | {
        "recertification": recertification_window(expiry, months_before=policy.recertification_months_before)
    }


def default_days(decision_on: datetime.date, policy: CyclePolicy) -> dict[str, datetime.date]:
    """Where the surveillance and recertification audits fall by default: a month before each
    anniversary and three months before expiry, moved into the CB's windows where they fall out."""
    windows = due_windows(decision_on, policy)
    expiry = expiry_date(decision_on, day_before=policy.expiry_day_before)
    preferred = {
        "surveillance1": clamped_add(decision_on, relativedelta(months=11)),
        "surveillance2": clamped_add(decision_on, relativedelta(months=23)),
        "recertification": clamped_add(expiry, -relativedelta(months=3)),
    }
    return {kind: clamp(day, windows[kind]) for kind, day in preferred.items()}


def years_missing_surveillance(
    decision_on: datetime.date,
    surveillance_dates: Iterable[datetime.date],
    recertification_year: int | None = None,
) -> list[int]:
    """Calendar years of the cycle (after the decision year, before the recertification year)
    in which no surveillance audit is planned (rule 11)."""
    last_year = recertification_year or expiry_date(decision_on).year
    planned = {day.year for day in surveillance_dates}
    return [year for year in range(decision_on.year + 1, last_year) if year not in planned]
