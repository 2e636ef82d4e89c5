"""The audit's state machine (DOMAIN §10) and rules 1 and 2 as pure functions."""

import datetime

import pytest

from audits import audit_rules
from audits.audit_rules import TRANSITIONS, stage_gap_refusal, stage_order_refusal, transition_refusal
from audits.enums import AuditStatus as S
from audits.enums import Stage1Outcome

READY, NOT_READY = Stage1Outcome.READY, Stage1Outcome.NOT_READY
DAY = datetime.date(2027, 3, 1)


def test_every_status_has_its_transitions_and_the_ends_are_final():
    assert set(TRANSITIONS) == set(S.values)
    assert TRANSITIONS[S.CLOSED] == frozenset() and TRANSITIONS[S.CANCELLED] == frozenset()


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.PLANNED, S.TEAM_ASSIGNED),
        (S.TEAM_ASSIGNED, S.PLAN_SENT),
        (S.PLAN_SENT, S.TEAM_ASSIGNED),
        (S.PLAN_SENT, S.PLANNED),
        (S.PLAN_SENT, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.FIELDWORK_DONE),
        (S.FIELDWORK_DONE, S.IN_PROGRESS),
        (S.FIELDWORK_DONE, S.REPORT_ISSUED),
        (S.REPORT_ISSUED, S.NCS_PENDING),
        (S.REPORT_ISSUED, S.CLOSED),
        (S.NCS_PENDING, S.CLOSED),
        (S.PLANNED, S.CANCELLED),
        (S.TEAM_ASSIGNED, S.CANCELLED),
        (S.PLAN_SENT, S.CANCELLED),
    ],
)
def test_allowed_transitions(current, target):
    assert transition_refusal(current, target) is None


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.PLANNED, S.IN_PROGRESS),
        (S.TEAM_ASSIGNED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.CANCELLED),
        (S.IN_PROGRESS, S.REPORT_ISSUED),
        (S.REPORT_ISSUED, S.IN_PROGRESS),
        (S.NCS_PENDING, S.IN_PROGRESS),
        (S.CLOSED, S.NCS_PENDING),
        (S.CANCELLED, S.PLANNED),
    ],
)
def test_refused_transitions_name_both_states(current, target):
    assert transition_refusal(current, target) == (
        f"An audit that is “{S(current).label}” cannot become “{S(target).label}”."
    )


@pytest.mark.parametrize(
    ("stage1s", "refusal"),
    [
        ([], "before the stage 1 report is issued"),
        ([(S.FIELDWORK_DONE, READY)], "before the stage 1 report is issued"),
        ([(S.CANCELLED, READY)], "before the stage 1 report is issued"),
        ([(S.NCS_PENDING, NOT_READY)], "not ready; repeat stage 1 first"),
        ([(S.CLOSED, READY)], None),
        ([(S.REPORT_ISSUED, READY)], None),
        ([(S.CLOSED, NOT_READY), (S.CLOSED, READY)], None),  # the repeat found the client ready
        ([(S.CLOSED, READY), (S.CLOSED, NOT_READY)], "not ready"),  # the latest counts
        ([(S.CLOSED, NOT_READY), (S.IN_PROGRESS, "")], "not ready"),  # the repeat is not reported yet
    ],
)
def test_rule_1_stage_order(stage1s, refusal):
    found = stage_order_refusal(stage1s)
    if refusal is None:
        assert found is None
    else:
        assert found.startswith("Rule 1:") and refusal in found


@pytest.mark.parametrize(
    ("gap", "justification", "refused"),
    [
        (183, "", None),
        (184, "", "Rule 2: stage 2 starts 184 days after stage 1, more than the 183 the CB allows"),
        (184, "Stage 1 reconfirmed by phone", None),
        (184, "   ", "Rule 2"),
        (13, "", "Stage 2 starts 13 days after stage 1; the CB asks for at least 14"),
        (13, "Client ready early", None),
        (14, "", None),
        (-1, "A reason", "Rule 1: stage 2 cannot start before stage 1 has ended."),
    ],
)
def test_rule_2_stage_gap(gap, justification, refused):
    found = stage_gap_refusal(
        DAY, DAY + datetime.timedelta(days=gap), min_days=14, max_days=183, justification=justification
    )
    if refused is None:
        assert found is None
    else:
        assert refused in found


def test_the_gap_counts_days_across_29_february():
    assert audit_rules.stage_gap_days(datetime.date(2028, 2, 28), datetime.date(2028, 3, 1)) == 2


@pytest.mark.parametrize(("days", "refused"), [(0, False), (92, False), (93, True)])
def test_an_audit_runs_over_at_most_a_quarter(days, refused):
    refusal = audit_rules.span_refusal(DAY, DAY + datetime.timedelta(days=days))
    assert (refusal is not None) == refused
    assert refusal is None or "at most 92 days" in refusal
