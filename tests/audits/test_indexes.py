"""The partial indexes of audits serve the queries they were made for (docs/performance.md,
"Indexes"). PostgreSQL uses a partial index only for a query whose conditions imply the index's:
a change to either would silently drop the index from the plan, and these tests catch it."""

import datetime

import pytest
from django.db import connection

from audits.enums import FindingStatus, FindingType
from audits.selectors import responses as selectors
from audits.services import responses as services
from tests.audits.test_responses_services import PLAN, audit_world, make_finding

pytestmark = [
    pytest.mark.django_db,
    # what PostgreSQL's planner picks (CI runs on PostgreSQL; SQLite plans otherwise)
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL plan"),
]

DAY = datetime.date(2027, 6, 1)


@pytest.fixture
def w(world, qms):
    return audit_world(world, qms)


def plan_of(queryset) -> str:
    """The plan PostgreSQL picks when reading a table whole is priced out: on a test's few rows a
    sequential scan is always cheapest, and this leaves only the indexes the query may use."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            return queryset.explain()
        finally:
            cursor.execute("RESET enable_seqscan")


def test_the_reviewers_queue_reads_the_pending_responses_in_order(w):
    for _ in range(3):
        services.response_submit(actor=w.qm_a, finding=make_finding(w), **PLAN)
    for persona in (w.reviewer, w.auditor):
        assert "response_pending_by_time" in plan_of(selectors.to_review(persona)[: selectors.PANEL_ROWS])


def test_what_waits_for_the_client_reads_the_open_nonconformities(w):
    make_finding(w)
    make_finding(w, status=FindingStatus.PLAN_ACCEPTED)
    make_finding(w, FindingType.MINOR_NC, status=FindingStatus.PLAN_ACCEPTED)
    plan = plan_of(selectors.awaiting_client(w.qm_a, DAY)[: selectors.PANEL_ROWS])
    # on a test's few rows the two partial indexes of open nonconformities cost the same; at scale
    # the planner takes the smaller (a few hundred rows against half the nonconformities)
    assert "finding_client_turn" in plan or "finding_open_closure" in plan


def test_the_calendar_reads_the_deadlines_still_running(w):
    from audits.models import Finding
    from certificates.selectors.calendar import findings_due

    make_finding(w)
    make_finding(w, status=FindingStatus.PLAN_ACCEPTED)
    plan = plan_of(findings_due(Finding.objects.all(), start=DAY, end=DAY, include_overdue=True))
    assert "finding_open_closure" in plan
