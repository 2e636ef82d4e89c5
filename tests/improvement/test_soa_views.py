"""The Statement of Applicability's pages: the versions, a version's controls, a control's form,
approval and sharing, the CB's read-only view, the XLSX file and the PDF."""

import hashlib
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.models import Document, DocumentStatus
from improvement.documents import SOA
from improvement.enums import SoaStatus
from improvement.models import SoaControl, StatementOfApplicability
from improvement.services import soa as services
from improvement.services.actions import action_create
from tests.audits.conftest import isms as isms  # the ISO/IEC 27001:2022 fixture
from tests.core.test_pdf import pdf_text
from tests.factories import ClauseFactory
from tests.improvement.soa_world import approved, decide_all

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _draft(world, isms):
    return services.soa_draft(actor=world.qm_a, organisation=world.org_a, edition=isms)


def test_the_list_offers_a_new_version_to_writers(client, world, isms):
    client.force_login(world.contributor_a)
    response = client.get(reverse("improvement:soa_list", args=[world.org_a.pk]))
    assert response.status_code == 200
    assert b"Start a new version" in response.content and b"Draft from a gap analysis" in response.content
    client.force_login(world.viewer_a)
    response = client.get(reverse("improvement:soa_list", args=[world.org_a.pk]))
    assert b"Start a new version" not in response.content


def test_a_new_version_from_the_list(client, world, isms):
    client.force_login(world.qm_a)
    response = client.post(reverse("improvement:soa_new", args=[world.org_a.pk]), {"edition": isms.pk})
    soa = StatementOfApplicability.objects.get()
    assert response.url == soa.get_absolute_url() and soa.controls.count() == 6
    again = client.post(reverse("improvement:soa_new", args=[world.org_a.pk]), {"edition": isms.pk})
    assert again.url == soa.get_absolute_url()  # sent to the draft that exists
    assert StatementOfApplicability.objects.count() == 1


def test_a_new_version_with_bad_input_changes_nothing(client, world, isms):
    client.force_login(world.qm_a)
    for data in ({}, {"edition": "x"}, {"edition": isms.pk, "from_analysis": "999999"}):
        response = client.post(reverse("improvement:soa_new", args=[world.org_a.pk]), data)
        assert response.status_code == 302
    assert not StatementOfApplicability.objects.exists()


def test_the_detail_groups_controls_by_theme_and_filters(client, world, isms):
    soa = _draft(world, isms)
    control = soa.controls.get(clause__number="A.8.2")
    services.soa_control_save(actor=world.qm_a, control=control, applicable=False, justification="No code")
    client.force_login(world.viewer_a)
    url = reverse("improvement:soa_detail", args=[soa.pk])
    page = client.get(url).content.decode()
    assert "Theme A.5" in page and "Theme A.8" in page and "Control A.5.1" in page
    assert "1 of 6 controls decided" in page and "Edit" not in page  # a viewer reads only
    excluded = client.get(url, {"show": "not_applicable"}).content.decode()
    assert "Control A.8.2" in excluded and "Control A.5.1" not in excluded
    undecided = client.get(url, {"show": "undecided"}).content.decode()
    assert "Control A.8.2" not in undecided and "Control A.5.1" in undecided


def test_the_detail_runs_the_same_queries_for_few_and_many_controls(
    client, world, isms, django_assert_max_num_queries
):
    soa = _draft(world, isms)
    client.force_login(world.qm_a)
    url = reverse("improvement:soa_detail", args=[soa.pk])
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    theme = isms.clauses.get(number="A.8")
    extra = [
        ClauseFactory(
            edition=isms, number=f"A.8.{n}", title=f"Control A.8.{n}", parent=theme, position=100 + n, depth=2
        )
        for n in range(4, 91)
    ]
    SoaControl.objects.bulk_create(SoaControl(soa=soa, clause=clause) for clause in extra)  # 93 in all
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('id="control-') == 93


def test_a_control_is_saved_from_its_page(client, world, isms):
    soa = _draft(world, isms)
    control = soa.controls.get(clause__number="A.5.1")
    action = action_create(
        actor=world.qm_a, organisation=world.org_a, source="other", title="Policy", owner=world.qm_a
    )
    client.force_login(world.contributor_a)
    url = reverse("improvement:soa_control", args=[control.pk])
    assert client.get(url).status_code == 200
    data = {
        "applicable": "yes",
        "justification": "Risk R-1",
        "implementation": "partly",
        "evidence": "Policy P-1",
        "action": action.reference,
    }
    response = client.post(url, data)
    assert response.url.endswith(f"#control-{control.pk}")
    control.refresh_from_db()
    assert (control.applicable, control.implementation, control.action) == (True, "partly", action)


@pytest.mark.parametrize(
    "data",
    [
        {"applicable": "maybe"},
        {"applicable": "yes", "implementation": "perfect"},
        {"applicable": "yes", "action": "A-999"},
        {"applicable": "yes", "evidence": "two\nlines"},
        {"applicable": "yes", "justification": "x" * 20000},
    ],
)
def test_a_control_with_bad_input_changes_nothing(client, world, isms, data):
    soa = _draft(world, isms)
    control = soa.controls.get(clause__number="A.5.1")
    client.force_login(world.qm_a)
    response = client.post(reverse("improvement:soa_control", args=[control.pk]), data)
    assert response.status_code == 200 and response.context["form"].errors
    control.refresh_from_db()
    assert control.applicable is None and control.updated_at is None


