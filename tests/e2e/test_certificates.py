"""A certificate's life through the pages, on the demo data: the certification manager grants
Northfield's initial ISO 9001 certification, issues the certificate and later suspends it; a
member of the public verifies it on a phone, by the printed QR code's link and by its number."""

import datetime
from io import StringIO
from urllib.parse import urlsplit

import pypdfium2 as pdfium
import pytest
import zxingcpp
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from playwright.sync_api import expect

from audits.models import AuditProgramme
from certificates.enums import CertificateStatus, RevisionStatus, SuspensionReason
from certificates.models import Certificate, CertificateRevision, Decision
from certificates.qr import public_url
from certificates.services.certificates import CERTIFICATE_DOCUMENT
from core.models import Document, DocumentStatus
from organisations.demo import DEMO_PASSWORD
from tests.e2e.test_gap_analysis import _blocked_by_csp

# the demo needs the catalogue data of the migrations (IAF codes), which a transactional test flushes:
# restore it before each test
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MANAGER = "manager@certa.example"
RATIONALE = "Stage 1 and stage 2 reports reviewed; every nonconformity of stage 2 is settled."
# issuing renders the PDF in the request (Celery runs eagerly in tests): WeasyPrint takes seconds
RENDERING_TIMEOUT = 60_000


@pytest.fixture
def demo(settings, tmp_path) -> AuditProgramme:
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", force=True, stdout=StringIO())
    return AuditProgramme.objects.get(
        organisation__name="Northfield Municipality", editions__standard__code="ISO 9001"
    )


@pytest.fixture
def phone(browser):
    """An anonymous visitor on a phone."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _sign_in_demo(page, live_server, email: str) -> None:
    """As tests.e2e.test_gap_analysis._sign_in, with the demo accounts' published password."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _qr_codes(pdf: bytes) -> list[str]:
    image = pdfium.PdfDocument(pdf)[0].render(scale=3).to_pil()
    codes = zxingcpp.read_barcodes(image)
    return [code.text for code in codes if code.format == zxingcpp.BarcodeFormat.QRCode]


def _certificate_pdf(revision: CertificateRevision) -> bytes:
    document = Document.objects.get(
        kind=CERTIFICATE_DOCUMENT,
        content_type=ContentType.objects.get_for_model(CertificateRevision),
        object_id=revision.pk,
    )
    assert document.status == DocumentStatus.READY, document.error
    with document.file.open("rb") as stored:
        return stored.read()


