import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from improvement.enums import AnswerStatus
from improvement.models import EvidenceFile, GapAnalysis
from improvement.services import gap as services
from tests.audits.conftest import make_edition

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _answer(analysis, number):
    return analysis.answers.get(clause__number=number)


def _answer_data(answer, **values):
    data = {
        "status": "not_assessed",
        "justification": "",
        "notes": "",
    }
    data.update(values)
    return {f"a{answer.pk}-{key}": value for key, value in data.items() if value is not False}


# --- permission matrix (STYLE §20): allowed, read-only 403, outsider 404, wrong method 405


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("qm_a", 302),
        ("contributor_a", 302),
        ("viewer_a", 403),
        ("auditor", 404),
        ("cert_manager", 404),
        ("qm_b", 404),
        ("staff", 404),
    ],
)
def test_answer_permission_matrix(client, world, analysis, persona, status):
    answer = _answer(analysis, "4.1")
    client.force_login(getattr(world, persona))
    url = reverse("improvement:gap_answer", args=[analysis.pk, answer.pk])
    response = client.post(url, _answer_data(answer, status="conforming"))
    answer.refresh_from_db()
    assert response.status_code == status
    assert (answer.status == AnswerStatus.CONFORMING) is (status == 302)


def test_answer_get_is_405(client, world, analysis):
    client.force_login(world.qm_a)
    assert (
        client.get(
            reverse("improvement:gap_answer", args=[analysis.pk, _answer(analysis, "4.1").pk])
        ).status_code
        == 405
    )


@pytest.mark.parametrize(
    ("persona", "status"),
    [("qm_a", 200), ("viewer_a", 200), ("auditor", 404), ("other_cb_manager", 404), ("qm_b", 404)],
)
def test_detail_of_unshared_analysis(client, world, analysis, persona, status):
    client.force_login(getattr(world, persona))
    assert client.get(analysis.get_absolute_url()).status_code == status


@pytest.mark.parametrize(
    ("persona", "status"), [("auditor", 200), ("cert_manager", 200), ("other_cb_manager", 404), ("qm_b", 404)]
)
def test_shared_analysis_is_readable_by_serving_cb_only(client, world, analysis, persona, status):
    services.gap_analysis_share(actor=world.qm_a, analysis=analysis, shared=True)
    client.force_login(getattr(world, persona))
    response = client.get(analysis.get_absolute_url())
    assert response.status_code == status
    if status == 200:
        assert response.context["can_write"] is False and not _edits(response.content.decode())


def test_cb_staff_cannot_write_shared_analysis(client, world, analysis):
    services.gap_analysis_share(actor=world.qm_a, analysis=analysis, shared=True)
    answer = _answer(analysis, "4.1")
    client.force_login(world.auditor)
    response = client.post(
        reverse("improvement:gap_answer", args=[analysis.pk, answer.pk]),
        _answer_data(answer, status="conforming"),
    )
    assert response.status_code == 403
    answer.refresh_from_db()
    assert answer.status == AnswerStatus.NOT_ASSESSED


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("qm_a", 302),
        ("contributor_a", 302),
        ("viewer_a", 403),
        ("auditor", 403),
        ("nobody", 404),
        ("qm_b", 404),
    ],
)
def test_start_permission_matrix(client, world, qms, persona, status):
    client.force_login(getattr(world, persona))
    response = client.post(
        reverse("improvement:gap_start", args=[world.org_a.pk]), {"title": "Baseline", "editions": [qms.pk]}
    )
    assert response.status_code == status
    assert GapAnalysis.objects.filter(title="Baseline").exists() is (status == 302)


