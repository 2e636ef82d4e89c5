"""The audit plan and the audit report as PDF (17021-1 §9.2.3, DOMAIN §2.5), rendered by the
document task (eager in tests) and read back as text."""

import datetime

import pypdfium2 as pdfium
import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from audits.access import audits_for
from audits.documents import AUDIT_PLAN, AUDIT_REPORT
from audits.enums import AuditKind, FindingStatus, FindingType, Recommendation, RequirementSource, TeamRole
from audits.models import AuditPlan, AuditReport, Finding, PlanSession
from audits.pdf import render_audit_report_pdf
from audits.selectors.documents import (
    audit_documents,
    audit_plans_for,
    audit_report_sheet,
    audit_reports_for,
)
from audits.services import programmes as programme_services
from audits.services import teams as team_services
from core.documents import document_request
from core.models import DocumentStatus
from tests import factories
from tests.certificates.conftest import give_images
from tests.core.test_pdf import pdf_text

pytestmark = pytest.mark.django_db


def squashed(text: str) -> str:
    """Without whitespace: the text drawn in a PDF has no spaces where lines wrap."""
    return "".join(text.split())


def assert_contains(text: str, expected: tuple[str, ...]) -> None:
    haystack = squashed(text)
    for item in expected:
        assert squashed(item) in haystack, item


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def programme(world, qms, ems):
    return programme_services.programme_open(
        actor=world.cert_manager,
        certification_body=world.cb,
        organisation=world.org_a,
        editions=[qms, ems],
        sites=[world.site_a],
        iaf_codes=[],
        stage1_on=datetime.date(2027, 3, 1),
        scope=factories.PROGRAMME_SCOPE,
    )


@pytest.fixture
def stage1(world, programme):
    audit = programme.audits.get(kind=AuditKind.STAGE1)
    team_services.team_assign(actor=world.cert_manager, audit=audit, user=world.auditor, role=TeamRole.LEAD)
    return audit


def _finding(audit, number, author, **fields) -> Finding:
    values = {
        "type": FindingType.MINOR_NC,
        "status": FindingStatus.OPEN,
        "source": RequirementSource.CLAUSE,
        "statement": f"Statement {number}",
        "evidence": f"Evidence {number}: record QR-{number:03d} seen, process owner interviewed.",
        "raised_by": author,
    }
    values.update(fields)
    finding = Finding.objects.create(audit=audit, number=number, **values)
    finding.editions.set([values["clause"].edition] if values.get("clause") else [])
    return finding


def _add_plan(audit, world, qms):
    plan = AuditPlan.objects.create(
        audit=audit,
        objectives="Confirm readiness for stage 2",
        language="English",
        confidentiality="No copies of personnel files",
        arrangements="Opening meeting in room 2",
        updated_by=world.auditor,
    )
    session = PlanSession.objects.create(
        plan=plan,
        day=audit.starts_on,
        starts_at=datetime.time(9),
        ends_at=datetime.time(11),
        site=world.site_a,
        activity="Purchasing process",
    )
    session.clauses.set([qms.clauses.get(number="8.3")])
    session.auditors.set([world.auditor])
    return plan


def _add_report(audit, world, **fields) -> AuditReport:
    values = {
        "recommendation": Recommendation.CERTIFY,
        "summary": "The system is effective",
        "unresolved_issues": "None open",
        "scope_appropriate": True,
        "updated_by": world.auditor,
    }
    values.update(fields)
    return AuditReport.objects.create(audit=audit, **values)


def test_audit_plan_pdf_holds_the_plan(world, stage1, qms, django_capture_on_commit_callbacks):
    _add_plan(stage1, world, qms)
    with django_capture_on_commit_callbacks(execute=True):
        document = document_request(actor=world.auditor, kind=AUDIT_PLAN, subject=stage1)
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY, document.error
    text = pdf_text(document.file.read())
    assert_contains(
        text,
        (
            "Audit plan",
            "Confirm readiness for stage 2",
            "ISO 9001:2015",
            "ISO 14001:2015",
            "Purchasing process",
            "ISO 9001 8.3",
            "Auditor",
            "Lead auditor",
            "A headquarters",
            "English",
            "No copies of personnel files",
            "Opening meeting in room 2",
            "CB serving A",
            "Organisation A",
            "Services",
        ),
    )


def test_audit_report_pdf_holds_the_findings_and_conclusions(world, stage1, qms, ems):
    clause = qms.clauses.get(number="8.3")
    _finding(stage1, 1, world.auditor, clause=clause, site=world.site_a, process="Design office")
    _finding(
        stage1,
        2,
        world.auditor,
        type=FindingType.MAJOR_NC,
        clause=None,
        source=RequirementSource.LEGAL,
        requirement_reference="Waste act §12",
        site=world.site_a,
        response_due_on=datetime.date(2027, 4, 1),
    )
    _finding(
        stage1,
        3,
        world.auditor,
        type=FindingType.AREA_OF_CONCERN,
        status=FindingStatus.RECORDED,
        clause=ems.clauses.get(number="6.1"),
        evidence="",
    )
    _finding(
        stage1,
        4,
        world.auditor,
        status=FindingStatus.WITHDRAWN,
        clause=clause,
        site=world.site_a,
        statement="Withdrawn one",
    )
    _add_report(stage1, world, issued_at=timezone.now(), issued_by=world.auditor)

    pdf = render_audit_report_pdf(stage1)
    text = pdf_text(pdf)

    assert_contains(
        text,
        (
            "Audit report",
            "CB serving A",
            "Organisation A",
            "Quality Manager A",
            "Stage 1",
            "ISO 9001:2015",
            "Combined audit of several management systems",
            "Services",
            "A headquarters",
            "Lead auditor",
            f"{stage1.reference}-001",
            "Statement 1",
            "Evidence 1: record QR-001 seen",
            "ISO 9001:2015 8.3 Design and development",
            "Design office",
            "Statement 2",
            "Major nonconformity",
            "Waste act §12",
            "Statement 3",
            "ISO 14001:2015 6.1",
            "Area of concern",
            "The system is effective",
            "None open",
            "Certify",
            "based on sampling",
            "Issued on",
        ),
    )
    assert "Withdrawnone" not in squashed(text)


