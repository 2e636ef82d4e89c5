"""The certificate register and its IAF CertSearch export (DOMAIN §6.2, §6.3, §8, rule 34)."""

import csv
import datetime
import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from certificates.enums import CertificateStatus, DecisionKind, RevisionStatus
from certificates.models import Certificate, CertificateRevision, Decision
from certificates.register_export import COLUMNS, STATUS_NAMES, certsearch_rows, csv_pieces
from certificates.selectors.register import certsearch_chunks
from organisations.models import IAFCode
from tests import factories
from tests.audits.conftest import ems  # noqa: F401  (the ISO 14001:2015 fixture)
from tests.certificates.conftest import make_certificate, take_copy

REGISTER = reverse("certificates:register")
CSV = reverse("certificates:register_csv")
XLSX = reverse("certificates:register_xlsx")
HEADER = [
    "Certification Identity Number",
    "Certificate Number",
    "Certification Status",
    "Accreditation Status",
    "Certification Type",
    "Certification Scope",
    "Certification Original Issue Date",
    "Certification Issue Date",
    "Certification Expiry Date",
    "Certified Entity Name",
    "Standard",
    "Country",
    "Certification Site Addresses",
    "Technical Sectors",
]


def body(response) -> bytes:
    """The whole file: the CSV export is streamed, the XLSX one sent from a temporary file."""
    return b"".join(response.streaming_content)


def csv_lines(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def xlsx_lines(content: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(content))["Certifications"]
    return [[cell.value or "" for cell in row] for row in sheet.iter_rows()]


def exported(client, user, url=CSV, **query) -> list[list[str]]:
    client.force_login(user)
    response = client.get(url, query)
    assert response.status_code == 200
    return (csv_lines if url == CSV else xlsx_lines)(body(response))


def numbers(lines: list[list[str]]) -> list[str]:
    return [line[1] for line in lines[1:]]


def listed(client, user, **query) -> list[str]:
    client.force_login(user)
    response = client.get(REGISTER, query)
    assert response.status_code == 200
    return [certificate.number for certificate in response.context["page"]]


def move(certificate: Certificate, **fields) -> Certificate:
    """Give the certificate another holder or CB (the fixture builds them for organisation A)."""
    Certificate.objects.filter(pk=certificate.pk).update(**fields)
    certificate.refresh_from_db()
    return certificate


@pytest.fixture
def certified(world, qms):
    """The certificate of DOMAIN §6.3's example row: ISO 9001:2015, IAF 36 and 33, one site."""
    certificate = make_certificate(world, qms)
    certificate.revisions.get().iaf_codes.set(IAFCode.objects.filter(code__in=[36, 33]))
    return certificate


@pytest.fixture
def other_body_certificate(world, qms):
    certificate = make_certificate(world, qms, number="OTHER-0001")
    return move(certificate, certification_body=world.other_cb, organisation=world.org_b)


def another_decision(certificate: Certificate) -> Decision:
    """A second decision on the certificate (a reduction of scope), for its second revision."""
    decision = certificate.decisions.get()
    decision.pk = None
    decision.kind = DecisionKind.SCOPE_REDUCTION
    decision.save()
    return decision


# --- The export's row, against one written by hand ----------------------------------------


def expected_row(world, certificate) -> list[str]:
    return [
        f"{world.cb.pk}-{certificate.pk}",
        "CB-2026-00001",
        "Active",
        "Accredited",
        "Management System",
        "Design and delivery of digital public services",
        "20260302",
        "20260302",
        "20290302",
        "Organisation A",
        "ISO 9001:2015",
        "BE",
        "A headquarters, Side street 2, Ghent, Belgium",
        "IAF 33; IAF 36",
    ]


def test_csv_row_is_the_certsearch_row(client, world, certified):
    client.force_login(world.cert_manager)
    response = client.get(CSV)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    day = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="certsearch-{day}.csv"'
    assert response.streaming
    content = body(response)
    assert b"\r\n" in content  # RFC 4180 line ends
    assert csv_lines(content) == [HEADER, expected_row(world, certified)]


def test_xlsx_row_is_the_certsearch_row(client, world, certified):
    client.force_login(world.cert_manager)
    response = client.get(XLSX)
    day = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="certsearch-{day}.xlsx"'
    workbook = load_workbook(io.BytesIO(body(response)))
    assert workbook.sheetnames == ["Certifications"]
    sheet = workbook["Certifications"]
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        HEADER,
        expected_row(world, certified),
    ]
    assert all(cell.font.bold for cell in sheet[1])
    assert not any(cell.font.bold for cell in sheet[2])
    assert {cell.data_type for row in sheet.iter_rows() for cell in row} == {"s"}
    assert sheet.column_dimensions["A"].width == 31  # the header's 29 characters and a margin
    assert sheet.column_dimensions["F"].width == 48  # the scope's 46


