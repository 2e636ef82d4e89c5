"""Demo data for `make run`: an audit programme being planned, and a completed
initial audit with its findings, responses and reports. Idempotent."""

import datetime
from decimal import Decimal

from django.db import transaction

from audits import audit_time
from audits.enums import (
    NC_TYPES,
    AuditKind,
    FindingType,
    Recommendation,
    RequirementSource,
    SessionMode,
    Stage1Outcome,
    TeamRole,
)
from audits.models import AuditProgramme
from audits.models.programme import ProgrammeScope
from audits.selectors.programme_checks import programme_problems
from audits.services import audits as audit_services
from audits.services import fieldwork
from audits.services import findings as finding_services
from audits.services import programmes as programme_services
from audits.services import responses as response_services
from audits.services import teams as team_services
from audits.services.findings import FindingContent
from organisations.models import CertificationBody, Organisation, User
from standards.models import Clause, Edition


@transaction.atomic
def demo_load() -> None:
    ministry = Organisation.objects.get(name="Ministry of Digital Affairs")
    northfield = Organisation.objects.get(name="Northfield Municipality")
    if not AuditProgramme.objects.filter(organisation=ministry).exists():
        _ministry_programme(ministry)
    if not AuditProgramme.objects.filter(organisation=northfield).exists():
        _northfield_programme(northfield)


def _ministry_programme(ministry: Organisation) -> AuditProgramme:
    """ISO 9001 for the ministry's three sites: time adjusted, sites drawn, stage 1 team told and
    its plan sent."""
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
    _ministry_stage1_plan(programme.audits.get(kind=AuditKind.STAGE1), lead, auditor)
    return programme


def _ministry_stage1_plan(stage1, lead: User, auditor: User) -> None:
    """The lead auditor sends the stage 1 plan; the ministry's quality manager has it to acknowledge."""
    headquarters = stage1.programme.organisation.sites.get(is_central_function=True)
    fieldwork.plan_save(
        actor=lead,
        audit=stage1,
        objectives="Judge the ministry's readiness for stage 2 against ISO 9001:2015 within the scope, "
        "its readiness pack for stage 1 included.",
        language="English",
        confidentiality="Classified documents stay on the ministry's premises.",
        arrangements="Opening meeting at 9:00 at headquarters; a meeting room with a screen.",
    )
    for starts, ends, activity, auditors in (
        (datetime.time(9), datetime.time(9, 30), "Opening meeting", [lead, auditor]),
        (datetime.time(9, 30), datetime.time(12, 30), "Documented information and readiness", [lead]),
    ):
        fieldwork.plan_session_add(
            actor=lead,
            audit=stage1,
            day=stage1.starts_on,
            starts_at=starts,
            ends_at=ends,
            site=headquarters,
            mode=SessionMode.ON_SITE,
            activity=activity,
            clauses=[],
            auditors=auditors,
        )
    fieldwork.plan_send(actor=lead, audit=stage1)


# --- Northfield: a completed initial audit (ISO 9001), and a scope extension awaiting answers ----

PLAN_TEXTS = {
    "objectives": "Confirm the management system's readiness (stage 1) and its implementation and "
    "effectiveness (stage 2) against ISO 9001:2015 within the scope.",
    "language": "English",
    "confidentiality": "Personal data of citizens is not copied; "
    "records are seen on the municipality's screens.",
    "arrangements": "Opening meeting in the council room; the quality manager guides the team.",
}