def test_a_stage_2_report_carries_the_areas_of_concern_of_stage_1(world, programme, stage1, ems):
    _finding(
        stage1,
        1,
        world.auditor,
        type=FindingType.AREA_OF_CONCERN,
        status=FindingStatus.RECORDED,
        clause=ems.clauses.get(number="6.1"),
        statement="Aspects register incomplete",
        evidence="",
    )
    stage2 = programme.audits.get(kind=AuditKind.STAGE2)
    _add_report(stage2, world)
    text = pdf_text(render_audit_report_pdf(stage2))
    assert_contains(
        text, ("Areas of concern from stage 1", "Aspects register incomplete", "Draft: not yet issued.")
    )


def test_report_context_takes_a_fixed_number_of_queries(world, stage1, qms, django_assert_max_num_queries):
    clause = qms.clauses.get(number="8.3")
    _add_report(stage1, world)
    for number in range(1, 31):
        _finding(stage1, number, world.auditor, clause=clause, site=world.site_a)

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            sheet = audit_report_sheet(stage1)
            for finding in sheet.findings:
                list(finding.editions.all())
                str(finding.clause.edition.label), finding.site.name, finding.raised_by.full_name
        return len(queries)

    thirty = count()
    for number in range(31, 101):
        _finding(stage1, number, world.auditor, clause=clause, site=world.site_a)
    assert count() == thirty
    with django_assert_max_num_queries(12):
        audit_report_sheet(stage1)


def _offered(user, audit, plan, report) -> list[str]:
    """The kinds of document the audit page offers the user (with their latest documents)."""
    return [kind for kind, _label, _latest in audit_documents(user, audit, plan, report)["documents"]]


def test_the_client_gets_the_plan_once_sent_and_the_report_once_issued(world, stage1, qms):
    plan = _add_plan(stage1, world, qms)
    report = _add_report(stage1, world)
    for user in (world.auditor, world.cert_manager, world.staff):
        assert stage1 in audit_plans_for(user) and stage1 in audit_reports_for(user)
    assert stage1 not in audit_plans_for(world.qm_a) and stage1 not in audit_reports_for(world.qm_a)
    assert stage1 not in audit_plans_for(world.other_auditor)
    audit = audits_for(world.qm_a).get(pk=stage1.pk)
    assert _offered(world.qm_a, audit, plan, report) == []
    audit = audits_for(world.auditor).get(pk=stage1.pk)
    assert _offered(world.auditor, audit, plan, report) == [AUDIT_PLAN, AUDIT_REPORT]
    plan.sent_at = timezone.now()
    plan.save(update_fields=["sent_at"])
    report.issued_at = timezone.now()
    report.save(update_fields=["issued_at"])
    assert stage1 in audit_plans_for(world.qm_a) and stage1 in audit_reports_for(world.qm_a)
    assert stage1 not in audit_reports_for(world.qm_b)
    audit = audits_for(world.qm_a).get(pk=stage1.pk)
    assert _offered(world.qm_a, audit, plan, report) == [AUDIT_PLAN, AUDIT_REPORT]
    assert _offered(world.qm_a, audit, None, None) == []


def test_the_audit_page_offers_plan_and_report_documents(client, world, stage1, qms):
    client.force_login(world.auditor)
    page = client.get(stage1.get_absolute_url()).content.decode()
    assert reverse("documents:subject", args=[AUDIT_PLAN, stage1.pk]) not in page
    _add_plan(stage1, world, qms)
    _add_report(stage1, world)
    page = client.get(stage1.get_absolute_url()).content.decode()
    assert reverse("documents:subject", args=[AUDIT_PLAN, stage1.pk]) in page
    assert reverse("documents:subject", args=[AUDIT_REPORT, stage1.pk]) in page


def test_the_report_carries_the_cbs_logo_the_lead_auditors_sign_off_and_its_distribution(world, stage1):
    give_images(world.cb)  # the logo is navy
    _add_report(stage1, world, issued_at=timezone.now(), issued_by=world.auditor)
    pdf = render_audit_report_pdf(stage1)
    text = pdf_text(pdf)
    assert_contains(
        text,
        (
            "Sign-off",
            "Lead auditorAuditor",
            f"Issued on {date_format(timezone.localdate(), 'DATE_FORMAT')} by Auditor",
            "Distribution",
            "Quality Manager A, quality manager, Organisation A",
            "Auditor, lead auditor, CB serving A",
            "The certification file of CB serving A (for the certification decision)",
        ),
    )
    images = [page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE]) for page in pdfium.PdfDocument(pdf)]
    colours = [
        image.get_bitmap().to_pil().convert("RGB").getpixel((1, 1)) for page in images for image in page
    ]
    assert (0, 0, 128) in colours  # the CB's logo in the header


def test_a_draft_report_says_it_is_not_signed_off(world, stage1):
    _add_report(stage1, world)
    assert_contains(pdf_text(render_audit_report_pdf(stage1)), ("Not yet: this is a draft.",))
