"""The certificates' stored due dates (`CertificateDueDate`): written when a revision is issued,
checked by the daily job (which logs what it corrects), read by the calendar with whether each is
done taken live from the audits and decisions."""

import datetime
import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audits import cycle
from audits.changes import audits_changed
from audits.enums import AuditKind, AuditStatus
from audits.models import Audit
from audits.selectors.programme_checks import cycle_policy
from audits.services import fieldwork
from certificates.enums import CertificateStatus, DecisionKind, DecisionOutcome, DueKind
from certificates.models import Certificate, CertificateDueDate, Decision
from certificates.selectors import calendar, cycles
from certificates.services import certificates as services
from certificates.services.daily import daily_job_run
from certificates.services.due_dates import certificate_dues_check, certificate_dues_refresh
from tests.certificates.conftest import give_images, make_certificate
from tests.certificates.test_calendar import audit_of
from tests.certificates.test_certificate_services import add_draft

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _rows(certificate: Certificate) -> dict[str, tuple[str, datetime.date]]:
    return {
        key: (kind, due_on)
        for key, kind, due_on in CertificateDueDate.objects.filter(
            revision__certificate=certificate
        ).values_list("key", "kind", "due_on")
    }


def _decided(years_ago: int = 0, days: int = 40) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years_ago) - days * DAY


def _items(world, *, start, end, include_overdue=True):
    return {
        item.key: item
        for item in calendar.due_items(
            calendar.scope_for(world.cert_manager),
            start=start,
            end=end,
            today=timezone.localdate(),
            include_overdue=include_overdue,
        )
    }


def _audit(certificate, kind: str, starts_on: datetime.date, status: str = AuditStatus.PLANNED) -> Audit:
    return audit_of(certificate, kind=kind, starts_on=starts_on, status=status)


def test_a_valid_certificate_has_its_cycle_stored_as_the_rules_compute_it(world, qms):
    decided_on = datetime.date(2025, 3, 10)
    certificate = make_certificate(world, qms, decided_on=decided_on)
    policy = cycle_policy(world.cb)
    windows = cycle.due_windows(decided_on, policy)
    expiry = cycle.expiry_date(decided_on)
    assert _rows(certificate) == {
        f"certificate-{certificate.pk}-surveillance1-2025-03-10": (
            DueKind.SURVEILLANCE_1,
            windows[DueKind.SURVEILLANCE_1.value].closes,
        ),
        f"certificate-{certificate.pk}-surveillance2-2025-03-10": (
            DueKind.SURVEILLANCE_2,
            windows[DueKind.SURVEILLANCE_2.value].closes,
        ),
        f"certificate-{certificate.pk}-year-2026": (DueKind.CALENDAR_YEAR, datetime.date(2026, 12, 31)),
        f"certificate-{certificate.pk}-year-2027": (DueKind.CALENDAR_YEAR, datetime.date(2027, 12, 31)),
        f"certificate-{certificate.pk}-recertification-{expiry.isoformat()}": (
            DueKind.RECERTIFICATION,
            expiry - DAY,
        ),
        f"certificate-{certificate.pk}-expiry": (DueKind.EXPIRY, expiry),
    }


def test_a_second_recalculation_writes_nothing(world, qms, django_assert_num_queries):
    certificate = make_certificate(world, qms)
    computed = set(CertificateDueDate.objects.values_list("pk", "computed_at"))
    done = certificate_dues_refresh(
        certificates=Certificate.objects.filter(pk=certificate.pk), reason="again"
    )
    assert done.count == 0
    assert set(CertificateDueDate.objects.values_list("pk", "computed_at")) == computed


def test_the_recalculation_reads_a_fixed_number_of_queries(world, qms, django_assert_num_queries):
    make_certificate(world, qms, number="CB-1")
    CertificateDueDate.objects.all().delete()
    # savepoint, revisions, decisions, audits, stored rows, one insert, release
    with django_assert_num_queries(7):
        certificate_dues_refresh(certificates=Certificate.objects.all(), reason="test")
    make_certificate(world, qms, number="CB-2", decided_on=_decided(1))
    make_certificate(world, qms, number="CB-3", decided_on=_decided(2))
    CertificateDueDate.objects.all().delete()
    with django_assert_num_queries(7):
        done = certificate_dues_refresh(certificates=Certificate.objects.all(), reason="test")
    assert len(done.created) == CertificateDueDate.objects.count() > 12


