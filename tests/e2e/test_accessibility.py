"""Every width and every eye, on the demo data: each role's main pages pass axe-core (the engine
bundled in the axe-playwright-python package, injected into the page: nothing is downloaded) with no
serious or critical violation, none scrolls sideways at 320 px (WCAG 1.4.10 reflow), and the staff
menu stays on one line at 1366 px. A failure lists every page and rule at once."""

from io import StringIO

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.urls import reverse

from audits.enums import NC_TYPES, AuditKind
from audits.models import AuditProgramme, Finding
from audits.services.fieldwork import audit_start
from certificates.demo import NORTHFIELD_QM
from certificates.models import Certificate
from improvement.models import Action, GapAnalysis
from organisations.models import Organisation, User
from tests.e2e.test_certificates import MANAGER, _sign_in_demo

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

QM = "qm@ministry.example"
LEAD = "lead@certa.example"
REVIEWER = "reviewer@certa.example"
BLOCKING = ("serious", "critical")
NARROW, LAPTOP = 320, 1366


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", force=True, stdout=StringIO())


def _pages() -> dict[str, list[str]]:
    """Each role's main pages on the demo data (the public's without signing in). The Ministry's
    stage 1 is started first, so that its lead auditor's finding form is open."""
    ministry = Organisation.objects.get(name="Ministry of Digital Affairs")
    programme = AuditProgramme.objects.filter(organisation=ministry).order_by("pk").first()
    stage1 = programme.audits.get(kind=AuditKind.STAGE1)
    lead = User.objects.get(email=LEAD)
    audit_start(actor=lead, audit=stage1, early_start_reason="Brought forward with the client.")
    finding = Finding.objects.filter(type__in=NC_TYPES).order_by("pk").first()  # Northfield's
    certificate = Certificate.objects.order_by("pk").first()
    revision = certificate.revisions.filter(issued_on__isnull=False).order_by("-revision").first()
    return {
        QM: [
            reverse("dashboard"),
            reverse("organisations:detail", args=[ministry.pk]),
            GapAnalysis.objects.filter(organisation=ministry).order_by("pk").first().get_absolute_url(),
            reverse("improvement:action_list", args=[ministry.pk]),
            Action.objects.filter(organisation=ministry).order_by("pk").first().get_absolute_url(),
            programme.get_absolute_url(),
            reverse("calendar:month"),
            reverse("certificates:register"),
        ],
        NORTHFIELD_QM: [
            reverse("dashboard"),
            reverse("audits:finding_detail", args=[finding.pk]),
            reverse("audits:nc_list"),
        ],
        MANAGER: [
            reverse("dashboard"),
            reverse("calendar:queue"),
            reverse("audits:programme_list"),
            programme.get_absolute_url(),
            stage1.get_absolute_url(),
            certificate.get_absolute_url(),
            reverse("calendar:agenda"),
            reverse("organisations:list"),
        ],
        LEAD: [
            reverse("dashboard"),
            reverse("audits:my_audits"),
            stage1.get_absolute_url(),
            reverse("audits:finding_new", args=[stage1.pk]),
            reverse("audits:nc_list"),
        ],
        REVIEWER: [
            reverse("dashboard"),
            reverse("audits:nc_list"),
            reverse("audits:finding_detail", args=[finding.pk]),
        ],
        "": [reverse("verification:search"), revision.get_public_url(), reverse("login")],
    }


def _blocking(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


# The outermost elements reaching past the viewport's right edge: what to fix when a page scrolls
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const classes = e => typeof e.className === 'string' && e.className.trim()
    ? '.' + e.className.trim().split(/\\s+/).join('.') : '';
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + classes(e);
  return [...document.body.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > width + 1
      && e.parentElement.getBoundingClientRect().right <= width + 1)
    .slice(0, 4).map(name);
}"""


def _sideways(page) -> str:
    """How far the page scrolls sideways, and what reaches past the edge ('' when it reflows)."""
    excess = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    return f"{excess} px ({', '.join(page.evaluate(OVERFLOWING))})" if excess > 0 else ""


def test_each_roles_main_pages_pass_axe_and_reflow_at_320_px(browser, live_server, demo):
    problems = []
    for who, paths in _pages().items():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        if who:
            _sign_in_demo(page, live_server, who)
        for path in paths:
            page.set_viewport_size({"width": 1280, "height": 900})
            response = page.goto(live_server.url + path)
            assert response.ok, (who, path, response.status)
            page.wait_for_load_state("networkidle")  # the fragments loaded after the page too
            problems += [f"{who or 'public'} {path}: {found}" for found in _blocking(page)]
            page.set_viewport_size({"width": NARROW, "height": 800})
            if excess := _sideways(page):
                problems.append(f"{who or 'public'} {path}: scrolls {excess} sideways at {NARROW} px")
        context.close()
    assert problems == [], "\n".join(problems)


def test_the_staff_menu_stays_on_one_line_at_1366_px(browser, live_server, demo):
    context = browser.new_context(viewport={"width": LAPTOP, "height": 800})
    page = context.new_page()
    _sign_in_demo(page, live_server, MANAGER)
    boxes = page.locator("header nav .nav-item").evaluate_all(
        "items => items.map(item => [item.textContent.trim(), Math.round(item.getBoundingClientRect().top),"
        " Math.round(item.getBoundingClientRect().height)])"
    )
    context.close()
    # every item on the same line, none wrapped onto two
    assert len(boxes) >= 8 and len({(top, height) for _name, top, height in boxes}) == 1, boxes
