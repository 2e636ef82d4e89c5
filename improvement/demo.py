"""Demo data for `make run`: the organisations' own management-system work (gap analyses, processes,
internal auditors, an internal audit programme, the register of actions, management reviews).
Idempotent."""

import datetime

from django.db import transaction
from django.utils import timezone

from improvement.enums import (
    ActionKind,
    ActionSource,
    AnswerStatus,
    ChecklistResult,
    EffectivenessResult,
    Implementation,
    InternalFindingGrade,
)
from improvement.models import (
    Action,
    GapAnalysis,
    InternalAuditProgramme,
    ManagementReview,
    Process,
    Readiness,
    StatementOfApplicability,
)
from improvement.services import actions, internal_audits, readiness, reviews
from improvement.services import gap as services
from improvement.services import processes as process_services
from improvement.services import soa as soa_services
from organisations import services as organisation_services
from organisations.models import Organisation, User
from standards.models import Clause, Edition, Standard

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
    if not InternalAuditProgramme.objects.filter(organisation=ministry).exists():
        _ministry_management_system(ministry)
    # --- management reviews ---
    if not ManagementReview.objects.filter(organisation=ministry).exists():
        _ministry_review(ministry)
    if not ManagementReview.objects.filter(organisation=northfield).exists():
        _northfield_review(northfield)
    if not StatementOfApplicability.objects.filter(organisation=ministry).exists():
        _ministry_soa(ministry)
    readiness_load()


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
            justification="No design of services: they are defined by law."
            if status == AnswerStatus.NOT_APPLICABLE
            else "",
        )
        if action:  # into the organisation's register of actions
            services.gap_answer_action_raise(
                actor=contributor, answer=answer, title=action, owner=qm, due_on=due
            )
    services.gap_analysis_share(actor=qm, analysis=analysis, shared=True)


# --- The ministry's own management system: processes, internal auditors, an internal audit
# programme for ISO 9001 and ISO/IEC 27001 half done, and a register with actions of every source
# and status (one found not effective and taken over by a new action) ---------------------------

PROCESSES = [
    # (name, owner e-mail, sites, description)
    (
        "Digital service delivery",
        "contributor@ministry.example",
        ("Headquarters", "Regional office Liège"),
        "Design, operation and support of the federal e-services for citizens and companies.",
    ),
    ("Data centre operations", "audit@ministry.example", ("Data centre",), "Hosting, backup and recovery."),
    (
        "Information security management",
        "qm@ministry.example",
        (),
        "Risk assessment, controls and incidents.",
    ),
    ("Procurement", "viewer@ministry.example", ("Headquarters",), "Public tenders and framework contracts."),
]
TRAININGS = [
    # (e-mail, standard code, course, completed on)
    (
        "audit@ministry.example",
        "ISO 9001",
        "ISO 9001:2015 internal auditor (2 days)",
        datetime.date(2025, 11, 14),
    ),
    (
        "audit@ministry.example",
        "ISO/IEC 27001",
        "ISO/IEC 27001:2022 internal auditor",
        datetime.date(2026, 2, 20),
    ),
    ("contributor@ministry.example", "ISO 9001", "ISO 9001 internal auditor", datetime.date(2024, 5, 10)),
]
PROGRAMME_EDITIONS = (("ISO 9001", 2015), ("ISO/IEC 27001", 2022))


def _ministry_management_system(ministry: Organisation) -> None:
    people = {u.email: u for u in User.objects.filter(organisation_memberships__organisation=ministry)}
    qm = people["qm@ministry.example"]
    sites = {site.name: site for site in ministry.sites.all()}
    processes = {}
    for name, owner, site_names, description in PROCESSES:
        processes[name] = process_services.process_create(
            actor=qm,
            organisation=ministry,
            name=name,
            description=description,
            owner=people[owner],
            sites=[sites[s] for s in site_names],
        )
    organisation_services.site_manager_set(
        actor=qm, site=sites["Data centre"], manager=people["audit@ministry.example"]
    )
    for email, code, course, day in TRAININGS:
        process_services.auditor_training_add(
            actor=qm,
            membership=ministry.memberships.get(user=people[email]),
            standard=Standard.objects.get(code=code),
            course=course,
            completed_on=day,
        )
    editions = [Edition.objects.get(standard__code=c, year=y) for c, y in PROGRAMME_EDITIONS]
    programme = internal_audits.internal_programme_create(
        actor=qm,
        organisation=ministry,
        title="Internal audit programme 2026–2027",
        editions=editions,
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2027, 2, 28),
        objectives="Every clause of ISO 9001 and ISO/IEC 27001 and every process audited once "
        "before stage 1; "
        "processes with incidents first. Checklists from the clauses in scope, interviews and records.",
    )
    _first_audit(programme, people, sites, processes)
    _second_audit(programme, people, sites, processes)
    _planned_audit(programme, people)
    _hand_made_actions(ministry, people, sites)


