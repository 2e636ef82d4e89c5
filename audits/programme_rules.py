"""The dates of a certification cycle (DOMAIN.md §1.5, §1.6, §11 rules 10, 11): pure functions.

The cycle starts on the certification decision. The first surveillance is due no more than 12
months after it; the CB's window around each anniversary never stretches past that. Every
calendar year of the cycle after the decision year, except the recertification year, needs at
least one surveillance audit. Recertification must be done before expiry.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

CYCLE_YEARS = 3


@dataclass(frozen=True)
class Window:
    opens: datetime.date
    closes: datetime.date

    def __contains__(self, day: datetime.date) -> bool:
        return self.opens <= day <= self.closes


def expiry_date(decision_on: datetime.date, *, day_before: bool = False) -> datetime.date:
    """Decision date + 3 years (29 February → 28 February), optionally − 1 day (CB policy)."""
    expiry = decision_on + relativedelta(years=CYCLE_YEARS)
    return expiry - datetime.timedelta(days=1) if day_before else expiry


def surveillance_window(
    decision_on: datetime.date, number: int, *, months_before: int = 3, months_after: int = 3
) -> Window:
    """The due window of surveillance 1 or 2 around the decision's anniversary (CB policy).

    Surveillance 1 closes on the anniversary at the latest: no more than 12 months after the
    decision, whatever the policy says.
    """
    if number not in (1, 2):
        raise ValueError("A cycle has surveillance 1 and surveillance 2.")
    anniversary = decision_on + relativedelta(years=number)
    closes = anniversary if number == 1 else anniversary + relativedelta(months=months_after)
    return Window(anniversary - relativedelta(months=months_before), closes)


def recertification_window(expiry_on: datetime.date, *, months_before: int = 6) -> Window:
    """Recertification must be completed before expiry (the decision too, so the day before)."""
    return Window(expiry_on - relativedelta(months=months_before), expiry_on - datetime.timedelta(days=1))


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