def test_sites_and_sectors_of_a_multi_site_revision(client, world, qms):
    branch = factories.SiteFactory(organisation=world.org_a, name="A branch", postcode="9000")
    certificate = make_certificate(world, qms, sites=[branch, world.site_a])
    certificate.revisions.get().iaf_codes.set(IAFCode.objects.filter(code__in=[3, 28, 12]))
    (row,) = exported(client, world.cert_manager)[1:]
    assert (
        row[12]
        == "A headquarters, Side street 2, Ghent, Belgium | A branch, Side street 2, 9000 Ghent, Belgium"
    )
    assert row[13] == "IAF 3; IAF 12; IAF 28"


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_export_leaves_out_non_accredited_drafts_and_other_bodies(
    client, world, qms, url, other_body_certificate
):
    make_certificate(world, qms, number="CB-2026-00001")
    make_certificate(world, qms, number="CB-2026-00002", accredited=False)  # rule 34
    make_certificate(world, qms, number="CB-2026-00003", status=CertificateStatus.DRAFT)
    assert numbers(exported(client, world.cert_manager, url)) == ["CB-2026-00001"]
    assert numbers(exported(client, world.other_cb_manager, url)) == ["OTHER-0001"]


def test_export_takes_the_current_revision_never_a_superseded_one(client, world, qms):
    certificate = make_certificate(world, qms)
    first = certificate.revisions.get()
    first.status = RevisionStatus.SUPERSEDED
    first.save(update_fields=["status"])
    second = CertificateRevision.objects.create(
        certificate=certificate,
        revision=2,
        decision=another_decision(certificate),
        edition=qms,
        scope="Design of digital public services",
        effective_on=datetime.date(2026, 9, 1),
        expiry_on=datetime.date(2029, 3, 1),
        cycle_started_on=first.cycle_started_on,
        status=RevisionStatus.CURRENT,
        accredited=True,
        issued_on=datetime.date(2026, 9, 1),
        issued_by=world.cert_manager,
    )
    take_copy(second, [world.site_a])
    (row,) = exported(client, world.cert_manager)[1:]
    assert row[5:9] == ["Design of digital public services", "20260302", "20260901", "20290301"]


@pytest.mark.parametrize(
    ("status", "name"),
    [
        (CertificateStatus.SUSPENDED, "Suspended"),
        (CertificateStatus.WITHDRAWN, "Withdrawn"),
        (CertificateStatus.EXPIRED, "Expired"),
        (CertificateStatus.CANCELLED, "Cancelled"),
    ],
)
def test_export_names_statuses_as_certsearch_does(client, world, qms, status, name):
    make_certificate(world, qms, status=status)
    (row,) = exported(client, world.cert_manager)[1:]
    assert row[2] == name


def test_every_certificate_status_has_its_certsearch_name():
    assert set(STATUS_NAMES) == set(CertificateStatus.values)
    assert set(STATUS_NAMES.values()) <= {
        "Active",
        "Inactive",
        "Suspended",
        "Cancelled",
        "Draft",
        "Withdrawn",
        "Expired",
    }
    assert list(COLUMNS) == HEADER


# --- Formula injection (OWASP CSV injection) -----------------------------------------------


@pytest.fixture
def hostile(world, qms):
    world.org_a.name = "+cmd|' /C calc'!A0"
    world.org_a.save(update_fields=["name"])
    certificate = make_certificate(world, qms)
    certificate.revisions.update(scope='=HYPERLINK("https://evil.example","Click")')
    return certificate


