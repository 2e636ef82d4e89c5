"""Team confirmation rules 22, 23 and 25, table by table."""

from datetime import date

import pytest

from audits.team_rules import AuditFacts, Member, Qualification, team_problems

START, END = date(2027, 3, 1), date(2027, 3, 3)
QMS_LEAD = Qualification("ISO 9001", frozenset({36, 37}), date(2025, 1, 1), date(2028, 12, 31), is_lead=True)
QMS = Qualification("ISO 9001", frozenset({38}), date(2025, 1, 1), date(2028, 12, 31))
EMS = Qualification("ISO 14001", frozenset({36}), date(2025, 1, 1), date(2028, 12, 31))


def _audit(**changes) -> AuditFacts:
    facts = {
        "standards": frozenset({"ISO 9001"}),
        "scope_codes": frozenset({36, 38}),
        "starts_on": START,
        "ends_on": END,
        "notified_on": date(2027, 2, 1),
    }
    return AuditFacts(**{**facts, **changes})


def _team(**lead_changes) -> list[Member]:
    lead = {"name": "Lars", "role": "lead", "qualifications": (QMS_LEAD,), "coi_declared": True}
    return [Member(**{**lead, **lead_changes}), Member("Amélie", "auditor", (QMS,), coi_declared=True)]


def test_complete_team_has_no_problem():
    assert team_problems(_team(), _audit()) == []


@pytest.mark.parametrize(
    ("team", "audit", "problem"),
    [
        (_team(qualifications=(QMS,)), _audit(), "Lars holds no lead-auditor qualification for ISO 9001"),
        (_team(role="auditor"), _audit(), "exactly one lead auditor"),
        (_team(), _audit(scope_codes=frozenset({36, 38, 39})), "IAF code(s) 39"),
        (
            _team(),
            _audit(standards=frozenset({"ISO 9001", "ISO 14001"})),
            "Nobody on the team is qualified for ISO 14001",
        ),
        (
            _team(
                qualifications=(
                    Qualification(
                        "ISO 9001", frozenset({36}), date(2025, 1, 1), date(2027, 3, 2), is_lead=True
                    ),
                )
            ),
            _audit(),
            "Lars has no qualification valid on every",
        ),
        (
            _team(consultancy_ended_on=date(2025, 3, 2)),
            _audit(),
            "Lars gave this client consultancy until 2025-03-02",
        ),
        (_team(coi_declared=False), _audit(), "Lars has not declared conflicts of interest"),
        (_team(conflict_declared=True), _audit(), "Lars declared a conflict of interest"),
        (_team(objected=True), _audit(), "The client objected to Lars"),
        (_team(), _audit(notified_on=None), "Tell the client who is on the team by 2027-02-15"),
        (_team(), _audit(notified_on=date(2027, 2, 16)), "less than 14 days before the audit"),
    ],
)
def test_each_rule_names_its_problem(team, audit, problem):
    problems = team_problems(team, audit)
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize(
    ("consultancy_ended_on", "allowed"),
    [
        (date(2025, 3, 1), True),  # exactly two years before the first audit day
        (date(2025, 3, 2), False),
        (date(2020, 1, 1), True),
    ],
)
def test_two_year_consultancy_boundary(consultancy_ended_on, allowed):
    problems = team_problems(_team(consultancy_ended_on=consultancy_ended_on), _audit())
    assert (problems == []) is allowed


def test_notice_on_the_last_allowed_day_and_short_notice_exemption():
    assert team_problems(_team(), _audit(notified_on=date(2027, 2, 15))) == []
    assert team_problems(_team(), _audit(notified_on=None, short_notice=True)) == []


def test_integrated_audit_lead_qualified_for_one_standard_team_covers_the_rest():
    team = [*_team(), Member("Eva", "auditor", (EMS,), coi_declared=True)]
    assert team_problems(team, _audit(standards=frozenset({"ISO 9001", "ISO 14001"}))) == []


def test_observer_needs_no_qualification_but_declares():
    team = [*_team(), Member("Trainee", "observer", (), coi_declared=True)]
    assert team_problems(team, _audit()) == []
    team = [*_team(), Member("Trainee", "observer", (), coi_declared=False)]
    assert team_problems(team, _audit()) == ["Trainee has not declared conflicts of interest."]
