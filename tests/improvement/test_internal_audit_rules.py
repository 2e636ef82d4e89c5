"""Rules 39 and 40 over plain values (improvement/internal_audit_rules.py): no database."""

import datetime

import pytest

from improvement.internal_audit_rules import (
    AuditScope,
    Unit,
    counts_for_coverage,
    coverage,
    independence_refused,
    own_areas,
    uncovered,
    untrained_standards,
)
from improvement.models.internal_audits import a_year_after

FROM, TO = datetime.date(2027, 1, 1), datetime.date(2027, 12, 31)


def scope(audit_id, status="reported", day=datetime.date(2027, 3, 1), clauses=(), keys=()):
    return AuditScope(audit_id, status, day, frozenset(clauses), frozenset(keys))


# --- rule 39


def test_an_owner_of_a_process_in_scope_is_refused_without_a_justification():
    owners = {"Procurement": 7, "Payroll": 8}
    assert own_areas(7, owners) == ["Procurement"]
    assert independence_refused(7, owners, "")
    assert independence_refused(7, owners, "   \n")


def test_a_justification_allows_the_owner():
    assert not independence_refused(7, {"Procurement": 7}, "Only trained auditor in a body of 12")


def test_someone_who_owns_nothing_in_scope_and_an_external_auditor_are_independent():
    owners = {"Procurement": 7, "Unowned": None}
    assert not independence_refused(9, owners, "")
    assert own_areas(None, owners) == [] and not independence_refused(None, owners, "")


def test_own_areas_lists_every_area_sorted():
    assert own_areas(7, {"b": 7, "a": 7, "c": 8}) == ["a", "b"]


def test_untrained_standards_are_those_without_a_course():
    assert untrained_standards(["ISO 9001", "ISO 14001", "ISO 9001"], ["ISO 9001"]) == ["ISO 14001"]
    assert untrained_standards(["ISO 9001"], ["ISO 9001", "ISO 45001"]) == []


# --- rule 40


def test_only_completed_audits_of_the_period_count():
    assert counts_for_coverage(scope(1, "reported"), FROM, TO)
    assert counts_for_coverage(scope(1, "closed"), FROM, TO)
    for status in ("planned", "in_progress", "cancelled"):
        assert not counts_for_coverage(scope(1, status), FROM, TO)
    assert not counts_for_coverage(scope(1, day=datetime.date(2026, 12, 31)), FROM, TO)
    assert not counts_for_coverage(scope(1, day=datetime.date(2028, 1, 1)), FROM, TO)
    assert counts_for_coverage(scope(1, day=TO), FROM, TO)


def test_coverage_marks_which_audit_covers_which_clause_and_lists_the_rest():
    units = [Unit(10), Unit(11), Unit(12)]
    audits = [
        scope(1, clauses={10}),
        scope(2, clauses={10, 11}),
        scope(3, "planned", clauses={12}),
        scope(4, "cancelled", clauses={12}),
    ]
    covering = coverage(units, audits, FROM, TO)
    assert covering == {Unit(10): [1, 2], Unit(11): [2], Unit(12): []}
    assert uncovered(covering) == [Unit(12)]


def test_a_shared_hs_clause_is_covered_by_an_audit_of_either_edition():
    """Integrated: HS-9.2 is one unit (on 9001's clause 30); an audit of 14001's 9.2 (clause 40)
    covers it for both editions. A clause not shared is covered only by itself."""
    units = [Unit(30, "HS-9.2"), Unit(31)]
    ems_only = scope(1, clauses={40}, keys={"HS-9.2"})
    covering = coverage(units, [ems_only], FROM, TO)
    assert covering[Unit(30, "HS-9.2")] == [1]
    assert covering[Unit(31)] == []


def test_nothing_is_covered_without_audits():
    assert uncovered(coverage([Unit(1), Unit(2, "HS-4.1")], [], FROM, TO)) == [Unit(1), Unit(2, "HS-4.1")]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime.date(2027, 1, 1), datetime.date(2027, 12, 31)),
        (datetime.date(2027, 3, 1), datetime.date(2028, 2, 29)),  # through a leap day
        (datetime.date(2028, 2, 29), datetime.date(2029, 2, 28)),  # from one
        (datetime.date(2027, 12, 31), datetime.date(2028, 12, 30)),
    ],
)
def test_a_programme_runs_twelve_months_by_default(start, end):
    assert a_year_after(start) == end
