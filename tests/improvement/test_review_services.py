"""Management reviews (HS 9.3, DOMAIN §13.2): numbering, the checklist of inputs, rule 41, attendees,
decisions and their actions, and the transition log."""

import datetime

import pytest
from django.utils import timezone

from core.errors import DomainError
from core.transitions import transitions_of
from improvement.enums import ActionKind, ActionSource, ReviewStatus
from improvement.review_inputs import HS_INPUTS, STANDARD_INPUTS
from improvement.services import reviews as services
from organisations.access import NotAllowed
from tests.audits.conftest import isms as isms  # the ISO/IEC 27001:2022 fixture
from tests.improvement.review_world import PLANNED_ON, address_all

PAST = datetime.date(2026, 3, 10)


@pytest.fixture
def review(world, qms):
    return services.review_plan(
        actor=world.qm_a, organisation=world.org_a, title="Annual review", editions=[qms], planned_on=PAST
    )


def _answer(review_input, actor, answer="Discussed", na=False, reason=""):
    return services.review_input_answer(
        actor=actor, review_input=review_input, answer=answer, not_applicable=na, not_applicable_reason=reason
    )


def _ready(review, world):
    address_all(review, world.qm_a)
    services.review_attendee_add(
        actor=world.qm_a, review=review, name="Dr Weber", function="Secretary-General", is_top_management=True
    )


# --- planning and numbering ----------------------------------------------------------------------


def test_review_plan_numbers_per_organisation(world, qms):
    first = services.review_plan(
        actor=world.qm_a, organisation=world.org_a, title="One", editions=[qms], planned_on=PAST
    )
    second = services.review_plan(
        actor=world.qm_a, organisation=world.org_a, title="Two", editions=[qms], planned_on=PAST
    )
    other = services.review_plan(
        actor=world.qm_b, organisation=world.org_b, title="B", editions=[qms], planned_on=PAST
    )
    assert (first.reference, second.reference, other.reference) == ("MR-1", "MR-2", "MR-1")
    assert [t.to_state for t in transitions_of(first)] == [ReviewStatus.PLANNED]


def test_review_plan_generates_hs_then_standard_inputs_in_order(world, qms, isms):
    review = services.review_plan(
        actor=world.qm_a, organisation=world.org_a, title="Integrated", editions=[isms, qms], planned_on=PAST
    )
    keys = list(review.inputs.order_by("position").values_list("key", flat=True))
    codes = sorted([qms.standard, isms.standard], key=lambda s: (s.number, s.code))
    expected = [spec.key for spec in HS_INPUTS]
    for standard in codes:
        expected += [spec.key for spec in STANDARD_INPUTS[standard.code]]
    assert keys == expected
    assert list(review.inputs.order_by("position").values_list("position", flat=True)) == list(
        range(1, len(expected) + 1)
    )


def test_review_plan_refuses_without_editions_and_for_non_managers(world, qms):
    with pytest.raises(DomainError, match="at least one edition"):
        services.review_plan(
            actor=world.qm_a, organisation=world.org_a, title="X", editions=[], planned_on=PAST
        )
    for user in (world.contributor_a, world.viewer_a, world.cert_manager, world.qm_b):
        with pytest.raises(NotAllowed):
            services.review_plan(
                actor=user, organisation=world.org_a, title="X", editions=[qms], planned_on=PAST
            )


def test_review_plan_refuses_a_date_outside_the_bounds(world, qms):
    with pytest.raises(DomainError):
        services.review_plan(
            actor=world.qm_a,
            organisation=world.org_a,
            title="X",
            editions=[qms],
            planned_on=datetime.date(1900, 1, 1),
        )


def test_review_update_adds_and_removes_a_standards_inputs(world, review, qms, isms):
    services.review_update(
        actor=world.qm_a, review=review, title="Both", editions=[qms, isms], planned_on=PAST
    )
    isms_keys = {spec.key for spec in STANDARD_INPUTS["ISO/IEC 27001"]}
    assert isms_keys <= set(review.inputs.values_list("key", flat=True))
    services.review_update(actor=world.qm_a, review=review, title="QMS", editions=[qms], planned_on=PAST)
    assert not isms_keys & set(review.inputs.values_list("key", flat=True))
    review.refresh_from_db()
    assert review.title == "QMS"


