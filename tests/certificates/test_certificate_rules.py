"""The certificate's pure rules, table-driven and without a database (DOMAIN §1.5–1.10, §6)."""

import dataclasses
import itertools
from datetime import date, timedelta

import pytest

from certificates.certificate_rules import (
    Content,
    MajorNC,
    accreditation_covers,
    cycle_start_for,
    expiry_for,
    missing_content,
    move_refusal,
    restoration_refusal,
    six_month_blockers,
    suspension_deadline_refusal,
)
from certificates.enums import CertificateStatus as S
from certificates.enums import DecisionKind as K

# --- Status moves (DOMAIN §6.2, §10; rule 15) ------------------------------------------------------

ALLOWED = {
    (S.DRAFT, S.ACTIVE),
    (S.DRAFT, S.CANCELLED),
    (S.ACTIVE, S.SUSPENDED),
    (S.ACTIVE, S.WITHDRAWN),
    (S.ACTIVE, S.CANCELLED),
    (S.ACTIVE, S.EXPIRED),
    (S.SUSPENDED, S.ACTIVE),
    (S.SUSPENDED, S.WITHDRAWN),
    (S.SUSPENDED, S.CANCELLED),
    (S.SUSPENDED, S.EXPIRED),
    (S.EXPIRED, S.ACTIVE),
}


@pytest.mark.parametrize(("source", "target"), list(itertools.product(S.values, S.values)))
def test_move_refusal_for_every_pair_of_statuses(source, target):
    refusal = move_refusal(source, target)
    if (source, target) in ALLOWED:
        assert refusal is None
    else:
        assert refusal, f"{source} → {target} must be refused"


@pytest.mark.parametrize("terminal", [S.WITHDRAWN, S.CANCELLED])
@pytest.mark.parametrize("target", S.values)
def test_terminal_statuses_never_move_and_say_rule_15(terminal, target):
    refusal = move_refusal(terminal, target)
    assert refusal is not None
    assert "rule 15" in refusal
    assert S(terminal).label.lower() in refusal


@pytest.mark.parametrize("target", [t for t in S.values if t != S.ACTIVE])
def test_expired_moves_only_back_to_active(target):
    assert move_refusal(S.EXPIRED, S.ACTIVE) is None
    assert (
        move_refusal(S.EXPIRED, target)
        == f"A certificate cannot go from expired to {S(target).label.lower()}."
    )


def test_no_status_moves_into_itself_or_back_to_draft():
    for status in S.values:
        assert move_refusal(status, status) is not None
        assert move_refusal(status, S.DRAFT) is not None


# --- Expiry per kind of decision (rules 7, 13, 30) ---------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "decided_on", "day_before", "previous", "incoming", "expiry"),
    [
        (K.INITIAL, date(2026, 3, 10), False, None, None, date(2029, 3, 10)),
        (K.INITIAL, date(2026, 3, 10), True, None, None, date(2029, 3, 9)),
        (K.INITIAL, date(2028, 2, 29), False, None, None, date(2031, 2, 28)),
        (K.INITIAL, date(2028, 2, 29), True, None, None, date(2031, 2, 27)),
        (K.INITIAL, date(2026, 12, 31), False, None, None, date(2029, 12, 31)),
        # Recertification keeps the anniversary: old expiry + 3 years, whatever the decision day
        (K.RECERTIFICATION, date(2028, 11, 2), False, date(2029, 3, 10), None, date(2032, 3, 10)),
        (K.RECERTIFICATION, date(2028, 11, 2), True, date(2029, 3, 9), None, date(2032, 3, 9)),
        (K.RECERTIFICATION, date(2027, 12, 1), False, date(2028, 2, 29), None, date(2031, 2, 28)),
        # Restoration: the expiry follows the previous cycle (rule 13), not the restoration day + 3 years
        (K.RESTORATION, date(2029, 6, 1), False, date(2029, 3, 10), None, date(2032, 3, 10)),
        # Transfer keeps the incoming cycle's expiry (rule 30)
        (K.TRANSFER, date(2026, 5, 4), False, None, date(2027, 9, 30), date(2027, 9, 30)),
        (K.TRANSFER, date(2026, 5, 4), True, None, date(2027, 9, 30), date(2027, 9, 30)),
        # Scope changes and an edition transition keep the expiry
        (K.SCOPE_EXTENSION, date(2027, 5, 4), False, date(2029, 3, 10), None, date(2029, 3, 10)),
        (K.SCOPE_REDUCTION, date(2027, 5, 4), True, date(2029, 3, 10), None, date(2029, 3, 10)),
        (K.TRANSITION, date(2027, 5, 4), False, date(2029, 3, 10), None, date(2029, 3, 10)),
    ],
)
def test_expiry_for(kind, decided_on, day_before, previous, incoming, expiry):
    assert (
        expiry_for(
            kind,
            decided_on=decided_on,
            day_before=day_before,
            previous_expiry=previous,
            incoming_expiry=incoming,
        )
        == expiry
    )


