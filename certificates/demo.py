"""Demo data for `make run`: four certificates of the demo CB, each with something falling due, so
that the calendar, the work queue (after the daily job) and the reminders have work. Idempotent.

Dates count from today, so the demo stays alive whatever the day it is loaded:

- Northfield's ISO 45001, transferred in 13 months ago: its first surveillance was never held (the
  daily job's rule-10 task "suspend or not"; the calendar's overdue first surveillance);
- Northfield's ISO 14001, transferred in with its cycle running: it expires in 70 days and its
  recertification is not decided (the 90-day reminders have passed: a "before-90" reminder today);
- the ministry's ISO/IEC 27001, suspended when the ministry refused its first surveillance: the
  suspension's deadline passed five days ago (the rule-14 task "withdraw or reduce");
- the ministry's ISO 14001, certified after its stage 1 and stage 2: surveillance 1 held, surveillance
  2 planned in the coming months.

Northfield has also notified a headcount change (rule 38), which waits for the CB's review.

Every step goes through the services, so every rule is checked and the transition log is the one
the pages would have left. The history happened in the past, and the services date what they do
"today" (and refuse a decision before its reports were issued, a deadline already passed...): each
step therefore runs with Django's clock set to the day it happened (`_clock`). No decision falls in
the current year, so the first certificate a demo user grants this year takes the pattern's number 1.
"""

import datetime
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from unittest import mock

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.db import transaction
from django.utils import timezone

from audits.enums import AuditKind, Recommendation, SessionMode, Stage1Outcome, TeamRole
from audits.models import Audit, AuditProgramme
from audits.models.programme import ProgrammeScope
from audits.selectors.programme_checks import programme_problems
from audits.services import audits as audit_services
from audits.services import fieldwork
from audits.services import programmes as programme_services
from audits.services import teams as team_services
from certificates.change_rules import ChangeContent
from certificates.enums import (
    ChangeKind,
    DecisionKind,
    DecisionOutcome,
    IncomingStatus,
    SuspensionReason,
    TransferReviewOutcome,
)
from certificates.models import Certificate, Decision
from certificates.services import certificates as certificate_services
from certificates.services import decisions as decision_services
from certificates.services import transfers as transfer_services
from certificates.services.changes import change_notify
from certificates.services.due_dates import certificate_dues_refresh
from certificates.services.steps import cycle_steps_refresh
from certificates.services.tasks import tasks_sync
from organisations.enums import OrganisationRole
from organisations.models import CertificationBody, Organisation, User
from standards.models import Edition

CB = "Certa Europe Certification"
MINISTRY = "Ministry of Digital Affairs"
NORTHFIELD = "Northfield Municipality"
NORTHFIELD_QM = "qm@northfield.example"
PREVIOUS_CB = "Nordic Assurance Certification (demo)"


@contextmanager
def _clock(day: datetime.date) -> Iterator[None]:
    """Run the services on `day` at 10:00: `timezone.now()` and every model field defaulting to it
    (the transition log's time, a decision's recording time...) read that moment."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    fields = [
        field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if _is_django_now(field.default)
    ]
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(timezone, "now", return_value=moment))
        for field in fields:
            stack.enter_context(mock.patch.object(field, "_get_default", lambda: moment))
        yield


def _is_django_now(default) -> bool:
    """Django's own `timezone.now`, whatever `timezone.now` is bound to at the moment."""
    return getattr(default, "__module__", "") == "django.utils.timezone" and default.__name__ == "now"


def _months(day: datetime.date, months: int) -> datetime.date:
    return day + relativedelta(months=months)


class _People:
    def __init__(self) -> None:
        self.manager = User.objects.get(email="manager@certa.example")
        self.lead = User.objects.get(email="lead@certa.example")
        self.body = CertificationBody.objects.get(name=CB)


@transaction.atomic
def demo_load(today: datetime.date | None = None) -> list[Certificate]:
    """Create the demo certificates not there yet; return them all."""
    today = today or timezone.localdate()
    people = _People()
    ministry = Organisation.objects.get(name=MINISTRY)
    northfield = Organisation.objects.get(name=NORTHFIELD)
    scenarios = [
        (northfield, ("ISO 45001", 2018), _first_surveillance_missed),
        (northfield, ("ISO 14001", 2015), _expiring),
        (ministry, ("ISO/IEC 27001", 2022), _suspended),
        (ministry, ("ISO 14001", 2015), _healthy),
    ]
    found = []
    for organisation, (code, year), build in scenarios:
        edition = Edition.objects.select_related("standard").get(standard__code=code, year=year)
        certificate = Certificate.objects.filter(
            certification_body=people.body, organisation=organisation, standard=edition.standard
        ).first()
        if certificate is None:
            certificate = build(people, organisation, edition, today)
        found.append(certificate)
    # What the nightly job would have opened on the nights before: the work queue's tasks (its
    # reminders are left to the daily job, `manage.py daily_job`, so they go out when it runs)
    certificate_dues_refresh(certificates=Certificate.objects.all(), reason="demo data")
    tasks_sync(today=today)
    cycle_steps_refresh(organisations=None, reason="demo data")  # the work queue's next steps
    _headcount_notified(northfield, today)
    return found