def test_review_update_refuses_removing_a_standard_whose_input_is_answered(world, review, qms, isms):
    services.review_update(
        actor=world.qm_a, review=review, title="Both", editions=[qms, isms], planned_on=PAST
    )
    row = review.inputs.get(key="iso-iec-27001.risk_treatment")
    _answer(row, world.qm_a)
    with pytest.raises(DomainError, match="risk assessment"):
        services.review_update(actor=world.qm_a, review=review, title="QMS", editions=[qms], planned_on=PAST)
    assert review.inputs.filter(key="iso-iec-27001.risk_treatment").exists()


# --- rule 41 --------------------------------------------------------------------------------------


def test_review_hold_refused_naming_an_empty_input(world, review):
    _ready(review, world)
    empty = review.inputs.get(key="hs.monitoring")
    empty.answer = ""
    empty.save()
    with pytest.raises(DomainError, match="Monitoring and measurement results"):
        services.review_hold(actor=world.qm_a, review=review, held_on=PAST)
    review.refresh_from_db()
    assert review.status == ReviewStatus.PLANNED and review.held_on is None


def test_review_input_not_applicable_needs_a_reason(world, review):
    row = review.inputs.get(key="hs.monitoring")
    with pytest.raises(DomainError, match="rule 41"):
        _answer(row, world.qm_a, answer="", na=True, reason=" ")
    row.refresh_from_db()
    assert not row.not_applicable


def test_review_hold_refused_with_not_applicable_without_reason(world, review):
    _ready(review, world)
    row = review.inputs.get(key="hs.monitoring")
    row.answer, row.not_applicable, row.not_applicable_reason = "", True, ""
    row.save()
    with pytest.raises(DomainError, match="Monitoring"):
        services.review_hold(actor=world.qm_a, review=review, held_on=PAST)


def test_review_hold_refused_without_top_management(world, review):
    address_all(review, world.qm_a)
    services.review_attendee_add(actor=world.qm_a, review=review, user=world.contributor_a)
    with pytest.raises(DomainError, match="top management"):
        services.review_hold(actor=world.qm_a, review=review, held_on=PAST)


def test_review_hold_refused_in_the_future(world, review):
    _ready(review, world)
    with pytest.raises(DomainError, match="future"):
        services.review_hold(
            actor=world.qm_a, review=review, held_on=timezone.localdate() + datetime.timedelta(days=1)
        )


def test_review_hold_accepted_when_every_input_is_addressed(world, review):
    _ready(review, world)
    row = review.inputs.get(key="hs.monitoring")
    _answer(row, world.qm_a, answer="", na=True, reason="No monitoring this year")
    held = services.review_hold(actor=world.qm_a, review=review, held_on=PAST, summary="Good")
    assert held.status == ReviewStatus.HELD
    assert held.held_on == PAST and held.held_by == world.qm_a and held.held_at
    assert held.prepared["day"] == PAST.isoformat()
    assert [s["key"] for s in held.prepared["sections"]][:3] == [
        "previous_actions",
        "actions",
        "internal_audits",
    ]
    assert [t.to_state for t in transitions_of(held).order_by("pk") if t.field == "status"] == [
        ReviewStatus.PLANNED,
        ReviewStatus.HELD,
    ]
    # once held, the answers can improve but never be left unaddressed
    with pytest.raises(DomainError, match="cannot be left empty"):
        _answer(row, world.qm_a, answer="")
    services.review_minutes_approve(actor=world.qm_a, review=held)
    held.refresh_from_db()
    assert held.status == ReviewStatus.MINUTES_APPROVED and held.minutes_approved_by == world.qm_a
    with pytest.raises(DomainError, match="approved"):
        _answer(row, world.qm_a, answer="Late")


def test_review_hold_only_by_quality_managers(world, review):
    _ready(review, world)
    with pytest.raises(NotAllowed):
        services.review_hold(actor=world.contributor_a, review=review, held_on=PAST)