def test_issuing_a_new_revision_replaces_the_cycle_it_follows(world, qms):
    give_images(world.cb)  # what issuing asks of the CB (rule 8)
    certificate = make_certificate(world, qms, decided_on=_decided(2, days=300))
    before = _rows(certificate)
    draft = add_draft(certificate, decided_on=timezone.localdate() - DAY)
    services.revision_issue(actor=world.cert_manager, revision=draft)
    after = _rows(certificate)
    assert after != before
    assert {
        row.revision_id for row in CertificateDueDate.objects.filter(revision__certificate=certificate)
    } == {draft.pk}
    assert after[f"certificate-{certificate.pk}-expiry"] == (DueKind.EXPIRY, draft.expiry_on)


def test_the_daily_check_corrects_a_row_left_out_of_date_and_says_so(world, qms, caplog):
    certificate = make_certificate(world, qms, decided_on=datetime.date(2025, 3, 10))
    world.cb.surveillance_window_after_months = 0  # changed in the admin, no service told
    world.cb.save(update_fields=["surveillance_window_after_months"])
    with caplog.at_level(logging.WARNING, logger="certificates.services.due_dates"):
        run = daily_job_run(today=timezone.localdate())
    key = f"certificate-{certificate.pk}-surveillance1-2025-03-10"
    expected = cycle.due_windows(datetime.date(2025, 3, 10), cycle_policy(world.cb))[
        DueKind.SURVEILLANCE_1.value
    ]
    assert _rows(certificate)[key] == (DueKind.SURVEILLANCE_1, expected.closes)
    assert run.due_dates_corrected >= 1
    assert (
        f"The daily check corrected certificate due dates: 0 created, {run.due_dates_corrected} changed"
        in (caplog.text)
    )
    assert key in caplog.text
    assert certificate_dues_check().count == 0  # and the next check finds nothing


def test_an_ended_certificate_loses_its_rows_and_leaves_the_calendar(world, qms):
    certificate = make_certificate(world, qms, decided_on=_decided(1))
    assert _rows(certificate)
    Certificate.objects.filter(pk=certificate.pk).update(status=CertificateStatus.WITHDRAWN)
    today = timezone.localdate()
    assert not [key for key in _items(world, start=today, end=today + 1000 * DAY) if "certificate-" in key]
    certificate_dues_check()
    assert _rows(certificate) == {}


def test_a_surveillance_is_done_once_held_and_overdue_until_then(world, qms):
    certificate = make_certificate(world, qms, decided_on=_decided(1, days=60))  # first surveillance missed
    today = timezone.localdate()
    key = next(key for key in _rows(certificate) if "surveillance1" in key)
    assert _items(world, start=today, end=today)[key].is_overdue(today)
    audit = _audit(certificate, AuditKind.SURVEILLANCE_1, today - 5 * DAY)
    item = _items(world, start=today, end=today)[key]
    assert (item.is_overdue(today), item.audit_id) == (True, audit.pk)  # planned, not held
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.IN_PROGRESS)
    audits_changed(audits=[audit])  # as `audit_start` does
    assert key not in _items(world, start=today, end=today)  # held: no longer overdue
    due_on = CertificateDueDate.objects.get(key=key).due_on
    assert _items(world, start=due_on, end=due_on, include_overdue=False)[key].done


def test_a_calendar_year_with_a_surveillance_planned_in_it_is_not_due(world, qms):
    certificate = make_certificate(world, qms, decided_on=_decided(1, days=10))
    year = timezone.localdate().year + 1
    december = datetime.date(year, 12, 31)
    key = f"certificate-{certificate.pk}-year-{year}"
    assert key in _items(world, start=december, end=december, include_overdue=False)
    _audit(certificate, AuditKind.SURVEILLANCE_2, datetime.date(year, 5, 4))
    assert key not in _items(world, start=december, end=december, include_overdue=False)