def test_csv_neutralises_formulas(client, world, hostile):
    (row,) = exported(client, world.cert_manager)[1:]
    assert row[5] == '\'=HYPERLINK("https://evil.example","Click")'
    assert row[9] == "'+cmd|' /C calc'!A0"


def test_xlsx_neutralises_formulas(client, world, hostile):
    client.force_login(world.cert_manager)
    sheet = load_workbook(io.BytesIO(body(client.get(XLSX))))["Certifications"]
    scope, name = sheet["F2"], sheet["J2"]
    assert (scope.data_type, scope.value) == ("s", '\'=HYPERLINK("https://evil.example","Click")')
    assert (name.data_type, name.value) == ("s", "'+cmd|' /C calc'!A0")
    with zipfile.ZipFile(io.BytesIO(body(client.get(XLSX)))) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")  # no formula anywhere


# --- Filters -------------------------------------------------------------------------------


@pytest.fixture
def mixed(world, qms, ems):  # noqa: F811
    """Three certificates of the CB: two holders, two standards, two statuses, two expiry dates."""
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=20)
    make_certificate(
        world, qms, number="Q-1", decided_on=today - datetime.timedelta(days=300), expiry_on=soon
    )
    make_certificate(world, qms, number="Q-2", status=CertificateStatus.SUSPENDED)
    other = factories.OrganisationFactory(name="Ministry of Roads")
    factories.ClientEngagementFactory(certification_body=world.cb, organisation=other)
    move(make_certificate(world, ems, number="E-1"), organisation=other)
    return other


@pytest.mark.parametrize("url", [REGISTER, CSV])
def test_filters_apply_to_the_page_and_the_export(client, world, mixed, qms, ems, url):  # noqa: F811
    today = timezone.localdate()
    cases = [
        ({}, ["E-1", "Q-1", "Q-2"]),
        ({"status": "suspended"}, ["Q-2"]),
        ({"standard": ems.standard_id}, ["E-1"]),
        ({"organisation": mixed.pk}, ["E-1"]),
        ({"organisation": world.org_a.pk, "standard": qms.standard_id}, ["Q-1", "Q-2"]),
        ({"expiring": 30}, ["Q-1"]),
        ({"expiring": 180}, ["Q-1"]),
        (
            {
                "expires_from": today.isoformat(),
                "expires_until": (today + datetime.timedelta(days=20)).isoformat(),
            },
            ["Q-1"],
        ),
        ({"expires_from": "2029-03-02", "expires_until": "2029-03-02"}, ["E-1", "Q-2"]),
        ({"q": "roads"}, ["E-1"]),
        ({"q": "q-2"}, ["Q-2"]),
    ]
    for query, expected in cases:
        found = (
            listed(client, world.cert_manager, **query)
            if url == REGISTER
            else numbers(exported(client, world.cert_manager, url, **query))
        )
        assert found == expected, query


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "superseded"}, "status"),
        ({"standard": "abc"}, "standard"),
        ({"standard": "99999999999999999999"}, "standard"),
        ({"organisation": "-1"}, "organisation"),
        ({"expiring": "7"}, "expiring"),
        ({"expires_from": "2026-02-30"}, "expires_from"),
        ({"expires_from": "1900-01-01"}, "expires_from"),
        ({"expires_from": "2027-01-01", "expires_until": "2026-01-01"}, "expires_until"),
        ({"expiring": "30", "expires_from": "2026-01-01"}, "expiring"),
        ({"q": "x" * 101}, "q"),
        ({"q": "a\x00b"}, "q"),
    ],
)
def test_invalid_filters_are_said_and_never_fail(client, world, mixed, query, field):
    client.force_login(world.cert_manager)
    response = client.get(REGISTER, query)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert b"alert-warning" in response.content
    export = client.get(CSV, query)  # nothing exported on a filter the user did not mean
    assert export.status_code == 302
    assert export["Location"].startswith(REGISTER + "?")


