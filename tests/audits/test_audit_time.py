"""Audit time: DOMAIN.md §3 tables, the worked example, the caps and the rounding."""

from decimal import Decimal as D

import pytest

from audits.audit_time import (
    Adjustment,
    AuditTimeError,
    cycle_times,
    initial_time,
    integrated_time,
    round_half_day,
    site_time,
)
from standards.time_tables import built_in_tables

# The tables the catalogue ships (standards/catalogue/audit-time/), by their usual short names.
SHORT_NAMES = {"ISO 9001": "QMS", "ISO 14001": "EMS", "ISO 45001": "OHSMS", "ISO/IEC 27001": "ISMS"}
TABLES = {SHORT_NAMES[t.standard_code]: t.table for t in built_in_tables()}

# (table, column, personnel, days) — every band's edges of DOMAIN §3.2–§3.5, sampled
TABLE_ROWS = [
    ("QMS", "all", 1, "1.5"),
    ("QMS", "all", 5, "1.5"),
    ("QMS", "all", 6, "2"),
    ("QMS", "all", 40, "4"),
    ("QMS", "all", 45, "4"),
    ("QMS", "all", 46, "5"),
    ("QMS", "all", 625, "11"),
    ("QMS", "all", 626, "12"),
    ("QMS", "all", 10700, "22"),
    ("OHSMS", "high", 1, "3"),
    ("OHSMS", "medium", 1, "2.5"),
    ("OHSMS", "low", 1, "2.5"),
    ("OHSMS", "high", 86, "11"),
    ("OHSMS", "medium", 125, "8"),
    ("OHSMS", "low", 2025, "12"),
    ("OHSMS", "high", 10700, "34"),
    ("OHSMS", "medium", 8501, "27"),
    ("OHSMS", "low", 6801, "19"),
    ("EMS", "high", 426, "16"),
    ("EMS", "medium", 426, "12"),
    ("EMS", "low", 426, "9"),
    ("EMS", "limited", 1, "2.5"),
    ("EMS", "limited", 45, "3"),
    ("EMS", "limited", 46, "3.5"),
    ("EMS", "limited", 800, "6"),
    ("EMS", "limited", 1000, "7"),
    ("EMS", "limited", 10700, "14"),
    ("ISMS", "all", 1, "5"),
    ("ISMS", "all", 10, "5"),
    ("ISMS", "all", 11, "6"),
    ("ISMS", "all", 45, "8.5"),
    ("ISMS", "all", 175, "13"),
    ("ISMS", "all", 426, "16.5"),
    ("ISMS", "all", 10700, "28"),
]


@pytest.mark.parametrize(("table", "column", "personnel", "days"), TABLE_ROWS)
def test_table_values(table, column, personnel, days):
    assert TABLES[table].days(personnel, column) == D(days)


def test_ems_high_medium_low_equal_ohsms():
    for column in ("high", "medium", "low"):
        assert TABLES["EMS"].columns[column] == TABLES["OHSMS"].columns[column]


@pytest.mark.parametrize(
    ("personnel", "column", "message"),
    [
        (0, "all", "at least 1"),
        (10701, "all", "beyond IAF MD 5 Table QMS 1"),
        (5, "high", "no 'high' column"),
    ],
)
def test_table_refusals(personnel, column, message):
    with pytest.raises(AuditTimeError, match=message):
        TABLES["QMS"].days(personnel, column)


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        ("5.3", "5.5"),
        ("5.2", "5.0"),
        ("5.25", "5.5"),
        ("5.74", "5.5"),
        ("5.75", "6.0"),
        ("1.333", "1.5"),
        ("2.667", "2.5"),
    ],
)
def test_rounding_to_half_days(value, rounded):
    assert round_half_day(D(value)) == D(rounded)


def test_worked_example_qms_40_people():
    """DOMAIN §3.7: 40 people → initial 4.0 = stage 1 1.0 + stage 2 3.0; surveillance 1.5;
    recertification 2.5."""
    initial = initial_time(table=TABLES["QMS"], personnel=40)
    assert initial.days == D("4.0")
    cycle = cycle_times(initial.days)
    assert (cycle.stage1, cycle.stage2, cycle.surveillance, cycle.recertification) == (
        D(1),
        D(3),
        D("1.5"),
        D("2.5"),
    )
    assert cycle.on_site_minimum == D("3.5")


