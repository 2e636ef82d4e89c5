"""An auditor logs findings on a tablet (768×1024): a nonconformity, one whose save is lost to a
dropped connection and restored from the browser's draft, and one refused for missing evidence."""

import pytest
from playwright.sync_api import expect

from audits.models import Finding
from tests.audits.conftest import make_edition
from tests.audits.test_findings_services import open_fieldwork
from tests.e2e.test_gap_analysis import _blocked_by_csp, _sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # see test_calendar.py

CLAUSE = "ISO 9001:2015 8.5.1 Control of production and service provision"


@pytest.fixture
def tablet(browser):
    context = browser.new_context(viewport={"width": 768, "height": 1024}, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def audit(world):
    qms = make_edition(
        "ISO 9001",
        2015,
        [
            ("7", "Support", "HS-7"),
            ("7.5", "Documented information", "HS-7.5"),
            ("8", "Operation", "HS-8"),
            ("8.5.1", "Control of production and service provision", ""),
        ],
    )
    return open_fieldwork(world, [qms]).audit


def _fill(page, *, grade: str, statement: str, evidence: str, process: str) -> None:
    page.locator("label", has_text=grade).click()
    page.get_by_label("Clause", exact=True).select_option(label=CLAUSE)
    page.get_by_label("Site", exact=True).select_option(label="Warehouse, Ghent")
    page.get_by_label("Process or department").fill(process)
    page.get_by_label("Statement").fill(statement)
    page.get_by_label("Objective evidence", exact=True).fill(evidence)


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_auditor_logs_findings_and_recovers_a_lost_save(tablet, live_server, world, audit):
    page = tablet
    refused = _blocked_by_csp(page)
    _sign_in(page, live_server, world.auditor)
    new_url = f"{live_server.url}/audits/{audit.pk}/findings/new/"
    list_url = f"{live_server.url}/audits/{audit.pk}/findings/"

    page.goto(f"{live_server.url}{audit.get_absolute_url()}")
    page.get_by_role("link", name="Log a finding").click()
    page.wait_for_url(new_url)
    assert _fits_the_screen(page)
    _fill(
        page,
        grade="Major nonconformity",
        statement="Release of services is not controlled.",
        evidence="Release log RL-3 for April: 4 of 12 releases without approval; seen 2027-05-04.",
        process="Release management",
    )
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"{list_url}#finding-*")
    first = Finding.objects.get(number=1)
    assert (first.type, first.clause.number, first.site.name) == ("major", "8.5.1", "Warehouse")
    assert first.evidence.startswith("Release log RL-3") and first.process == "Release management"
    assert page.get_by_text(f"Finding {first.reference} was logged.").is_visible()
    assert _fits_the_screen(page)

    # the second save is lost on the way: the typed text stays in the browser
    page.goto(new_url)
    statement = "Monitoring of the help desk's response times is not done."
    evidence = "Ticket system export of May 2027: no response-time report; help desk lead interviewed."
    _fill(page, grade="Minor nonconformity", statement=statement, evidence=evidence, process="Help desk")
    page.route(
        "**/findings/new/",
        lambda route: route.abort() if route.request.method == "POST" else route.fallback(),
    )
    with page.expect_event("requestfailed"):
        page.get_by_role("button", name="Save", exact=True).click(no_wait_after=True)
    page.unroute("**/findings/new/")
    assert Finding.objects.count() == 1

    page.goto(new_url)
    restore = page.get_by_role("button", name="Restore the unsaved draft from")
    expect(restore).to_be_visible()
    assert page.get_by_label("Statement").input_value() == ""
    restore.click()
    assert page.get_by_label("Statement").input_value() == statement
    assert page.get_by_label("Objective evidence", exact=True).input_value() == evidence
    assert page.get_by_label("Minor nonconformity").is_checked()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"{list_url}#finding-*")
    second = Finding.objects.get(number=2)
    assert (second.type, second.statement, second.evidence, second.process) == (
        "minor",
        statement,
        evidence,
        "Help desk",
    )
    assert (second.clause.number, second.site.name) == ("8.5.1", "Warehouse")
    key = f"finding-draft:{world.auditor.pk}:{audit.pk}:new"
    assert page.evaluate("key => localStorage.getItem(key)", key) is None  # cleared after the save

    # a fresh form offers nothing
    page.goto(new_url)
    expect(page.get_by_role("button", name="Restore the unsaved draft from")).to_be_hidden()
    assert refused == []