def _headcount_notified(organisation: Organisation, today: datetime.date) -> None:
    """Northfield notifies a larger headcount from next month (rule 38): the review waits in the
    CB's work queue, and Northfield's programmes show their audit time to review."""
    if organisation.change_notifications.exists():
        return
    change_notify(
        actor=User.objects.get(email=NORTHFIELD_QM),
        organisation=organisation,
        content=ChangeContent(
            kind=ChangeKind.HEADCOUNT,
            description="The municipality takes over the regional waste service and its staff.",
            effective_on=today + relativedelta(months=1),
            headcount=organisation.headcount + 40,
        ),
    )


# --- The four certificates ----------------------------------------------------------------------


def _first_surveillance_missed(people, organisation, edition, today) -> Certificate:
    """Transferred in 13 months ago, its cycle started three weeks before; the first surveillance
    was planned but never staffed nor held."""
    transferred_on = _months(today, -13)
    cycle_started_on = transferred_on - datetime.timedelta(days=20)
    programme = _programme(
        people,
        organisation,
        edition,
        opened_on=transferred_on - datetime.timedelta(days=14),
        scope="Occupational health and safety of the public works depot: road maintenance, "
        "waste collection and the vehicle workshop.",
        site_names=["Public works depot"],
        headcount=180,
    )
    _no_initial_audits(people, programme, transferred_on - datetime.timedelta(days=10))
    return _transfer(
        people,
        programme,
        edition,
        decided_on=transferred_on,
        incoming_number="NAC-OHS-2211",
        original_certified_on=_months(cycle_started_on, -36),
        cycle_started_on=cycle_started_on,
    )


def _expiring(people, organisation, edition, today) -> Certificate:
    """Transferred in 13 months ago in the last year of its cycle: surveillance 2 held here; it
    expires in 70 days, its recertification audit is planned and nothing is decided."""
    expires_on = today + datetime.timedelta(days=70)
    cycle_started_on = _months(expires_on, -36) + datetime.timedelta(days=1)
    transferred_on = _months(today, -13)
    programme = _programme(
        people,
        organisation,
        edition,
        opened_on=transferred_on - datetime.timedelta(days=14),
        scope="Environmental management of municipal services: waste collection, public works "
        "and maintenance of public space.",
        site_names=["Town hall", "Public works depot"],
        headcount=700,
    )
    _no_initial_audits(people, programme, transferred_on - datetime.timedelta(days=10))
    certificate = _transfer(
        people,
        programme,
        edition,
        decided_on=transferred_on,
        incoming_number="NAC-EMS-1874",
        original_certified_on=_months(cycle_started_on, -36),
        cycle_started_on=cycle_started_on,
        expires_on=expires_on,
    )
    with _clock(transferred_on):
        audit = programme.audits.get(kind=AuditKind.SURVEILLANCE_1)
        fieldwork.audit_cancel(
            actor=people.manager,
            audit=audit,
            reason="Held by the issuing certification body before the transfer.",
        )
    _conduct(people, programme.audits.get(kind=AuditKind.SURVEILLANCE_2), Recommendation.CONTINUE)
    with _clock(today - datetime.timedelta(days=30)):  # moved at the client's request
        recertification = programme.audits.get(kind=AuditKind.RECERTIFICATION)
        starts_on = today + datetime.timedelta(days=21)
        audit_services.audit_plan(
            actor=people.manager,
            audit=recertification,
            starts_on=starts_on,
            ends_on=starts_on + (recertification.ends_on - recertification.starts_on),
            planned_days=recertification.planned_days,
            on_site_days=recertification.on_site_days,
            days_justification=recertification.days_justification,
            short_notice=False,
        )
    # The change sends the programme back for approval; its cancelled audits (the issuing body's
    # stage 1, stage 2 and surveillance 1) are for the certification manager to review.
    return certificate