def test_a_control_of_an_approved_version_is_refused(client, world, isms):
    soa = approved(world.org_a, isms, world.qm_a)
    control = soa.controls.get(clause__number="A.5.1")
    client.force_login(world.qm_a)
    response = client.post(
        reverse("improvement:soa_control", args=[control.pk]), {"applicable": "no", "justification": "x"}
    )
    assert response.status_code == 200 and "never changes" in response.content.decode()
    control.refresh_from_db()
    assert control.applicable is True


def test_approve_and_share_from_the_page(client, world, isms):
    soa = _draft(world, isms)
    client.force_login(world.qm_a)
    approve = reverse("improvement:soa_approve", args=[soa.pk])
    today = timezone.localdate().isoformat()
    data = {"approver_name": "Dr Anna Weber", "approver_function": "Secretary-General", "approved_on": today}
    client.post(approve, data)
    soa.refresh_from_db()
    assert soa.is_draft  # undecided controls
    decide_all(soa, world.qm_a)
    client.post(approve, data)
    soa.refresh_from_db()
    assert soa.status == SoaStatus.APPROVED and soa.approver_name == "Dr Anna Weber"
    client.post(reverse("improvement:soa_share", args=[soa.pk]), {"shared": "on"})
    soa.refresh_from_db()
    assert soa.shared_with_cb


def test_a_contributor_cannot_approve_nor_share(client, world, isms):
    soa = _draft(world, isms)
    client.force_login(world.contributor_a)
    assert client.post(reverse("improvement:soa_approve", args=[soa.pk]), {}).status_code == 403
    assert client.post(reverse("improvement:soa_share", args=[soa.pk]), {"shared": "on"}).status_code == 403


# --- the CB: approved versions shared with it, read-only ---------------------------------------


def test_the_cb_reads_a_shared_approved_version_only(client, world, isms):
    unshared = approved(world.org_a, isms, world.qm_a)
    draft = _draft(world, isms)
    client.force_login(world.auditor)
    for soa in (unshared, draft):
        for name in ("improvement:soa_detail", "improvement:soa_xlsx", "improvement:soa_pdf"):
            assert client.get(reverse(name, args=[soa.pk])).status_code == 404, name
    services.soa_share(actor=world.qm_a, soa=unshared, shared=True)
    page = client.get(reverse("improvement:soa_detail", args=[unshared.pk]))
    assert page.status_code == 200 and not page.context["can_write"] and not page.context["can_share"]
    assert client.get(reverse("improvement:soa_xlsx", args=[unshared.pk])).status_code == 200
    assert client.get(reverse("improvement:soa_detail", args=[draft.pk])).status_code == 404
    control = unshared.controls.first()
    assert client.get(reverse("improvement:soa_control", args=[control.pk])).status_code == 403
    assert client.get(reverse("improvement:soa_list", args=[world.org_a.pk])).status_code == 404
    client.force_login(world.other_cb_manager)
    assert client.get(reverse("improvement:soa_detail", args=[unshared.pk])).status_code == 404


# --- XLSX and PDF -----------------------------------------------------------------------------


def _trimmed(values: list) -> list:
    while values and values[-1] is None:
        values.pop()
    return values


def test_the_xlsx_lists_every_control_and_neutralises_formulas(client, world, isms):
    soa = _draft(world, isms)
    control = soa.controls.get(clause__number="A.5.1")
    services.soa_control_save(
        actor=world.qm_a,
        control=control,
        applicable=True,
        justification="=HYPERLINK(1)",
        implementation="implemented",
        evidence="@cmd",
    )
    client.force_login(world.viewer_a)
    response = client.get(reverse("improvement:soa_xlsx", args=[soa.pk]))
    assert response["Content-Disposition"].startswith('attachment; filename="soa-organisation-a-v1.xlsx"')
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [_trimmed([cell.value for cell in row]) for row in sheet.iter_rows()]
    assert rows[0] == ["Organisation", "Organisation A"]
    header = rows.index(
        ["Theme", "Control", "Title", "Applicable", "Justification", "Implementation", "Evidence", "Action"]
    )
    controls = rows[header + 1 :]
    assert [row[1] for row in controls] == ["A.5.1", "A.5.2", "A.5.3", "A.8.1", "A.8.2", "A.8.3"]
    first = controls[0]
    assert (
        first[3] == "Yes"
        and first[4] == "'=HYPERLINK(1)"
        and first[6] == "'@cmd"
        and first[5] == "Implemented"
    )
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row if cell.value is not None)


def test_no_pdf_of_a_draft(client, world, isms):
    soa = _draft(world, isms)
    client.force_login(world.qm_a)
    response = client.post(reverse("documents:subject", args=[SOA, soa.pk]))
    assert response.status_code == 404 and not Document.objects.exists()


def test_an_approved_version_renders_as_pdf(client, world, isms, django_capture_on_commit_callbacks):
    soa = approved(world.org_a, isms, world.qm_a, excluded=("A.8.3",))
    client.force_login(world.viewer_a)
    assert client.get(reverse("improvement:soa_pdf", args=[soa.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:subject", args=[SOA, soa.pk]))
    document = Document.objects.get(kind=SOA, object_id=soa.pk)
    assert document.status == DocumentStatus.READY, document.error
    assert document.version == soa.approval_recorded_at.isoformat()
    pdf = b"".join(client.get(reverse("documents:download", args=[document.pk])).streaming_content)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == document.sha256
    text = pdf_text(pdf)
    for expected in (
        "Statement of Applicability",
        "Organisation A",
        "Dr Anna Weber",
        "A.5.1",
        "Not in scope",
        "Theme A.8",
    ):
        assert expected in text, expected