def test_decision_certificate_verification_and_suspension(page, phone, live_server, demo, tmp_path):
    today = timezone.localdate()
    manager_refused = _blocked_by_csp(page)
    public_refused = _blocked_by_csp(phone)

    # 1. the decision, from the programme page
    _sign_in_demo(page, live_server, MANAGER)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Certificates")).to_be_visible()
    page.goto(f"{live_server.url}{demo.get_absolute_url()}")
    page.get_by_role("link", name="Record a decision").click()
    page.wait_for_url(f"{live_server.url}/certificates/programmes/{demo.pk}/decide/")
    expect(nav.locator(".nav-link.active")).to_have_text("Audit programmes")  # one section marked
    # required fields' labels end with crispy's asterisk: "Standard*"
    page.get_by_role("combobox", name="Standard").select_option(label="ISO 9001:2015")
    page.get_by_role("combobox", name="Decision").select_option(label="Initial certification")
    page.get_by_role("radio", name="Grant", exact=True).check()
    page.get_by_label("Decided on").fill(today.isoformat())
    page.get_by_label("Rationale").fill(RATIONALE)
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#decision-ready")).to_have_text("Every rule holds: the decision can be recorded.")
    expect(page.locator("#decision-checked")).to_contain_text("Initial certification of ISO 9001:2015, Grant")
    assert page.locator("#decision-blockers").count() == 0
    assert page.get_by_label("Rationale").input_value() == RATIONALE  # the check keeps what was typed
    page.get_by_role("button", name="Record the decision").click()
    decision = Decision.objects.get(programme=demo)
    page.wait_for_url(f"{live_server.url}{decision.get_absolute_url()}")
    certificate = decision.certificate
    number = f"CERTA-{today.year}-00001"  # the demo CB's pattern "CERTA-{year}-{seq:5}"
    assert certificate.number == number and certificate.status == CertificateStatus.DRAFT
    assert (decision.rationale, decision.decided_on, decision.decided_by.email) == (RATIONALE, today, MANAGER)
    expect(page.locator(".messages")).to_contain_text(f"Certificate {number} has a draft revision")

    # 2. the draft is issued on the certificate page
    page.get_by_role("link", name=number).click()
    page.wait_for_url(f"{live_server.url}{certificate.get_absolute_url()}")
    expect(page.locator("#draft-heading")).to_contain_text(f"Draft revision: {number}")
    expect(nav.locator(".nav-link.active")).to_have_text("Certificates")
    expect(page.locator("#certificate-status")).to_contain_text("NOT VALID")
    assert page.locator("#draft-problems").count() == 0
    expect(page.get_by_text("it can be issued.")).to_be_visible()
    page.get_by_role("checkbox", name="Once issued, revision 1 is public").check()  # cannot be undone
    page.get_by_role("button", name="Issue revision 1").click(timeout=RENDERING_TIMEOUT)
    page.wait_for_load_state(timeout=RENDERING_TIMEOUT)
    expect(page.locator(".messages")).to_contain_text("Revision 1 is issued", timeout=RENDERING_TIMEOUT)
    certificate.refresh_from_db()
    revision = certificate.revisions.get()
    assert certificate.status == CertificateStatus.ACTIVE and certificate.status_since == today
    assert revision.status == RevisionStatus.CURRENT and revision.issued_on == today
    status = page.locator("#certificate-status")
    expect(status).to_contain_text("VALID")
    expect(status).not_to_contain_text("NOT VALID")
    expect(status).to_contain_text("active since")
    expect(page.locator("#current-heading")).to_have_text(f"Current revision: {revision.identifier}")
    assert page.locator("#draft-heading").count() == 0
    public_path = revision.get_public_url()
    # the page links the public page at the address its QR code prints (SITE_URL)
    expect(page.get_by_role("link", name=public_url(revision))).to_be_visible()
    panel = page.locator(f"#document-{slugify(CERTIFICATE_DOCUMENT)}-{revision.pk}")
    expect(panel.get_by_role("link", name="Download")).to_be_visible()
    assert _fits_the_screen(page)
    page.screenshot(path=str(tmp_path / "certificate.png"), full_page=True)

    # the PDF's QR code leads to the revision's public page
    decoded = _qr_codes(_certificate_pdf(revision))
    assert len(decoded) == 1 and urlsplit(decoded[0]).path == public_path

    # 3. a visitor on a phone follows the printed link, then looks the number up
    phone.goto(f"{live_server.url}{public_path}")
    verdict = phone.locator("#verdict")
    expect(verdict).to_have_text("VALID")
    result = phone.locator("section[aria-labelledby=verdict]")
    expect(result).to_contain_text("Northfield Municipality")
    expect(result).to_contain_text("ISO 9001:2015")
    expect(result).to_contain_text(f"{number}, revision 1")
    assert _fits_the_screen(phone)
    phone.screenshot(path=str(tmp_path / "public.png"), full_page=True)

    phone.goto(f"{live_server.url}/verify/")
    assert _fits_the_screen(phone)
    phone.get_by_label("Certificate number").fill(number.lower())  # capitals do not matter
    phone.get_by_role("button", name="Verify").click()
    phone.wait_for_url(f"{live_server.url}/verify/?number=*")
    expect(phone.locator("#verdict")).to_have_text("VALID")
    expect(phone.locator("section[aria-labelledby=verdict]")).to_contain_text("Northfield Municipality")
    assert _fits_the_screen(phone)

    # 4. the manager suspends it with the default deadline; the public page says so
    page.reload()
    page.locator("summary", has_text="Suspend the certificate").click()
    suspend = page.locator(f"form[action='/certificates/{certificate.pk}/suspend/']")
    suspend.get_by_label(str(SuspensionReason.CLIENT_REQUEST.label)).check()
    deadline = suspend.get_by_label("To be resolved by").input_value()
    suspend.get_by_role("button", name="Suspend the certificate").click()
    expect(page.locator(".messages")).to_contain_text("The certificate is suspended.")
    page.wait_for_url(f"{live_server.url}{certificate.get_absolute_url()}")
    certificate.refresh_from_db()
    max_days = certificate.certification_body.suspension_max_days
    assert certificate.status == CertificateStatus.SUSPENDED and certificate.status_since == today
    assert certificate.suspension_reason == SuspensionReason.CLIENT_REQUEST
    assert certificate.suspension_ends_on == today + datetime.timedelta(days=max_days)
    assert deadline == certificate.suspension_ends_on.isoformat()
    expect(page.locator("#certificate-status")).to_contain_text("NOT VALID")
    expect(page.locator(".alert-danger")).to_contain_text(
        f"Suspended since {date_format(today)}: the certification is not valid."
    )
    expect(page.locator(".alert-danger")).to_contain_text("Reason: At the client's request")
    assert _fits_the_screen(page)

    phone.goto(f"{live_server.url}{public_path}")
    expect(phone.locator("#verdict")).to_have_text("NOT VALID")
    expect(phone.locator("section[aria-labelledby=verdict]")).to_contain_text(
        f"Suspended since {date_format(today)}"
    )
    assert _fits_the_screen(phone)
    phone.screenshot(path=str(tmp_path / "public-suspended.png"), full_page=True)

    # 5. signed out, the header offers the public verification
    page.get_by_role("button", name="Maria Rossi").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Verify a certificate").click()
    page.wait_for_url(f"{live_server.url}/verify/")
    assert Certificate.objects.filter(number=number).count() == 1
    assert manager_refused == [] and public_refused == []