def _clauses(programme, code: str, prefixes: tuple[str, ...]) -> list[Clause]:
    return list(
        Clause.objects.filter(
            edition__in=programme.editions.all(), edition__standard__code=code, assessable=True
        ).filter(number__regex=r"^(" + "|".join(p.replace(".", r"\.") for p in prefixes) + r")(\.|$)")
    )


def _held(audit, auditor: User, qm: User, findings: list[dict], conclusions: str) -> None:
    """Start the audit, work through its checklist, log its findings and issue its report."""
    internal_audits.internal_audit_start(actor=auditor, audit=audit)
    concerned = {f["clause"].pk for f in findings}
    for item in audit.checklist.select_related("clause"):
        internal_audits.checklist_item_save(
            actor=auditor,
            item=item,
            result=ChecklistResult.FINDING if item.clause_id in concerned else ChecklistResult.CONFORMING,
            notes="Records sampled and interviews held; see the findings."
            if item.clause_id in concerned
            else "Procedure and records seen; conforming.",
        )
    for finding in findings:
        internal_audits.internal_finding_raise(actor=auditor, audit=audit, **finding)
    internal_audits.internal_audit_report_save(
        actor=auditor,
        audit=audit,
        conclusions=conclusions,
        distribution="Sofia Martens (quality manager); the Secretary-General; "
        "the directors of the processes audited.",
    )
    internal_audits.internal_audit_report_issue(actor=auditor, audit=audit)


def _first_audit(programme, people, sites, processes) -> None:
    """IA-1, May 2026: digital service delivery against ISO 9001 4–8; reported; its minor
    nonconformity's action was found not effective and taken over by a new action."""
    qm, lena = people["qm@ministry.example"], people["audit@ministry.example"]
    clauses = _clauses(programme, "ISO 9001", ("4", "5", "7", "8"))
    audit = internal_audits.internal_audit_create(
        actor=qm,
        programme=programme,
        title="Digital service delivery",
        starts_on=datetime.date(2026, 5, 12),
        ends_on=datetime.date(2026, 5, 13),
        clauses=clauses,
        criteria="ISO 9001:2015 clauses 4 to 8; the e-services handbook v3; the service charter.",
        processes=[processes["Digital service delivery"]],
        sites=[sites["Headquarters"]],
    )
    internal_audits.internal_auditor_add(actor=qm, audit=audit, user=lena, is_lead=True)
    by_number = {c.number: c for c in clauses}
    _held(
        audit,
        lena,
        qm,
        [
            {
                "grade": InternalFindingGrade.MINOR_NC,
                "clause": by_number["7.5.3.1"] if "7.5.3.1" in by_number else by_number["7.5.3"],
                "process": processes["Digital service delivery"],
                "site": sites["Headquarters"],
                "title": "Outdated work instructions in use",
                "statement": "Two of five service desk instructions seen were superseded versions.",
                "evidence": "WI-SD-04 v1 and WI-SD-07 v2 printed at desks 3 and 5; the register lists v3.",
            },
            {
                "grade": InternalFindingGrade.OFI,
                "clause": by_number["8.2.1"],
                "process": processes["Digital service delivery"],
                "title": "Citizens' feedback could reach the service owners faster",
                "statement": "Feedback forms are read monthly; a weekly digest would shorten reaction times.",
            },
            {
                "grade": InternalFindingGrade.GOOD_PRACTICE,
                "clause": by_number["7.2"],
                "title": "Onboarding of service desk staff",
                "statement": "Every new agent follows a two-week shadowing plan with a signed-off checklist.",
            },
        ],
        "The process conforms and is effective, with one minor nonconformity on document control.",
    )
    nc = audit.findings.get(grade=InternalFindingGrade.MINOR_NC).action
    pieter = people["contributor@ministry.example"]
    actions.action_update(
        actor=qm,
        action=nc,
        title=nc.title,
        owner=pieter,
        description=nc.description,
        correction="Superseded instructions withdrawn from every desk on the day of the audit.",
        root_cause="Printed copies are not recalled when a new version is published.",
        corrective_action="Instructions only on the intranet; desks have no printed copies.",
        due_on=datetime.date(2026, 7, 31),
        site=nc.site,
        clause=nc.clause,
    )
    actions.action_start(actor=pieter, action=nc)
    actions.action_done(actor=pieter, action=nc)
    reviewed = actions.action_review(
        actor=qm,
        action=nc,
        reviewed_on=timezone.localdate(),
        result=EffectivenessResult.NOT_EFFECTIVE,
        comment="Spot check in November: printed copies again at two desks (printed from the intranet).",
        follow_up_owner=pieter,
        follow_up_due_on=datetime.date(2027, 1, 31),
    )
    actions.action_start(actor=pieter, action=reviewed.follow_up)
    internal_audits.internal_audit_close(actor=qm, audit=audit)


