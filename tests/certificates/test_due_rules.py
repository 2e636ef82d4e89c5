"""The pure rules of what falls due and when a reminder of it goes out (DOMAIN §1.6–1.8, rules 10–14,
31): table tests, no database."""

import datetime

import pytest

from audits import cycle
from certificates import due_rules
from certificates.due_rules import CertificateFacts, CycleAudit, certificate_items, reminder_stage
from certificates.enums import DueKind

D = datetime.date
LEAD = (90, 30, 7)
DUE = D(2027, 6, 15)
POLICY = cycle.CyclePolicy()


# --- reminder_stage ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_before", "stage"),
    [
        (120, None),  # before any lead time
        (91, None),
        (90, "before-90"),
        (89, "before-90"),
        (31, "before-90"),
        (30, "before-30"),
        (8, "before-30"),
        (7, "before-7"),
        (1, "before-7"),
        (0, "due"),  # on the day
        (-1, "due"),
        (-6, "due"),  # days 1–6 after: still the day's reminder
        (-7, "overdue-1"),
        (-13, "overdue-1"),
        (-14, "overdue-2"),
        (-20, "overdue-2"),
        (-21, "overdue-3"),
        (-70, "overdue-10"),
    ],
)
def test_reminder_stage_at_each_day_around_the_due_date(days_before, stage):
    today = DUE - datetime.timedelta(days=days_before)
    assert reminder_stage(DUE, today, LEAD) == stage


def _stages(days_before: list[int], lead=LEAD) -> list[str]:
    """The stages a daily job writes on these days: each once (the reminder's unique row)."""
    written: list[str] = []
    for days in days_before:
        stage = reminder_stage(DUE, DUE - datetime.timedelta(days=days), lead)
        if stage and stage not in written:
            written.append(stage)
    return written


EVERY_STAGE = ["before-90", "before-30", "before-7", "due", "overdue-1", "overdue-2", "overdue-3"]


def test_a_daily_job_writes_each_stage_once_in_order():
    assert _stages(list(range(100, -22, -1))) == EVERY_STAGE


@pytest.mark.parametrize("missed", [90, 30, 7, 0, -7])
def test_a_missed_day_still_reminds_once_on_the_next_run(missed):
    days = [day for day in range(100, -22, -1) if day != missed]
    assert _stages(days) == EVERY_STAGE


def test_a_job_that_missed_a_whole_stage_never_sends_the_stage_passed():
    assert _stages([100, 29, 0]) == ["before-30", "due"]  # before-90 is not sent late


def test_without_lead_times_only_the_day_and_the_weeks_after_remind():
    assert _stages(list(range(100, -15, -1)), lead=()) == ["due", "overdue-1", "overdue-2"]
    assert reminder_stage(DUE, DUE - datetime.timedelta(days=5), []) is None


def test_the_lead_times_count_in_any_order():
    assert reminder_stage(DUE, DUE - datetime.timedelta(days=20), [7, 90, 30]) == "before-30"


def _item(done: bool = False) -> due_rules.DueItem:
    return due_rules.DueItem(
        key="k",
        kind=DueKind.EXPIRY,
        due_on=DUE,
        subject="CB-1",
        path="/",
        organisation_id=1,
        organisation_name="A",
        certification_body_id=1,
        done=done,
    )


def test_nothing_done_is_reminded():
    assert due_rules.reminder_owed(_item(), DUE, LEAD) == "due"
    assert due_rules.reminder_owed(_item(done=True), DUE, LEAD) is None


# --- certificate_items ---------------------------------------------------------------------------------


def facts(decided_on: D, **changes) -> CertificateFacts:
    values = {
        "id": 7,
        "number": "CB-2024-00007",
        "status": "active",
        "organisation_id": 1,
        "organisation_name": "Organisation A",
        "certification_body_id": 2,
        "standard_code": "ISO 9001",
        "path": "/certificates/7/",
        "cycle_started_on": decided_on,
        "expiry_on": cycle.expiry_date(decided_on),
    }
    return CertificateFacts(**(values | changes))


def by_kind(items) -> dict[str, list[due_rules.DueItem]]:
    found: dict[str, list] = {}
    for item in items:
        found.setdefault(item.kind, []).append(item)
    return found


def due_days(items, kind) -> list[D]:
    return [item.due_on for item in by_kind(items).get(kind, [])]


