"""The internal audit report as PDF: offered once the report is issued, rendered on the queue."""

import datetime
import hashlib

import pytest
from django.urls import reverse

from core.models import Document, DocumentStatus
from improvement.documents import INTERNAL_AUDIT_REPORT
from improvement.services import internal_audits as services
from tests.audits.conftest import qms as qms
from tests.core.test_pdf import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def audit(world, qms):
    programme = services.internal_programme_create(
        actor=world.qm_a,
        organisation=world.org_a,
        title="Programme 2027",
        editions=[qms],
        starts_on=datetime.date(2027, 1, 1),
        ends_on=datetime.date(2027, 12, 31),
    )
    audit = services.internal_audit_create(
        actor=world.qm_a,
        programme=programme,
        title="Context and design",
        starts_on=datetime.date(2027, 4, 6),
        ends_on=datetime.date(2027, 4, 6),
        clauses=list(qms.clauses.filter(number__in=["4.1", "8.3"])),
        criteria="ISO 9001 and procedure P-4",
    )
    services.internal_auditor_add(actor=world.qm_a, audit=audit, external_name="Ann Lee", is_lead=True)
    services.internal_audit_start(actor=world.qm_a, audit=audit)
    services.internal_finding_raise(
        actor=world.qm_a,
        audit=audit,
        grade="minor",
        clause=qms.clauses.get(number="4.1"),
        title="Context not reviewed",
        statement="No review since 2020",
        evidence="Minutes folder",
    )
    for item in audit.checklist.all():
        services.checklist_item_save(
            actor=world.qm_a, item=item, result="conforming", notes="Register R-9 seen"
        )
    services.internal_audit_report_save(
        actor=world.qm_a, audit=audit, conclusions="The system is effective.", distribution="Mayor"
    )
    return audit


def test_no_pdf_before_the_report_is_issued(client, world, audit):
    client.force_login(world.qm_a)
    response = client.post(reverse("documents:subject", args=[INTERNAL_AUDIT_REPORT, audit.pk]))
    assert response.status_code == 404 and not Document.objects.exists()


def test_the_issued_report_renders_as_pdf(client, world, audit, django_capture_on_commit_callbacks):
    services.internal_audit_report_issue(actor=world.qm_a, audit=audit)
    client.force_login(world.viewer_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:subject", args=[INTERNAL_AUDIT_REPORT, audit.pk]))
    document = Document.objects.get(kind=INTERNAL_AUDIT_REPORT, object_id=audit.pk)
    assert response.url == reverse("documents:status", args=[document.pk])
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY, document.error
    download = client.get(reverse("documents:download", args=[document.pk]))
    pdf = b"".join(download.streaming_content)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == document.sha256
    text = pdf_text(pdf)
    for expected in (
        "IA-1 Context and design",
        "Organisation A",
        "Ann Lee",
        "The system is effective.",
        "Mayor",
        "IA-1-F1",
        "Context not reviewed",
        "Minor nonconformity",
        "Register R-9 seen",
        "A-1",
    ):
        assert expected in text, expected
    for outsider in (world.cert_manager, world.staff):
        client.force_login(outsider)
        assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404