def _second_audit(programme, people, sites, processes) -> None:
    """IA-2, October 2026: the data centre against ISO/IEC 27001 6, 8 and 9; reported, its major
    nonconformity being answered. Lena Jacobs manages the data centre and owns its process, so she
    does not audit it (rule 39)."""
    qm, pieter = people["qm@ministry.example"], people["contributor@ministry.example"]
    clauses = _clauses(programme, "ISO/IEC 27001", ("6", "8", "9"))
    audit = internal_audits.internal_audit_create(
        actor=qm,
        programme=programme,
        title="Data centre and information security",
        starts_on=datetime.date(2026, 10, 6),
        ends_on=datetime.date(2026, 10, 7),
        clauses=clauses,
        criteria="ISO/IEC 27001:2022 clauses 6, 8 and 9; the information security policy; "
        "the backup standard.",
        processes=[processes["Data centre operations"], processes["Information security management"]],
        sites=[sites["Data centre"]],
    )
    internal_audits.internal_auditor_add(actor=qm, audit=audit, user=pieter, is_lead=True)
    internal_audits.internal_auditor_add(
        actor=qm, audit=audit, external_name="Marc Dubois", external_organisation="Federal Internal Audit"
    )
    by_number = {c.number: c for c in clauses}
    _held(
        audit,
        pieter,
        qm,
        [
            {
                "grade": InternalFindingGrade.MAJOR_NC,
                "clause": by_number["8.2"],
                "process": processes["Data centre operations"],
                "site": sites["Data centre"],
                "title": "Risk assessment not repeated after the hosting change",
                "statement": "The move to the new storage platform in June was not risk-assessed "
                "(8.2 requires "
                "assessments at planned intervals and on significant change).",
                "evidence": "Risk register last updated 2025-11-03; change CHG-2026-118 closed 2026-06-21.",
            },
            {
                "grade": InternalFindingGrade.OBSERVATION,
                "clause": by_number["9.1"],
                "title": "Security indicators without targets",
                "statement": "Six indicators are measured monthly; none has a target yet.",
            },
        ],
        "The data centre's controls work; the risk assessment must be brought up to date before stage 1.",
    )
    nc = audit.findings.get(grade=InternalFindingGrade.MAJOR_NC).action
    actions.action_update(
        actor=qm,
        action=nc,
        title=nc.title,
        owner=nc.owner,
        description=nc.description,
        correction="Interim risk review of the storage platform held on 2026-10-20.",
        root_cause="The change procedure does not ask for a risk assessment.",
        corrective_action="Add a risk-assessment step to the change procedure; reassess the platform.",
        due_on=datetime.date(2026, 12, 18),
        site=nc.site,
        clause=nc.clause,
    )


def _planned_audit(programme, people) -> None:
    """IA-3, January 2027: performance evaluation and improvement, both standards; planned."""
    qm, lena = people["qm@ministry.example"], people["audit@ministry.example"]
    audit = internal_audits.internal_audit_create(
        actor=qm,
        programme=programme,
        title="Performance evaluation and improvement",
        starts_on=datetime.date(2027, 1, 19),
        ends_on=datetime.date(2027, 1, 20),
        clauses=_clauses(programme, "ISO 9001", ("9", "10")) + _clauses(programme, "ISO/IEC 27001", ("10",)),
        criteria="ISO 9001:2015 and ISO/IEC 27001:2022 clauses 9 and 10.",
    )
    internal_audits.internal_auditor_add(actor=qm, audit=audit, user=lena, is_lead=True)


