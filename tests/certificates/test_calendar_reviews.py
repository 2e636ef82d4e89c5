"""A planned management review on the calendar (DOMAIN §13.2): on its day, for the organisation's
members only (rule 43), overdue while still planned after it, gone once held or cancelled; its
quality managers are reminded a month and a week before, once each however often the job runs."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from certificates.enums import OWN_DUE_KINDS, DueKind
from certificates.models import Reminder
from certificates.selectors.calendar import Filters, due_items, scope_for
from certificates.services.reminders import reminders_write
from improvement import access as improvement_access
from improvement.enums import ReviewStatus
from improvement.models import ManagementReview
from improvement.selectors import due as improvement_due
from improvement.services import reviews as services
from tests.audits.conftest import qms as qms

pytestmark = pytest.mark.django_db


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture
def own(world, qms):
    """Organisation A's review MR-1 planned in 40 days; organisation B's in 40 days too."""
    world.today = timezone.localdate()
    world.review = services.review_plan(
        actor=world.qm_a,
        organisation=world.org_a,
        title="Annual review",
        editions=[qms],
        planned_on=world.today + days(40),
    )
    world.review_b = services.review_plan(
        actor=world.qm_b,
        organisation=world.org_b,
        title="B review",
        editions=[qms],
        planned_on=world.today + days(40),
    )
    return world


def key(review) -> str:
    return f"management-review-{review.pk}"


def items(user, own, **kwargs) -> dict:
    found = due_items(
        scope_for(user),
        start=own.today,
        end=own.today + days(60),
        today=own.today,
        include_overdue=True,
        **kwargs,
    )
    return {item.key: item for item in found}


def test_a_planned_review_is_on_its_members_calendar_on_its_day(own):
    assert DueKind.MANAGEMENT_REVIEW in OWN_DUE_KINDS
    for member in (own.qm_a, own.contributor_a, own.viewer_a):
        item = items(member, own)[key(own.review)]
        assert (item.kind, item.due_on, item.subject) == (
            DueKind.MANAGEMENT_REVIEW,
            own.review.planned_on,
            "MR-1 Annual review",
        )
        assert item.path == reverse("improvement:review_detail", args=[own.review.pk])
        assert item.standard_codes == ("ISO 9001",) and item.certification_body_id is None
    assert key(own.review_b) not in items(own.qm_a, own)


@pytest.mark.parametrize("persona", ["auditor", "cert_manager", "other_cb_manager", "staff", "nobody"])
def test_no_cb_account_nor_platform_staff_sees_the_review(own, persona):
    assert not any(k.startswith("management-review-") for k in items(getattr(own, persona), own))


def test_the_filters_reach_reviews(own):
    assert key(own.review) in items(own.qm_a, own, filters=Filters(kinds=(DueKind.MANAGEMENT_REVIEW,)))
    assert key(own.review) not in items(own.qm_a, own, filters=Filters(kinds=(DueKind.ACTION_DUE,)))
    assert key(own.review) not in items(own.qm_a, own, filters=Filters(organisation_id=own.org_b.pk))
    other = own.review.editions.get().standard_id + 10_000
    assert key(own.review) not in items(own.qm_a, own, filters=Filters(standard_id=other))


def test_a_review_still_planned_after_its_day_is_overdue_and_a_held_one_leaves(own):
    ManagementReview.objects.filter(pk=own.review.pk).update(planned_on=own.today - days(3))
    item = items(own.qm_a, own)[key(own.review)]
    assert item.is_overdue(own.today)
    ManagementReview.objects.filter(pk=own.review.pk).update(status=ReviewStatus.CANCELLED)
    assert key(own.review) not in items(own.qm_a, own)


def test_reviews_due_reads_one_query(own, django_assert_num_queries):
    reviews = improvement_access.reviews_for(own.qm_a)
    with django_assert_num_queries(1):
        found = improvement_due.reviews_due(reviews, start=own.today, end=own.today + days(60))
    assert [r.reference for r in found] == ["MR-1"]


def _sweep(today, capture) -> list[int]:
    with capture(execute=True):
        return reminders_write(today=today)


def test_the_quality_managers_are_reminded_a_month_and_a_week_before_once(
    own, django_capture_on_commit_callbacks
):
    day = own.review.planned_on
    assert _sweep(day - days(31), django_capture_on_commit_callbacks) == []
    first = _sweep(day - days(30), django_capture_on_commit_callbacks)
    assert _sweep(day - days(30), django_capture_on_commit_callbacks) == []
    _sweep(day - days(7), django_capture_on_commit_callbacks)
    rows = set(Reminder.objects.filter(item_key=key(own.review)).values_list("recipient__email", "stage"))
    assert rows == {(own.qm_a.email, "before-30"), (own.qm_a.email, "before-7")}
    assert (
        first
        and Reminder.objects.get(pk__in=first, item_key=key(own.review)).kind == DueKind.MANAGEMENT_REVIEW
    )
    assert [m.to for m in mail.outbox if "Annual review" in m.body] == [[own.qm_a.email], [own.qm_a.email]]