@pytest.mark.parametrize(
    ("name", "persona", "status"),
    [
        ("improvement:gap_complete", "qm_a", 302),
        ("improvement:gap_complete", "contributor_a", 403),
        ("improvement:gap_complete", "auditor", 404),
        ("improvement:gap_share", "qm_a", 302),
        ("improvement:gap_share", "viewer_a", 403),
        ("improvement:gap_share", "qm_b", 404),
    ],
)
def test_conclude_permission_matrix(client, world, analysis, name, persona, status):
    client.force_login(getattr(world, persona))
    response = client.post(reverse(name, args=[analysis.pk]), {"shared": "on", "confirm": "on"})
    analysis.refresh_from_db()
    assert response.status_code == status
    changed = analysis.is_completed if name == "improvement:gap_complete" else analysis.shared_with_cb
    assert changed is (status == 302)


# --- behaviour


def test_start_any_edition_including_guidance(client, world):
    guidance = make_edition(
        "ISO 31000",
        2018,
        [("4", "Principles", ""), ("4.a", "Integrated", "")],
        kind="guidance",
        certifiable=False,
    )
    client.force_login(world.contributor_a)
    response = client.post(
        reverse("improvement:gap_start", args=[world.org_a.pk]),
        {"title": "Risk maturity", "editions": [guidance.pk], "sites": [world.site_a.pk]},
    )
    analysis = GapAnalysis.objects.get(title="Risk maturity")
    assert response.url == analysis.get_absolute_url()
    assert list(analysis.sites.all()) == [world.site_a]
    assert analysis.answers.get().clause.number == "4.a"


def test_start_refuses_other_organisations_site(client, world, qms):
    client.force_login(world.qm_a)
    response = client.post(
        reverse("improvement:gap_start", args=[world.org_a.pk]),
        {"title": "x", "editions": [qms.pk], "sites": [world.site_b.pk]},
    )
    assert response.status_code == 200 and "sites" in response.context["form"].errors
    assert not GapAnalysis.objects.exists()


def test_detail_page_offers_radio_buttons_and_labels(client, world, analysis):
    """The page lists compact rows; the radio buttons and their labels come with a row's editor."""
    answer = _answer(analysis, "4.1")
    client.force_login(world.contributor_a)
    page = client.get(analysis.get_absolute_url()).content.decode()
    edit = reverse("improvement:gap_answer_edit", args=[analysis.pk, answer.pk])
    assert f'hx-get="{edit}"' in page and 'type="radio"' not in page
    editor = client.get(edit, HTTP_HX_REQUEST="true").content.decode()
    assert f'type="radio" name="a{answer.pk}-status" value="conforming"' in editor
    assert f'<label class="form-check-label" for="id_a{answer.pk}-status_1">Conforming</label>' in editor
    assert f'hx-post="{reverse("improvement:gap_answer", args=[analysis.pk, answer.pk])}"' in editor


