"""The quality manager's flow in a real browser: sign in, start an analysis, answer in place."""

import pytest
from playwright.sync_api import expect

from improvement.models import GapAnalysis
from tests.audits.conftest import make_edition
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # see test_calendar.py


def _sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def _blocked_by_csp(page) -> list[str]:
    """Collects what the Content-Security-Policy refused on the page (inline code, style= ...)."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return refused


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
    refused = _blocked_by_csp(page)
    _sign_in(page, live_server, world.qm_a)
    page.goto(f"{live_server.url}/organisations/{world.org_a.pk}/gap-analyses/new/")
    page.get_by_label("Title").fill("Baseline")
    page.get_by_label(f"{edition.label} — ").check()
    page.get_by_role("button", name="Start").click()
    analysis = GapAnalysis.objects.get(title="Baseline")
    page.wait_for_url(f"{live_server.url}{analysis.get_absolute_url()}")

    answer = analysis.answers.get(clause__number="4.1")
    row = page.locator(f"#answer-{answer.pk}")
    assert page.locator("input[type=radio]").count() == 0  # compact rows: no form until asked for
    row.get_by_role("link", name="Edit").click()
    row.get_by_label("Partially conforming").wait_for()  # the editor, loaded in place by htmx
    heading = page.locator(f"#answer-{answer.pk}-title")
    expect(heading).to_be_focused()  # focus moved to the editor's heading
    row.get_by_label("Partially conforming").check()
    row.get_by_label("Evidence notes").fill("Context register, version 3")
    assert row.get_by_text("Where the evidence is").is_visible()  # the help text aria-describedby names
    row.get_by_role("button", name="Save").click()

    row.get_by_text("Saved").wait_for()  # swapped in place by htmx: no page load
    assert page.url.endswith(analysis.get_absolute_url())
    # the editor closed: only the row's tick box for setting several at once is left
    assert (
        row.locator("input:not(.answer-pick)").count() == 0
        and "Context register, version 3" in row.inner_text()
    )
    assert "1 of 2 clauses answered (50 %)" in page.locator("#readiness").inner_text()
    # after the save, focus is on the saved row's heading, not lost to <body>, and the change is read out
    expect(heading).to_be_focused()
    announcer = page.locator("#gap-announcer")
    assert announcer.get_attribute("aria-live") == "polite"
    assert announcer.inner_text() == "Clause 4.1 saved: Partially conforming."
    badge = row.locator(".status")
    assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 230, 156)"
    assert badge.evaluate("e => getComputedStyle(e).color") == "rgb(82, 62, 2)"
    answer.refresh_from_db()
    assert (answer.status, answer.notes, answer.updated_by) == (
        "partial",
        "Context register, version 3",
        world.qm_a,
    )

    # the saved row offers the next clause not yet assessed: its editor opens in place
    row.get_by_role("link", name="Next unanswered clause").click()
    following = analysis.answers.get(clause__number="4.2")
    page.locator(f"#answer-{following.pk}").get_by_label("Conforming", exact=True).wait_for()
    expect(page.locator(f"#answer-{following.pk}-title")).to_be_focused()
    assert announcer.inner_text() == "Next clause not yet assessed: 4.2."
    assert refused == []


def test_editor_error_is_focused_and_closing_restores_the_row(page, live_server, world):
    edition = make_edition("ISO 9001", 2015, [("8", "Operation", ""), ("8.3", "Design and development", "")])
    from improvement.services import gap as services

    analysis = services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title="Errors", editions=[edition], sites=[]
    )
    answer = analysis.answers.get()
    _sign_in(page, live_server, world.qm_a)
    page.goto(f"{live_server.url}{analysis.get_absolute_url()}")
    row = page.locator(f"#answer-{answer.pk}")
    row.get_by_role("link", name="Edit").click()
    row.get_by_label("Not applicable").check()
    row.get_by_role("button", name="Save").click()
    errors = page.locator(f"#answer-{answer.pk}-errors")
    errors.wait_for()
    expect(errors).to_be_focused()
    assert "Say why the requirement does not apply." in row.inner_text()
    row.get_by_role("link", name="Close").click()
    row.get_by_role("link", name="Edit").wait_for()
    assert row.locator("input:not(.answer-pick)").count() == 0


def test_evidence_attached_in_place_keeps_the_editor_open(page, live_server, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    edition = make_edition(
        "ISO 9001", 2015, [("4", "Context", ""), ("4.1", "Context of the organisation", "")]
    )
    from improvement.services import gap as services

    analysis = services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title="Files", editions=[edition], sites=[]
    )
    answer = analysis.answers.get()
    refused = _blocked_by_csp(page)
    _sign_in(page, live_server, world.qm_a)
    page.goto(f"{live_server.url}{analysis.get_absolute_url()}")
    row = page.locator(f"#answer-{answer.pk}")
    row.get_by_role("link", name="Edit").click()
    row.get_by_label("Evidence notes").fill("Typed before attaching")
    row.get_by_label("Add an evidence file").set_input_files(
        {"name": "register.txt", "mimeType": "text/plain", "buffer": b"register"}
    )
    row.get_by_role("button", name="Attach").click()
    message = row.get_by_text("The file was attached to clause 4.1.")
    message.wait_for()
    expect(message).to_be_focused()
    expect(page.locator("#gap-announcer")).to_have_text("The file was attached to clause 4.1.")
    assert row.get_by_role("link", name="register.txt").is_visible()
    assert row.get_by_label("Evidence notes").input_value() == "Typed before attaching"  # not lost
    assert answer.evidence_files.get().original_name == "register.txt"
    assert refused == []


def test_gap_page_reflows_at_320_px(browser, live_server, world):
    """WCAG 1.4.10: nothing scrolls sideways on a 320 px wide screen, a long file name included."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from improvement.services import gap as services

    edition = make_edition(
        "ISO 9001", 2015, [("4", "Context", ""), ("4.1", "Context of the organisation", "")]
    )
    analysis = services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title="Narrow", editions=[edition], sites=[]
    )
    answer = analysis.answers.get()
    services.gap_answer_save(actor=world.qm_a, answer=answer, status="partial")
    services.gap_answer_action_raise(
        actor=world.qm_a, answer=answer, title="Write the register", owner=world.qm_a
    )
    long_name = "Register_of_interested_parties_and_their_requirements_" * 4 + ".txt"
    services.gap_evidence_add(actor=world.qm_a, answer=answer, upload=SimpleUploadedFile(long_name, b"e"))
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.set_default_timeout(10_000)
    _sign_in(page, live_server, world.qm_a)
    for path in (analysis.get_absolute_url(), f"{analysis.get_absolute_url()}answers/{answer.pk}/edit/"):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, (path, width)
    context.close()


