"""The certificate as PDF (DOMAIN §6.1, §1.5; rules 8, 34): what it prints, its marks, its annex
of sites, its QR code read back from the rendered page, and its place in the document registry."""

import datetime
from urllib.parse import urlsplit

import pypdfium2 as pdfium
import pytest
import zxingcpp
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.urls import resolve
from django.utils.formats import date_format

from certificates import pdf as certificate_pdf
from certificates.documents import CERTIFICATE, CERTIFICATE_DRAFT, issued_revisions_for
from certificates.enums import CertificateStatus
from certificates.pdf import certificate_sheet, render_certificate_pdf
from certificates.qr import public_url
from core.documents import document_request, original_name
from core.errors import NotAllowed
from core.models import DocumentStatus
from organisations.images import UnreadableImage
from organisations.models import IAFCode
from tests import factories
from tests.audits.conftest import make_edition
from tests.certificates.conftest import give_images, make_certificate, png_bytes
from tests.core.test_pdf import pdf_text

pytestmark = pytest.mark.django_db

# The colours of give_images' PNGs: logo, certification mark, accreditation symbol
LOGO, MARK, SYMBOL = (0, 0, 128), (0, 100, 0), (128, 0, 0)
DRAFT_NUMBER = "CB-2026-00002"


def squashed(text: str) -> str:
    """Without whitespace: the text drawn in a PDF has no spaces where lines wrap."""
    return "".join(text.split())


def assert_contains(text: str, expected) -> None:
    haystack = squashed(text)
    for item in expected:
        assert squashed(item) in haystack, item


def day(value: datetime.date) -> str:
    return date_format(value, "DATE_FORMAT")


def embedded_image_colours(pdf: bytes) -> list[tuple[int, int, int]]:
    """The colour of each raster image drawn on the pages (the QR code is vector, not an image)."""
    document = pdfium.PdfDocument(pdf)
    colours = []
    for page in document:
        for image in page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE]):
            colours.append(image.get_bitmap().to_pil().convert("RGB").getpixel((1, 1)))
    return colours


