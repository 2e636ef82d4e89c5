"""The calendar's day for a certification manager, on the demo data: the dashboard's panels load
after the page, the work queue holds the demo's rule-10 task, the manager records why the
certificate is not suspended and the task closes; the month shows what falls due; the calendar's
secret feed is a valid iCal file for any calendar application."""

from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from icalendar import Calendar
from playwright.sync_api import expect

from certificates.enums import TaskKind, TaskResolution, TaskStatus
from certificates.models import Task
from tests.e2e.test_certificates import MANAGER, _sign_in_demo
from tests.e2e.test_gap_analysis import _blocked_by_csp

# the demo needs the catalogue data of the migrations (IAF codes), which a transactional test flushes:
# restore it before each test
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", force=True, stdout=StringIO())


def test_the_manager_clears_a_task_from_the_queue_and_subscribes(page, live_server, demo):
    refused = _blocked_by_csp(page)
    task = Task.objects.get(kind=TaskKind.OVERDUE_SURVEILLANCE)
    _sign_in_demo(page, live_server, MANAGER)

    # the dashboard loads its panels after the page (htmx): the missed first surveillance is overdue
    overdue = page.locator("#due-overdue")
    expect(overdue).to_contain_text("First surveillance due")
    expect(overdue).to_contain_text(task.certificate.number)

    page.get_by_role("link", name="Work queue", exact=True).click()
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()
    page.get_by_role("link", name=task.certificate.number).first.click()
    expect(page.get_by_role("heading", name=str(task.get_kind_display()))).to_be_visible()
    page.get_by_role("link", name="Decide not to suspend").click()
    page.get_by_label("Why not suspend").fill("The client rescheduled the audit at our request.")
    page.get_by_role("button", name="Record: not suspended").click()
    expect(page.get_by_text("Decided not to suspend").first).to_be_visible()
    task.refresh_from_db()
    assert (task.status, task.resolution) == (TaskStatus.DONE, TaskResolution.NOT_SUSPENDED)

    page.get_by_role("link", name="Calendar", exact=True).click()
    expect(page.locator("table")).to_be_visible()
    expect(page.get_by_text("Overdue").first).to_be_visible()

    page.goto(f"{live_server.url}/calendar/subscription/")
    address = page.locator("#feed-url").input_value()
    assert address.endswith(".ics")  # on SITE_URL; the test server listens elsewhere
    feed = page.request.get(live_server.url + urlsplit(address).path)
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.body()).walk("VEVENT")
    assert any(task.certificate.number in str(event["SUMMARY"]) for event in events)
    assert refused == []


def test_the_managers_next_steps_load_on_the_dashboard_and_the_month_has_equal_columns(
    page, live_server, demo
):
    refused = _blocked_by_csp(page)
    _sign_in_demo(page, live_server, MANAGER)
    # the work queue's first rows load after the page (htmx): the demo's draft decision and task
    steps = page.locator("#next-steps")
    expect(steps.get_by_role("heading", name="Next steps")).to_be_visible()
    expect(steps.get_by_role("link", name="Open the work queue")).to_be_visible()
    assert steps.locator("li[data-kind]").count() >= 1
    page.goto(f"{live_server.url}/calendar/")
    widths = page.locator("#month-grid thead th").evaluate_all(
        "cells => cells.map(cell => cell.getBoundingClientRect().width)"
    )
    assert len(widths) == 7 and max(widths) - min(widths) < 1, widths  # a long item wraps in its day
    assert refused == []
