"""Headless Chromium driven by Playwright against the live test server."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Chromium is needed for the browser tests: apt-get install chromium")
    # Playwright's sync API runs an event loop in this thread; our ORM calls stay synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


ARTEFACTS = Path(
    os.environ.get("E2E_ARTEFACTS", Path(__file__).resolve().parents[2] / "var" / "e2e-failures")
)


def _open_pages(funcargs: dict) -> list:
    """The pages a test has open: those it was given, and those of the contexts it opened itself."""
    from playwright.sync_api import Browser, Page

    pages = [value for value in funcargs.values() if isinstance(value, Page)]
    for value in funcargs.values():
        if isinstance(value, Browser):
            pages += [page for context in value.contexts for page in context.pages]
    return [page for page in dict.fromkeys(pages) if not page.is_closed()]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A browser test that fails leaves, for each page it had open, a screenshot and the page's
    HTML in var/e2e-failures/ (E2E_ARTEFACTS), and names them in its report."""
    from playwright.sync_api import Error as PlaywrightError

    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed or "tests/e2e/" not in str(item.fspath):
        return
    saved = []
    for number, page in enumerate(_open_pages(getattr(item, "funcargs", {})), start=1):
        stem = ARTEFACTS / f"{item.name}-{number}"
        stem.parent.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=f"{stem}.png", full_page=True)
            Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
        except (PlaywrightError, OSError) as error:  # an unsaved page must not hide the failure
            saved.append(f"{page.url}: not saved ({error})")
            continue
        saved.append(f"{page.url}\n  screenshot: {stem}.png\n  html: {stem}.html")
    if saved:  # printed with the failure
        report.sections.append(("what the browser showed", "\n".join(saved)))
