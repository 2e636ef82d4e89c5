"""The rules of readiness for stage 1 (`improvement.readiness`), table-driven, without the database."""

import datetime

import pytest

from improvement import readiness as rules
from improvement.enums import ReadinessState

DONE, IN_PROGRESS, NOT_STARTED = ReadinessState.DONE, ReadinessState.IN_PROGRESS, ReadinessState.NOT_STARTED
DAY = datetime.date(2026, 10, 31)


@pytest.mark.parametrize(
    ("has_scope", "sites", "state"),
    [(True, 2, DONE), (True, 0, IN_PROGRESS), (False, 1, IN_PROGRESS), (False, 0, NOT_STARTED)],
)
def test_scope_state(has_scope, sites, state):
    assert rules.scope_state(has_scope, sites) == state


@pytest.mark.parametrize(
    ("exists", "completed", "open_actions", "state"),
    [
        (True, True, 0, DONE),
        (True, True, 2, IN_PROGRESS),
        (True, False, 0, IN_PROGRESS),
        (False, False, 0, NOT_STARTED),
    ],
)
def test_gap_state(exists, completed, open_actions, state):
    assert rules.gap_state(exists=exists, completed=completed, open_actions=open_actions) == state


@pytest.mark.parametrize(
    ("programme", "completed", "uncovered", "state"),
    [(True, 3, 0, DONE), (True, 3, 2, IN_PROGRESS), (True, 0, 0, IN_PROGRESS), (False, 0, 0, NOT_STARTED)],
)
def test_coverage_state(programme, completed, uncovered, state):
    assert (
        rules.coverage_state(programme_exists=programme, completed_audits=completed, uncovered=uncovered)
        == state
    )


@pytest.mark.parametrize(
    ("held_on", "planned", "until", "state"),
    [
        (DAY, False, DAY, DONE),  # held on the audits' last day counts
        (DAY + datetime.timedelta(days=1), False, DAY, DONE),
        (DAY - datetime.timedelta(days=1), False, DAY, IN_PROGRESS),  # held before the audits ended
        (DAY, False, None, IN_PROGRESS),  # no completed audit to review
        (None, True, DAY, IN_PROGRESS),
        (None, False, DAY, NOT_STARTED),
        (None, False, None, NOT_STARTED),
    ],
)
def test_review_state(held_on, planned, until, state):
    assert rules.review_state(held_on=held_on, planned=planned, audits_until=until) == state


@pytest.mark.parametrize(
    ("has_action", "status", "correction", "corrective", "addressed"),
    [
        (True, "open", "Fixed", "Procedure changed", True),
        (True, "open", "Fixed", "  ", False),
        (True, "in_progress", "", "Procedure changed", False),
        (True, "done", "", "", True),
        (True, "effective", "", "", True),
        (True, "cancelled", "", "", False),
        (False, "", "", "", False),
    ],
)
def test_nonconformity_addressed(has_action, status, correction, corrective, addressed):
    assert (
        rules.nonconformity_addressed(
            has_action=has_action, status=status, correction=correction, corrective_action=corrective
        )
        is addressed
    )


@pytest.mark.parametrize(
    ("completed", "unaddressed", "state"), [(2, 0, DONE), (2, 1, IN_PROGRESS), (0, 0, NOT_STARTED)]
)
def test_nonconformity_state(completed, unaddressed, state):
    assert rules.nonconformity_state(completed_audits=completed, unaddressed=unaddressed) == state


@pytest.mark.parametrize(
    ("approved", "draft", "state"),
    [(True, False, DONE), (True, True, DONE), (False, True, IN_PROGRESS), (False, False, NOT_STARTED)],
)
def test_soa_state(approved, draft, state):
    assert rules.soa_state(approved=approved, draft=draft) == state


@pytest.mark.parametrize(
    ("states", "state"),
    [
        ([DONE, DONE], DONE),
        ([DONE, NOT_STARTED], IN_PROGRESS),
        ([IN_PROGRESS, NOT_STARTED], IN_PROGRESS),
        ([NOT_STARTED, NOT_STARTED], NOT_STARTED),
    ],
)
def test_the_whole_list_is_done_when_every_line_is(states, state):
    assert rules.overall(states) == state


def test_only_27001_needs_an_soa():
    assert rules.needs_soa("ISO/IEC 27001") and not rules.needs_soa("ISO 9001")


def test_a_line_names_a_few_clauses_and_counts_the_rest():
    assert rules.named(["7.5", "8.4"]) == "7.5, 8.4"
    assert rules.named([str(n) for n in range(8)], limit=3) == "0, 1, 2 (+5)"
