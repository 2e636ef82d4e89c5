"""The improvement app's pages for `manage.py benchmark`: (label, URL, persona e-mail) on the demo data.

Called inside the benchmark's transaction, which is rolled back: it may create the synthetic
records a page needs to be measured at scale (a gap analysis of 150+ answers, copies to compare).
"""

import datetime
import statistics
import time
from itertools import cycle

from django.test import Client
from django.urls import reverse

from improvement.enums import AnswerStatus
from improvement.models import Action, GapAnalysis
from improvement.services import actions as action_services
from improvement.services import gap as gap_services
from organisations.models import Organisation, User
from standards.models import Edition

MINISTRY_QM = "qm@ministry.example"
NORTHFIELD_QM = "qm@northfield.example"
CB_MANAGER = "manager@certa.example"
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
        *_action_pages(ministry),
        *_internal_audit_pages(ministry),
        *_review_pages(ministry),
        *_soa_pages(ministry),
        *_readiness_pages(ministry),
        *_menu_pages(ministry),
    ]


def _gap_pages(ministry: Organisation) -> list[tuple[str, str, str]]:
    baseline = GapAnalysis.objects.get(organisation=ministry, title="ISO 9001 baseline 2026")
    integrated = GapAnalysis.objects.get(title="Integrated management system 2026")
    large = _large_analysis(ministry)
    size = large.answers.count()
    return [
        ("gap list", reverse("improvement:gap_list", args=[ministry.pk]), MINISTRY_QM),
        ("gap start form", reverse("improvement:gap_start", args=[ministry.pk]), MINISTRY_QM),
        ("gap detail (demo ISO 9001 baseline)", baseline.get_absolute_url(), MINISTRY_QM),
        ("gap detail (demo integrated, 3 editions)", integrated.get_absolute_url(), NORTHFIELD_QM),
        (f"gap detail ({size} answers, synthetic)", large.get_absolute_url(), MINISTRY_QM),
        (
            "gap answer page (synthetic analysis, no JavaScript)",
            reverse("improvement:gap_answer_edit", args=[large.pk, large.answers.order_by("pk").first().pk]),
            MINISTRY_QM,
        ),
        ("gap compare (demo baseline with a copy)", _compare_url(baseline), MINISTRY_QM),
        (f"gap compare ({size} answers with a copy)", _compare_url(large), MINISTRY_QM),
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
        gap_services.gap_answer_save(actor=qm, answer=answer, **_answer_fields(status))
        _raise_action(qm, answer, status)
    return analysis


def _answer_fields(status: AnswerStatus) -> dict:
    return {
        "status": status,
        "notes": "Evidence reviewed in the management review of March; records kept by the process owner.",
        "justification": "Not within the scope of the ministry."
        if status == AnswerStatus.NOT_APPLICABLE
        else "",
    }


def _raise_action(owner: User, answer, status: AnswerStatus) -> None:
    """A gap (partial or not conforming) gets an action in the register, as a person would raise it."""
    if status in (AnswerStatus.PARTIAL, AnswerStatus.NONCONFORMING):
        gap_services.gap_answer_action_raise(
            actor=owner,
            answer=answer,
            title="Write the procedure and train the staff concerned.",
            owner=owner,
            due_on=datetime.date(2027, 6, 30),
        )


def _compare_url(analysis: GapAnalysis) -> str:
    """A copy of the analysis with some answers changed, so the comparison has changes to show."""
    qm = User.objects.get(email=MINISTRY_QM)
    copy = gap_services.gap_analysis_copy(
        actor=qm, source=analysis, title=f"{analysis.title} (benchmark copy)"
    )
    for answer in copy.answers.order_by("pk")[:10]:
        gap_services.gap_answer_save(actor=qm, answer=answer, **_answer_fields(AnswerStatus.NONCONFORMING))
        _raise_action(qm, answer, AnswerStatus.NONCONFORMING)
    return f"{reverse('improvement:gap_compare', args=[analysis.pk])}?with={copy.pk}"


# --- the action register ---

ACTION_TARGET = 60
ACTION_SOURCES = ["complaint", "incident", "legal", "other"]


def _ensure_actions(ministry: Organisation) -> None:
    """About 60 actions in the ministry's register (created here if the demo has fewer)."""
    qm = User.objects.get(email=MINISTRY_QM)
    site = ministry.sites.filter(is_active=True).first()
    for index in range(Action.objects.filter(organisation=ministry).count(), ACTION_TARGET):
        action_services.action_create(
            actor=qm,
            organisation=ministry,
            source=ACTION_SOURCES[index % len(ACTION_SOURCES)],
            title=f"Benchmark action {index + 1}: records of the service desk incomplete",
            owner=qm,
            description="Three of ten sampled tickets lack the closure note.",
            due_on=datetime.date(2026, 1, 1) + datetime.timedelta(days=7 * index),
            site=site if index % 2 else None,
        )


def _action_pages(ministry: Organisation) -> list[tuple[str, str, str]]:
    """The register at about 60 actions: first, filtered and last page, one action, and the
    quality manager's own actions. The export is a measurement (`benchmark_measurements`)."""
    _ensure_actions(ministry)
    register = reverse("improvement:action_list", args=[ministry.pk])
    last = (Action.objects.filter(organisation=ministry).count() - 1) // 25 + 1
    action = Action.objects.filter(organisation=ministry).order_by("-number").first()
    return [
        ("action register (first page)", register, MINISTRY_QM),
        (
            "action register (open, overdue, searched)",
            f"{register}?status=open_any&overdue=on&q=records",
            MINISTRY_QM,
        ),
        ("action register (last page)", f"{register}?page={last}", MINISTRY_QM),
        ("action detail", action.get_absolute_url(), MINISTRY_QM),
        ("my actions", reverse("improvement:my_actions"), MINISTRY_QM),
    ]


EXPORT_RENDERS = 10


def benchmark_measurements() -> list[str]:
    """The action register's export, as the ministry's quality manager downloads it (a file, not a
    page: measured as the certificates' register export is). The CSV is streamed, read whole here."""
    ministry = Organisation.objects.get(name="Ministry of Digital Affairs")
    _ensure_actions(ministry)
    client = Client()
    client.force_login(User.objects.get(email=MINISTRY_QM))
    url = reverse("improvement:action_export", args=[ministry.pk])
    medians = {}
    for extension in ("csv", "xlsx"):
        client.get(f"{url}?format={extension}")  # warm
        times = []
        for _ in range(EXPORT_RENDERS):
            start = time.perf_counter()
            response = client.get(f"{url}?format={extension}")
            size = len(b"".join(response.streaming_content) if response.streaming else response.content)
            times.append((time.perf_counter() - start) * 1000)
        medians[extension.upper()] = (statistics.median(times), size / 1024)
    count = Action.objects.filter(organisation=ministry).count()
    return [
        f"action register export, {count} actions: "
        + ", ".join(
            f"{extension} median {ms:.0f} ms ({kb:.0f} KB)" for extension, (ms, kb) in medians.items()
        )
    ]


# --- internal audits: processes, trainings, a programme with its coverage, an audit of 30 findings,
# its checklist; all made here, inside the benchmark's rolled-back transaction ---

INTERNAL_AUDIT_FINDINGS = 30


def _internal_audit_pages(ministry: Organisation) -> list[tuple[str, str, str]]:
    from improvement.services import internal_audits as ia
    from improvement.services import processes as process_services

    qm = User.objects.get(email=MINISTRY_QM)
    contributor = User.objects.get(email="contributor@ministry.example")
    qms = Edition.objects.get(standard__code="ISO 9001", year=2015)
    processes = [
        process_services.process_create(
            actor=qm, organisation=ministry, name=f"Benchmark process {i}", owner=contributor
        )
        for i in range(10)
    ]
    for membership in ministry.memberships.filter(is_active=True):
        process_services.auditor_training_add(
            actor=qm,
            membership=membership,
            standard=qms.standard,
            course="Internal auditor ISO 19011, 2 days",
            completed_on=datetime.date(2025, 9, 1),
        )
    programme = ia.internal_programme_create(
        actor=qm,
        organisation=ministry,
        title="Benchmark internal audit programme",
        editions=[qms],
        starts_on=datetime.date(2027, 1, 1),
        ends_on=datetime.date(2027, 12, 31),
    )
    clauses = list(qms.clauses.filter(assessable=True).order_by("position"))
    half = len(clauses) // 2
    done = _started_audit(qm, programme, clauses[:half], datetime.date(2027, 2, 1), processes[:3])
    done.checklist.update(result="conforming")
    ia.internal_audit_report_save(
        actor=qm, audit=done, conclusions="Effective.", distribution="Secretary-General"
    )
    ia.internal_audit_report_issue(actor=qm, audit=done)
    running = _started_audit(qm, programme, clauses[half:], datetime.date(2027, 5, 3), processes[3:6])
    grades = cycle(["minor", "observation", "ofi", "major", "positive"])
    for i in range(INTERNAL_AUDIT_FINDINGS):
        ia.internal_finding_raise(
            actor=qm,
            audit=running,
            grade=next(grades),
            clause=clauses[half + i % (len(clauses) - half)],
            title=f"Benchmark finding {i}",
            statement="Records of the process were incomplete for the sampled month.",
            evidence="Sample of 10 files, 3 without approval.",
            process=processes[3 + i % 3],
        )
    return [
        ("processes", reverse("improvement:process_list", args=[ministry.pk]), MINISTRY_QM),
        (
            "internal auditors and trainings",
            reverse("improvement:auditor_trainings", args=[ministry.pk]),
            MINISTRY_QM,
        ),
        (
            "internal audit programmes",
            reverse("improvement:internal_programme_list", args=[ministry.pk]),
            MINISTRY_QM,
        ),
        (
            "internal audit programme with coverage (ISO 9001)",
            programme.get_absolute_url(),
            MINISTRY_QM,
        ),
        (f"internal audit ({INTERNAL_AUDIT_FINDINGS} findings)", running.get_absolute_url(), MINISTRY_QM),
        (
            "internal audit checklist",
            reverse("improvement:internal_audit_checklist", args=[running.pk]),
            MINISTRY_QM,
        ),
    ]


def _started_audit(qm, programme, clauses, day, processes):
    from improvement.services import internal_audits as ia

    audit = ia.internal_audit_create(
        actor=qm,
        programme=programme,
        title=f"Benchmark audit {day:%B}",
        starts_on=day,
        ends_on=day,
        clauses=clauses,
        processes=processes,
    )
    ia.internal_auditor_add(actor=qm, audit=audit, user=qm, is_lead=True)
    return ia.internal_audit_start(actor=qm, audit=audit)


# --- management reviews: a review of ISO 9001 and ISO/IEC 27001 with every input answered, 30
# decisions of which 10 became actions, and the list; all made here, inside the rolled-back
# transaction ---

REVIEW_DECISIONS = 30
REVIEW_ACTIONS = 10


def _review_pages(ministry: Organisation) -> list[tuple[str, str, str]]:
    from improvement.services import reviews as rv

    qm = User.objects.get(email=MINISTRY_QM)
    editions = [Edition.objects.get(standard__code=code, year=year) for code, year in LARGE_EDITIONS]
    review = rv.review_plan(
        actor=qm,
        organisation=ministry,
        title="Benchmark management review",
        editions=editions,
        planned_on=datetime.date(2027, 2, 1),
    )
    for row in review.inputs.all():
        rv.review_input_answer(
            actor=qm,
            review_input=row,
            answer="Discussed with the figures of the register.",
            not_applicable=False,
            not_applicable_reason="",
        )
    kinds = cycle(["improvement", "change", "resources"])
    for i in range(REVIEW_DECISIONS):
        output = rv.review_output_add(
            actor=qm, review=review, kind=next(kinds), decision=f"Benchmark decision {i}"
        )
        if i < REVIEW_ACTIONS:
            rv.review_output_action_raise(actor=qm, output=output, title=f"Benchmark decision {i}", owner=qm)
    inputs = review.inputs.count()
    return [
        ("management reviews", reverse("improvement:review_list", args=[ministry.pk]), MINISTRY_QM),
        (
            f"management review ({inputs} inputs, {REVIEW_DECISIONS} decisions)",
            review.get_absolute_url(),
            MINISTRY_QM,
        ),
    ]


# --- the Statement of Applicability: the demo's versions of ISO/IEC 27001:2022 (93 controls) ---


def _soa_pages(ministry: Organisation) -> list[tuple[str, str, str]]:
    from improvement.models import StatementOfApplicability

    approved, draft = StatementOfApplicability.objects.filter(organisation=ministry).order_by("version")[:2]
    size = draft.controls.count()
    return [
        ("SoA versions", reverse("improvement:soa_list", args=[ministry.pk]), MINISTRY_QM),
        (f"SoA detail ({size} controls, draft)", draft.get_absolute_url(), MINISTRY_QM),
        (
            f"SoA detail ({size} controls, approved, certification body)",
            approved.get_absolute_url(),
            CB_MANAGER,
        ),
        (
            "SoA control form",
            reverse("improvement:soa_control", args=[draft.controls.first().pk]),
            MINISTRY_QM,
        ),
    ]


# --- readiness for stage 1: the task lists of the ministry (its programme has the benchmark's
# audits and findings by now) and the pack it shares, as the CB's lead auditor reads it ---


def _readiness_pages(ministry: Organisation) -> list[tuple[str, str, str]]:
    from improvement.models import Readiness

    pack = Readiness.objects.get(organisation=ministry, shared_with_cb=True)
    return [
        (
            "readiness task lists (ministry)",
            reverse("improvement:readiness", args=[ministry.pk]),
            MINISTRY_QM,
        ),
        (
            "readiness pack (ISO/IEC 27001:2022, CB lead auditor)",
            reverse("improvement:readiness_pack", args=[pack.pk]),
            "lead@certa.example",
        ),
    ]


# --- the "Management system" menu: a member of one organisation is sent straight on (a redirect,
# no page); a member of two picks one. The ministry's viewer joins Northfield for it, here only ---


def _menu_pages(ministry: Organisation) -> list[tuple[str, str, str]]:
    from organisations.enums import OrganisationRole
    from organisations.models import OrganisationMembership

    viewer = User.objects.get(email="viewer@ministry.example")
    northfield = Organisation.objects.get(name="Northfield Municipality")
    OrganisationMembership.objects.get_or_create(
        user=viewer, organisation=northfield, defaults={"role": OrganisationRole.VIEWER}
    )
    return [
        (
            "next steps of the home page (ministry)",
            reverse("improvement:next_steps"),
            MINISTRY_QM,
        ),
        (
            "management system menu (member of two organisations)",
            reverse("improvement:management_system", args=["management-reviews"]),
            viewer.email,
        ),
    ]
