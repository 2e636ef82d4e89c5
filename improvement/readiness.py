"""The rules of readiness for stage 1 (DOMAIN §13.5) over plain values: no database here, so each
line's rule is tested on its own and the task list, the pack, its PDF and the home summary apply
the same functions (`improvement.selectors.readiness` reads the records and calls them).

Each line of the task list is done, in progress or not started (the GOV.UK task-list pattern); the
whole list is done when every line is.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from improvement.enums import ActionStatus, ReadinessState

# The standards whose certification needs an approved Statement of Applicability (27001 6.1.3 d)
SOA_STANDARDS = ("ISO/IEC 27001",)
# An action with its work done answers its nonconformity, whatever its texts say
WORK_DONE_STATUSES = (ActionStatus.DONE, ActionStatus.EFFECTIVE)
NAMED_CLAUSES_MAX = 5  # uncovered clauses a line names; the pack lists them all

DONE, IN_PROGRESS, NOT_STARTED = ReadinessState.DONE, ReadinessState.IN_PROGRESS, ReadinessState.NOT_STARTED


@dataclass(frozen=True)
class Line:
    """One line of the task list: what it checks, where it stands, why, and where to act."""

    key: str
    label: str
    state: ReadinessState
    detail: str
    url: str = ""

    @property
    def is_done(self) -> bool:
        return self.state == DONE


def needs_soa(standard_code: str) -> bool:
    return standard_code in SOA_STANDARDS


def scope_state(has_scope: bool, site_count: int) -> ReadinessState:
    """1. The scope written (HS 4.3) and at least one site in it."""
    if has_scope and site_count:
        return DONE
    return IN_PROGRESS if has_scope or site_count else NOT_STARTED


def gap_state(*, exists: bool, completed: bool, open_actions: int) -> ReadinessState:
    """2. A completed gap analysis of the edition with no action from its answers still open."""
    if not exists:
        return NOT_STARTED
    return DONE if completed and not open_actions else IN_PROGRESS


def coverage_state(*, programme_exists: bool, completed_audits: int, uncovered: int) -> ReadinessState:
    """3. Rule 40: a programme whose completed audits cover every assessable clause."""
    if not programme_exists:
        return NOT_STARTED
    return DONE if completed_audits and not uncovered else IN_PROGRESS


def review_state(
    *, held_on: datetime.date | None, planned: bool, audits_until: datetime.date | None
) -> ReadinessState:
    """4. A management review held on or after the last day of the internal audits counted in 3
    (`audits_until`: None when there are none, then no review is held "after" them)."""
    if held_on is not None and audits_until is not None and held_on >= audits_until:
        return DONE
    return IN_PROGRESS if planned or held_on is not None else NOT_STARTED


def nonconformity_addressed(
    *, has_action: bool, status: str, correction: str, corrective_action: str
) -> bool:
    """An internal nonconformity with an action that has its correction and corrective action
    written, or whose work is done."""
    if not has_action:
        return False
    return status in WORK_DONE_STATUSES or bool(correction.strip() and corrective_action.strip())


def nonconformity_state(*, completed_audits: int, unaddressed: int) -> ReadinessState:
    """5. No internal nonconformity without a correction and a corrective action."""
    if not completed_audits:
        return NOT_STARTED
    return IN_PROGRESS if unaddressed else DONE


def soa_state(*, approved: bool, draft: bool) -> ReadinessState:
    """6. (27001) an approved Statement of Applicability."""
    if approved:
        return DONE
    return IN_PROGRESS if draft else NOT_STARTED


def overall(states: Iterable[ReadinessState]) -> ReadinessState:
    """Done when every line is; not started when none has begun; in progress otherwise."""
    states = list(states)
    if states and all(state == DONE for state in states):
        return DONE
    return NOT_STARTED if all(state == NOT_STARTED for state in states) else IN_PROGRESS


def named(numbers: list[str], limit: int = NAMED_CLAUSES_MAX) -> str:
    """The clause numbers a line names: "7.5, 8.4", or the first few and how many more: "4.1, 4.2 (+3)"."""
    shown = ", ".join(numbers[:limit])
    rest = len(numbers) - limit
    return f"{shown} (+{rest})" if rest > 0 else shown