def test_answer_with_htmx_returns_row_and_progress(client, world, analysis):
    answer = _answer(analysis, "4.1")
    client.force_login(world.qm_a)
    response = client.post(
        reverse("improvement:gap_answer", args=[analysis.pk, answer.pk]),
        _answer_data(answer, status="conforming", notes="Context register v3"),
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="answer-{answer.pk}"' in page and 'hx-swap-oob="true"' in page and "Saved" in page
    assert "1 of 4 clauses answered (25 %)" in page


def test_answer_without_javascript_redirects_to_anchor(client, world, analysis):
    answer = _answer(analysis, "4.2")
    client.force_login(world.qm_a)
    response = client.post(
        reverse("improvement:gap_answer", args=[analysis.pk, answer.pk]),
        _answer_data(answer, status="partial", notes="Register v2"),
    )
    assert response.url.endswith(f"#answer-{answer.pk}")
    answer.refresh_from_db()
    assert (answer.status, answer.notes, answer.updated_by) == ("partial", "Register v2", world.qm_a)


def test_answer_not_applicable_without_justification_shows_error(client, world, analysis):
    answer = _answer(analysis, "8.3")
    client.force_login(world.qm_a)
    response = client.post(
        reverse("improvement:gap_answer", args=[analysis.pk, answer.pk]),
        _answer_data(answer, status="not_applicable"),
    )
    assert (
        response.status_code == 200 and "Say why the requirement does not apply." in response.content.decode()
    )
    answer.refresh_from_db()
    assert answer.status == AnswerStatus.NOT_ASSESSED


def test_answer_of_another_analysis_is_404(client, world, analysis, qms):
    other = services.gap_analysis_start(
        actor=world.qm_b, organisation=world.org_b, title="B", editions=[qms], sites=[]
    )
    answer = _answer(other, "4.1")
    client.force_login(world.qm_a)
    url = reverse("improvement:gap_answer", args=[analysis.pk, answer.pk])
    assert client.post(url, _answer_data(answer, status="conforming")).status_code == 404


PDF_BYTES = b"%PDF-1.7\n%test\n"


def test_evidence_upload_download_and_remove(client, world, analysis):
    answer = _answer(analysis, "4.1")
    client.force_login(world.contributor_a)
    upload = SimpleUploadedFile("Context register.PDF", PDF_BYTES, content_type="application/pdf")
    client.post(reverse("improvement:gap_evidence_upload", args=[analysis.pk, answer.pk]), {"file": upload})
    evidence = EvidenceFile.objects.get()
    assert evidence.original_name == "Context register.PDF" and evidence.size == len(PDF_BYTES)
    assert "Context register" not in evidence.file.name and evidence.file.name.endswith(".pdf")
    response = client.get(reverse("improvement:gap_evidence_download", args=[analysis.pk, evidence.pk]))
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"].startswith("attachment;")
    client.post(reverse("improvement:gap_evidence_remove", args=[analysis.pk, evidence.pk]))
    evidence.refresh_from_db()
    assert evidence.removed_at is not None and evidence.file.storage.exists(evidence.file.name)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("script.exe", b"MZ", "not accepted"),
        ("fake.pdf", b"<html>not a pdf</html>", "does not match its type"),
        ("binary.txt", b"\x00\x01\x02", "does not match its type"),
    ],
)
def test_evidence_upload_refuses_bad_files(client, world, analysis, name, content, message):
    answer = _answer(analysis, "4.1")
    client.force_login(world.qm_a)
    response = client.post(
        reverse("improvement:gap_evidence_upload", args=[analysis.pk, answer.pk]),
        {"file": SimpleUploadedFile(name, content)},
        follow=True,
    )
    assert message in response.content.decode()
    assert not EvidenceFile.objects.exists()


def test_evidence_upload_refuses_too_large(client, world, analysis, settings):
    settings.EVIDENCE_MAX_BYTES = 10
    answer = _answer(analysis, "4.1")
    client.force_login(world.qm_a)
    response = client.post(
        reverse("improvement:gap_evidence_upload", args=[analysis.pk, answer.pk]),
        {"file": SimpleUploadedFile("a.txt", b"x" * 11)},
        follow=True,
    )
    assert "larger than" in response.content.decode() and not EvidenceFile.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("viewer_a", 200), ("auditor", 404), ("qm_b", 404)])
def test_evidence_download_permission(client, world, analysis, persona, status):
    evidence = services.gap_evidence_add(
        actor=world.qm_a, answer=_answer(analysis, "4.1"), upload=SimpleUploadedFile("e.txt", b"evidence")
    )
    client.force_login(getattr(world, persona))
    assert (
        client.get(reverse("improvement:gap_evidence_download", args=[analysis.pk, evidence.pk])).status_code
        == status
    )