def _suspended(people, organisation, edition, today) -> Certificate:
    """Transferred in 14 months ago; the ministry refused the first surveillance, so the
    certificate was suspended 40 days ago until five days ago, and nothing was decided since."""
    transferred_on = _months(today, -14)
    cycle_started_on = transferred_on - datetime.timedelta(days=30)
    programme = _programme(
        people,
        organisation,
        edition,
        opened_on=transferred_on - datetime.timedelta(days=14),
        scope="Information security of the government data centre: hosting, network and "
        "operation of the federal digital services.",
        site_names=["Headquarters", "Data centre"],
        headcount=360,
    )
    _no_initial_audits(people, programme, transferred_on - datetime.timedelta(days=10))
    certificate = _transfer(
        people,
        programme,
        edition,
        decided_on=transferred_on,
        incoming_number="NAC-ISMS-0457",
        original_certified_on=cycle_started_on,
        cycle_started_on=cycle_started_on,
        soa_version="SoA v4.2, 12 March",
    )
    suspended_on = today - datetime.timedelta(days=40)
    with _clock(suspended_on):
        fieldwork.audit_cancel(
            actor=people.manager,
            audit=programme.audits.get(kind=AuditKind.SURVEILLANCE_1),
            reason="The ministry refused every date offered for the first surveillance.",
        )
        return certificate_services.certificate_suspend(
            actor=people.manager,
            certificate=certificate,
            suspension=certificate_services.Suspension(
                reason=SuspensionReason.AUDITS_REFUSED,
                note="First surveillance not allowed within its due window.",
                ends_on=today - datetime.timedelta(days=5),
            ),
        )


def _healthy(people, organisation, edition, today) -> Certificate:
    """Initial certification 16 months ago after stage 1 and stage 2; surveillance 1 held five
    months ago; surveillance 2 planned in seven."""
    decided_on = _months(today, -16)
    stage1_on = _months(today, -19)
    programme = _programme(
        people,
        organisation,
        edition,
        opened_on=stage1_on - datetime.timedelta(days=45),
        scope="Environmental management of the ministry's headquarters: energy, waste and "
        "sustainable procurement.",
        site_names=["Headquarters"],
        headcount=300,
        stage1_on=stage1_on,
        iaf_codes=[36],
    )
    _conduct(people, programme.audits.get(kind=AuditKind.STAGE1), Stage1Outcome.READY)
    _conduct(people, programme.audits.get(kind=AuditKind.STAGE2), Recommendation.CERTIFY)
    certificate = _decide(
        people,
        programme,
        edition,
        decision_services.DecisionContent(
            kind=DecisionKind.INITIAL,
            outcome=DecisionOutcome.GRANT,
            decided_on=decided_on,
            rationale="Stage 1 and stage 2 reports reviewed: no nonconformity; the system is "
            "implemented and effective.",
        ),
    )
    _conduct(people, programme.audits.get(kind=AuditKind.SURVEILLANCE_1), Recommendation.CONTINUE)
    return certificate


# --- Steps ----------------------------------------------------------------------------------------


def _programme(
    people,
    organisation,
    edition,
    *,
    opened_on: datetime.date,
    scope: str,
    site_names: list[str],
    headcount: int,
    stage1_on: datetime.date | None = None,
    iaf_codes: list[int] | None = None,
) -> AuditProgramme:
    with _clock(opened_on):
        sites = list(organisation.sites.filter(name__in=site_names))
        codes = organisation.iaf_codes.all()
        programme = programme_services.programme_open(
            actor=people.manager,
            certification_body=people.body,
            organisation=organisation,
            editions=[edition],
            sites=sites,
            iaf_codes=list(codes.filter(pk__in=iaf_codes) if iaf_codes else codes),
            stage1_on=stage1_on or opened_on + datetime.timedelta(days=30),
            scope=ProgrammeScope(scope=scope, headcount=headcount, effective_personnel=headcount),
        )
        for audit in programme.audits.order_by("starts_on"):
            audit_services.audit_sites_draw(actor=people.manager, audit=audit, chosen_on_risk=[], seed=2041)
        if not programme_problems(programme):
            programme_services.programme_approve(actor=people.manager, programme=programme)
    return programme


def _no_initial_audits(people, programme: AuditProgramme, on: datetime.date) -> None:
    """A transferred certificate continues its cycle: no stage 1 or stage 2 here (IAF MD 2)."""
    with _clock(on):
        for audit in programme.audits.filter(kind__in=(AuditKind.STAGE1, AuditKind.STAGE2)):
            fieldwork.audit_cancel(
                actor=people.manager,
                audit=audit,
                reason="Transfer from another certification body: the cycle continues.",
            )