def test_a_nonconformity_without_evidence_comes_back_with_everything_typed(tablet, live_server, world, audit):
    page = tablet
    _sign_in(page, live_server, world.auditor)
    page.goto(f"{live_server.url}/audits/{audit.pk}/findings/new/")
    statement = "Documented information of the warehouse is not controlled."
    _fill(page, grade="Minor nonconformity", statement=statement, evidence="", process="Stores")
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator(
        ".invalid-feedback", has_text="A nonconformity needs its objective evidence (rule 17)."
    ).wait_for()
    # the page opens on its error summary, whose link leads to the field
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary").get_by_role("link", name="Objective evidence:")).to_be_visible()
    assert not Finding.objects.exists()
    assert page.get_by_label("Statement").input_value() == statement
    assert page.get_by_label("Process or department").input_value() == "Stores"
    assert page.get_by_label("Minor nonconformity").is_checked()
    assert page.get_by_label("Clause", exact=True).evaluate("e => e.selectedOptions[0].text") == CLAUSE
    # the draft equals what the server sent back: nothing to restore
    expect(page.get_by_role("button", name="Restore the unsaved draft from")).to_be_hidden()
    assert _fits_the_screen(page)


def test_a_long_clause_list_narrows_as_the_auditor_types(tablet, live_server, world, audit):
    page = tablet
    refused = _blocked_by_csp(page)
    _sign_in(page, live_server, world.auditor)
    page.goto(f"{live_server.url}/audits/{audit.pk}/findings/new/")
    clause = page.get_by_label("Clause", exact=True)

    def offered() -> list[str]:
        return clause.evaluate("s => [...s.options].filter(o => !o.hidden && o.value).map(o => o.text)")

    assert len(offered()) == 2  # 7.5 and 8.5.1: the assessable clauses of the audited edition
    page.get_by_label("Find a clause").fill("contrôl PRODUCTION")
    assert offered() == [CLAUSE]  # every word, accents and case aside
    expect(page.get_by_role("status").filter(has_text="1 matching")).to_have_count(1)
    clause.select_option(label=CLAUSE)
    page.get_by_label("Find a clause").fill("7.5")
    assert offered() == ["ISO 9001:2015 7.5 Documented information", CLAUSE]  # the chosen one stays
    assert refused == []


def test_a_long_site_list_narrows_as_the_planner_types(page, live_server, world):
    from django.urls import reverse

    from tests import factories

    for name, city in (("Harbour depot", "Antwerp"), ("Archive", "Liège"), ("Call centre", "Namur")):
        factories.SiteFactory(organisation=world.org_a, name=name, city=city)
    _sign_in(page, live_server, world.cert_manager)
    page.goto(live_server.url + reverse("audits:programme_open", args=[world.org_a.pk]))
    # a new programme has every site ticked; untick them to choose
    page.locator("input[name=sites]").evaluate_all("boxes => boxes.forEach(box => { box.checked = false; })")
    find = page.get_by_label("Find sites")
    lines = page.locator(".form-check", has=page.locator("input[name=sites]"))
    find.fill("liege")  # accents and case aside
    expect(lines.filter(visible=True)).to_have_count(1)
    expect(page.get_by_text("Archive — Liège")).to_be_visible()
    expect(page.get_by_text("Call centre — Namur")).to_be_hidden()
    page.get_by_text("Archive — Liège").click()
    find.fill("namur")
    expect(lines.filter(visible=True)).to_have_count(2)  # the ticked one stays in sight