def page_texts(pdf: bytes) -> list[str]:
    return [page.get_textpage().get_text_range() for page in pdfium.PdfDocument(pdf)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SITE_URL = "https://certs.example.org"


@pytest.fixture
def revision(certificate):
    return certificate.revisions.get()


def test_the_certificate_prints_every_mandatory_item(world, certificate, revision):
    revision.last_recertification_audit_on = datetime.date(2026, 1, 20)
    revision.save(update_fields=["last_recertification_audit_on"])
    revision.iaf_codes.set(IAFCode.objects.filter(code__in=[33, 36]))
    certificate.original_certified_on = datetime.date(2020, 3, 2)
    certificate.save(update_fields=["original_certified_on"])
    site = world.site_a

    pdf = render_certificate_pdf(revision)

    text = pdf_text(pdf)
    assert_contains(
        text,
        (
            "Certificate",
            "CB-2026-00001 Rev. 1",
            "Organisation A",
            world.org_a.address,
            f"{site.name}, {site.address}",
            "ISO 9001:2015",
            "Design and delivery of digital public services",
            f"Effective from{day(revision.effective_on)}",
            f"Expires on{day(datetime.date(2029, 3, 2))}",
            f"Originally certified on{day(datetime.date(2020, 3, 2))}",
            f"started on {day(revision.cycle_started_on)}, ends on {day(revision.expiry_on)}",
            f"Last recertification audit{day(datetime.date(2026, 1, 20))}",
            f"Certification decision{day(revision.decision.decided_on)}",
            f"Issued on{day(revision.issued_on)}",
            "33 Information technology",
            "36 Public administration",
            world.cb.name,
            world.cb.address,
            f"Accredited by {world.cb.accreditation_body}",
            f"Accreditation No. {world.cb.accreditation_number}",
            public_url(revision),
        ),
    )
    assert "Statement of Applicability" not in text
    assert "Not issued" not in text
    assert len(pdfium.PdfDocument(pdf)) == 1


def test_an_accredited_certificate_carries_the_symbol_with_the_mark_and_logo(certificate, revision):
    assert sorted(embedded_image_colours(render_certificate_pdf(revision))) == sorted([LOGO, MARK, SYMBOL])


def test_a_certificate_outside_the_accreditation_carries_no_symbol(world, qms):
    give_images(world.cb)
    revision = make_certificate(world, qms, accredited=False).revisions.get()

    pdf = render_certificate_pdf(revision)

    assert sorted(embedded_image_colours(pdf)) == sorted([LOGO, MARK])
    text = squashed(pdf_text(pdf))
    assert "Accreditedby" not in text and world.cb.accreditation_number not in text


def test_a_body_without_a_logo_prints_without_it(world, qms):
    give_images(world.cb)
    world.cb.logo.delete(save=True)
    revision = make_certificate(world, qms).revisions.get()

    assert sorted(embedded_image_colours(render_certificate_pdf(revision))) == sorted([MARK, SYMBOL])


def test_images_are_embedded_as_data_uris_never_as_files(certificate, revision):
    html = render_to_string(certificate_pdf.TEMPLATE, {"sheet": certificate_sheet(revision)})

    assert html.count('src="data:image/png;base64,') == 3
    assert 'src="data:image/svg+xml' in html
    assert "file:" not in html and "/media/" not in html


def test_a_stored_image_that_is_not_a_png_or_jpeg_is_refused(world, certificate, revision):
    world.cb.certification_mark.save("mark.png", ContentFile(b"<svg onload='x'/>"), save=True)

    with pytest.raises(UnreadableImage):
        render_certificate_pdf(revision)


def test_an_isms_certificate_names_its_statement_of_applicability(world):
    isms = make_edition("ISO/IEC 27001", 2022, [("4", "Context", "HS-4"), ("4.1", "Context", "HS-4.1")])
    revision = make_certificate(world, isms, soa_version="SoA-2026-03 v4").revisions.get()

    text = pdf_text(render_certificate_pdf(revision))

    assert_contains(text, ("ISO/IEC 27001:2022", "Statement of Applicability", "version SoA-2026-03 v4"))


def test_several_sites_print_the_central_function_first_and_every_site_in_an_annex(world, qms):
    offices = [
        factories.SiteFactory(organisation=world.org_a, name=f"Office {n}", street=f"Canal street {n}")
        for n in (1, 2, 3)
    ]
    revision = make_certificate(world, qms, sites=[*offices, world.site_a]).revisions.get()

    first, annex = page_texts(render_certificate_pdf(revision))

    assert_contains(first, ("Headquarters (central function)", f"A headquarters, {world.site_a.address}"))
    assert_contains(first, ("including the 4 sites listed in the annex",))
    assert "Office 1" not in first
    assert_contains(annex, ("Annex to certificate CB-2026-00001 Rev. 1", "4 sites in scope"))
    for site in (world.site_a, *offices):
        assert_contains(annex, (site.name, site.address))
    assert squashed(annex).index("Aheadquarters") < squashed(annex).index("Office1")


def test_the_qr_code_reads_as_the_public_verification_url(client, certificate, revision):
    pdf = render_certificate_pdf(revision)
    page = pdfium.PdfDocument(pdf)[0].render(scale=3).to_pil()

    codes = zxingcpp.read_barcodes(page)
    decoded = [code.text for code in codes if code.format == zxingcpp.BarcodeFormat.QRCode]

    assert decoded == [f"https://certs.example.org/verify/c/{revision.public_token}/"]
    assert decoded[0] == public_url(revision)
    match = resolve(urlsplit(decoded[0]).path)
    assert (match.view_name, match.kwargs) == ("verification:token", {"token": revision.public_token})


def test_the_qr_code_path_answers_publicly(client, certificate, revision):
    response = client.get(urlsplit(public_url(revision)).path)

    assert response.status_code == 200
    assert certificate.number in response.content.decode()


def test_a_draft_prints_that_it_is_not_issued(world, qms):
    give_images(world.cb)
    revision = make_certificate(world, qms, status=CertificateStatus.DRAFT).revisions.get()

    text = pdf_text(render_certificate_pdf(revision))

    assert_contains(text, ("Not issued: this is not a valid certificate.", "Issued onnot issued"))


def test_what_people_typed_is_printed_as_text_not_markup(world, qms):
    revision = make_certificate(world, qms).revisions.get()
    revision.scope = "Permits <b>& licences</b> <img src='file:///etc/passwd'>"
    revision.save(update_fields=["scope"])

    html = render_to_string(certificate_pdf.TEMPLATE, {"sheet": certificate_sheet(revision)})
    text = pdf_text(render_certificate_pdf(revision))

    assert "<img src='file:" not in html and "&lt;b&gt;&amp; licences&lt;/b&gt;" in html
    assert_contains(text, ("Permits <b>& licences</b> <img src='file:///etc/passwd'>",))


def test_the_sheet_takes_the_same_queries_for_one_site_and_twelve(world, qms, django_assert_num_queries):
    one = make_certificate(world, qms).revisions.get()
    sites = [factories.SiteFactory(organisation=world.org_a) for _ in range(11)]
    twelve = make_certificate(world, qms, number="CB-2026-00012", sites=[world.site_a, *sites])
    twelve = twelve.revisions.get()

    with django_assert_num_queries(3):
        assert len(certificate_sheet(one).sites) == 1
    with django_assert_num_queries(3):
        assert len(certificate_sheet(twelve).sites) == 12


# --- the document registry ---


def test_the_registry_offers_issued_revisions_only_to_those_who_see_them(world, qms):
    issued = make_certificate(world, qms).revisions.get()
    draft = make_certificate(world, qms, number=DRAFT_NUMBER, status=CertificateStatus.DRAFT).revisions.get()

    for user in (world.qm_a, world.viewer_a, world.auditor, world.cert_manager, world.staff):
        assert list(issued_revisions_for(user).filter(pk__in=[issued.pk, draft.pk])) == [issued], user
    for user in (world.qm_b, world.other_cb_manager, world.nobody):
        assert not issued_revisions_for(user).filter(pk__in=[issued.pk, draft.pk]).exists(), user


def test_the_registry_refuses_a_draft_and_a_stranger(world, qms):
    issued = make_certificate(world, qms).revisions.get()
    draft = make_certificate(world, qms, number=DRAFT_NUMBER, status=CertificateStatus.DRAFT).revisions.get()

    with pytest.raises(NotAllowed):
        document_request(actor=world.qm_a, kind=CERTIFICATE, subject=draft)
    with pytest.raises(NotAllowed):
        document_request(actor=world.cert_manager, kind=CERTIFICATE, subject=draft)
    with pytest.raises(NotAllowed):
        document_request(actor=world.qm_b, kind=CERTIFICATE, subject=issued)


def test_the_certificate_renders_through_the_document_task(
    world, certificate, revision, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document = document_request(actor=world.qm_a, kind=CERTIFICATE, subject=revision)
    document.refresh_from_db()

    assert document.status == DocumentStatus.READY, document.error
    assert original_name(document) == "certificate-cb-2026-00001-rev1.pdf"
    content = document.file.read()
    assert content.startswith(b"%PDF-")
    assert_contains(pdf_text(content), ("CB-2026-00001 Rev. 1", "Organisation A", "ISO 9001:2015"))


def test_an_issued_revision_is_rendered_once(
    world, certificate, revision, django_capture_on_commit_callbacks, client
):
    """The PDF of a revision is kept: a later request (or the panel's button) gets the same file."""
    with django_capture_on_commit_callbacks(execute=True):
        first = document_request(actor=world.qm_a, kind=CERTIFICATE, subject=revision)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = document_request(actor=world.cert_manager, kind=CERTIFICATE, subject=revision)
    assert again == first and callbacks == []
    client.force_login(world.qm_a)
    panel = client.get(certificate.get_absolute_url()).content.decode()
    assert "Download" in panel and "Render again" not in panel


# --- a draft, previewed before it is issued --------------------------------------------------------


def test_a_draft_is_previewed_marked_draft_and_rendered_again_once_edited(
    client, world, qms, django_capture_on_commit_callbacks
):
    give_images(world.cb)
    certificate = make_certificate(world, qms, number=DRAFT_NUMBER, status=CertificateStatus.DRAFT)
    draft = certificate.revisions.get()
    client.force_login(world.cert_manager)
    page = client.get(certificate.get_absolute_url()).content.decode()
    assert f"document-certificatescertificate_draft-{draft.pk}" in page and "marked DRAFT" in page
    with django_capture_on_commit_callbacks(execute=True):
        preview = document_request(actor=world.cert_manager, kind=CERTIFICATE_DRAFT, subject=draft)
    preview.refresh_from_db()
    assert preview.status == DocumentStatus.READY, preview.error
    assert original_name(preview) == f"certificate-{DRAFT_NUMBER.lower()}-rev1-DRAFT.pdf"
    assert_contains(pdf_text(preview.file.read()), ("DRAFT", "Not issued: this is not a valid certificate."))
    # the same draft: the same preview; an edited draft: a new one
    assert document_request(actor=world.qm_a, kind=CERTIFICATE_DRAFT, subject=draft) == preview
    draft.scope = "Delivery of digital public services"
    draft.save(update_fields=["scope"])
    with django_capture_on_commit_callbacks(execute=True):
        edited = document_request(actor=world.cert_manager, kind=CERTIFICATE_DRAFT, subject=draft)
    assert edited != preview
    # never for an issued revision, nor for who does not see the draft
    issued = make_certificate(world, qms).revisions.get()
    with pytest.raises(NotAllowed):
        document_request(actor=world.cert_manager, kind=CERTIFICATE_DRAFT, subject=issued)
    with pytest.raises(NotAllowed):
        document_request(actor=world.qm_b, kind=CERTIFICATE_DRAFT, subject=draft)


def test_the_certificate_names_its_signatory_and_prints_each_address_once(world, qms):
    give_images(world.cb)
    world.cb.signatory_name, world.cb.signatory_function = "Jonas Berg", "Managing director"
    world.cb.signature.save("signature.png", ContentFile(png_bytes("black")), save=False)
    world.cb.save()
    revision = make_certificate(world, qms).revisions.get()
    sheet = certificate_sheet(revision)
    assert sheet.signature is not None and sheet.signature.startswith("data:image/png;base64,")
    text = pdf_text(render_certificate_pdf(revision))
    assert_contains(text, ("Jonas Berg", "Managing director"))
    assert squashed(text).count(squashed(world.cb.address)) == 1  # the CB's address at the top only
    assert (0, 0, 0) in embedded_image_colours(render_certificate_pdf(revision))  # the signature


def test_a_central_function_at_the_holders_address_prints_it_once(world, qms):
    world.site_a.street, world.site_a.postcode = world.org_a.street, world.org_a.postcode
    world.site_a.city, world.site_a.country = world.org_a.city, world.org_a.country
    world.site_a.save()
    revision = make_certificate(world, qms).revisions.get()
    text = squashed(pdf_text(render_certificate_pdf(revision)))
    assert text.count(squashed(revision.holder_address)) == 1
    assert squashed("A headquarters") in text