def test_expiry_for_a_transfer_needs_the_incoming_expiry():
    with pytest.raises(ValueError, match="incoming"):
        expiry_for(K.TRANSFER, decided_on=date(2026, 5, 4))


@pytest.mark.parametrize(
    "kind", [K.RECERTIFICATION, K.RESTORATION, K.SCOPE_EXTENSION, K.SCOPE_REDUCTION, K.TRANSITION]
)
def test_expiry_for_a_revision_needs_the_previous_expiry(kind):
    with pytest.raises(ValueError, match="expiry date"):
        expiry_for(kind, decided_on=date(2026, 5, 4))


@pytest.mark.parametrize(
    ("kind", "previous_start", "start"),
    [
        (K.INITIAL, None, date(2027, 5, 4)),
        (K.RECERTIFICATION, date(2024, 5, 4), date(2027, 5, 4)),
        (K.RESTORATION, date(2024, 5, 4), date(2027, 5, 4)),
        (K.SCOPE_EXTENSION, date(2024, 5, 4), date(2024, 5, 4)),
        (K.SCOPE_REDUCTION, date(2024, 5, 4), date(2024, 5, 4)),
        (K.TRANSITION, date(2024, 5, 4), date(2024, 5, 4)),
    ],
)
def test_cycle_start_for(kind, previous_start, start):
    assert cycle_start_for(kind, decided_on=date(2027, 5, 4), previous_start=previous_start) == start


# --- Restoration window (rule 13) ------------------------------------------------------------------

EXPIRED_ON = date(2029, 3, 10)


@pytest.mark.parametrize(
    ("days_after", "stage2_after", "allowed"),
    [
        (1, False, True),
        (183, False, True),
        (184, False, False),
        (184, True, True),
        (400, False, False),
        (400, True, True),
    ],
)
def test_restoration_refusal(days_after, stage2_after, allowed):
    refusal = restoration_refusal(
        expiry_on=EXPIRED_ON,
        decided_on=EXPIRED_ON + timedelta(days=days_after),
        stage2_after_expiry=stage2_after,
    )
    if allowed:
        assert refusal is None
    else:
        assert "rule 13" in refusal
        assert str(EXPIRED_ON + timedelta(days=183)) in refusal  # the last day it was possible


# --- Six-month stage 2 rule (rule 5) ----------------------------------------------------------------

STAGE2_ENDS = date(2026, 1, 15)
LIMIT = STAGE2_ENDS + timedelta(days=183)


def major(label: str, verified_days: int | None) -> MajorNC:
    verified = None if verified_days is None else STAGE2_ENDS + timedelta(days=verified_days)
    return MajorNC(label=label, url=f"/findings/{label}/", verified_on=verified)


@pytest.mark.parametrize(
    ("decided_days", "verified_days", "blocked"),
    [
        (183, None, False),  # not yet past the limit: rule 4 blocks it, not rule 5
        (183, 183, False),
        (183, 10, False),
        (184, None, True),  # past the limit and never verified
        (184, 183, False),  # verified on the last day
        (184, 184, True),  # verified one day late
        (300, 200, True),
        (300, 20, False),
    ],
)
def test_six_month_blockers(decided_days, verified_days, blocked):
    nc = major("NC1", verified_days)
    found = six_month_blockers(
        stage2_ends_on=STAGE2_ENDS,
        majors=[nc],
        decided_on=STAGE2_ENDS + timedelta(days=decided_days),
        days=183,
    )
    assert found == ([nc] if blocked else [])


def test_six_month_blockers_keeps_only_the_late_majors_in_order():
    majors = [major("A", None), major("B", 100), major("C", 190), major("D", 183)]
    found = six_month_blockers(
        stage2_ends_on=STAGE2_ENDS, majors=majors, decided_on=LIMIT + timedelta(days=1), days=183
    )
    assert [m.label for m in found] == ["A", "C"]


def test_six_month_blockers_follow_the_cb_days():
    nc = major("NC1", None)
    decided = STAGE2_ENDS + timedelta(days=91)
    assert six_month_blockers(stage2_ends_on=STAGE2_ENDS, majors=[nc], decided_on=decided, days=90) == [nc]
    assert six_month_blockers(stage2_ends_on=STAGE2_ENDS, majors=[nc], decided_on=decided, days=91) == []


# --- Mandatory content (rule 8) ----------------------------------------------------------------------

COMPLETE = Content(
    holder="Organisation A",
    holder_address="Main street 1, 1000 Brussels, Belgium",
    sites=(("A headquarters", "Main street 1, 1000 Brussels, Belgium"), ("A depot", "Side street 2, Ghent")),
    scope="Design and delivery of digital public services",
    standard="ISO 9001",
    edition_year=2015,
    effective_on=date(2026, 3, 2),
    expiry_on=date(2029, 3, 2),
    number="2026-00001",
    cb_name="CB serving A",
    cb_address="CB avenue 3, Brussels, Belgium",
    cb_mark=True,
    is_isms=False,
    soa_version="",
)