def test_adjustments_are_listed_with_reasons_and_rounded():
    result = initial_time(
        table=TABLES["QMS"],
        personnel=300,
        adjustments=[Adjustment("No design and development", D(-10)), Adjustment("Several languages", D(5))],
    )
    assert result.table_days == D(10) and result.reduction == D(10)
    assert result.days == D("9.5")  # 10 × 0.95
    assert [step.label for step in result.steps][1:3] == [
        "-10% No design and development",
        "+5% Several languages",
    ]


def test_reduction_cap_of_30_percent():
    assert initial_time(
        table=TABLES["QMS"], personnel=300, adjustments=[Adjustment("Mature system", D(-30))]
    ).days == D(7)
    with pytest.raises(AuditTimeError, match="at most 30%"):
        initial_time(
            table=TABLES["QMS"], personnel=300, adjustments=[Adjustment("a", D(-20)), Adjustment("b", D(-11))]
        )


def test_rounding_never_goes_below_70_percent_of_table():
    result = initial_time(table=TABLES["QMS"], personnel=3, adjustments=[Adjustment("Small office", D(-30))])
    assert result.days == D("1.5")  # 1.05 would round to 1.0, below the 70% floor


def test_adjustment_without_reason_refused():
    with pytest.raises(AuditTimeError, match="needs a reason"):
        initial_time(table=TABLES["QMS"], personnel=40, adjustments=[Adjustment("  ", D(-5))])


def test_integrated_audit_after_md5_reductions():
    """MD 11: QMS 10 + EMS 8 + OH&SMS 11 = 29 days; 20% off is 23.2, rounded up to 23.5 to stay ≥ 80%."""
    qms = initial_time(table=TABLES["QMS"], personnel=300).days
    ems = initial_time(table=TABLES["EMS"], personnel=300, complexity="low", adjustments=[]).days
    ohs = initial_time(table=TABLES["OHSMS"], personnel=300, complexity="medium").days
    days, steps = integrated_time(
        [qms, ems, ohs], reduction_percent=D(20), reason="One manual, joint reviews"
    )
    assert (qms, ems, ohs, days) == (D(10), D(8), D(11), D("23.5"))
    assert steps[0].days == D(29)
    with pytest.raises(AuditTimeError, match="at most 20%"):
        integrated_time([qms, ems], reduction_percent=D(21), reason="x")
    with pytest.raises(AuditTimeError, match="needs a reason"):
        integrated_time([qms, ems], reduction_percent=D(10), reason="")


def test_md5_and_md11_reductions_stack_to_about_44_percent():
    reduced = initial_time(
        table=TABLES["QMS"], personnel=300, adjustments=[Adjustment("Low risk", D(-30))]
    ).days
    days, _ = integrated_time([reduced, reduced], reduction_percent=D(20), reason="Fully integrated")
    # 20 → 14 (MD 5, −30%) → 11.2 (MD 11, −20%): 44% in all; rounded up to 11.5 to keep ≥ 80% of 14
    assert days == D("11.5")


def test_site_reduction_cap_of_50_percent():
    assert site_time(
        D(4), reductions=[Adjustment("MD 5", D(-30)), Adjustment("Central processes", D(-20))]
    ) == D(2)
    with pytest.raises(AuditTimeError, match="at most 50%"):
        site_time(D(4), reductions=[Adjustment("MD 5", D(-30)), Adjustment("Central", D(-21))])


def test_stage_split_follows_cb_policy():
    assert cycle_times(D(10), stage1_share_percent=25, stage1_min_days=D(1)).stage1 == D("2.5")
    assert cycle_times(D("1.5"), stage1_share_percent=33, stage1_min_days=D(1)).stage1 == D(1)
    assert cycle_times(D(1), stage1_share_percent=33, stage1_min_days=D(1)).stage1 == D(
        "0.5"
    )  # stage 2 keeps time