def _hand_made_actions(ministry: Organisation, people: dict, sites: dict) -> None:
    """One action of each other source, together in every status."""
    qm, pieter = people["qm@ministry.example"], people["contributor@ministry.example"]
    today = timezone.localdate()
    review = actions.action_create(
        actor=qm,
        organisation=ministry,
        source=ActionSource.MANAGEMENT_REVIEW,
        source_reference="Management review of 2026-03-24",
        kind=ActionKind.OPPORTUNITY,
        title="Measure citizens' satisfaction with the e-services",
        owner=pieter,
        corrective_action="A three-question survey at the end of every e-service.",
        due_on=datetime.date(2026, 6, 30),
    )
    actions.action_start(actor=pieter, action=review)
    actions.action_done(actor=pieter, action=review)
    actions.action_review(
        actor=qm,
        action=review,
        reviewed_on=today,
        result=EffectivenessResult.EFFECTIVE,
        comment="4,812 answers since July; the results feed the next management review.",
    )
    complaint = actions.action_create(
        actor=qm,
        organisation=ministry,
        source=ActionSource.COMPLAINT,
        source_reference="C-2026-014",
        title="e-ID sign-in fails for users of older phones",
        owner=pieter,
        description="Eleven complaints in October: the sign-in page does not load on older Android versions.",
        correction="Help page with a workaround published.",
        due_on=today + datetime.timedelta(days=10),
    )
    actions.action_start(actor=pieter, action=complaint)
    incident = actions.action_create(
        actor=qm,
        organisation=ministry,
        source=ActionSource.INCIDENT,
        source_reference="INC-2026-031",
        title="A backup restore test failed",
        owner=people["audit@ministry.example"],
        site=sites["Data centre"],
        description="The quarterly restore test of the case database failed: an expired encryption key.",
        correction="Key renewed and restore repeated successfully the same day.",
        root_cause="Key expiry dates are not monitored.",
        corrective_action="Key expiry added to the monitoring with a 60-day warning.",
        due_on=datetime.date(2026, 11, 30),
    )
    actions.action_done(actor=people["audit@ministry.example"], action=incident)
    actions.action_create(
        actor=qm,
        organisation=ministry,
        source=ActionSource.LEGAL,
        source_reference="European Accessibility Act (Directive (EU) 2019/882)",
        title="Accessibility audit of the e-services",
        owner=qm,
        description="The e-services must meet EN 301 549; no audit has been done.",
        due_on=today - datetime.timedelta(days=5),
    )
    duplicate = actions.action_create(
        actor=pieter,
        organisation=ministry,
        source=ActionSource.OTHER,
        title="Update the service catalogue",
        owner=pieter,
    )
    actions.action_cancel(actor=qm, action=duplicate, reason="Already in the 2027 service plan.")


# --- management reviews ---

# The Ministry's review, still being prepared: (input key, answer); left out: still open
MINISTRY_REVIEW_ANSWERS = {
    "hs.previous_actions": "First management review: no earlier review, so no actions from one.",
    "hs.external_internal_issues": "The e-government act of 2026 and the move of the data centre.",
    "hs.interested_parties": "Citizens expect online services around the clock; the ombudsman's report.",
    "hs.nonconformities": "Internal audits IA-1 and IA-2: two minor nonconformities, actions open.",
    "hs.audit_results": "Internal audits IA-1 and IA-2 reported; no certification audit yet.",
    "iso-9001.customer_satisfaction": "Survey of 1,200 users: 78 % satisfied, waiting times criticised.",
    "iso-9001.objectives": "Four of six quality objectives met; online forms and response times lag.",
    "iso-9001.resources": "Two internal auditors to train; no budget for a second service desk.",
    "iso-iec-27001.risk_treatment": "Risk assessment of May 2026; 14 of 19 treatments implemented.",
}
MINISTRY_REVIEW_NOT_APPLICABLE = {
    "iso-9001.external_providers": "No service is outsourced in the scope; hosting is in-house.",
}


