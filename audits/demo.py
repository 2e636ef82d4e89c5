"""Demo data for `make run`: two gap analyses and an audit programme with its cycle. Idempotent."""

import datetime
from decimal import Decimal

from django.db import transaction

from audits import audit_time
from audits.enums import AnswerStatus, AuditKind, TeamRole
from audits.models import AuditProgramme, GapAnalysis
from audits.models.programme import ProgrammeScope
from audits.selectors.programme_checks import programme_problems
from audits.services import audits as audit_services
from audits.services import gap as services
from audits.services import programmes as programme_services
from audits.services import teams as team_services
from organisations.models import CertificationBody, Organisation, User
from standards.models import Edition

# (clause number or HS key, status, notes, action, due)
MINISTRY_ANSWERS = [
    ("4.1", AnswerStatus.CONFORMING, "Context analysis in the 2026 strategy, section 2.", "", None),
    (
        "4.2",
        AnswerStatus.PARTIAL,
        "Stakeholder list exists; citizens' expectations not yet surveyed.",
        "Run a citizen survey on digital services.",
        datetime.date(2027, 3, 31),
    ),
    ("4.3", AnswerStatus.CONFORMING, "Scope: digital public services and the data centre.", "", None),
    ("5.2.1", AnswerStatus.CONFORMING, "Quality policy signed by the Secretary-General.", "", None),
    (
        "6.1",
        AnswerStatus.NONCONFORMING,
        "No risk register for service delivery.",
        "Set up a risk register with owners per service.",
        datetime.date(2027, 1, 31),
    ),
    ("8.3.1", AnswerStatus.NOT_APPLICABLE, "", "", None),
    (
        "9.2",
        AnswerStatus.PARTIAL,
        "Internal audit programme drafted, no audit done yet.",
        "Train four internal auditors and audit two processes.",
        datetime.date(2027, 6, 30),
    ),
]


@transaction.atomic
def demo_load() -> None:
    ministry = Organisation.objects.get(name="Ministry of Digital Affairs")
    if not GapAnalysis.objects.filter(organisation=ministry).exists():
        _ministry_baseline(ministry)
    northfield = Organisation.objects.get(name="Northfield Municipality")
    if not GapAnalysis.objects.filter(organisation=northfield).exists():
        editions = [
            Edition.objects.get(standard__code=c, year=y)
            for c, y in (("ISO 9001", 2015), ("ISO 14001", 2015), ("ISO 45001", 2018))
        ]
        services.gap_analysis_start(
            actor=User.objects.get(email="qm@northfield.example"),
            organisation=northfield,
            title="Integrated management system 2026",
            editions=editions,
            sites=[],
        )
    if not AuditProgramme.objects.filter(organisation=ministry).exists():
        _ministry_programme(ministry)


def _ministry_programme(ministry: Organisation) -> AuditProgramme:
    """ISO 9001 for the ministry's three sites: time adjusted, sites drawn, stage 1 team told."""
    manager = User.objects.get(email="manager@certa.example")
    lead = User.objects.get(email="lead@certa.example")
    auditor = User.objects.get(email="auditor@certa.example")
    body = CertificationBody.objects.get(name="Certa Europe Certification")
    programme = programme_services.programme_open(
        actor=manager,
        certification_body=body,
        organisation=ministry,
        editions=[Edition.objects.get(standard__code="ISO 9001", year=2015)],
        sites=list(ministry.sites.filter(is_active=True)),
        iaf_codes=list(ministry.iaf_codes.all()),
        stage1_on=datetime.date(2027, 1, 11),
        scope=ProgrammeScope(
            scope="Design and delivery of the federal digital public services "
            "and operation of the government data centre.",
            headcount=420,
            effective_personnel=380,
            personnel_justification="80 part-time staff counted as 40 full-time equivalents.",
            site_reduction_percent=Decimal(10),
            site_reduction_reason="Purchasing, HR and document control run at headquarters.",
        ),
    )
    programme_services.programme_edition_time_set(
        actor=manager,
        programme_edition=programme.programme_editions.get(),
        complexity="all",
        adjustments=[
            audit_time.Adjustment("Services defined by law: no design and development (8.3)", Decimal(-10))
        ],
        override_days=None,
        override_justification="",
    )
    risky = ministry.sites.get(name="Data centre")
    for seed, audit in enumerate(programme.audits.order_by("starts_on"), start=2026):
        chosen = [risky] if audit.kind in (AuditKind.STAGE2, AuditKind.RECERTIFICATION) else []
        audit_services.audit_sites_draw(actor=manager, audit=audit, chosen_on_risk=chosen, seed=seed)
    for audit in programme.audits.filter(kind__in=[AuditKind.STAGE1, AuditKind.STAGE2]):
        for person, role in ((lead, TeamRole.LEAD), (auditor, TeamRole.AUDITOR)):
            assignment = team_services.team_assign(actor=manager, audit=audit, user=person, role=role)
            team_services.team_declare(actor=person, assignment=assignment, conflict=False, note="")
        team_services.team_confirm(actor=manager, audit=audit)
    team_services.team_notify(actor=manager, audit=programme.audits.get(kind=AuditKind.STAGE1))
    if not programme_problems(programme):
        programme_services.programme_approve(actor=manager, programme=programme)
    return programme


def _ministry_baseline(ministry: Organisation) -> None:
    qm = User.objects.get(email="qm@ministry.example")
    contributor = User.objects.get(email="contributor@ministry.example")
    analysis = services.gap_analysis_start(
        actor=qm,
        organisation=ministry,
        title="ISO 9001 baseline 2026",
        editions=[Edition.objects.get(standard__code="ISO 9001", year=2015)],
        sites=[],
    )
    for number, status, notes, action, due in MINISTRY_ANSWERS:
        answer = analysis.answers.get(clause__number=number)
        services.gap_answer_save(
            actor=contributor,
            answer=answer,
            status=status,
            notes=notes,
            action=action,
            action_owner=qm if action else None,
            action_due_on=due,
            justification="No design of services: they are defined by law."
            if status == AnswerStatus.NOT_APPLICABLE
            else "",
        )
    services.gap_analysis_share(actor=qm, analysis=analysis, shared=True)