def test_a_filter_on_another_bodys_organisation_is_refused(client, world, mixed, other_body_certificate):
    client.force_login(world.cert_manager)
    response = client.get(REGISTER, {"organisation": world.org_b.pk})
    assert "organisation" in response.context["form"].errors
    assert [certificate.number for certificate in response.context["page"]] == ["E-1", "Q-1", "Q-2"]
    organisations = dict(response.context["form"].fields["organisation"].choices)
    assert world.org_b.pk not in organisations


def test_past_the_organisations_listed_the_holder_is_searched_by_name(client, world, mixed, monkeypatch):
    """A large CB's register lists no select of its 1,417 clients: the search by number or holder
    finds them by name (here with the list's limit lowered to one of the two holders)."""
    from certificates.selectors import register as selectors

    monkeypatch.setattr(selectors, "ORGANISATIONS_LISTED", 1)
    client.force_login(world.cert_manager)
    response = client.get(REGISTER, {"q": "roads"})
    assert "organisation" not in response.context["form"].fields
    assert 'name="organisation"' not in response.content.decode()
    assert [certificate.number for certificate in response.context["page"]] == ["E-1"]


# --- Who sees what ---------------------------------------------------------------------------


def test_register_lists_the_bodys_certificates_only(client, world, qms, other_body_certificate):
    draft = make_certificate(world, qms, number="CB-2026-00002", status=CertificateStatus.DRAFT)
    make_certificate(world, qms, number="CB-2026-00001", status=CertificateStatus.SUSPENDED)
    assert listed(client, world.cert_manager) == ["CB-2026-00001", "CB-2026-00002"]
    assert listed(client, world.auditor) == ["CB-2026-00001", "CB-2026-00002"]
    assert listed(client, world.other_cb_manager) == ["OTHER-0001"]
    client.force_login(world.cert_manager)
    page = client.get(REGISTER).content.decode()
    assert "Certificate register" in page
    assert "not valid" in page  # the suspended one
    assert "not issued" in page  # the draft, shown with its draft revision
    assert "ISO 9001:2015" in page
    assert draft.get_absolute_url() in page
    assert CSV in page
    assert XLSX in page
    assert "CB serving A" not in page  # one CB: no CB column


def test_platform_staff_see_every_body_with_its_name_and_no_export(
    client, world, qms, other_body_certificate
):
    make_certificate(world, qms)
    assert listed(client, world.staff) == ["CB-2026-00001", "OTHER-0001"]
    page = client.get(REGISTER).content.decode()
    assert "CB serving A" in page
    assert "CB serving B" in page
    assert CSV not in page
    assert client.get(CSV).status_code == 403


def test_client_sees_its_own_certificates_without_export(client, world, qms, other_body_certificate):
    make_certificate(world, qms)
    assert listed(client, world.qm_a) == ["CB-2026-00001"]
    page = client.get(REGISTER).content.decode()
    assert "Our certificates" in page
    assert "Certificate register" not in page
    assert CSV not in page
    assert XLSX not in page
    assert client.get(CSV).status_code == 403
    assert client.get(XLSX).status_code == 403
    assert listed(client, world.qm_b) == ["OTHER-0001"]
    assert listed(client, world.nobody) == []


@pytest.mark.parametrize("url", [REGISTER, CSV, XLSX])
def test_anonymous_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [REGISTER, CSV, XLSX])
def test_only_get(client, world, url):
    client.force_login(world.cert_manager)
    assert client.post(url).status_code == 405


# --- Pages and speed -------------------------------------------------------------------------


def many(world, qms, count: int) -> None:
    for index in range(count):
        make_certificate(world, qms, number=f"CB-2026-{index + 1:05d}")


def test_register_pages_by_fifty(client, world, qms):
    many(world, qms, 60)
    first = listed(client, world.cert_manager, status="active")
    assert len(first) == 50
    assert first[0] == "CB-2026-00001"
    assert listed(client, world.cert_manager, status="active", page=2)[0] == "CB-2026-00051"
    assert len(listed(client, world.cert_manager, page="abc")) == 50
    assert len(listed(client, world.cert_manager, page="99999")) == 10
    page = client.get(REGISTER, {"status": "active"}).content.decode()
    assert "?status=active&amp;page=2" in page