def _ministry_review(ministry: Organisation) -> None:
    qm = User.objects.get(email="qm@ministry.example")
    editions = [
        Edition.objects.get(standard__code=c, year=y)
        for c, y in (("ISO 9001", 2015), ("ISO/IEC 27001", 2022))
    ]
    review = reviews.review_plan(
        actor=qm,
        organisation=ministry,
        title="Management review 2026",
        editions=editions,
        planned_on=datetime.date(2027, 1, 5),
    )
    reviews.review_attendee_add(
        actor=qm, review=review, name="Dr Anna Weber", function="Secretary-General", is_top_management=True
    )
    reviews.review_attendee_add(actor=qm, review=review, user=qm, function="Quality manager")
    for row in review.inputs.all():
        if row.key in MINISTRY_REVIEW_ANSWERS:
            _answer(row, qm, answer=MINISTRY_REVIEW_ANSWERS[row.key])
        elif row.key in MINISTRY_REVIEW_NOT_APPLICABLE:
            _answer(row, qm, reason=MINISTRY_REVIEW_NOT_APPLICABLE[row.key])
    reviews.review_output_add(
        actor=qm,
        review=review,
        kind="resources",
        decision="Keep one service desk; review the budget for a second one in the 2028 plan.",
    )
    survey = reviews.review_output_add(
        actor=qm,
        review=review,
        kind="improvement",
        decision="Cut the waiting time of the service desk: call-back slots and a status page.",
    )
    reviews.review_output_action_raise(
        actor=qm,
        output=survey,
        title="Introduce call-back slots and a service status page",
        owner=User.objects.get(email="contributor@ministry.example"),
        due_on=datetime.date(2027, 4, 30),
    )


def _answer(row, actor: User, *, answer: str = "", reason: str = "") -> None:
    reviews.review_input_answer(
        actor=actor,
        review_input=row,
        answer=answer,
        not_applicable=bool(reason),
        not_applicable_reason=reason,
    )


def _northfield_review(northfield: Organisation) -> None:
    """Held on 16 November 2026, after the internal audits of the year, every input addressed, its
    minutes approved."""
    qm = User.objects.get(email="qm@northfield.example")
    review = reviews.review_plan(
        actor=qm,
        organisation=northfield,
        title="Management review 2026",
        editions=[Edition.objects.get(standard__code="ISO 9001", year=2015)],
        planned_on=datetime.date(2026, 11, 16),
    )
    reviews.review_attendee_add(
        actor=qm, review=review, name="Karin Lund", function="Mayor", is_top_management=True
    )
    reviews.review_attendee_add(actor=qm, review=review, user=qm, function="Quality manager")
    for row in review.inputs.all():
        _answer(row, qm, answer=f"Discussed with the figures of the year: {str(row.label).lower()}.")
    reviews.review_output_add(
        actor=qm,
        review=review,
        kind="change",
        decision="Merge the permit procedures of the two town halls into one process.",
    )
    reviews.review_hold(
        actor=qm,
        review=review,
        held_on=datetime.date(2026, 11, 16),
        summary="The system is suitable and effective; the permit process is to be simplified.",
    )
    reviews.review_minutes_approve(actor=qm, review=review)


# --- The ministry's Statement of Applicability for ISO/IEC 27001:2022: v1 drafted in September,
# approved by the Secretary-General and shared with the CB; v2 in draft with two controls changed ----

SOA_EXCLUDED = {
    "A.5.23": "No cloud service is used: every service runs in the ministry's own data centre.",
    "A.8.11": "No production data leaves production: tests use generated data only.",
    "A.8.30": "No development is outsourced: the e-services are built by the ministry's own teams.",
}
BACKUP_INCIDENT = "A backup restore test failed"
# (control, justification, action title or "")
SOA_PARTLY = [
    ("A.5.7", "Advisories of the national CERT are read weekly; no analysis of them is recorded yet.", ""),
    ("A.8.13", "Restore tests run quarterly; the last one failed on an expired key.", BACKUP_INCIDENT),
    ("A.8.24", "Keys are managed in the HSM; their expiry is not yet monitored.", BACKUP_INCIDENT),
]
SOA_APPROVED_ON = datetime.date(2026, 10, 20)
SOA_DRAFTED_AT = datetime.datetime(2026, 9, 15, 9, 0, tzinfo=datetime.UTC)