def _transfer(
    people,
    programme: AuditProgramme,
    edition: Edition,
    *,
    decided_on: datetime.date,
    incoming_number: str,
    original_certified_on: datetime.date,
    cycle_started_on: datetime.date,
    expires_on: datetime.date | None = None,
    soa_version: str = "",
) -> Certificate:
    """The pre-transfer review a week before, then the transfer decision and the issue."""
    reviewed_on = decided_on - datetime.timedelta(days=7)
    with _clock(reviewed_on):
        review = transfer_services.transfer_review_record(
            actor=people.manager,
            programme=programme,
            edition=edition,
            details=transfer_services.TransferDetails(
                issuing_body=PREVIOUS_CB,
                issuing_accreditation_body="SWEDAC",
                incoming_number=incoming_number,
                incoming_status=IncomingStatus.VALID,
                incoming_accredited=True,
                original_certified_on=original_certified_on,
                cycle_started_on=cycle_started_on,
                expires_on=expires_on or _months(cycle_started_on, 36) - datetime.timedelta(days=1),
                reason="The client moves all its certifications to one certification body.",
                reports_reviewed="The last certification audit report and the latest surveillance "
                "report of the issuing body.",
                outcome=TransferReviewOutcome.ACCEPT,
                reviewed_on=reviewed_on,
            ),
        )
    return _decide(
        people,
        programme,
        edition,
        decision_services.DecisionContent(
            kind=DecisionKind.TRANSFER,
            outcome=DecisionOutcome.GRANT,
            decided_on=decided_on,
            rationale="Pre-transfer review accepted: accredited, valid certificate; no open nonconformity.",
            transfer_review=review,
        ),
        soa_version=soa_version,
    )


def _decide(people, programme, edition, content, *, soa_version: str = "") -> Certificate:
    """The decision and, the same day, the issue of the revision it drafts."""
    with _clock(content.decided_on):
        decision = decision_services.decision_record(
            actor=people.manager, programme=programme, edition=edition, content=content
        )
        revision = Decision.objects.get(pk=decision.pk).revision
        if soa_version:
            revision = certificate_services.revision_update(
                actor=people.manager,
                revision=revision,
                details=certificate_services.DraftDetails(
                    effective_on=revision.effective_on, soa_version=soa_version
                ),
            )
        certificate_services.revision_issue(actor=people.manager, revision=revision)
    return Certificate.objects.get(pk=decision.certificate_id)


PLAN = {
    "objectives": "Confirm the continued conformity and effectiveness of the management system.",
    "language": "English",
    "confidentiality": "Records are seen on the client's screens; nothing is copied.",
    "arrangements": "Opening meeting with the management representative.",
}


def _conduct(people, audit: Audit, conclusion: str) -> None:
    """The lead auditor alone: team told three weeks before, plan sent and acknowledged, fieldwork,
    and the report issued on the last day (no finding)."""
    audit.refresh_from_db()
    programme = audit.programme
    quality_manager = User.objects.get(
        organisation_memberships__organisation=programme.organisation,
        organisation_memberships__role=OrganisationRole.QUALITY_MANAGER,
    )
    site = programme.sites.get(is_central_function=True) if programme.sites.count() > 1 else None
    site = site or programme.sites.get()
    with _clock(audit.starts_on - datetime.timedelta(days=21)):
        assignment = team_services.team_assign(
            actor=people.manager, audit=audit, user=people.lead, role=TeamRole.LEAD
        )
        team_services.team_declare(actor=people.lead, assignment=assignment, conflict=False, note="")
        team_services.team_confirm(actor=people.manager, audit=audit)
        team_services.team_notify(actor=people.manager, audit=audit)
        fieldwork.plan_save(actor=people.lead, audit=audit, **PLAN)
        fieldwork.plan_session_add(
            actor=people.lead,
            audit=audit,
            day=audit.starts_on,
            starts_at=datetime.time(9),
            ends_at=datetime.time(16),
            site=site,
            mode=SessionMode.ON_SITE,
            activity="Opening meeting, operations, closing meeting",
            clauses=[],
            auditors=[people.lead],
        )
        fieldwork.plan_send(actor=people.lead, audit=audit)
    with _clock(audit.starts_on - datetime.timedelta(days=14)):
        fieldwork.plan_acknowledge(actor=quality_manager, audit=audit)
    with _clock(audit.starts_on):
        fieldwork.audit_start(actor=people.lead, audit=audit)
    with _clock(audit.ends_on):
        fieldwork.audit_fieldwork_done(actor=people.lead, audit=audit)
        is_stage1 = audit.kind == AuditKind.STAGE1
        fieldwork.report_save(
            actor=people.lead,
            audit=audit,
            values=fieldwork.ReportContent(
                stage1_outcome=conclusion if is_stage1 else "",
                recommendation="" if is_stage1 else conclusion,
                summary="The system is established, implemented and effective; no finding.",
                internal_audit_and_review="Internal audits and the management review are held yearly.",
                scope_appropriate=True,
                objectives_met=True,
                marks_controlled=True,
            ),
        )
        fieldwork.report_issue(actor=people.lead, audit=audit)