def count_queries(client, url) -> int:
    """The queries of the request and, for an export, of reading its file to the end."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200
        if response.streaming:
            body(response)
    return len(queries)


@pytest.mark.parametrize(("url", "expected"), [(REGISTER, 8), (CSV, 8), (XLSX, 8)])
def test_query_count_does_not_grow_with_rows(client, world, qms, url, expected):
    client.force_login(world.cert_manager)
    many(world, qms, 3)
    few = count_queries(client, url)
    for index in range(57):
        make_certificate(world, qms, number=f"CB-2027-{index + 1:05d}")
    assert (few, count_queries(client, url)) == (expected, expected)


# --- The export streamed, read in chunks ----------------------------------------------------


@pytest.mark.parametrize(
    ("size", "chunks", "expected_queries"),
    [
        (2, [[1, 2], [3, 4], [5]], 9),  # three a chunk: the revisions, their sites, their IAF codes
        (5, [[1, 2, 3, 4, 5]], 4),  # a full chunk: one more query finds nothing after it
        (6, [[1, 2, 3, 4, 5]], 3),
    ],
)
def test_export_reads_the_register_in_chunks_by_number(world, qms, size, chunks, expected_queries):
    for index in (3, 5, 1, 4, 2):  # made out of order
        make_certificate(world, qms, number=f"CB-2026-{index:05d}")
    with CaptureQueriesContext(connection) as queries:
        read = [
            [source.number for source in chunk] for chunk in certsearch_chunks(Certificate.objects, size=size)
        ]
    assert read == [[f"CB-2026-{index:05d}" for index in chunk] for chunk in chunks]
    assert len(queries) == expected_queries


def test_csv_is_streamed_header_first_then_a_piece_a_chunk(client, world, qms):
    many(world, qms, 5)
    pieces = list(csv_pieces(certsearch_rows(certsearch_chunks(Certificate.objects, size=2))))
    assert len(pieces) == 4
    assert pieces[0] == "\ufeff" + ",".join(HEADER) + "\r\n"
    assert [line[1] for line in csv.reader(io.StringIO(pieces[2], newline=""))] == [
        "CB-2026-00003",
        "CB-2026-00004",
    ]
    client.force_login(world.cert_manager)
    assert "".join(pieces).encode() == body(client.get(CSV))


def test_xlsx_keeps_line_breaks_quotes_and_commas_and_drops_control_characters(client, world, qms):
    certificate = make_certificate(world, qms)
    certificate.revisions.update(scope='Design,\n "digital"\x07 services')
    (csv_row,) = exported(client, world.cert_manager)[1:]
    (xlsx_row,) = exported(client, world.cert_manager, XLSX)[1:]
    assert csv_row[5] == 'Design,\n "digital"\x07 services'
    assert xlsx_row[5] == 'Design,\n "digital" services'  # a sheet cannot hold the bell


def test_a_reissue_in_draft_leaves_the_register_on_the_current_revision(client, world, qms):
    certificate = make_certificate(world, qms)
    current = certificate.revisions.get()
    CertificateRevision.objects.create(
        certificate=certificate,
        revision=2,
        decision=another_decision(certificate),
        edition=qms,
        holder_name="Organisation A, renamed",
        scope="Design of digital public services",
        effective_on=datetime.date(2026, 9, 1),
        expiry_on=datetime.date(2030, 1, 31),
        cycle_started_on=current.cycle_started_on,
        status=RevisionStatus.DRAFT,
    )
    client.force_login(world.cert_manager)
    (row,) = client.get(REGISTER).context["page"]
    assert (row.holder_name, row.effective_on, row.expiry_on) == (
        "Organisation A",
        current.effective_on,
        current.expiry_on,
    )
    assert listed(client, world.cert_manager, expires_from="2030-01-01") == []  # the draft's expiry
    assert listed(client, world.cert_manager, expires_until=current.expiry_on.isoformat()) == [
        "CB-2026-00001"
    ]


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_an_empty_register_exports_the_header_alone(client, world, url):
    assert exported(client, world.cert_manager, url) == [HEADER]