def test_csv_export_contains_answers_and_neutralises_formulas(client, world, analysis):
    services.gap_answer_save(
        actor=world.qm_a,
        answer=_answer(analysis, "4.1"),
        status="conforming",
        notes='=HYPERLINK("x")',
    )
    client.force_login(world.viewer_a)
    response = client.get(reverse("improvement:gap_csv", args=[analysis.pk]))
    rows = list(__import__("csv").reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["edition", "clause", "title", "shared HS key", "status"]
    row = next(r for r in rows if r[1] == "4.1")
    assert row[4] == "Conforming" and row[6] == '\'=HYPERLINK("x")'
    assert len(rows) == 1 + analysis.answers.count()


def _edits(page: str) -> list[str]:
    """The in-place posts of a page, but the one asking for the PDF (a read, core.documents)."""
    return [url for url in re.findall(r'hx-post="([^"]+)"', page) if not url.startswith("/documents/")]


def test_completed_page_has_no_forms_but_offers_copy(client, world, analysis):
    services.gap_analysis_complete(actor=world.qm_a, analysis=analysis)
    client.force_login(world.qm_a)
    page = client.get(analysis.get_absolute_url()).content.decode()
    assert not _edits(page) and reverse("improvement:gap_copy", args=[analysis.pk]) in page


def test_copy_view_creates_new_analysis(client, world, analysis):
    client.force_login(world.contributor_a)
    response = client.post(reverse("improvement:gap_copy", args=[analysis.pk]), {"title": "Second round"})
    copy = GapAnalysis.objects.get(title="Second round")
    assert response.url == copy.get_absolute_url() and copy.copied_from == analysis


def test_compare_page(client, world, analysis):
    services.gap_answer_save(actor=world.qm_a, answer=_answer(analysis, "4.1"), status="partial")
    copy = services.gap_analysis_copy(actor=world.qm_a, source=analysis, title="Round 2")
    services.gap_answer_save(actor=world.qm_a, answer=_answer(copy, "4.1"), status="conforming")
    client.force_login(world.viewer_a)
    response = client.get(reverse("improvement:gap_compare", args=[copy.pk]), {"with": analysis.pk})
    assert [c.answer.clause.number for c in response.context["changes"]["improved"]] == ["4.1"]
    assert "Improved" in response.content.decode()


# --- query counts


@pytest.mark.parametrize("rows", [1, 3])
def test_gap_list_query_count(client, world, qms, django_assert_num_queries, rows):
    for i in range(rows):
        services.gap_analysis_start(
            actor=world.qm_a, organisation=world.org_a, title=f"A{i}", editions=[qms], sites=[]
        )
    client.force_login(world.qm_a)
    with django_assert_num_queries(9):  # with the paginator's count
        client.get(reverse("improvement:gap_list", args=[world.org_a.pk]))


@pytest.mark.parametrize("clauses", [1, 3])
def test_gap_detail_query_count(client, world, django_assert_num_queries, clauses):
    edition = make_edition(
        "ISO 9999",
        2020,
        [("4", "Context", ""), *((f"4.{i}", f"Clause {i}", "") for i in range(1, clauses + 1))],
    )
    analysis = services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title="x", editions=[edition], sites=[]
    )
    for answer in analysis.answers.all():
        services.gap_evidence_add(actor=world.qm_a, answer=answer, upload=SimpleUploadedFile("e.txt", b"e"))
    client.force_login(world.qm_a)
    with django_assert_num_queries(12):  # with the latest PDF (core.documents) and the actions
        client.get(analysis.get_absolute_url())


def test_gap_list_is_paginated_25_a_page(client, world, qms):
    for i in range(26):
        services.gap_analysis_start(
            actor=world.qm_a, organisation=world.org_a, title=f"Round {i:02d}", editions=[qms], sites=[]
        )
    client.force_login(world.viewer_a)
    url = reverse("improvement:gap_list", args=[world.org_a.pk])
    first, second = client.get(url), client.get(url, {"page": "2"})
    assert len(first.context["analyses"]) == 25 and len(second.context["analyses"]) == 1
    assert "Page 1 of 2" in first.content.decode() and 'href="?page=2"' in first.content.decode()
    assert "Round 00" in second.content.decode()  # the oldest, last
    assert client.get(url, {"page": "nine"}).context["page"].number == 1
