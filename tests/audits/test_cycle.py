"""Cycle dates: table-driven, with 29 February, year ends and the last day of a window."""

from datetime import date

import pytest

from audits.cycle import (
    expiry_date,
    recertification_window,
    surveillance_window,
    years_missing_surveillance,
)


@pytest.mark.parametrize(
    ("decision", "day_before", "expiry"),
    [
        (date(2026, 3, 10), False, date(2029, 3, 10)),
        (date(2026, 3, 10), True, date(2029, 3, 9)),
        (date(2024, 2, 29), False, date(2027, 2, 28)),
        (date(2024, 2, 29), True, date(2027, 2, 27)),
        (date(2026, 12, 31), False, date(2029, 12, 31)),
        (date(2027, 1, 1), True, date(2029, 12, 31)),
    ],
)
def test_expiry_date(decision, day_before, expiry):
    assert expiry_date(decision, day_before=day_before) == expiry


@pytest.mark.parametrize(
    ("decision", "number", "opens", "closes"),
    [
        (date(2026, 3, 10), 1, date(2026, 12, 10), date(2027, 3, 10)),  # never later than 12 months
        (date(2026, 3, 10), 2, date(2027, 12, 10), date(2028, 6, 10)),
        (date(2024, 2, 29), 1, date(2024, 11, 28), date(2025, 2, 28)),
        (date(2026, 12, 31), 1, date(2027, 9, 30), date(2027, 12, 31)),
    ],
)
def test_surveillance_window(decision, number, opens, closes):
    window = surveillance_window(decision, number)
    assert (window.opens, window.closes) == (opens, closes)
    assert closes in window and opens in window
    assert date.fromordinal(closes.toordinal() + 1) not in window


def test_first_surveillance_never_beyond_twelve_months_whatever_the_policy():
    window = surveillance_window(date(2026, 5, 1), 1, months_before=2, months_after=6)
    assert window.closes == date(2027, 5, 1)


def test_recertification_window_ends_the_day_before_expiry():
    window = recertification_window(date(2029, 3, 10))
    assert (window.opens, window.closes) == (date(2028, 9, 10), date(2029, 3, 9))
    assert date(2029, 3, 10) not in window


@pytest.mark.parametrize(
    ("decision", "surveillances", "missing"),
    [
        (date(2026, 3, 10), [date(2027, 2, 1), date(2028, 2, 1)], []),
        (date(2026, 1, 15), [date(2026, 12, 15), date(2027, 12, 1)], [2028]),  # S1 early: 2028 left empty
        (date(2026, 3, 10), [date(2027, 3, 1)], [2028]),
        (date(2026, 3, 10), [], [2027, 2028]),
        (date(2026, 12, 31), [date(2027, 12, 31), date(2028, 12, 30)], []),
    ],
)
def test_calendar_year_rule(decision, surveillances, missing):
    assert years_missing_surveillance(decision, surveillances) == missing


def test_calendar_year_rule_with_early_recertification_year():
    assert years_missing_surveillance(date(2026, 3, 10), [date(2027, 3, 1)], recertification_year=2028) == []


def test_surveillance_number_is_checked():
    with pytest.raises(ValueError, match="surveillance 1 and surveillance 2"):
        surveillance_window(date(2026, 1, 1), 3)