def surveillances(*days_and_status) -> list[CycleAudit]:
    kinds = (DueKind.SURVEILLANCE_1, DueKind.SURVEILLANCE_2)
    return [
        CycleAudit(id=number, kind=kinds[number - 1], starts_on=day, held=held)
        for number, (day, held) in enumerate(days_and_status, start=1)
    ]


def test_a_decision_on_29_february_has_its_first_surveillance_due_on_28_february():
    items = certificate_items(facts(D(2024, 2, 29)), [], POLICY, today=D(2024, 3, 1))
    assert due_days(items, DueKind.SURVEILLANCE_1) == [D(2025, 2, 28)]
    assert due_days(items, DueKind.SURVEILLANCE_2) == [D(2026, 5, 28)]  # anniversary + 3 months
    assert due_days(items, DueKind.EXPIRY) == [D(2027, 2, 28)]
    assert due_days(items, DueKind.RECERTIFICATION) == [D(2027, 2, 27)]  # decided before expiry


def test_a_decision_on_31_december():
    items = certificate_items(facts(D(2025, 12, 31)), [], POLICY, today=D(2026, 1, 1))
    assert due_days(items, DueKind.SURVEILLANCE_1) == [D(2026, 12, 31)]
    assert due_days(items, DueKind.SURVEILLANCE_2) == [D(2028, 3, 31)]
    assert due_days(items, DueKind.EXPIRY) == [D(2028, 12, 31)]
    assert due_days(items, DueKind.RECERTIFICATION) == [D(2028, 12, 30)]
    # 2026 and 2027 have no surveillance planned; 2028 is the recertification year
    assert due_days(items, DueKind.CALENDAR_YEAR) == [D(2026, 12, 31), D(2027, 12, 31)]


def test_the_cbs_policy_moves_surveillance_2_and_the_expiry():
    policy = cycle.CyclePolicy(expiry_day_before=True, surveillance_months_after=1)
    items = certificate_items(facts(D(2025, 4, 10)), [], policy, today=D(2025, 4, 10))
    assert due_days(items, DueKind.SURVEILLANCE_1) == [D(2026, 4, 10)]  # never past 12 months
    assert due_days(items, DueKind.SURVEILLANCE_2) == [D(2027, 5, 10)]


@pytest.mark.parametrize(
    ("planned", "years_due"),
    [
        ([], [2026, 2027]),
        ([D(2026, 9, 1)], [2027]),
        ([D(2026, 9, 1), D(2027, 9, 1)], []),
        ([D(2027, 1, 5)], [2026]),  # a surveillance early in 2027 leaves 2026 without one
    ],
)
def test_each_calendar_year_of_the_cycle_without_a_surveillance_is_due_on_31_december(planned, years_due):
    audits = [
        CycleAudit(
            id=n, kind=DueKind.SURVEILLANCE_1 if n == 0 else DueKind.SURVEILLANCE_2, starts_on=d, held=False
        )
        for n, d in enumerate(planned)
    ]
    items = certificate_items(facts(D(2025, 10, 1)), audits, POLICY, today=D(2025, 10, 1))
    assert due_days(items, DueKind.CALENDAR_YEAR) == [D(year, 12, 31) for year in years_due]
    assert all(not item.done for item in by_kind(items).get(DueKind.CALENDAR_YEAR, []))


def test_the_recertification_year_and_the_years_past_give_no_calendar_year_item():
    decided = D(2025, 10, 1)  # expires 2028-10-01: 2028 is the recertification year
    assert due_days(
        certificate_items(facts(decided), [], POLICY, today=D(2025, 10, 2)), DueKind.CALENDAR_YEAR
    ) == [
        D(2026, 12, 31),
        D(2027, 12, 31),
    ]
    assert due_days(
        certificate_items(facts(decided), [], POLICY, today=D(2027, 1, 1)), DueKind.CALENDAR_YEAR
    ) == [D(2027, 12, 31)]
    assert (
        due_days(certificate_items(facts(decided), [], POLICY, today=D(2028, 1, 1)), DueKind.CALENDAR_YEAR)
        == []
    )


def test_the_last_day_of_a_window_is_not_overdue_the_day_after_is():
    items = certificate_items(facts(D(2025, 5, 20)), [], POLICY, today=D(2026, 5, 20))
    first = by_kind(items)[DueKind.SURVEILLANCE_1][0]
    assert first.due_on == D(2026, 5, 20)
    assert not first.is_overdue(D(2026, 5, 20))
    assert first.is_overdue(D(2026, 5, 21))
    assert first.days_left(D(2026, 5, 20)) == 0


