"""The demo's certificates (certificates/demo.py): made once through the services, dated from the
day they are loaded, each with something due for the calendar, the work queue and the reminders."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from audits.enums import AuditKind, AuditStatus
from audits.models import Audit, AuditProgramme
from certificates.enums import CertificateStatus, DecisionKind, DueKind, RevisionStatus, TaskKind, TaskStatus
from certificates.models import Certificate, Decision, Task, TransferReview
from certificates.selectors.calendar import due_items, scope_all
from certificates.services.daily import daily_job_run
from core.models import Transition
from core.transitions import transitions_of
from organisations.models import Organisation

pytestmark = pytest.mark.django_db

NORTHFIELD, MINISTRY = "Northfield Municipality", "Ministry of Digital Affairs"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _load() -> str:
    out = StringIO()
    call_command("load_demo", force=True, stdout=out)
    return out.getvalue()


def _counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (Certificate, Decision, TransferReview, AuditProgramme, Audit, Transition, Organisation)
    )


def _certificate(organisation: str, code: str) -> Certificate:
    return Certificate.objects.get(organisation__name=organisation, standard__code=code)


def _due(today: datetime.date) -> list:
    return due_items(
        scope_all(),
        start=today,
        end=today + datetime.timedelta(days=120),
        today=today,
        include_overdue=True,
    )


def test_load_demo_twice_makes_the_certificates_once():
    text = _load()
    first = _counts()
    _load()
    assert _counts() == first
    assert first[0] == 4 and first[-1] == 2  # four certificates, no new organisation
    assert "4 demo certificates" in text


def test_each_certificate_has_its_status_and_its_dates():
    _load()
    today = timezone.localdate()
    states = {
        (c.organisation.name, c.standard.code): c.status
        for c in Certificate.objects.select_related("organisation", "standard")
    }
    assert states == {
        (NORTHFIELD, "ISO 45001"): CertificateStatus.ACTIVE,
        (NORTHFIELD, "ISO 14001"): CertificateStatus.ACTIVE,
        (MINISTRY, "ISO/IEC 27001"): CertificateStatus.SUSPENDED,
        (MINISTRY, "ISO 14001"): CertificateStatus.ACTIVE,
    }
    expiring = _certificate(NORTHFIELD, "ISO 14001").revisions.get()
    assert expiring.status == RevisionStatus.CURRENT
    assert expiring.expiry_on == today + datetime.timedelta(days=70)
    suspended = _certificate(MINISTRY, "ISO/IEC 27001")
    assert suspended.suspension_ends_on == today - datetime.timedelta(days=5)
    assert suspended.revisions.get().soa_version  # rule 8 on an ISMS certificate
    # no decision this year: the first certificate a demo user grants takes the pattern's number 1
    assert not Decision.objects.filter(decided_on__year=today.year).exists()
    assert all(c.revisions.get().accredited for c in Certificate.objects.all())


def test_the_history_is_the_services_dated_on_the_day_it_happened():
    _load()
    healthy = _certificate(MINISTRY, "ISO 14001")
    decision = healthy.decisions.get()
    assert decision.kind == DecisionKind.INITIAL
    assert {a.kind for a in decision.audits.all()} == {AuditKind.STAGE1, AuditKind.STAGE2}
    assert all(a.report.issued_at.date() < decision.decided_on for a in decision.audits.all())
    log = [(t.at.date(), t.from_state, t.to_state) for t in transitions_of(healthy).order_by("at", "pk")]
    assert log == [
        (decision.decided_on, "", CertificateStatus.DRAFT),
        (decision.decided_on, CertificateStatus.DRAFT, CertificateStatus.ACTIVE),
    ]
    suspended = _certificate(MINISTRY, "ISO/IEC 27001")
    assert transitions_of(suspended).latest("at").at.date() == suspended.status_since
    assert suspended.decisions.get().transfer_review.incoming_number == "NAC-ISMS-0457"
    surveillance = healthy.decisions.get().programme.audits.get(kind=AuditKind.SURVEILLANCE_1)
    assert surveillance.status == AuditStatus.CLOSED


def test_the_calendar_shows_what_falls_due():
    _load()
    today = timezone.localdate()
    items = _due(today)
    found = {(i.kind, i.subject) for i in items}
    missed = _certificate(NORTHFIELD, "ISO 45001").number
    expiring = _certificate(NORTHFIELD, "ISO 14001").number
    suspended = _certificate(MINISTRY, "ISO/IEC 27001").number
    healthy = _certificate(MINISTRY, "ISO 14001").number
    assert (DueKind.SURVEILLANCE_1, missed) in found
    assert (DueKind.EXPIRY, expiring) in found and (DueKind.RECERTIFICATION, expiring) in found
    assert (DueKind.SUSPENSION_DEADLINE, suspended) in found
    assert not any(i.subject == healthy for i in items)  # nothing due within 120 days
    by_key = {(i.kind, i.subject): i for i in items}
    assert by_key[(DueKind.SURVEILLANCE_1, missed)].is_overdue(today)
    assert by_key[(DueKind.SUSPENSION_DEADLINE, suspended)].is_overdue(today)
    assert 60 <= by_key[(DueKind.EXPIRY, expiring)].days_left(today) <= 80
    later = due_items(scope_all(), start=today, end=today + datetime.timedelta(days=365), today=today)
    assert (DueKind.SURVEILLANCE_2, healthy) in {(i.kind, i.subject) for i in later}


def test_the_demo_has_its_work_queue_and_the_daily_job_writes_reminders():
    _load()
    today = timezone.localdate()
    open_tasks = Task.objects.filter(status=TaskStatus.OPEN).select_related("certificate")
    assert sorted((t.kind, t.certificate.number) for t in open_tasks) == sorted(
        [
            (TaskKind.OVERDUE_SURVEILLANCE, _certificate(NORTHFIELD, "ISO 45001").number),
            (TaskKind.SUSPENSION_EXPIRED, _certificate(MINISTRY, "ISO/IEC 27001").number),
        ]
    )
    run = daily_job_run(today=today)
    assert (run.expired, run.tasks_opened, run.tasks_closed) == ([], [], [])  # the demo opened them
    assert run.reminders_written > 0
    again = daily_job_run(today=today)
    assert (again.tasks_opened, again.reminders_written) == ([], 0)


@pytest.mark.parametrize("today", [datetime.date(2027, 1, 31), datetime.date(2027, 12, 1)])
def test_the_stories_hold_whatever_the_day_it_is_loaded(monkeypatch, today):
    moment = timezone.make_aware(datetime.datetime.combine(today, datetime.time(8)))
    monkeypatch.setattr(timezone, "now", lambda: moment)
    _load()
    found = {(i.kind, i.subject, i.is_overdue(today)) for i in _due(today)}
    assert (DueKind.SURVEILLANCE_1, _certificate(NORTHFIELD, "ISO 45001").number, True) in found
    assert (DueKind.EXPIRY, _certificate(NORTHFIELD, "ISO 14001").number, False) in found
    assert (DueKind.SUSPENSION_DEADLINE, _certificate(MINISTRY, "ISO/IEC 27001").number, True) in found


def test_northfield_notified_a_headcount_change_waiting_for_review():
    _load()
    _load()  # once, however often the demo is loaded
    northfield = Organisation.objects.get(name=NORTHFIELD)
    (notification,) = northfield.change_notifications.all()
    (review,) = notification.reviews.all()
    assert (notification.kind, notification.headcount, review.is_open) == (
        "headcount",
        northfield.headcount + 40,
        True,
    )
    flags = [
        programme.headcount_changed for programme in AuditProgramme.objects.filter(organisation=northfield)
    ]
    assert flags and all(flags)