def test_viewer_sees_no_answer_controls(page, live_server, world):
    edition = make_edition(
        "ISO 9001", 2015, [("4", "Context", ""), ("4.1", "Context of the organisation", "")]
    )
    from improvement.services import gap as services

    analysis = services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title="Read me", editions=[edition], sites=[]
    )
    _sign_in(page, live_server, world.viewer_a)
    page.goto(f"{live_server.url}{analysis.get_absolute_url()}")
    assert page.get_by_role("heading", name="Read me").is_visible()
    assert page.locator("input[type=radio]").count() == 0
    assert page.get_by_role("link", name="Edit").count() == 0


def test_several_clauses_answered_at_once_then_through_the_workbook(page, live_server, world, tmp_path):
    """Tick clauses, set them to one status; download the workbook, fill it in, upload it back."""
    from openpyxl import load_workbook

    from improvement.services import gap as services

    edition = make_edition(
        "ISO 9001",
        2015,
        [("4", "Context", ""), ("4.1", "Context of the organisation", ""), ("4.2", "Interested parties", "")],
    )
    analysis = services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title="At once", editions=[edition], sites=[]
    )
    refused = _blocked_by_csp(page)
    _sign_in(page, live_server, world.qm_a)
    page.goto(f"{live_server.url}{analysis.get_absolute_url()}")
    page.get_by_role("checkbox", name="4.1 Context of the organisation").check()
    page.get_by_role("checkbox", name="4.2 Interested parties").check()
    page.get_by_label("Set the ticked clauses to").select_option(label="Conforming")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("2 clauses set to “Conforming”.")).to_be_visible()
    assert set(analysis.answers.values_list("status", flat=True)) == {"conforming"}

    with page.expect_download() as download:
        page.get_by_role("link", name="Download XLSX").click()
    path = tmp_path / "answers.xlsx"
    download.value.save_as(path)
    book = load_workbook(path)
    row = next(r[0].row for r in book.active.iter_rows(min_row=2) if r[2].value == "4.2")
    book.active.cell(row, 5).value = "Partially conforming"
    book.active.cell(row, 7).value = "Stakeholder list, draft"
    book.save(path)
    page.get_by_role("link", name="Import answers from XLSX").click()
    page.get_by_label("The analysis's spreadsheet (.xlsx)").set_input_files(str(path))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_text("Imported: 1 answer changed.")).to_be_visible()
    answer = analysis.answers.get(clause__number="4.2")
    assert (answer.status, answer.notes) == ("partial", "Stakeholder list, draft")
    assert refused == []
