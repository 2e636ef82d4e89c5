"""The audits app's pages for `manage.py benchmark`: (label, URL, persona e-mail) on the demo data.

Called inside the benchmark's transaction, which is rolled back: it may create the synthetic
records a page needs to be measured at scale (an audit of 100 findings).
"""

from itertools import cycle

from django.urls import reverse

from audits.enums import AuditKind, AuditStatus, FindingType
from audits.models import Audit, AuditProgramme
from audits.services import findings as finding_services
from core.documents import document_request
from organisations.models import Organisation, User

MINISTRY_QM = "qm@ministry.example"
NORTHFIELD_QM = "qm@northfield.example"
CB_MANAGER = "manager@certa.example"
LEAD_AUDITOR = "lead@certa.example"
QMS = "ISO 9001"  # the demo programmes measured (the demo certificates have programmes of their own)


def benchmark_pages() -> list[tuple[str, str, str]]:
    ministry = Organisation.objects.get(name="Ministry of Digital Affairs")
    return [
        *_programme_pages(ministry),
        *_fieldwork_pages(),
        *_finding_pages(ministry),
        *_response_pages(),
    ]


def _fieldwork_pages() -> list[tuple[str, str, str]]:
    """Northfield's stage 2 (plan sent and acknowledged, report issued): its plan, its report,
    the documents panel of the report; adding an audit to the programme."""
    northfield = AuditProgramme.objects.get(
        organisation__name="Northfield Municipality", editions__standard__code=QMS
    )
    stage2 = northfield.audits.get(kind=AuditKind.STAGE2)
    report_pdf = reverse("documents:subject", args=["audits.audit_report", stage2.pk])
    # a render under way (its task is sent on commit, and the benchmark never commits)
    pending = document_request(actor=None, kind="audits.audit_report", subject=stage2)
    ministry_stage1 = AuditProgramme.objects.get(
        organisation__name="Ministry of Digital Affairs", editions__standard__code=QMS
    ).audits.get(kind=AuditKind.STAGE1)
    return [
        (
            "audit plan (sent, lead auditor)",
            reverse("audits:audit_plan_edit", args=[stage2.pk]),
            LEAD_AUDITOR,
        ),
        ("audit plan (sent, client)", reverse("audits:audit_plan_edit", args=[stage2.pk]), NORTHFIELD_QM),
        ("audit report (issued, client)", reverse("audits:audit_report", args=[stage2.pk]), NORTHFIELD_QM),
        ("audit report PDF page (client)", report_pdf, NORTHFIELD_QM),
        (
            "PDF being rendered (client)",
            reverse("documents:status", args=[pending.pk]),
            NORTHFIELD_QM,
        ),
        (
            "plan session form (lead auditor)",
            reverse("audits:audit_plan_session_add", args=[ministry_stage1.pk]),
            LEAD_AUDITOR,
        ),
        ("add an audit form", reverse("audits:audit_add", args=[northfield.pk]), CB_MANAGER),
        ("audit detail (stage 2 reported, client)", stage2.get_absolute_url(), NORTHFIELD_QM),
    ]


def _programme_pages(ministry: Organisation) -> list[tuple[str, str, str]]:
    programme = AuditProgramme.objects.get(organisation=ministry, editions__standard__code=QMS)
    edition = programme.programme_editions.get()
    stage1 = programme.audits.get(kind=AuditKind.STAGE1)
    northfield = Organisation.objects.get(name="Northfield Municipality")
    return [
        ("programme list", reverse("audits:programme_list"), CB_MANAGER),
        ("programme open form", reverse("audits:programme_open", args=[northfield.pk]), CB_MANAGER),
        ("programme detail", programme.get_absolute_url(), CB_MANAGER),
        (
            "next step of a programme",
            reverse("certificates:programme_next_step", args=[programme.pk]),
            CB_MANAGER,
        ),
        ("programme edit form", reverse("audits:programme_edit", args=[programme.pk]), CB_MANAGER),
        ("programme time sheet", reverse("audits:programme_time", args=[programme.pk]), CB_MANAGER),
        (
            "programme edition time form",
            reverse("audits:programme_edition_time", args=[programme.pk, edition.pk]),
            CB_MANAGER,
        ),
        ("programme coverage", reverse("audits:programme_coverage", args=[programme.pk]), CB_MANAGER),
        ("audit detail (stage 1, planner)", stage1.get_absolute_url(), CB_MANAGER),
        ("audit detail (stage 1, lead auditor)", stage1.get_absolute_url(), LEAD_AUDITOR),
        ("audit plan form", reverse("audits:audit_plan", args=[stage1.pk]), CB_MANAGER),
        ("my audits", reverse("audits:my_audits"), LEAD_AUDITOR),
    ]