def _ministry_soa(ministry: Organisation) -> None:
    qm = User.objects.get(email="qm@ministry.example")
    contributor = User.objects.get(email="contributor@ministry.example")
    edition = Edition.objects.get(standard__code="ISO/IEC 27001", year=2022)
    first = soa_services.soa_draft(actor=contributor, organisation=ministry, edition=edition)
    # the demo's story: drafted in September, before its approval in October
    StatementOfApplicability.objects.filter(pk=first.pk).update(created_at=SOA_DRAFTED_AT)
    first.refresh_from_db()
    incident = Action.objects.get(organisation=ministry, title=BACKUP_INCIDENT)
    partly = {number: (text, incident if title else None) for number, text, title in SOA_PARTLY}
    for control in first.controls.select_related("clause__parent"):
        number = control.clause.number
        if number in SOA_EXCLUDED:
            values = {"applicable": False, "justification": SOA_EXCLUDED[number]}
        elif number in partly:
            text, action = partly[number]
            values = {
                "applicable": True,
                "justification": text,
                "implementation": Implementation.PARTLY,
                "action": action,
            }
        else:
            values = {
                "applicable": True,
                "justification": "Risk assessment 2026: needed to treat the risks of the e-services.",
                "implementation": Implementation.IMPLEMENTED,
                "evidence": f"ISMS manual, {control.clause.parent.number}",
            }
        soa_services.soa_control_save(actor=contributor, control=control, **values)
    first = soa_services.soa_approve(
        actor=qm,
        soa=first,
        approver_name="Dr Anna Weber",
        approver_function="Secretary-General",
        approved_on=SOA_APPROVED_ON,
    )
    soa_services.soa_share(actor=qm, soa=first, shared=True)
    second = soa_services.soa_draft(actor=qm, organisation=ministry, edition=edition)
    controls = {c.clause.number: c for c in second.controls.select_related("clause")}
    soa_services.soa_control_save(
        actor=contributor,
        control=controls["A.5.23"],
        applicable=True,
        justification="A cloud collaboration suite is being introduced for the cabinet (2027).",
        implementation=Implementation.PARTLY,
    )
    soa_services.soa_control_save(
        actor=contributor,
        control=controls["A.8.13"],
        applicable=True,
        justification="Restore tests run quarterly; the December test passed.",
        implementation=Implementation.IMPLEMENTED,
        evidence="Restore test report 2026-Q4",
        action=incident,
    )


# --- Readiness for stage 1 (DOMAIN §13.5): Northfield's complete, ready set for ISO 9001:2015 (its
# management review held on 16 November 2026 comes with the reviews' demo); the ministry's pack for
# ISO/IEC 27001:2022, shared with Certa, which its stage 1 auditors see -------------------------------

NORTHFIELD_PROCESSES = [
    ("Civil affairs", "Passports, identity cards and the civil register at the town hall desks."),
    ("Permits and licences", "Building, events and business permits, from application to decision."),
    ("Public works", "Maintenance of roads, parks and the depot's fleet."),
]
NORTHFIELD_SCOPE = (
    "Delivery of the municipal services to citizens and businesses of Northfield: civil affairs, "
    "permits and licences, and public works, from the town hall and the public works depot."
)
MINISTRY_ISMS_SCOPE = "Information security of the federal digital services and the government data centre"


def readiness_load() -> None:
    """Called by `demo_load` after the rest of the improvement demo; idempotent."""
    qms = Edition.objects.get(standard__code="ISO 9001", year=2015)
    northfield = Organisation.objects.get(name="Northfield Municipality")
    if not Readiness.objects.filter(organisation=northfield, edition=qms).exists():
        _northfield_ready(northfield, qms)
    ministry = Organisation.objects.get(name="Ministry of Digital Affairs")
    isms = Edition.objects.get(standard__code="ISO/IEC 27001", year=2022)
    if not Readiness.objects.filter(organisation=ministry, edition=isms).exists():
        _ministry_pack(ministry, isms)


def _northfield_ready(northfield: Organisation, qms: Edition) -> None:
    qm = User.objects.get(email="qm@northfield.example")
    processes = [
        process_services.process_create(actor=qm, organisation=northfield, name=name, description=description)
        for name, description in NORTHFIELD_PROCESSES
    ]
    _northfield_gap_review(northfield, qms, qm)
    _northfield_internal_audits(northfield, qms, qm)
    readiness.readiness_scope_set(
        actor=qm,
        organisation=northfield,
        edition=qms,
        scope=NORTHFIELD_SCOPE,
        sites=list(northfield.sites.filter(name__in=["Town hall", "Public works depot"])),
        processes=processes,
    )