def _northfield_programme(northfield: Organisation) -> AuditProgramme:
    """Stage 1 (ready, two areas of concern) and stage 2 (findings in every settled state) are
    reported and closed, so a certification decision can follow; a scope extension audit in
    October left nonconformities open, answered, and rejected."""
    manager = User.objects.get(email="manager@certa.example")
    lead = User.objects.get(email="lead@certa.example")
    auditor = User.objects.get(email="auditor@certa.example")
    reviewer = User.objects.get(email="reviewer@certa.example")
    qm = User.objects.get(email="qm@northfield.example")
    body = CertificationBody.objects.get(name="Certa Europe Certification")
    qms = Edition.objects.get(standard__code="ISO 9001", year=2015)
    programme = programme_services.programme_open(
        actor=manager,
        certification_body=body,
        organisation=northfield,
        editions=[qms],
        sites=list(northfield.sites.filter(is_active=True)),
        iaf_codes=list(northfield.iaf_codes.all()),
        stage1_on=datetime.date(2026, 5, 11),
        scope=ProgrammeScope(
            scope="Municipal services to residents and businesses: permits, civil registry, "
            "public works and maintenance of public space.",
            headcount=850,
            effective_personnel=850,
        ),
    )
    stage1 = programme.audits.get(kind=AuditKind.STAGE1)
    stage2 = programme.audits.get(kind=AuditKind.STAGE2)
    stage2 = audit_services.audit_plan(
        actor=manager,
        audit=stage2,
        starts_on=datetime.date(2026, 6, 15),
        ends_on=datetime.date(2026, 6, 17),
        planned_days=stage2.planned_days,
        on_site_days=stage2.on_site_days,
        days_justification=stage2.days_justification,
        short_notice=False,
    )
    depot = northfield.sites.get(name="Public works depot")
    for seed, audit in enumerate(programme.audits.order_by("starts_on"), start=2027):
        chosen = [depot] if audit.kind in (AuditKind.STAGE2, AuditKind.RECERTIFICATION) else []
        audit_services.audit_sites_draw(actor=manager, audit=audit, chosen_on_risk=chosen, seed=seed)
    if not programme_problems(programme):
        programme_services.programme_approve(actor=manager, programme=programme)
    town_hall = northfield.sites.get(name="Town hall")

    _conduct(stage1, manager, lead, auditor, qm, town_hall, STAGE1_FINDINGS, qms, Stage1Outcome.READY, "")
    _conduct(
        stage2, manager, lead, auditor, qm, depot, STAGE2_FINDINGS, qms, "", Recommendation.AFTER_CORRECTIONS
    )
    _answer(stage2, qm, reviewer, lead)

    extension = fieldwork.audit_add(
        actor=manager,
        programme=programme,
        kind=AuditKind.SPECIAL_SCOPE_EXTENSION,
        starts_on=datetime.date(2026, 10, 12),
        ends_on=datetime.date(2026, 10, 13),
        planned_days=Decimal("1.5"),
        on_site_days=Decimal("1.5"),
        purpose="The municipality asks to add the maintenance of parks and green spaces to the scope.",
    )
    audit_services.audit_sites_draw(actor=manager, audit=extension, chosen_on_risk=[], seed=2031)
    _conduct(
        extension, manager, lead, auditor, qm, depot, EXTENSION_FINDINGS, qms, "", Recommendation.CERTIFY
    )
    by_number = {f.number: f for f in extension.findings.all()}
    plan = {"root_cause": "Seasonal staff not trained", "correction": "Trained the 12 seasonal workers"}
    response_services.response_submit(
        actor=qm,
        finding=by_number[2],
        corrective_action="Training in the seasonal onboarding checklist",
        **plan,
    )
    response_services.response_submit(
        actor=qm, finding=by_number[3], corrective_action="Remind the team", **plan
    )
    response_services.response_review(
        actor=reviewer,
        response=by_number[3].responses.get(),
        accept=False,
        comment="A reminder does not remove the cause: say how onboarding changes.",
    )
    return programme