def test_the_recertification_is_done_once_granted_in_the_cycle(world, qms):
    certificate = make_certificate(world, qms, decided_on=_decided(3, days=-20))  # expires in 20 days
    revision = certificate.revisions.get()
    key = f"certificate-{certificate.pk}-recertification-{revision.expiry_on.isoformat()}"
    day = revision.expiry_on - DAY
    assert not _items(world, start=day, end=day)[key].done
    Decision.objects.create(
        programme=revision.decision.programme,
        edition=revision.edition,
        kind=DecisionKind.RECERTIFICATION,
        outcome=DecisionOutcome.GRANT,
        decided_on=timezone.localdate(),
        decided_by=world.cert_manager,
        rationale="Recertification audit closed.",
        certificate=certificate,
    )
    assert not _items(world, start=day, end=day)[key].done  # until the decision's service recalculates
    certificate_dues_refresh(certificates=Certificate.objects.filter(pk=certificate.pk), reason="decided")
    assert _items(world, start=day, end=day)[key].done


def test_the_stored_rows_read_as_the_rules_compute_them_on_any_window(world, qms):
    """The calendar's certificate items equal `due_rules.certificate_items` over live facts."""
    for number, decided_on in (("CB-A", _decided(0)), ("CB-B", _decided(1, 100)), ("CB-C", _decided(2, 200))):
        make_certificate(world, qms, number=number, decided_on=decided_on)
    today = timezone.localdate()
    live_all = [
        item
        for due in cycles.certificates_due(Certificate.objects.all(), today)
        for item in due.items
        if item.kind != DueKind.SUSPENSION_DEADLINE
    ]
    for start, end in (
        (today, today + 30 * DAY),
        (today - 400 * DAY, today - 300 * DAY),
        (today, today + 1200 * DAY),
    ):
        live = {
            (i.key, i.due_on, i.done)
            for i in live_all
            if start <= i.due_on <= end or (i.due_on < start and i.is_overdue(today))
        }
        stored = {
            (i.key, i.due_on, i.done)
            for i in _items(world, start=start, end=end).values()
            if i.key.startswith("certificate-")
        }
        assert stored == live


def test_an_audit_service_recalculates_the_certificates_it_concerns(world, qms):
    """`audits.changes`: cancelling the planned surveillance (a service of the audits app) takes it
    off the certificate's row at once, and brings the calendar year it was in back as due."""
    certificate = make_certificate(world, qms, decided_on=_decided(1, days=10))
    year = timezone.localdate().year + 1
    audit = _audit(certificate, AuditKind.SURVEILLANCE_2, datetime.date(year, 5, 4))
    row = CertificateDueDate.objects.get(kind=DueKind.SURVEILLANCE_2)
    assert row.audit_id == audit.pk
    assert not CertificateDueDate.objects.filter(key=f"certificate-{certificate.pk}-year-{year}").exists()
    fieldwork.audit_cancel(actor=world.cert_manager, audit=audit, reason="The client moved offices.")
    row.refresh_from_db()
    assert row.audit_id is None
    assert CertificateDueDate.objects.filter(key=f"certificate-{certificate.pk}-year-{year}").exists()


def test_an_audit_of_another_kind_costs_the_due_dates_no_query(world, qms):
    certificate = make_certificate(world, qms)
    stage2 = _audit(certificate, AuditKind.STAGE2, timezone.localdate())
    with CaptureQueriesContext(connection) as queries:
        audits_changed(audits=[stage2])  # the work queue's steps listen to every kind
    assert queries and not [query for query in queries if "certificateduedate" in query["sql"]]


def test_the_daily_job_checks_the_due_dates_once_a_day(world, qms):
    certificate = make_certificate(world, qms, decided_on=datetime.date(2025, 3, 10))
    today = timezone.localdate()
    assert daily_job_run(today=today).due_dates_corrected == 0
    world.cb.surveillance_window_after_months = 0  # changed in the admin after the day's check
    world.cb.save(update_fields=["surveillance_window_after_months"])
    assert daily_job_run(today=today).due_dates_corrected == 0  # the second run of the day: not again
    assert daily_job_run(today=today + DAY).due_dates_corrected >= 1
    key = f"certificate-{certificate.pk}-surveillance1-2025-03-10"
    windows = cycle.due_windows(datetime.date(2025, 3, 10), cycle_policy(world.cb))
    assert _rows(certificate)[key][1] == windows[DueKind.SURVEILLANCE_1.value].closes
