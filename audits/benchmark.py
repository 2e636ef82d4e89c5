"""The audits app's pages for `manage.py benchmark`: (label, URL, persona e-mail) on the demo data.

Called inside the benchmark's transaction, which is rolled back: it may create the synthetic
records a page needs to be measured at scale (a gap analysis of 150+ answers, copies to compare).
"""

import datetime
from itertools import cycle

from django.urls import reverse

from audits.enums import AnswerStatus, AuditKind, AuditStatus, FindingType
from audits.models import Audit, AuditProgramme, GapAnalysis
from audits.services import findings as finding_services
from audits.services import gap as gap_services
from core.documents import document_request
from organisations.models import Organisation, User
from standards.models import Edition

MINISTRY_QM = "qm@ministry.example"
NORTHFIELD_QM = "qm@northfield.example"
CB_MANAGER = "manager@certa.example"
LEAD_AUDITOR = "lead@certa.example"
QMS = "ISO 9001"  # the demo programmes measured (the demo certificates have programmes of their own)
LARGE_EDITIONS = [("ISO/IEC 27001", 2022), ("ISO 9001", 2015)]  # 161 answers
LARGE_MINIMUM = 150
STATUSES = [
    AnswerStatus.CONFORMING,
    AnswerStatus.PARTIAL,
    AnswerStatus.CONFORMING,
    AnswerStatus.NONCONFORMING,
    AnswerStatus.NOT_APPLICABLE,
    AnswerStatus.NOT_ASSESSED,
]


def benchmark_pages() -> list[tuple[str, str, str]]:
    ministry = Organisation.objects.get(name="Ministry of Digital Affairs")
    return [
        *_gap_pages(ministry),
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


def _gap_pages(ministry: Organisation) -> list[tuple[str, str, str]]:
    baseline = GapAnalysis.objects.get(organisation=ministry, title="ISO 9001 baseline 2026")
    integrated = GapAnalysis.objects.get(title="Integrated management system 2026")
    large = _large_analysis(ministry)
    size = large.answers.count()
    return [
        ("gap list", reverse("audits:gap_list", args=[ministry.pk]), MINISTRY_QM),
        ("gap start form", reverse("audits:gap_start", args=[ministry.pk]), MINISTRY_QM),
        ("gap detail (demo ISO 9001 baseline)", baseline.get_absolute_url(), MINISTRY_QM),
        ("gap detail (demo integrated, 3 editions)", integrated.get_absolute_url(), NORTHFIELD_QM),
        (f"gap detail ({size} answers, synthetic)", large.get_absolute_url(), MINISTRY_QM),
        (
            "gap answer page (synthetic analysis, no JavaScript)",
            reverse("audits:gap_answer_edit", args=[large.pk, large.answers.order_by("pk").first().pk]),
            MINISTRY_QM,
        ),
        ("gap compare (demo baseline with a copy)", _compare_url(baseline), MINISTRY_QM),
        (f"gap compare ({size} answers with a copy)", _compare_url(large), MINISTRY_QM),
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


def _large_analysis(ministry: Organisation) -> GapAnalysis:
    """ISO/IEC 27001:2022 (with its Annex A) and ISO 9001:2015 together, most answers filled in."""
    qm = User.objects.get(email=MINISTRY_QM)
    editions = [Edition.objects.get(standard__code=code, year=year) for code, year in LARGE_EDITIONS]
    analysis = gap_services.gap_analysis_start(
        actor=qm, organisation=ministry, title="Benchmark: ISMS and QMS", editions=editions, sites=[]
    )
    answers = list(analysis.answers.order_by("pk"))
    if len(answers) < LARGE_MINIMUM:
        raise ValueError(f"The large gap analysis has {len(answers)} answers, fewer than {LARGE_MINIMUM}.")
    for answer, status in zip(answers, cycle(STATUSES), strict=False):
        gap_services.gap_answer_save(actor=qm, answer=answer, **_answer_fields(status, qm))
    return analysis


def _answer_fields(status: AnswerStatus, owner: User) -> dict:
    needs_action = status in (AnswerStatus.PARTIAL, AnswerStatus.NONCONFORMING)
    return {
        "status": status,
        "notes": "Evidence reviewed in the management review of March; records kept by the process owner.",
        "justification": "Not within the scope of the ministry."
        if status == AnswerStatus.NOT_APPLICABLE
        else "",
        "action": "Write the procedure and train the staff concerned." if needs_action else "",
        "action_owner": owner if needs_action else None,
        "action_due_on": datetime.date(2027, 6, 30) if needs_action else None,
    }


def _compare_url(analysis: GapAnalysis) -> str:
    """A copy of the analysis with some answers changed, so the comparison has changes to show."""
    qm = User.objects.get(email=MINISTRY_QM)
    copy = gap_services.gap_analysis_copy(
        actor=qm, source=analysis, title=f"{analysis.title} (benchmark copy)"
    )
    for answer in copy.answers.order_by("pk")[:10]:
        gap_services.gap_answer_save(
            actor=qm, answer=answer, **_answer_fields(AnswerStatus.NONCONFORMING, qm)
        )
    return f"{reverse('audits:gap_compare', args=[analysis.pk])}?with={copy.pk}"


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
