"""After a failed submit the page opens on its error summary (the GOV.UK pattern), in a real
browser: the summary has the focus, and its link takes the focus to the field."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_gap_analysis import _blocked_by_csp, _sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # see test_calendar.py


def test_a_failed_submit_focuses_the_summary_and_its_link_the_field(page, live_server, world):
    refused = _blocked_by_csp(page)
    _sign_in(page, live_server, world.qm_a)
    page.goto(f"{live_server.url}/organisations/{world.org_a.pk}/actions/new/")
    page.locator("#id_title").fill("")  # the form is novalidate: the server says what is missing
    page.locator("main form").last.locator("button[type=submit]").last.click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_title")).to_be_focused()
    assert refused == []