def test_complete_content_misses_nothing():
    assert missing_content(COMPLETE) == []
    assert (
        missing_content(dataclasses.replace(COMPLETE, is_isms=True, soa_version="SoA v3, 2026-01-10")) == []
    )


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        ({"holder": ""}, "the client's name and address"),
        ({"holder": "   "}, "the client's name and address"),
        ({"holder_address": ""}, "the client's name and address"),
        ({"sites": ()}, "at least one site in scope"),
        (
            {"sites": (("A headquarters", "Main street 1"), ("A depot", " "))},
            "the address of the site A depot",
        ),
        ({"scope": ""}, "the scope text"),
        ({"scope": "\n  "}, "the scope text"),
        ({"standard": ""}, "the standard with its edition"),
        ({"edition_year": None}, "the standard with its edition"),
        ({"effective_on": None}, "the effective and expiry dates"),
        ({"expiry_on": None}, "the effective and expiry dates"),
        ({"number": ""}, "the certificate number"),
        ({"cb_name": ""}, "the certification body's name and address"),
        ({"cb_address": ""}, "the certification body's name and address"),
        ({"cb_mark": False}, "the certification body's mark (upload it in the body's settings)"),
        ({"is_isms": True, "soa_version": ""}, "the version of the Statement of Applicability (ISMS)"),
        ({"is_isms": True, "soa_version": "  "}, "the version of the Statement of Applicability (ISMS)"),
    ],
)
def test_missing_content_one_item(change, missing):
    assert missing_content(dataclasses.replace(COMPLETE, **change)) == [missing]


def test_missing_content_lists_every_missing_item():
    empty = Content(
        holder="",
        holder_address="",
        sites=(),
        scope="",
        standard="",
        edition_year=None,
        effective_on=None,
        expiry_on=None,
        number="",
        cb_name="",
        cb_address="",
        cb_mark=False,
        is_isms=True,
        soa_version="",
    )
    assert len(missing_content(empty)) == 9


# --- Accreditation (rule 34) ---------------------------------------------------------------------------

ON = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("scopes", "codes", "covered"),
    [
        ([(date(2020, 1, 1), None, frozenset({19, 33}))], frozenset({33}), True),
        ([(date(2020, 1, 1), None, frozenset({19, 33}))], frozenset({19, 33}), True),
        ([(date(2020, 1, 1), None, frozenset({19}))], frozenset(), True),  # no code: the standard suffices
        ([(ON, ON, frozenset({33}))], frozenset({33}), True),  # valid on its first and last day
        ([(date(2020, 1, 1), date(2026, 5, 31), frozenset({33}))], frozenset({33}), False),  # expired
        ([(date(2026, 6, 2), None, frozenset({33}))], frozenset({33}), False),  # not yet valid
        ([(date(2020, 1, 1), None, frozenset({19}))], frozenset({19, 33}), False),  # a code missing
        ([], frozenset(), False),  # no accreditation for the standard
        (
            [
                (date(2020, 1, 1), date(2026, 5, 31), frozenset({19, 33})),
                (date(2026, 6, 1), None, frozenset({19})),
            ],
            frozenset({19, 33}),
            False,  # the old scope covered both codes but has ended; the new one lacks 33
        ),
        (
            [
                (date(2020, 1, 1), date(2026, 5, 31), frozenset({19})),
                (date(2026, 6, 1), None, frozenset({19, 33})),
            ],
            frozenset({19, 33}),
            True,
        ),
    ],
)
def test_accreditation_covers(scopes, codes, covered):
    assert accreditation_covers(scopes=scopes, codes=codes, on=ON) is covered


# --- Suspension deadline (rule 14) ---------------------------------------------------------------------

TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("ends_on", "allowed"),
    [
        (TODAY - timedelta(days=1), False),
        (TODAY, False),
        (TODAY + timedelta(days=1), True),
        (TODAY + timedelta(days=183), True),
        (TODAY + timedelta(days=184), False),
    ],
)
def test_suspension_deadline_refusal(ends_on, allowed):
    refusal = suspension_deadline_refusal(ends_on=ends_on, today=TODAY, max_days=183)
    if allowed:
        assert refusal is None
    else:
        assert str(TODAY + timedelta(days=183)) in refusal


def test_suspension_deadline_follows_the_cb_limit():
    assert suspension_deadline_refusal(ends_on=TODAY + timedelta(days=30), today=TODAY, max_days=30) is None
    assert suspension_deadline_refusal(ends_on=TODAY + timedelta(days=31), today=TODAY, max_days=30)
