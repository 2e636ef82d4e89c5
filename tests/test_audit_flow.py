"""The whole audit, through the pages, on the demo data: the Ministry's stage 1 and stage 2 from
the plan to the report, the client's responses and the reviewer's verification, and the report's
PDF. Each step is a form a person submits; the state after it is read from the database, and the
work queue's kept next steps are checked against the records after each."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from audits.enums import AuditKind, AuditStatus, FindingStatus, FindingType, Recommendation, Stage1Outcome
from audits.models import AuditProgramme
from core.models import Document, DocumentStatus
from organisations.models import User
from tests.certificates.conftest import assert_steps_kept

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", force=True, stdout=StringIO())
    clients = {}
    for who in ("lead@certa.example", "reviewer@certa.example", "qm@ministry.example"):
        clients[who.split("@")[0]] = Client()
        clients[who.split("@")[0]].force_login(User.objects.get(email=who))
    return clients


def post(client: Client, name: str, data: dict | None = None, **kwargs) -> None:
    response = client.post(reverse(f"audits:{name}", kwargs=kwargs), data or {})
    assert response.status_code == 302, (name, response.content.decode()[:2000])
    for message in response.wsgi_request._messages:
        assert message.level_tag != "error", (name, message.message)
    assert_steps_kept()  # the work queue's next steps follow each step taken


def conduct(people, audit, findings: list[dict], report: dict) -> None:
    lead, qm = people["lead"], people["qm"]
    site = audit.programme.sites.get(is_central_function=True)
    clause = audit.programme.editions.get().clauses.get(number="8.5.1")
    post(
        lead,
        "audit_plan_edit",
        {
            "objectives": "Readiness and implementation",
            "language": "English",
            "confidentiality": "",
            "arrangements": "",
        },
        pk=audit.pk,
    )
    post(
        lead,
        "audit_plan_session_add",
        {
            "day": audit.starts_on.isoformat(),
            "starts_at": "09:00",
            "ends_at": "12:00",
            "site": site.pk,
            "mode": "on_site",
            "activity": "Operations",
            "clauses": [clause.pk],
            "auditors": [User.objects.get(email="lead@certa.example").pk],
        },
        pk=audit.pk,
    )
    post(lead, "audit_plan_send", {"confirm": "on"}, pk=audit.pk)
    post(qm, "audit_plan_acknowledge", pk=audit.pk)
    post(
        lead,
        "audit_start",
        {"stage_gap_justification": "", "confirm": "on", "early_start_reason": "x"},
        pk=audit.pk,
    )
    for finding in findings:
        post(
            lead,
            "finding_new",
            {"source": "clause", "clause": clause.pk, "site": site.pk, "process": "Permits"} | finding,
            pk=audit.pk,
        )
    post(lead, "audit_fieldwork_done", pk=audit.pk)
    post(lead, "audit_report", {"summary": "Effective, with the findings listed."} | report, pk=audit.pk)
    post(lead, "audit_report_issue", pk=audit.pk)


def test_stage_1_to_the_closed_stage_2_through_the_pages(people, django_capture_on_commit_callbacks):
    programme = AuditProgramme.objects.get(
        organisation__name="Ministry of Digital Affairs", editions__standard__code="ISO 9001"
    )
    stage1 = programme.audits.get(kind=AuditKind.STAGE1)
    stage2 = programme.audits.get(kind=AuditKind.STAGE2)
    concern = {"type": FindingType.AREA_OF_CONCERN, "statement": "No internal audit yet", "evidence": "Plan"}
    conduct(people, stage1, [concern], {"stage1_outcome": Stage1Outcome.READY})
    stage1.refresh_from_db()
    assert stage1.status == AuditStatus.CLOSED and stage1.report.stage1_outcome == Stage1Outcome.READY
    # the stage 1's area of concern is on the stage 2 page
    page = people["lead"].get(stage2.get_absolute_url()).content.decode()
    assert "No internal audit yet" in page

    major = {
        "type": FindingType.MAJOR_NC,
        "statement": "Permits without zoning check",
        "evidence": "P-1, P-2",
    }
    minor = {"type": FindingType.MINOR_NC, "statement": "Old form in use", "evidence": "Form F-3 rev. 1"}
    conduct(people, stage2, [major, minor], {"recommendation": Recommendation.AFTER_CORRECTIONS})
    stage2.refresh_from_db()
    assert stage2.status == AuditStatus.NCS_PENDING
    nc_major, nc_minor = stage2.findings.order_by("number")
    assert (nc_major.response_due_on, nc_major.close_due_on) == (
        stage2.ends_on + datetime.timedelta(days=30),
        stage2.ends_on + datetime.timedelta(days=90),
    )

    answer = {"root_cause": "No step", "correction": "Re-checked", "corrective_action": "Step added"}
    for finding in (nc_major, nc_minor):
        post(people["qm"], "finding_respond", answer, pk=finding.pk)
        response = finding.responses.get()
        post(
            people["reviewer"],
            "finding_review",
            {"decision": "accept", "comment": ""},
            pk=finding.pk,
            response_pk=response.pk,
        )
    post(people["qm"], "finding_implementation", {"implementation": "Workflow v2 in use"}, pk=nc_major.pk)
    evidence = nc_major.responses.latest("submitted_at")
    post(
        people["reviewer"],
        "finding_review",
        {"decision": "accept", "comment": "Seen in 10 files"},
        pk=nc_major.pk,
        response_pk=evidence.pk,
    )
    nc_major.refresh_from_db()
    nc_minor.refresh_from_db()
    stage2.refresh_from_db()
    assert (nc_major.status, nc_minor.status) == (FindingStatus.VERIFIED_CLOSED, FindingStatus.PLAN_ACCEPTED)
    assert stage2.status == AuditStatus.CLOSED

    # the client asks for the issued report's PDF: rendered by the pdf task (eager in tests)
    url = reverse("documents:subject", kwargs={"kind": "audits.audit_report", "object_id": stage2.pk})
    with django_capture_on_commit_callbacks(execute=True):
        assert people["qm"].post(url).status_code == 302
    document = Document.objects.get(kind="audits.audit_report", object_id=stage2.pk)
    assert document.status == DocumentStatus.READY and document.size > 1000
