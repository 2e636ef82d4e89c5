"""The quality manager's flow in a real browser: sign in, start an analysis, answer in place."""

import pytest

from audits.models import GapAnalysis
from tests.audits.conftest import make_edition
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def test_quality_manager_starts_and_answers_in_place(page, live_server, world):
    edition = make_edition(
        "ISO 9001",
        2015,
        [
            ("4", "Context", "HS-4"),
            ("4.1", "Context of the organisation", "HS-4.1"),
            ("4.2", "Interested parties", ""),
        ],
    )
    _sign_in(page, live_server, world.qm_a)
    page.goto(f"{live_server.url}/organisations/{world.org_a.pk}/gap-analyses/new/")
    page.get_by_label("Title").fill("Baseline")
    page.get_by_label(f"{edition.label} — ").check()
    page.get_by_role("button", name="Start").click()
    analysis = GapAnalysis.objects.get(title="Baseline")
    page.wait_for_url(f"{live_server.url}{analysis.get_absolute_url()}")

    answer = analysis.answers.get(clause__number="4.1")
    row = page.locator(f"#answer-{answer.pk}")
    row.get_by_label("Partially conforming").check()
    row.get_by_text("Justification, evidence notes and action").click()
    row.get_by_label("Evidence notes").fill("Context register, version 3")
    row.get_by_role("button", name="Save").click()

    row.get_by_text("Saved").wait_for()  # swapped in place by htmx: no page load
    assert page.url.endswith(analysis.get_absolute_url())
    assert "1 of 2 clauses answered (50 %)" in page.locator("#readiness").inner_text()
    answer.refresh_from_db()
    assert (answer.status, answer.notes, answer.updated_by) == (
        "partial",
        "Context register, version 3",
        world.qm_a,
    )


def test_viewer_sees_no_answer_controls(page, live_server, world):
    edition = make_edition(
        "ISO 9001", 2015, [("4", "Context", ""), ("4.1", "Context of the organisation", "")]
    )
    from audits.services import gap as services

    analysis = services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title="Read me", editions=[edition], sites=[]
    )
    _sign_in(page, live_server, world.viewer_a)
    page.goto(f"{live_server.url}{analysis.get_absolute_url()}")
    assert page.get_by_role("heading", name="Read me").is_visible()
    assert page.locator("input[type=radio]").count() == 0
