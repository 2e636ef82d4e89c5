"""The planning checks (audits/selectors/programme_checks.py): each problem in words a
certification manager can act on, with the CB's policy where DOMAIN leaves it to the CB."""

import datetime
from decimal import Decimal as D

import pytest

from audits import cycle
from audits.enums import AuditKind
from audits.selectors import programme_checks as checks
from audits.selectors.programmes import time_sheet
from audits.services import programmes as services
from organisations.enums import ExpiryConvention
from standards.enums import EditionKind
from tests import factories
from tests.audits.test_programme_services import STAGE1, audits_of, open_programme


def test_until_the_decision_windows_count_from_the_end_of_stage_2(world, qms):
    programme = open_programme(world, [qms])
    audits = audits_of(programme)
    assert checks.decision_day(programme, audits) == (audits[AuditKind.STAGE2].ends_on, True)
    programme = services.programme_cycle_start(
        actor=None, programme=programme, decided_on=datetime.date(2027, 6, 1)
    )
    assert checks.decision_day(programme, audits_of(programme)) == (datetime.date(2027, 6, 1), False)


@pytest.mark.parametrize(
    ("before", "after", "convention", "kind", "window"),
    [
        (3, 3, ExpiryConvention.SAME_DAY, AuditKind.SURVEILLANCE_1, ("2027-03-01", "2027-06-01")),
        (1, 2, ExpiryConvention.SAME_DAY, AuditKind.SURVEILLANCE_2, ("2028-05-01", "2028-08-01")),
        (3, 3, ExpiryConvention.SAME_DAY, AuditKind.RECERTIFICATION, ("2028-12-01", "2029-05-31")),
        (3, 3, ExpiryConvention.DAY_BEFORE, AuditKind.RECERTIFICATION, ("2028-11-30", "2029-05-30")),
        (3, 3, ExpiryConvention.SAME_DAY, AuditKind.STAGE2, None),
    ],
)
def test_due_windows_follow_the_cbs_policy(world, qms, before, after, convention, kind, window):
    world.cb.surveillance_window_before_months, world.cb.surveillance_window_after_months = before, after
    world.cb.expiry_convention = convention
    world.cb.save()
    programme = open_programme(world, [qms])
    programme = services.programme_cycle_start(
        actor=None, programme=programme, decided_on=datetime.date(2026, 6, 1)
    )
    found = checks.due_window(programme, kind)
    assert (found and (str(found.opens), str(found.closes))) == window


def test_default_dates_fall_inside_a_narrow_window(world, qms):
    """A CB that opens surveillance windows only on the anniversary gets its audits there."""
    world.cb.surveillance_window_before_months = world.cb.surveillance_window_after_months = 0
    world.cb.save()
    programme = open_programme(world, [qms])
    programme = services.programme_cycle_start(
        actor=None, programme=programme, decided_on=datetime.date(2027, 5, 3)
    )
    audits = audits_of(programme)
    assert audits[AuditKind.SURVEILLANCE_1].starts_on == datetime.date(2028, 5, 3)
    assert audits[AuditKind.SURVEILLANCE_2].starts_on == datetime.date(2029, 5, 3)
    assert not [p for p in checks.programme_problems(programme) if "must take place" in p]


def test_default_days_are_clamped_into_each_window():
    policy = cycle.CyclePolicy(surveillance_months_before=0, surveillance_months_after=0)
    days = cycle.default_days(datetime.date(2024, 2, 29), policy)
    assert days == {
        "surveillance1": datetime.date(2025, 2, 28),
        "surveillance2": datetime.date(2026, 2, 28),
        "recertification": datetime.date(2026, 11, 28),
    }
    assert cycle.restoration_deadline(datetime.date(2027, 8, 31)) == datetime.date(2028, 3, 1)  # day 183


def test_edition_refusal_names_the_rule(world):
    guidance = factories.EditionFactory(certifiable=False, kind=EditionKind.GUIDANCE)
    closing = factories.EditionFactory(last_initial_audit_on=datetime.date(2027, 6, 30))
    assert "gives guidance only" in checks.edition_refusal(guidance, STAGE1)
    assert checks.edition_refusal(closing, datetime.date(2027, 6, 30)) == ""
    assert "last day 2027-06-30" in checks.edition_refusal(closing, datetime.date(2027, 7, 1))


def test_time_problems_name_the_audit_and_the_figures(world, qms):
    programme = open_programme(world, [qms])
    audits = audits_of(programme)
    stage2 = audits[AuditKind.STAGE2]
    stage2.planned_days, stage2.on_site_days, stage2.days_justification = D("1.5"), D("1.0"), ""
    stage2.save()
    sheet = time_sheet(programme)
    assert (
        checks.days_problem(stage2, sheet)
        == "Stage 2: 1.5 days planned, 3.0 suggested; justify the difference."
    )
    problems = checks.programme_problems(programme)
    assert "Stage 2: At least 80% of the audit time is spent on site: 1.5 of 1.5 days." in problems
    assert "Stage 1 and stage 2 together plan 2.5 days, below 70% of the 4.0 calculated." in problems


def test_coverage_problems_list_missing_and_mandatory_clauses(world, qms):
    programme = open_programme(world, [qms])
    s1 = audits_of(programme)[AuditKind.SURVEILLANCE_1]
    s1.clauses.clear()
    audits_of(programme)[AuditKind.SURVEILLANCE_2].clauses.set(qms.clauses.filter(number="4.1"))
    problems = checks.programme_problems(programme)
    assert any(p.startswith("No surveillance covers ISO 9001:2015 4.2") for p in problems)
    assert any(p.startswith("Surveillance 1 must look at internal audit") for p in problems)
