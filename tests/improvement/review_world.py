"""Management-review records for a world (tests/conftest.py `world`), shared by the tests of
reviews and the project-wide sweeps (URL access, bounds, create forms, benchmark)."""

import datetime

from improvement.services import reviews as services

PLANNED_ON = datetime.date(2026, 3, 10)


def review_records(world, edition, suffix: str = "a") -> dict:
    """For organisation `suffix` (a or b): a planned review with a top-management attendee, an
    answered input and a decision."""
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
    return {
        "review": review,
        "review_attendee": attendee,
        "review_input": review_input,
        "review_output": output,
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
    """The records of organisation A, made once per world (the sweeps' lambdas call this)."""
    if not hasattr(world, "review_records"):
        world.review_records = review_records(world, world.edition)
    return world.review_records
