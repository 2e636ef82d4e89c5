"""The inputs a review's records give ("never typed twice"): each section's figures against records
built here, the snapshot kept when held (and read back as it was), and a query count that does not
grow with the records."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits.enums import AuditKind, AuditStatus, Recommendation
from audits.models import Audit, AuditReport, Finding
from certificates.enums import CertificateStatus
from improvement.enums import ActionStatus
from improvement.models import Action
from improvement.selectors.reviews import Prepared, prepared_inputs, shown_inputs
from improvement.services import actions as action_services
from improvement.services import gap as gap_services
from improvement.services import internal_audits as ia
from improvement.services import reviews as services
from tests.certificates.conftest import make_certificate, make_programme
from tests.improvement.review_world import address_all

pytestmark = pytest.mark.django_db

D = datetime.date


def _review(world, qms, planned_on, title="Review"):
    return services.review_plan(
        actor=world.qm_a, organisation=world.org_a, title=title, editions=[qms], planned_on=planned_on
    )


def _held(world, qms, day, title="Held"):
    review = _review(world, qms, day, title)
    address_all(review, world.qm_a)
    services.review_attendee_add(actor=world.qm_a, review=review, name="Mayor", is_top_management=True)
    return review


def _hold(world, review, day):
    return services.review_hold(actor=world.qm_a, review=review, held_on=day)


def _action(world, title, on, source="complaint", status=None):
    action = action_services.action_create(
        actor=world.qm_a, organisation=world.org_a, source=source, title=title, owner=world.qm_a
    )
    Action.objects.filter(pk=action.pk).update(
        created_at=datetime.datetime.combine(on, datetime.time(12), tzinfo=datetime.UTC),
        **({"status": status} if status else {}),
    )
    return action


def _table(prepared: Prepared, key: str, index: int = 0):
    section = prepared.section(key)
    assert section is not None, key
    return section.tables[index]


def _row(table, label):
    return next(row for row in table.rows if row[0] == label)


def test_previous_review_actions_and_their_status(world, qms):
    previous = _held(world, qms, D(2025, 3, 1), "Last year")
    noted = services.review_output_add(actor=world.qm_a, review=previous, kind="change", decision="Keep")
    acted = services.review_output_add(
        actor=world.qm_a, review=previous, kind="improvement", decision="Train"
    )
    action = services.review_output_action_raise(
        actor=world.qm_a, output=acted, title="Train", owner=world.qm_a
    )
    action_services.action_start(actor=world.qm_a, action=action)
    _hold(world, previous, D(2025, 3, 1))
    review = _review(world, qms, D(2026, 3, 1))
    prepared = prepared_inputs(review)
    assert prepared.previous == "MR-1" and prepared.since == "2025-03-01"
    table = _table(prepared, "previous_actions")
    assert _row(table, noted.reference)[2:4] == ["", "Noted, no action"]
    assert _row(table, acted.reference)[2:4] == [action.reference, str(ActionStatus.IN_PROGRESS.label)]


def test_no_previous_review_says_so(world, qms):
    prepared = prepared_inputs(_review(world, qms, D(2026, 3, 1)))
    assert prepared.previous == "" and "No management review" in prepared.section("previous_actions").lines[0]


def test_actions_by_source_and_status_with_the_trend(world, qms):
    _hold(world, _held(world, qms, D(2024, 3, 1), "Two years ago"), D(2024, 3, 1))
    _hold(world, _held(world, qms, D(2025, 3, 1), "Last year"), D(2025, 3, 1))
    review = _review(world, qms, D(2026, 3, 1))
    _action(world, "Before both", D(2023, 6, 1))
    _action(world, "Earlier period", D(2024, 6, 1), source="incident")
    _action(world, "Complaint open", D(2025, 6, 1))
    _action(world, "Complaint cancelled", D(2025, 7, 1), status=ActionStatus.CANCELLED)
    _action(world, "Incident open", D(2026, 3, 1), source="incident")
    _action(world, "After the review", D(2026, 3, 2))
    prepared = prepared_inputs(review)
    counts = _table(prepared, "actions", 0)
    open_col = counts.columns.index(str(ActionStatus.OPEN.label))
    cancelled_col = counts.columns.index(str(ActionStatus.CANCELLED.label))
    complaint = _row(counts, "Complaint")
    assert (complaint[open_col], complaint[cancelled_col], complaint[-1]) == (1, 1, 2)
    assert _row(counts, "Incident")[-1] == 1
    assert _row(counts, "Total")[-1] == 3
    trend = _table(prepared, "actions", 1)
    assert _row(trend, "Incident")[1:] == [1, 1]
    assert _row(trend, "Complaint")[1:] == [0, 2]
    assert _row(trend, "Total")[1:] == [1, 3]


def test_internal_audits_findings_and_coverage(world, qms):
    programme = ia.internal_programme_create(
        actor=world.qm_a,
        organisation=world.org_a,
        title="Programme 2025",
        editions=[qms],
        starts_on=D(2025, 6, 1),
        ends_on=D(2026, 5, 31),
    )
    audit = ia.internal_audit_create(
        actor=world.qm_a,
        programme=programme,
        title="Context",
        starts_on=D(2025, 9, 1),
        ends_on=D(2025, 9, 2),
        clauses=list(qms.clauses.filter(number="4.1")),
    )
    ia.internal_auditor_add(actor=world.qm_a, audit=audit, external_name="Ann", is_lead=True)
    ia.internal_audit_start(actor=world.qm_a, audit=audit)
    clause = qms.clauses.get(number="4.1")
    for grade in ("minor", "minor", "observation"):
        ia.internal_finding_raise(actor=world.qm_a, audit=audit, grade=grade, clause=clause, title=grade)
    audit.checklist.update(result="conforming")
    ia.internal_audit_report_save(actor=world.qm_a, audit=audit, conclusions="Fine", distribution="Board")
    ia.internal_audit_report_issue(actor=world.qm_a, audit=audit)
    prepared = prepared_inputs(_review(world, qms, D(2026, 3, 1)))
    section = prepared.section("internal_audits")
    assert "Internal audits completed in the period: 1" in section.lines
    grades = section.tables[0]
    assert _row(grades, "Minor nonconformity")[1] == 2 and _row(grades, "Observation")[1] == 1
    coverage = _row(section.tables[1], "Programme 2025")
    total = qms.clauses.filter(assessable=True).count()
    assert coverage[1:3] == [1, total]
    assert "4.2" in coverage[3] and "4.1 " not in coverage[3]


def test_cb_audits_and_certificates_from_the_higher_apps(world, qms):
    make_certificate(world, qms, number="CB-2026-00042", expiry_on=D(2028, 3, 1))
    programme = make_programme(world, qms)
    done = Audit.objects.create(
        programme=programme,
        kind=AuditKind.SURVEILLANCE_1,
        status=AuditStatus.NCS_PENDING,
        starts_on=D(2025, 10, 1),
        ends_on=D(2025, 10, 2),
        planned_days=Decimal(2),
        on_site_days=Decimal(2),
    )
    AuditReport.objects.create(audit=done, recommendation=Recommendation.CERTIFY, updated_by=world.auditor)
    clause = qms.clauses.get(number="4.1")
    for number, kind, status in (
        (1, "minor", "open"),
        (2, "minor", "verified_closed"),
        (3, "observation", "recorded"),
    ):
        Finding.objects.create(
            audit=done,
            number=number,
            type=kind,
            status=status,
            clause=clause,
            statement="S",
            evidence="E",
            site=world.site_a,
            raised_by=world.auditor,
        )
    Audit.objects.create(
        programme=programme,
        kind=AuditKind.SURVEILLANCE_2,
        starts_on=D(2026, 10, 1),
        ends_on=D(2026, 10, 1),
        planned_days=Decimal(1),
        on_site_days=Decimal(1),
    )
    prepared = prepared_inputs(_review(world, qms, D(2026, 3, 1)))
    audits = _table(prepared, "cb_audits", 0)
    row = _row(audits, done.reference)
    minor = audits.columns.index("Minor nonconformity")
    assert row[1] == "Surveillance 1" and row[3] == str(Recommendation.CERTIFY.label)
    assert row[minor] == 2 and row[audits.columns.index("Observation")] == 1
    assert _row(_table(prepared, "cb_audits", 1), "Minor nonconformity")[1] == 1
    certificates = _table(prepared, "certificates", 0)
    assert _row(certificates, "CB-2026-00042")[2] == str(CertificateStatus.ACTIVE.label)
    assert _row(certificates, "CB-2026-00042")[3]  # its expiry
    assert [r[1] for r in _table(prepared, "certificates", 1).rows] == ["Surveillance 2"]


def test_gap_readiness_of_the_latest_analysis(world, qms):
    analysis = gap_services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title="Baseline", editions=[qms], sites=[]
    )
    answers = list(analysis.answers.all())
    for answer in answers:
        gap_services.gap_answer_save(actor=world.qm_a, answer=answer, status="conforming", notes="")
    prepared = prepared_inputs(_review(world, qms, analysis.created_at.date()))
    row = _table(prepared, "gap").rows[0]
    assert row[:2] == [qms.label, "Baseline"] and row[3] == "100.0 %"


def test_held_review_keeps_its_snapshot(world, qms):
    review = _held(world, qms, D(2026, 3, 1))
    _hold(world, review, D(2026, 3, 1))
    before = shown_inputs(review)
    _action(world, "Raised after", D(2026, 2, 1))
    review.refresh_from_db()
    assert shown_inputs(review) == before == Prepared.from_data(review.prepared)
    assert _row(_table(prepared_inputs(review), "actions"), "Total")[-1] == 1  # live: it moved


def test_prepared_queries_do_not_grow_with_records(world, qms):
    previous = _held(world, qms, D(2025, 3, 1))
    _hold(world, previous, D(2025, 3, 1))
    review = _review(world, qms, D(2026, 3, 1))

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            prepared_inputs(review)
        return len(captured.captured_queries)

    few = count()
    for n in range(6):
        _action(world, f"A{n}", D(2025, 6, 1), source=("complaint", "incident")[n % 2])
        output = services.review_output_add(
            actor=world.qm_a, review=previous, kind="change", decision=f"D{n}"
        )
        services.review_output_action_raise(actor=world.qm_a, output=output, title=f"T{n}", owner=world.qm_a)
    assert count() == few