def _northfield_gap_review(northfield: Organisation, qms: Edition, qm: User) -> None:
    """A completed analysis of ISO 9001 with every clause conforming, design and development (8.3)
    not applicable with its reason: no action is open."""
    analysis = services.gap_analysis_start(
        actor=qm, organisation=northfield, title="ISO 9001 review 2026", editions=[qms], sites=[]
    )
    for answer in analysis.answers.select_related("clause"):
        design = answer.clause.number.startswith("8.3")
        services.gap_answer_save(
            actor=qm,
            answer=answer,
            status=AnswerStatus.NOT_APPLICABLE if design else AnswerStatus.CONFORMING,
            justification="Municipal services are set by law and regulation: the municipality designs "
            "no products or services."
            if design
            else "",
            notes="" if design else "Seen in the 2026 review of the quality manual and its records.",
        )
    services.gap_analysis_complete(actor=qm, analysis=analysis)


def _northfield_internal_audits(northfield: Organisation, qms: Edition, qm: User) -> None:
    """A 2026 programme whose two reported audits (June and September) cover every clause of ISO 9001;
    the minor nonconformity of the first has its correction and corrective action."""
    programme = internal_audits.internal_programme_create(
        actor=qm,
        organisation=northfield,
        title="Internal audit programme 2026",
        editions=[qms],
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
        objectives="Every clause of ISO 9001 audited before stage 1, at the town hall and the depot.",
    )
    sites = {site.name: site for site in northfield.sites.all()}
    first = _northfield_audit(
        programme,
        qm,
        "Context, leadership, planning and support",
        ("4", "5", "6", "7"),
        6,
        sites["Town hall"],
    )
    clause = next(c for c in _clauses(programme, "ISO 9001", ("7.5",)))
    _held(
        first,
        qm,
        qm,
        [
            {
                "grade": InternalFindingGrade.MINOR_NC,
                "clause": clause,
                "site": sites["Town hall"],
                "title": "Unsigned versions of the permit procedure",
                "statement": "The permits desk used a version of procedure P-12 without its approval.",
                "evidence": "P-12 v4 on the shared drive, approval field empty; seen 10 June 2026.",
            }
        ],
        "The system conforms; one minor nonconformity on the approval of documents.",
    )
    nc = first.findings.get(grade=InternalFindingGrade.MINOR_NC).action
    actions.action_update(
        actor=qm,
        action=nc,
        title=nc.title,
        owner=qm,
        description=nc.description,
        correction="P-12 v4 approved by the head of permits on 12 June 2026.",
        root_cause="The shared drive accepts documents without an approval step.",
        corrective_action="Procedures published only through the document system, which requires approval.",
        due_on=datetime.date(2026, 12, 31),
        site=nc.site,
        clause=nc.clause,
    )
    second = _northfield_audit(
        programme,
        qm,
        "Operation, performance evaluation and improvement",
        ("8", "9", "10"),
        9,
        sites["Public works depot"],
    )
    _held(second, qm, qm, [], "The system conforms and is effective.")


def _northfield_audit(programme, qm: User, title: str, chapters: tuple[str, ...], month: int, site):
    audit = internal_audits.internal_audit_create(
        actor=qm,
        programme=programme,
        title=title,
        starts_on=datetime.date(2026, month, 9),
        ends_on=datetime.date(2026, month, 10),
        clauses=_clauses(programme, "ISO 9001", chapters),
        criteria="ISO 9001:2015 and the municipality's quality manual.",
        sites=[site],
    )
    internal_audits.internal_auditor_add(actor=qm, audit=audit, user=qm, is_lead=True)
    return audit


def _ministry_pack(ministry: Organisation, isms: Edition) -> None:
    qm = User.objects.get(email="qm@ministry.example")
    readiness.readiness_scope_set(
        actor=qm,
        organisation=ministry,
        edition=isms,
        scope=MINISTRY_ISMS_SCOPE,
        sites=list(ministry.sites.filter(name__in=["Headquarters", "Data centre"])),
        processes=list(Process.objects.filter(organisation=ministry, is_active=True)),
    )
    readiness.readiness_share(actor=qm, organisation=ministry, edition=isms, shared=True)
