"""Management-review records for a world (tests/conftest.py `world`), shared by the tests of
reviews and the project-wide sweeps (URL access, bounds, create forms, benchmark)."""

import datetime

from improvement.services import reviews as services

PLANNED_ON = datetime.date(2026, 3, 10)
HELD_ON = datetime.date(2025, 3, 11)
HELD_ON = datetime.date(2025, 3, 11)


def review_records(world, edition, suffix: str = "a") -> dict:
    """For organisation `suffix` (a or b): a planned review (MR-1) with a top-management attendee, an
    answered input and a decision, and a held review (MR-2) of the year before."""
    org = getattr(world, f"org_{suffix}")
    qm = getattr(world, f"qm_{suffix}")
    review = services.review_plan(
        actor=qm, organisation=org, title=f"Review {suffix}", editions=[edition], planned_on=PLANNED_ON
    )
    attendee = services.review_attendee_add(
        actor=qm, review=review, name=f"Director {suffix}", function="Director", is_top_management=True
    )
    review_input = review.inputs.order_by("position").first()
    services.review_input_answer(
        actor=qm,
        review_input=review_input,
        answer="Considered",
        not_applicable=False,
        not_applicable_reason="",
    )
    output = services.review_output_add(
        actor=qm, review=review, kind="improvement", decision=f"Improve {suffix}"
    )
    held = services.review_plan(
        actor=qm, organisation=org, title=f"Last year {suffix}", editions=[edition], planned_on=HELD_ON
    )
    address_all(held, qm)
    services.review_attendee_add(actor=qm, review=held, name=f"Head {suffix}", is_top_management=True)
    services.review_hold(actor=qm, review=held, held_on=HELD_ON)
    return {
        "review": review,
        "review_attendee": attendee,
        "review_input": review_input,
        "review_output": output,
        "held_review": held,
    }


def address_all(review, actor) -> None:
    for row in review.inputs.all():
        if not row.is_addressed:
            services.review_input_answer(
                actor=actor,
                review_input=row,
                answer="Discussed",
                not_applicable=False,
                not_applicable_reason="",
            )


def reviews_of(world) -> dict:
    """The records of organisation A, made once per world (the sweeps' lambdas call this), with a
    review ready to be marked held (every input addressed, top management attending)."""
    if not hasattr(world, "review_records"):
        records = review_records(world, world.edition)
        ready = services.review_plan(
            actor=world.qm_a,
            organisation=world.org_a,
            title="Ready",
            editions=[world.edition],
            planned_on=PLANNED_ON,
        )
        address_all(ready, world.qm_a)
        services.review_attendee_add(actor=world.qm_a, review=ready, name="Chair", is_top_management=True)
        world.review_records = {**records, "ready_review": ready}
    return world.review_records