# (type, clause number or "" for a legal reference, statement, evidence)
STAGE1_FINDINGS = [
    (
        FindingType.AREA_OF_CONCERN,
        "9.3.1",
        "No management review has been held yet; the first is planned for June.",
        "Agenda of the management review planned on 5 June 2026; no minutes yet.",
    ),
    (
        FindingType.AREA_OF_CONCERN,
        "7.1.5.1",
        "Calibration of the depot's measuring equipment is not yet planned.",
        "Equipment list EQ-04 without calibration dates.",
    ),
    (
        FindingType.POSITIVE,
        "5.1.2",
        "Service charters published for every front-office service.",
        "Website, 'Our promises' page, 14 charters.",
    ),
]
STAGE2_FINDINGS = [
    (
        FindingType.MAJOR_NC,
        "8.5.1",
        "Permits are issued without the legally required check of the zoning plan.",
        "Permit files P-2026-0112, -0131 and -0140: zoning check field empty; "
        "interview with the permits officer.",
    ),
    (
        FindingType.MINOR_NC,
        "7.1.5.1",
        "Two of nine gas detectors at the depot are past their calibration date.",
        "Detectors GD-03 and GD-07, labels dated March 2025; equipment list EQ-04 rev. 2.",
    ),
    (
        FindingType.MINOR_NC,
        "7.2",
        "Competence records of the civil registry's new staff are incomplete.",
        "Personnel files of 3 of 5 staff hired in 2026 lack the training record.",
    ),
    (
        FindingType.MINOR_NC,
        "9.1.2",
        "Customer satisfaction results are not analysed per service.",
        "Survey results 2025 summarised as one figure; no breakdown in the management review.",
    ),
    (
        FindingType.MINOR_NC,
        "",
        "Waste transfer notes of the depot are not kept for the legally required period.",
        "Notes from 2024 missing; the environmental permit requires 5 years.",
    ),
    (
        FindingType.OBSERVATION,
        "7.5.3",
        "Two versions of the complaints procedure are on the intranet.",
        "Intranet page 'Procedures': PR-07 rev. 3 and rev. 4.",
    ),
    (
        FindingType.OFI,
        "10.3",
        "Lessons learned from road works could feed the planning of the next works.",
        "Evaluation of Road works 2025 not used in the 2026 plan.",
    ),
    (
        FindingType.POSITIVE,
        "9.2",
        "The internal audit programme covers every process within the year, with trained auditors.",
        "Internal audit programme IA-2026, four reports reviewed.",
    ),
]
EXTENSION_FINDINGS = [
    (
        FindingType.POSITIVE,
        "8.1",
        "Maintenance of parks is planned per area with clear acceptance criteria.",
        "Maintenance plan GREEN-2026.",
    ),
    (
        FindingType.MINOR_NC,
        "7.2",
        "Seasonal workers mow near playgrounds without the safety instruction.",
        "Instruction records: 0 of 12 seasonal workers signed; interview with the park supervisor.",
    ),
    (
        FindingType.MINOR_NC,
        "8.5.1",
        "Playground inspections are not recorded for two of eight playgrounds.",
        "Inspection log PLAY-2026: no entries for Oosterpark and Vinkhuizen since August.",
    ),
    (
        FindingType.MINOR_NC,
        "8.4.1",
        "The tree-care contractor was not evaluated before being re-contracted.",
        "Supplier file TREECARE: last evaluation 2023.",
    ),
]


