"""Audit time (DOMAIN.md §3; IAF MD 5, ISO/IEC 27006-1, IAF MD 11): pure, table-driven.

Tables give the initial audit time (stage 1 + stage 2) in auditor-days by effective personnel.
The calculation returns every step, so a page can show it as an auditor justifies it to an
accreditation body: table value, each adjustment with its reason, the caps, the rounding.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

HALF = Decimal("0.5")
MAX_MD5_REDUCTION = Decimal(30)  # percent of the table value (MD 5)
MAX_INTEGRATION_REDUCTION = Decimal(20)  # percent of the summed times (MD 11)
MAX_SITE_REDUCTION = Decimal(50)  # percent, per sampled site (MD 1)
MIN_ON_SITE_SHARE = Decimal("0.8")

# Effective-personnel bands shared by the MD 5 tables (QMS, EMS, OH&SMS): (first, last).
MD5_BANDS = (
    (1, 5),
    (6, 10),
    (11, 15),
    (16, 25),
    (26, 45),
    (46, 65),
    (66, 85),
    (86, 125),
    (126, 175),
    (176, 275),
    (276, 425),
    (426, 625),
    (626, 875),
    (876, 1175),
    (1176, 1550),
    (1551, 2025),
    (2026, 2675),
    (2676, 3450),
    (3451, 4350),
    (4351, 5450),
    (5451, 6800),
    (6801, 8500),
    (8501, 10700),
)
ISMS_BANDS = ((1, 10), *MD5_BANDS[2:])


def _days(values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(value) for value in values.split())


_OHS_HIGH = _days("3 3.5 4.5 5.5 7 8 9 11 12 13 15 16 17 19 20 21 23 25 27 28 30 32 34")
_OHS_MEDIUM = _days("2.5 3 3.5 4.5 5.5 6 7 8 9 10 11 12 13 15 16 17 18 19 20 21 23 25 27")
_OHS_LOW = _days("2.5 3 3 3.5 4 4.5 5 5.5 6 7 8 9 10 11 12 12 13 14 15 16 17 19 20")


@dataclass(frozen=True)
class Table:
    """One audit-time table: days per band and complexity column."""

    key: str
    title: str
    bands: tuple[tuple[int, int], ...]
    columns: dict[str, tuple[Decimal, ...]]
    notes: str = ""

    def days(self, personnel: int, complexity: str) -> Decimal:
        if complexity not in self.columns:
            raise AuditTimeError(
                f"{self.title} has no '{complexity}' column; use one of {', '.join(self.columns)}."
            )
        if personnel < 1:
            raise AuditTimeError("Effective personnel must be at least 1.")
        for (first, last), days in zip(self.bands, self.columns[complexity], strict=True):
            if first <= personnel <= last:
                return days
        raise AuditTimeError(
            f"{personnel} people is beyond {self.title} (last band ends at {self.bands[-1][1]}): "
            "follow the progression and enter the time as an override with its justification."
        )


TABLES = {
    table.key: table
    for table in (
        Table(
            "QMS",
            "IAF MD 5 Table QMS 1",
            MD5_BANDS,
            {"all": _days("1.5 2 2.5 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22")},
        ),
        Table(
            "EMS",
            "IAF MD 5 Table EMS 1",
            MD5_BANDS,
            {
                "high": _OHS_HIGH,
                "medium": _OHS_MEDIUM,
                "low": _OHS_LOW,
                "limited": _days("2.5 3 3 3 3 3.5 3.5 4 4.5 5 5.5 6 6 7 7.5 8 8.5 9 10 11 12 13 14"),
            },
            notes="Limited column, 626–875 people: 6 days, or 6.5 in some copies (uncertain, DOMAIN §3.4).",
        ),
        Table(
            "OHSMS",
            "IAF MD 5 Table OH&SMS 1",
            MD5_BANDS,
            {"high": _OHS_HIGH, "medium": _OHS_MEDIUM, "low": _OHS_LOW},
        ),
        Table(
            "ISMS",
            "ISO/IEC 27006-1 Annex C",
            ISMS_BANDS,
            {"all": _days("5 6 7 8.5 10 11 12 13 14 15 16.5 17.5 18.5 19.5 21 22 23 24 25 26 27 28")},
            notes="Rows from 176 people on come from a secondary source (DOMAIN §3.5).",
        ),
    )
}


# The built-in table of each standard, by its number; other standards need a table loaded as data.
BUILT_IN_TABLES = {9001: "QMS", 14001: "EMS", 45001: "OHSMS", 27001: "ISMS"}


class AuditTimeError(ValueError):
    """The calculation is refused; the message says why, in words an auditor can act on."""


def round_half_day(days: Decimal) -> Decimal:
    """To the nearest half day: 5.3 → 5.5, 5.2 → 5.0, 5.25 → 5.5."""
    return (days * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 2


def ceil_half_day(days: Decimal) -> Decimal:
    return (days * 2).quantize(Decimal(1), rounding=ROUND_CEILING) / 2


def floor_half_day(days: Decimal) -> Decimal:
    return (days * 2).quantize(Decimal(1), rounding=ROUND_FLOOR) / 2


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
    *, table: "str | Table", personnel: int, complexity: str = "all", adjustments: Sequence[Adjustment] = ()
) -> InitialTime:
    """Initial audit time (stage 1 + stage 2) for one standard, with its justification steps.

    `table` is a built-in table's key or a table loaded as data.
    """
    table = TABLES[table] if isinstance(table, str) else table
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
    days = max(round_half_day(adjusted), ceil_half_day(table_days * (100 - MAX_MD5_REDUCTION) / 100))
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
        on_site_minimum=ceil_half_day(initial * MIN_ON_SITE_SHARE),
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
    days = max(round_half_day(total * (100 - reduction_percent) / 100), ceil_half_day(total * Decimal("0.8")))
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