FINDINGS = 100  # on one audit, for the audit page and the findings list
FINDING_TYPES = [FindingType.MINOR_NC, FindingType.OFI, FindingType.MAJOR_NC, FindingType.OBSERVATION]


def _finding_pages(ministry: Organisation) -> list[tuple[str, str, str]]:
    """The ministry's stage 2 under way with 100 findings, logged by its lead auditor."""
    stage2 = AuditProgramme.objects.get(organisation=ministry, editions__standard__code=QMS).audits.get(
        kind=AuditKind.STAGE2
    )
    Audit.objects.filter(pk=stage2.pk).update(status=AuditStatus.IN_PROGRESS)
    lead = User.objects.get(email=LEAD_AUDITOR)
    clauses = list(stage2.programme.editions.get().clauses.filter(assessable=True).order_by("position"))
    sites = list(stage2.programme.sites.order_by("name"))
    for n, finding_type, clause, site in zip(
        range(FINDINGS), cycle(FINDING_TYPES), cycle(clauses), cycle(sites), strict=False
    ):
        content = finding_services.FindingContent(
            type=finding_type,
            statement=f"Finding {n + 1}: the requirement is not met in every service line.",
            clause=clause,
            site=site,
            process="Service delivery",
            evidence="Records of March and April reviewed: two of five lacked the approval.",
        )
        finding_services.finding_raise(actor=lead, audit=stage2, content=content)
    listing, new = (reverse(f"audits:{name}", args=[stage2.pk]) for name in ("finding_list", "finding_new"))
    return [
        (f"audit detail ({FINDINGS} findings, lead auditor)", stage2.get_absolute_url(), LEAD_AUDITOR),
        (f"finding list ({FINDINGS} findings)", listing, LEAD_AUDITOR),
        ("finding form (new, lead auditor)", new, LEAD_AUDITOR),
        (
            "finding form (edit, lead auditor)",
            reverse("audits:finding_edit", args=[stage2.findings.order_by("number").first().pk]),
            LEAD_AUDITOR,
        ),
    ]


# --- responses and review ---


def _response_pages() -> list[tuple[str, str, str]]:
    """The finding page of a nonconformity answered and reviewed (demo Northfield), the lists of
    what waits for the client and for the reviewer, and the reviewer's dashboard."""
    from audits.models import Finding

    reviewer = "reviewer@certa.example"
    northfield = Finding.objects.filter(audit__programme__organisation__name="Northfield Municipality")
    answered = northfield.filter(responses__isnull=False).order_by("-pk").first()
    page = reverse("audits:finding_detail", args=[answered.pk])
    return [
        ("finding page (answered, client)", page, NORTHFIELD_QM),
        ("finding page (answered, reviewer)", page, reviewer),
        ("nonconformities waiting (client)", reverse("audits:nc_list"), NORTHFIELD_QM),
        ("nonconformities waiting (reviewer)", reverse("audits:nc_list"), reviewer),
        ("dashboard (reviewer)", reverse("dashboard"), reviewer),
    ]


# --- documents ---


def benchmark_measurements() -> list[str]:
    """Not a page: the audit report PDF of 100 findings as the `pdf` queue's task renders it."""
    from audits.pdf_benchmark import audit_with_findings, measure_report_pdf

    return [measure_report_pdf(audit_with_findings(), runs=3).line()]
