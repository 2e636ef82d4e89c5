"""An internal audit in a real browser, from the programme to the action found effective: the quality
manager plans it, the auditor logs a minor nonconformity on a tablet, the process owner answers the
action it opened, the quality manager finds it not effective, and its follow-up effective (HS 9.2,
HS 10.2, rule 42)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from improvement.models import Action, InternalAudit, InternalAuditProgramme, InternalFinding
from improvement.services import processes as process_services
from organisations.enums import OrganisationRole
from tests import factories
from tests.audits.conftest import make_edition
from tests.e2e.test_findings import _fits_the_screen
from tests.e2e.test_gap_analysis import _blocked_by_csp, _sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # see test_calendar.py

CLAUSE = "ISO 9001:2015 8.5.1 Control of production and service provision"


def _signed_in(browser, live_server, user, refused: list[str], **options):
    """A browser of its own for one person (a context keeps its session cookie apart)."""
    context = browser.new_context(**(options or {"viewport": {"width": 1280, "height": 900}}))
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    _sign_in(page, live_server, user)
    return context, page


def _review(page, *, result: str, comment: str = "") -> None:
    section = page.locator("section", has=page.get_by_role("heading", name="Effectiveness review"))
    section.get_by_label(result, exact=True).check()
    if comment:
        section.get_by_label("Comment").fill(comment)


def test_internal_audit_from_programme_to_effective_follow_up(page, browser, live_server, world):
    # --- arrange: an edition, a process with its owner (a contributor who is not the auditor) ---
    make_edition(
        "ISO 9001",
        2015,
        [
            ("7", "Support", "HS-7"),
            ("7.5", "Documented information", "HS-7.5"),
            ("8", "Operation", "HS-8"),
            ("8.5.1", "Control of production and service provision", ""),
        ],
    )
    owner = factories.OrganisationMembershipFactory(
        organisation=world.org_a, role=OrganisationRole.CONTRIBUTOR, user__full_name="Process Owner A"
    ).user
    process_services.process_create(
        actor=world.qm_a, organisation=world.org_a, name="Service delivery", owner=owner
    )
    today = timezone.localdate()
    qm = page
    refused = _blocked_by_csp(qm)

    # --- 1. the quality manager plans the programme, one audit in it, and names its auditor ---
    _sign_in(qm, live_server, world.qm_a)
    qm.goto(f"{live_server.url}/organisations/{world.org_a.pk}/")
    qm.get_by_role("link", name="Internal audits", exact=True).click()
    expect(qm.get_by_text("No internal audit programme yet.")).to_be_visible()
    qm.get_by_role("link", name="Set up a programme").click()
    qm.get_by_label("Title").fill("Internal audits 2026–2027")
    qm.get_by_label("ISO 9001:2015 — ").check()
    qm.get_by_label("From").fill(today.isoformat())
    qm.get_by_role("button", name="Save").click()
    expect(qm.get_by_text("The internal audit programme was set up.")).to_be_visible()
    programme = InternalAuditProgramme.objects.get()
    assert programme.ends_on > today + datetime.timedelta(days=360)  # empty end: twelve months
    expect(qm.get_by_role("heading", name="Internal audits 2026–2027", level=1)).to_be_visible()
    expect(qm.get_by_text("No audit planned yet.")).to_be_visible()

    qm.get_by_role("link", name="Plan an audit").click()
    qm.get_by_label("Title").fill("Service delivery")
    qm.get_by_label("First day").fill(today.isoformat())
    qm.get_by_label("Last day").fill((today + datetime.timedelta(days=1)).isoformat())
    qm.get_by_label("Service delivery").check()  # the process
    qm.get_by_label("Clauses", exact=True).select_option(
        label=[CLAUSE, "ISO 9001:2015 7.5 Documented information"]
    )
    qm.get_by_role("button", name="Save").click()
    audit = InternalAudit.objects.get()
    expect(qm.get_by_text(f"Audit {audit.reference} was planned. Name its auditors next.")).to_be_visible()
    assert qm.url == f"{live_server.url}{audit.get_absolute_url()}"
    expect(qm.locator("h1 + .badge")).to_have_text("Planned")
    expect(qm.get_by_text("2 clauses in scope")).to_be_visible()
    expect(qm.get_by_text("Service delivery (owner Process Owner A)")).to_be_visible()

    qm.get_by_role("link", name="Add an auditor").click()
    qm.get_by_label("Member").select_option(label="Contributor A")
    qm.get_by_label("Lead auditor").check()
    qm.get_by_role("button", name="Add", exact=True).click()
    expect(qm.get_by_text(f"Contributor A audits {audit.reference}.")).to_be_visible()
    auditors = qm.locator("section", has=qm.get_by_role("heading", name="Auditors"))
    expect(auditors.get_by_role("listitem")).to_have_text("Contributor A lead Remove Contributor A")

    # --- 2. the auditor, on a tablet, starts the audit and logs a minor nonconformity ---
    auditor_context, tablet = _signed_in(
        browser,
        live_server,
        world.contributor_a,
        refused,
        viewport={"width": 768, "height": 1024},
        has_touch=True,
    )
    try:
        tablet.goto(f"{live_server.url}{audit.get_absolute_url()}")
        tablet.get_by_role("button", name="Start the audit").click()
        expect(tablet.get_by_text("The audit is in progress; its checklist is ready.")).to_be_visible()
        assert tablet.url == f"{live_server.url}/internal-audits/{audit.pk}/checklist/"
        tablet.get_by_label("Breadcrumb").get_by_role("link", name=audit.reference, exact=True).click()
        expect(tablet.locator("h1 + .badge")).to_have_text("In progress")
        tablet.get_by_role("link", name="Log a finding").click()
        tablet.get_by_label("Grade").select_option(label="Minor nonconformity")
        tablet.get_by_role("combobox", name="Clause").select_option(label=CLAUSE)
        tablet.get_by_label("Process", exact=True).select_option(label="Service delivery")
        tablet.get_by_label("Title").fill("Release of services is not approved")
        tablet.get_by_label("Statement").fill("Services are released without the approval 8.6 requires.")
        tablet.get_by_label("Objective evidence").fill("Release log of May: 3 of 10 releases unsigned.")
        assert _fits_the_screen(tablet)
        tablet.get_by_role("button", name="Save").click()
        finding = InternalFinding.objects.get()
        expect(
            tablet.get_by_text(
                f"Finding {finding.reference} was logged and its action opened in the register."
            )
        ).to_be_visible()
        assert _fits_the_screen(tablet)
        first = Action.objects.get()
        assert (first.owner, first.internal_finding, first.clause.number) == (owner, finding, "8.5.1")
        article = tablet.locator(f"#finding-{finding.pk}")
        expect(article).to_contain_text("Minor nonconformity")
        expect(article).to_contain_text(f"Action: {first.reference} · Open · Process Owner A")
        expect(article.get_by_role("link", name=first.reference, exact=True)).to_have_attribute(
            "href", first.get_absolute_url()
        )
    finally:
        auditor_context.close()

    # --- 3. the owner answers the action: correction, root cause, corrective action, start, done ---
    owner_context, mine = _signed_in(browser, live_server, owner, refused)
    try:
        mine.get_by_role("button", name="Management system").click()  # the menu holds "My actions"
        mine.get_by_role("link", name="My actions").click()
        mine.get_by_role("link", name=first.reference, exact=True).click()
        mine.wait_for_url(f"{live_server.url}{first.get_absolute_url()}")
        expect(mine.locator("#main p > .badge").first).to_have_text("Open")
        mine.get_by_role("link", name="Edit", exact=True).click()
        mine.get_by_label("Correction").fill("The 3 unsigned releases were approved after the fact.")
        mine.get_by_label("Root cause").fill("The release form does not ask for the approval.")
        mine.get_by_label("Corrective action").fill("Release form v2 with a mandatory approval field.")
        mine.get_by_role("button", name="Save").click()
        expect(mine.get_by_text(f"Action {first.reference} was saved.")).to_be_visible()
        expect(mine.get_by_text("Release form v2 with a mandatory approval field.")).to_be_visible()
        mine.get_by_role("button", name="Start").click()
        expect(mine.get_by_text("The action is in progress.")).to_be_visible()
        expect(mine.locator("#main p > .badge").first).to_have_text("In progress")
        mine.get_by_role("button", name="Mark done").click()
        expect(
            mine.get_by_text("The action is done; it awaits the review of its effectiveness.")
        ).to_be_visible()
        expect(mine.locator("#main p > .badge").first).to_have_text("Done, awaiting effectiveness review")
        expect(
            mine.get_by_text("Done: awaiting the review of its effectiveness by a quality manager.")
        ).to_be_visible()

        # --- 4. the quality manager finds it not effective: a follow-up action follows it ---
        # (from the audit page, where the finding's action now reads done)
        qm.goto(f"{live_server.url}{audit.get_absolute_url()}")
        expect(qm.locator(f"#finding-{finding.pk}")).to_contain_text(
            f"Action: {first.reference} · Done, awaiting effectiveness review · Process Owner A"
        )
        qm.locator(f"#finding-{finding.pk}").get_by_role("link", name=first.reference, exact=True).click()
        qm.wait_for_url(f"{live_server.url}{first.get_absolute_url()}")
        _review(qm, result="Not effective", comment="Two releases in June were again unsigned.")
        qm.get_by_label("Owner of the follow-up action").select_option(label="Process Owner A")
        due = today + datetime.timedelta(days=30)
        qm.get_by_label("Follow-up due on").fill(due.isoformat())
        qm.get_by_role("button", name="Record the review").click()
        follow_up = Action.objects.get(follows=first)
        expect(
            qm.get_by_text(f"The action was not effective: {follow_up.reference} follows it.")
        ).to_be_visible()
        expect(qm.locator("#main p > .badge").first).to_have_text("Not effective")
        linked = qm.get_by_role("link", name=f"{follow_up.reference} ")
        expect(linked).to_be_visible()
        expect(qm.locator("dd", has=linked)).to_contain_text("(Open)")
        expect(qm.locator("dd", has_text="Two releases in June were again unsigned.")).to_be_visible()
        assert (follow_up.owner, follow_up.due_on) == (owner, due)

        # the owner finds the follow-up among their actions (the first one is no longer open)
        mine.get_by_role("button", name="Management system").click()  # the menu holds "My actions"
        mine.get_by_role("link", name="My actions").click()
        expect(mine.get_by_role("link", name=first.reference, exact=True)).to_have_count(0)
        mine.get_by_role("link", name=follow_up.reference, exact=True).click()
        mine.wait_for_url(f"{live_server.url}{follow_up.get_absolute_url()}")
        expect(mine.get_by_text(f"{first.reference} {first.title}")).to_be_visible()  # "Follows"
        mine.get_by_role("link", name="Edit", exact=True).click()
        mine.get_by_label("Corrective action").fill("Releases blocked in the tool until approved.")
        mine.get_by_role("button", name="Save").click()
        expect(mine.get_by_text(f"Action {follow_up.reference} was saved.")).to_be_visible()
        mine.get_by_role("button", name="Mark done").click()
        expect(mine.locator("#main p > .badge").first).to_have_text("Done, awaiting effectiveness review")
    finally:
        owner_context.close()

    qm.reload()
    qm.get_by_role("link", name=f"{follow_up.reference} ").click()  # "Followed by"
    qm.wait_for_url(f"{live_server.url}{follow_up.get_absolute_url()}")
    _review(qm, result="Effective")
    qm.get_by_role("button", name="Record the review").click()
    expect(qm.get_by_text("The action is effective and closed.")).to_be_visible()
    expect(qm.locator("#main p > .badge").first).to_have_text("Effective")
    qm.get_by_role("link", name=f"{first.reference} {first.title}").click()
    qm.wait_for_url(f"{live_server.url}{first.get_absolute_url()}")
    expect(qm.locator("#main p > .badge").first).to_have_text("Not effective")
    expect(qm.locator("dd", has=qm.get_by_role("link", name=f"{follow_up.reference} "))).to_contain_text(
        "(Effective)"
    )
    first.refresh_from_db()
    follow_up.refresh_from_db()
    assert (first.status, follow_up.status) == ("not_effective", "effective")
    assert refused == []