def test_a_surveillance_held_marks_its_item_done_and_a_planned_one_names_its_audit():
    decided = D(2025, 5, 20)
    planned = certificate_items(facts(decided), surveillances((D(2026, 4, 1), False)), POLICY, D(2026, 6, 1))
    first = by_kind(planned)[DueKind.SURVEILLANCE_1][0]
    assert (first.done, first.audit_id, first.is_overdue(D(2026, 6, 1))) == (False, 1, True)
    held = certificate_items(facts(decided), surveillances((D(2026, 4, 1), True)), POLICY, D(2026, 6, 1))
    first = by_kind(held)[DueKind.SURVEILLANCE_1][0]
    assert first.done and not first.is_overdue(D(2026, 6, 1))
    assert not by_kind(held)[DueKind.SURVEILLANCE_2][0].done


def test_an_audit_outside_the_cycle_does_not_count():
    before = [CycleAudit(id=1, kind=DueKind.SURVEILLANCE_1, starts_on=D(2025, 1, 1), held=True)]
    items = certificate_items(facts(D(2025, 5, 20)), before, POLICY, D(2026, 6, 1))
    assert not by_kind(items)[DueKind.SURVEILLANCE_1][0].done


def test_a_transferred_certificate_skips_the_surveillance_due_before_the_transfer():
    items = certificate_items(
        facts(D(2025, 5, 20), transferred_on=D(2026, 9, 1)), [], POLICY, today=D(2026, 9, 1)
    )
    assert due_days(items, DueKind.SURVEILLANCE_1) == []
    assert due_days(items, DueKind.SURVEILLANCE_2) == [D(2027, 8, 20)]


def test_a_suspension_has_its_resolution_deadline_overdue_the_day_after():
    suspended = facts(D(2025, 5, 20), status="suspended", suspended=True, suspension_ends_on=D(2026, 2, 1))
    item = by_kind(certificate_items(suspended, [], POLICY, today=D(2026, 1, 1)))[
        DueKind.SUSPENSION_DEADLINE
    ][0]
    assert (item.due_on, item.done, item.key) == (D(2026, 2, 1), False, "certificate-7-suspension-2026-02-01")
    assert not item.is_overdue(D(2026, 2, 1)) and item.is_overdue(D(2026, 2, 2))
    assert DueKind.SUSPENSION_DEADLINE not in by_kind(
        certificate_items(facts(D(2025, 5, 20)), [], POLICY, D(2026, 1, 1))
    )


def test_the_end_of_a_transition_falls_due_within_the_cycle_only():
    decided = D(2025, 5, 20)  # expires 2028-05-20
    within = certificate_items(facts(decided, transition_end_on=D(2027, 10, 31)), [], POLICY, D(2027, 1, 1))
    assert due_days(within, DueKind.TRANSITION_END) == [D(2027, 10, 31)]
    passed = certificate_items(facts(decided, transition_end_on=D(2027, 10, 31)), [], POLICY, D(2027, 11, 1))
    assert by_kind(passed)[DueKind.TRANSITION_END][0].done
    after = certificate_items(facts(decided, transition_end_on=D(2028, 6, 1)), [], POLICY, D(2027, 1, 1))
    assert due_days(after, DueKind.TRANSITION_END) == []


def test_recertification_granted_and_expiry_passed_are_done():
    decided = D(2025, 5, 20)
    items = by_kind(certificate_items(facts(decided, recertified=True), [], POLICY, D(2028, 5, 21)))
    assert items[DueKind.RECERTIFICATION][0].done
    assert items[DueKind.EXPIRY][0].done
    items = by_kind(certificate_items(facts(decided), [], POLICY, D(2028, 5, 20)))
    assert not items[DueKind.RECERTIFICATION][0].done and not items[DueKind.EXPIRY][0].done


def test_the_items_keys_are_stable_and_the_client_sees_all_of_them():
    items = certificate_items(facts(D(2025, 12, 31)), [], POLICY, today=D(2026, 1, 1))
    assert {item.key for item in items} >= {
        "certificate-7-surveillance1-2025-12-31",
        "certificate-7-surveillance2-2025-12-31",
        "certificate-7-year-2026",
        "certificate-7-recertification-2028-12-31",
        "certificate-7-expiry",
    }
    assert all(item.for_client for item in items)
    assert items[0].title == "First surveillance due: CB-2024-00007 — Organisation A"