def _conduct(audit, manager, lead, auditor, qm, site, finding_rows, edition, outcome, recommendation):
    """Team, plan, fieldwork, findings and the issued report of one audit."""
    audit.refresh_from_db()
    for person, role in ((lead, TeamRole.LEAD), (auditor, TeamRole.AUDITOR)):
        assignment = team_services.team_assign(actor=manager, audit=audit, user=person, role=role)
        team_services.team_declare(actor=person, assignment=assignment, conflict=False, note="")
    team_services.team_confirm(actor=manager, audit=audit)
    team_services.team_notify(actor=manager, audit=audit)
    fieldwork.plan_save(actor=lead, audit=audit, **PLAN_TEXTS)
    fieldwork.plan_session_add(
        actor=lead,
        audit=audit,
        day=audit.starts_on,
        starts_at=datetime.time(9),
        ends_at=datetime.time(9, 30),
        site=site,
        mode=SessionMode.ON_SITE,
        activity="Opening meeting",
        clauses=[],
        auditors=[lead, auditor],
    )
    fieldwork.plan_session_add(
        actor=lead,
        audit=audit,
        day=audit.starts_on,
        starts_at=datetime.time(9, 30),
        ends_at=datetime.time(12, 30),
        site=site,
        mode=SessionMode.ON_SITE,
        activity="Leadership, planning and operations",
        clauses=list(Clause.objects.filter(edition=edition, number__in=["5.1.1", "6.1", "8.1"])),
        auditors=[lead],
    )
    fieldwork.plan_send(actor=lead, audit=audit)
    fieldwork.plan_acknowledge(actor=qm, audit=audit)
    fieldwork.audit_start(actor=lead, audit=audit)
    clauses = {c.number: c for c in Clause.objects.filter(edition=edition)}
    for finding_type, number, statement, evidence in finding_rows:
        finding_services.finding_raise(
            actor=lead if finding_type in NC_TYPES else auditor,
            audit=audit,
            content=FindingContent(
                type=finding_type,
                statement=statement,
                evidence=evidence,
                source=RequirementSource.CLAUSE if number else RequirementSource.LEGAL,
                clause=clauses[number] if number else None,
                requirement_reference="" if number else "Environmental permit 2019-044, condition 12",
                editions=(edition,),
                site=site,
                process="Public works" if site.name == "Public works depot" else "Front office",
            ),
        )
    if audit.kind == AuditKind.STAGE2:
        extra = finding_services.finding_raise(
            actor=lead,
            audit=audit,
            content=FindingContent(
                type=FindingType.MINOR_NC,
                statement="Archive boxes stored on the floor.",
                evidence="Basement archive, 6 boxes.",
                clause=clauses["7.5.3"],
                editions=(edition,),
                site=site,
            ),
        )
        finding_services.finding_withdraw(
            actor=lead, finding=extra, reason="The client showed the new shelving delivered the same day."
        )
    fieldwork.audit_fieldwork_done(actor=lead, audit=audit)
    fieldwork.report_save(
        actor=lead,
        audit=audit,
        values=fieldwork.ReportContent(
            stage1_outcome=outcome,
            recommendation=recommendation,
            summary="The system is established and largely effective; "
            "the findings below are to be addressed.",
            internal_audit_and_review="Internal audits cover every process; "
            "the management review is held yearly.",
            scope_appropriate=True,
            objectives_met=True,
            marks_controlled=True,
        ),
    )
    fieldwork.report_issue(actor=lead, audit=audit)


def _answer(stage2, qm, reviewer, lead) -> None:
    """The client's responses to stage 2 and the CB's review: every settled state."""
    by_number = {f.number: f for f in stage2.findings.all()}
    plan = {
        "root_cause": "The check was not in the permit workflow",
        "correction": "Re-checked the 3 permits",
    }
    major = by_number[1]
    response_services.response_submit(
        actor=qm, finding=major, corrective_action="Zoning check added to the workflow", **plan
    )
    response_services.response_review(actor=reviewer, response=major.responses.get(), accept=True, comment="")
    response_services.implementation_submit(
        actor=qm,
        finding=major,
        implementation="Workflow W-PERMIT v5 in use since 1 July; 40 permits checked.",
    )
    response_services.response_review(
        actor=reviewer,
        response=major.responses.latest("submitted_at"),
        accept=True,
        comment="Verified on file.",
    )
    for number in (2, 3, 4, 5):
        minor = by_number[number]
        response_services.response_submit(
            actor=qm,
            finding=minor,
            root_cause="No owner for the task",
            correction="Done for the cases found",
            corrective_action="Owner named and task in the yearly plan",
        )
        response_services.response_review(
            actor=reviewer, response=minor.responses.get(), accept=True, comment=""
        )
    response_services.implementation_submit(
        actor=qm, finding=by_number[3], implementation="Training records completed."
    )
    response_services.finding_verify(
        actor=lead, finding=by_number[4], comment="Checked the per-service analysis."
    )