def test_review_minutes_approve_refused_while_planned(world, review):
    with pytest.raises(DomainError, match="held"):
        services.review_minutes_approve(actor=world.qm_a, review=review)


def test_review_cancel_needs_a_reason_and_only_while_planned(world, review):
    with pytest.raises(DomainError, match="why"):
        services.review_cancel(actor=world.qm_a, review=review, reason=" ")
    services.review_cancel(actor=world.qm_a, review=review, reason="Merged with the next")
    review.refresh_from_db()
    assert review.status == ReviewStatus.CANCELLED and review.cancel_reason == "Merged with the next"
    with pytest.raises(DomainError, match="minutes"):
        _answer(review.inputs.first(), world.qm_a)


# --- attendees ------------------------------------------------------------------------------------


def test_review_attendee_rules(world, review):
    member = services.review_attendee_add(actor=world.qm_a, review=review, user=world.viewer_a)
    assert member.display_name == "Viewer A"
    with pytest.raises(DomainError, match="already"):
        services.review_attendee_add(actor=world.qm_a, review=review, user=world.viewer_a)
    with pytest.raises(DomainError, match="member of the organisation"):
        services.review_attendee_add(actor=world.qm_a, review=review, user=world.qm_b)
    with pytest.raises(DomainError, match="name"):
        services.review_attendee_add(actor=world.qm_a, review=review)
    with pytest.raises(NotAllowed):
        services.review_attendee_add(actor=world.contributor_a, review=review, name="X")
    services.review_attendee_remove(actor=world.qm_a, attendee=member)
    member.refresh_from_db()
    assert member.removed_at is not None
    again = services.review_attendee_add(actor=world.qm_a, review=review, user=world.viewer_a)
    assert again.pk != member.pk
    assert [t.to_state for t in transitions_of(member).order_by("pk")] == ["False", "True"]


# --- decisions -------------------------------------------------------------------------------------


def test_review_output_numbers_and_withdraw(world, review):
    first = services.review_output_add(
        actor=world.contributor_a, review=review, kind="improvement", decision="A"
    )
    second = services.review_output_add(actor=world.qm_a, review=review, kind="resources", decision="B")
    assert (first.reference, second.reference) == ("D-1", "D-2")
    with pytest.raises(NotAllowed):
        services.review_output_add(actor=world.viewer_a, review=review, kind="improvement", decision="C")
    with pytest.raises(DomainError):
        services.review_output_add(actor=world.qm_a, review=review, kind="nonsense", decision="C")
    services.review_output_withdraw(actor=world.qm_a, output=first)
    first.refresh_from_db()
    assert first.withdrawn_at is not None


def test_review_output_action_raise_once(world, review):
    output = services.review_output_add(
        actor=world.qm_a, review=review, kind="improvement", decision="Digitise the archive"
    )
    action = services.review_output_action_raise(
        actor=world.qm_a, output=output, title="Digitise", owner=world.contributor_a, due_on=PAST
    )
    output.refresh_from_db()
    assert output.action == action
    assert action.source == ActionSource.MANAGEMENT_REVIEW
    assert action.source_reference == review.reference
    assert action.kind == ActionKind.OPPORTUNITY
    assert action.owner == world.contributor_a and action.due_on == PAST
    with pytest.raises(DomainError, match="already action"):
        services.review_output_action_raise(actor=world.qm_a, output=output, title="Again", owner=world.qm_a)
    with pytest.raises(DomainError, match="cancel the action"):
        services.review_output_withdraw(actor=world.qm_a, output=output)
    assert review.organisation.actions.count() == 1


def test_review_output_action_needs_a_writer_owner_and_a_manager(world, review):
    output = services.review_output_add(actor=world.qm_a, review=review, kind="change", decision="Change")
    with pytest.raises(DomainError, match="owner"):
        services.review_output_action_raise(actor=world.qm_a, output=output, title="T", owner=world.viewer_a)
    with pytest.raises(NotAllowed):
        services.review_output_action_raise(
            actor=world.contributor_a, output=output, title="T", owner=world.contributor_a
        )
    output.refresh_from_db()
    assert output.action is None


def test_review_planned_on_fixture_is_in_the_past():
    assert timezone.localdate() >= PLANNED_ON
