"""Answering many clauses at once: ticked rows set to one status, and the whole analysis as an XLSX
workbook, downloaded, filled in and uploaded again. All or nothing: a refusal names its clauses or
its rows, and changes nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from core.models import Transition
from improvement.enums import AnswerStatus
from improvement.services import gap as services
from improvement.services.gap import GapAnalysisError

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def statuses(analysis) -> dict[str, str]:
    return dict(analysis.answers.values_list("clause__number", "status"))


def picked(analysis, *numbers: str) -> list[int]:
    return list(analysis.answers.filter(clause__number__in=numbers).values_list("pk", flat=True))


# --- several answers at once -------------------------------------------------------------------


def test_ticked_answers_take_one_status_with_their_history(world, analysis):
    answers = picked(analysis, "4.1", "4.2", "8.3")
    changed = services.gap_answers_status_set(
        actor=world.qm_a, analysis=analysis, answer_ids=answers, status=AnswerStatus.CONFORMING
    )
    assert changed == 3
    now = statuses(analysis)
    assert {now[n] for n in ("4.1", "4.2", "8.3")} == {AnswerStatus.CONFORMING}
    assert now["9.2"] == AnswerStatus.NOT_ASSESSED
    logged = Transition.objects.filter(
        field="status", object_id__in=answers, to_state=AnswerStatus.CONFORMING
    )
    assert logged.count() == 3
    # again: nothing changes, nothing more is logged
    assert (
        services.gap_answers_status_set(
            actor=world.qm_a, analysis=analysis, answer_ids=answers, status=AnswerStatus.CONFORMING
        )
        == 0
    )
    assert logged.count() == 3


def test_not_applicable_needs_each_justification_and_changes_nothing_without(world, analysis):
    justified = analysis.answers.get(clause__number="4.1")
    services.gap_answer_save(actor=world.qm_a, answer=justified, justification="Outsourced to the agency.")
    with pytest.raises(GapAnalysisError, match=r"Justify these one by one first: 4\.2, 8\.3"):
        services.gap_answers_status_set(
            actor=world.qm_a,
            analysis=analysis,
            answer_ids=picked(analysis, "4.1", "4.2", "8.3"),
            status=AnswerStatus.NOT_APPLICABLE,
        )
    assert set(statuses(analysis).values()) == {AnswerStatus.NOT_ASSESSED}


def test_the_bulk_form_on_the_page(client, world, analysis):
    client.force_login(world.qm_a)
    page = client.get(analysis.get_absolute_url()).content.decode()
    first = analysis.answers.order_by("pk").first()
    assert 'id="gap-bulk"' in page and f'name="answers" value="{first.pk}" form="gap-bulk"' in page
    url = reverse("improvement:gap_answers_status", args=[analysis.pk])
    response = client.post(url, {"answers": picked(analysis, "4.1", "4.2"), "status": "partial"}, follow=True)
    assert "2 clauses set to “Partially conforming”." in response.content.decode()
    assert statuses(analysis)["4.2"] == AnswerStatus.PARTIAL

    other = services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title="Other", editions=[first.clause.edition], sites=[]
    )
    response = client.post(url, {"answers": [other.answers.first().pk], "status": "conforming"}, follow=True)
    assert "A clause selected is not in this analysis" in response.content.decode()
    response = client.post(url, {"status": "conforming"}, follow=True)
    assert "Select the clauses to answer first." in response.content.decode()
    assert set(statuses(other).values()) == {AnswerStatus.NOT_ASSESSED}

    client.force_login(world.viewer_a)  # reads, never writes
    assert 'id="gap-bulk"' not in client.get(analysis.get_absolute_url()).content.decode()
    assert client.post(url, {"answers": picked(analysis, "9.2"), "status": "conforming"}).status_code == 403


# --- the workbook --------------------------------------------------------------------------------


def download(client, analysis):
    response = client.get(reverse("improvement:gap_xlsx", args=[analysis.pk]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(response.content))


def upload(client, analysis, book, name="answers.xlsx"):
    buffer = io.BytesIO()
    book.save(buffer)
    file = SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)
    return client.post(reverse("improvement:gap_import", args=[analysis.pk]), {"file": file}, follow=True)


def row_of(sheet, number: str) -> int:
    return next(row[0].row for row in sheet.iter_rows(min_row=2) if row[2].value == number)


def test_the_workbook_round_trip_changes_what_was_filled_in(client, world, analysis):
    client.force_login(world.qm_a)
    book = download(client, analysis)
    sheet = book.active
    assert [cell.value for cell in sheet[1]] == [
        "answer",
        "edition",
        "clause",
        "title",
        "status",
        "justification",
        "evidence notes",
        "counts for",
    ]
    assert sheet.max_row == analysis.answers.count() + 1
    assert sheet.data_validations.dataValidation[0].formula1.startswith('"Not yet assessed,Conforming')
    untouched = analysis.answers.get(clause__number="9.2")
    before = untouched.updated_at

    sheet.cell(row_of(sheet, "4.1"), 5).value = "Conforming"
    sheet.cell(row_of(sheet, "4.2"), 5).value = "not applicable"  # any case, as a person types it
    sheet.cell(row_of(sheet, "4.2"), 6).value = "The agency runs no design."
    sheet.cell(row_of(sheet, "8.3"), 7).value = "Minutes of the board, March."
    response = upload(client, analysis, book)
    assert "Imported: 3 answers changed." in response.content.decode()
    now = statuses(analysis)
    assert (now["4.1"], now["4.2"], now["8.3"]) == ("conforming", "not_applicable", "not_assessed")
    assert analysis.answers.get(clause__number="8.3").notes == "Minutes of the board, March."
    untouched.refresh_from_db()
    assert untouched.updated_at == before  # a row given back as it was is not written


def test_a_bad_workbook_lists_each_row_and_changes_nothing(client, world, analysis):
    client.force_login(world.qm_a)
    book = download(client, analysis)
    sheet = book.active
    sheet.cell(row_of(sheet, "4.1"), 5).value = "Conforming"  # a good row: not written either
    sheet.cell(row_of(sheet, "4.2"), 5).value = "Done"
    sheet.cell(row_of(sheet, "8.3"), 5).value = "Not applicable"
    bad = row_of(sheet, "9.2")
    sheet.cell(bad, 1).value = 999_999
    sheet.cell(bad, 7).value = "x" * 2_001
    html = upload(client, analysis, book).content.decode()
    assert "Nothing was imported: 3 rows need correcting." in html
    assert f"Row {row_of(sheet, '4.2')}: “Done” is not a status: choose one from the list." in html
    assert f"Row {row_of(sheet, '8.3')}: Not applicable needs a justification." in html
    assert (
        f"Row {bad}: its first column does not name an answer of this analysis; evidence notes: Ensure "
        "this value has at most 2000 characters (it has 2001)."
    ) in html
    assert set(statuses(analysis).values()) == {AnswerStatus.NOT_ASSESSED}

    response = client.post(
        reverse("improvement:gap_import", args=[analysis.pk]),
        {"file": SimpleUploadedFile("answers.xlsx", b"not a workbook", content_type=XLSX)},
    )
    assert (
        "This file cannot be read as a spreadsheet (.xlsx): nothing was changed." in response.content.decode()
    )
    response = client.post(
        reverse("improvement:gap_import", args=[analysis.pk]),
        {"file": SimpleUploadedFile("answers.csv", b"a,b", content_type="text/csv")},
    )
    assert "Upload the .xlsx file downloaded from this analysis." in response.content.decode()
    response = client.post(reverse("improvement:gap_import", args=[analysis.pk]), {})  # no file at all
    assert response.status_code == 200 and "This field is required." in response.content.decode()


def test_a_completed_analysis_imports_nothing(client, world, analysis):
    services.gap_analysis_complete(actor=world.qm_a, analysis=analysis)
    client.force_login(world.qm_a)
    response = client.get(reverse("improvement:gap_import", args=[analysis.pk]), follow=True)
    assert "The analysis is completed: its answers are read-only." in response.content.decode()
    assert download(client, analysis).active.max_row == analysis.answers.count() + 1  # still downloadable
