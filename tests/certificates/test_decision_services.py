"""Certification decisions, rule by rule (DOMAIN §1.4–1.11; rules 3–5, 7, 12, 13, 16, 19, 23, 29–32).

Programmes are opened and audits added with the audit services; an audit's report is taken as
issued by setting its status (no report: its issue date does not constrain the decision date);
nonconformities are answered, accepted and verified with the response services, and the day of
verification is set on its transition record, where rule 5 reads it.
"""

import dataclasses
import datetime
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from audits import finding_rules
from audits.enums import AuditKind, AuditStatus, FindingType, TeamRole
from audits.models import Audit, AuditProgramme, ConsultancyRecord, Finding, ProgrammeEdition
from audits.selectors.programme_checks import due_window
from audits.services import fieldwork as fieldwork_services
from audits.services import programmes as programme_services
from audits.services import responses as response_services
from audits.services import teams as team_services
from certificates.demo import _clock as demo_clock
from certificates.enums import (
    CertificateStatus,
    DecisionKind,
    DecisionOutcome,
    IncomingStatus,
    RevisionStatus,
    TransferReviewOutcome,
)
from certificates.models import Certificate, CertificateRevision, Decision, TransferReview
from certificates.services import certificates as certificate_services
from certificates.services.decisions import DecisionContent, DecisionError, decision_blockers, decision_record
from core.errors import NotAllowed
from core.transitions import transitions_of
from improvement.models import GapAnalysis
from organisations.enums import CBRole, ExpiryConvention, QualificationKind, SiteKind
from organisations.models import IAFCode
from tests import factories
from tests.audits.conftest import make_edition
from tests.certificates.conftest import certified_sites
from tests.factories import PROGRAMME_SCOPE

pytestmark = pytest.mark.django_db

K = DecisionKind
GRANT, REFUSE = DecisionOutcome.GRANT, DecisionOutcome.REFUSE
STAGE1 = datetime.date(2026, 1, 5)  # a first cycle being decided in 2026
# A cycle decided on 1 March 2023, expiring on 1 March 2026, recertified (or not) around it
FIRST_STAGE1 = datetime.date(2022, 12, 1)
INITIAL_ON = datetime.date(2023, 3, 1)
EXPIRY = datetime.date(2026, 3, 1)
PLAN = {"root_cause": "No review step", "correction": "Reviewed the file", "corrective_action": "Add a check"}


# --- building blocks ---------------------------------------------------------------------------


def qualify(world, user, edition, *, codes=(), valid_from=datetime.date(2020, 1, 1), until=None):
    qualification = factories.QualificationFactory(
        user=user,
        certification_body=world.cb,
        standard=edition.standard,
        kind=QualificationKind.DECISION_MAKER,
        valid_from=valid_from,
        valid_until=until or datetime.date(2035, 12, 31),
    )
    qualification.iaf_codes.set(codes)
    return qualification


@pytest.fixture
def decider(world, qms):
    """A certification manager who audited nothing, qualified to decide on ISO 9001."""
    user = factories.CBMembershipFactory(
        certification_body=world.cb, role=CBRole.CERTIFICATION_MANAGER, user__full_name="Decider"
    ).user
    qualify(world, user, qms)
    return user


def open_programme(world, editions, *, stage1_on=STAGE1, sites=None, iaf_codes=(), scope=PROGRAMME_SCOPE):
    return programme_services.programme_open(
        actor=world.cert_manager,
        certification_body=world.cb,
        organisation=world.org_a,
        editions=editions,
        sites=sites or [world.site_a],
        iaf_codes=list(iaf_codes),
        stage1_on=stage1_on,
        scope=scope,
    )


def audit_of(programme: AuditProgramme, kind: str) -> Audit:
    return programme.audits.filter(kind=kind).order_by("-starts_on").first()


def reported(*audits: Audit, status: str = AuditStatus.CLOSED) -> None:
    Audit.objects.filter(pk__in=[a.pk for a in audits]).update(status=status)


def ready(world, editions, **kwargs) -> AuditProgramme:
    """Stage 1 and stage 2 reported, nothing pending."""
    programme = open_programme(world, editions, **kwargs)
    reported(audit_of(programme, AuditKind.STAGE1), audit_of(programme, AuditKind.STAGE2))
    return programme


def stage2_end(programme) -> datetime.date:
    return audit_of(programme, AuditKind.STAGE2).ends_on


def content(kind=K.INITIAL, decided_on=None, outcome=GRANT, **fields) -> DecisionContent:
    return DecisionContent(
        kind=kind,
        outcome=outcome,
        decided_on=decided_on,
        rationale="The team's evidence supports the decision.",
        **fields,
    )


def blockers(actor, programme, edition, decision: DecisionContent):
    return decision_blockers(actor=actor, programme=programme, edition=edition, content=decision)


def rules(found) -> list[int | None]:
    return sorted({b.rule for b in found}, key=lambda r: r or 0)


def finding(world, audit, finding_type=FindingType.MAJOR_NC) -> Finding:
    return Finding.objects.create(
        audit=audit,
        number=audit.findings.count() + 1,
        type=finding_type,
        status=finding_rules.initial_status(finding_type),
        site=world.site_a,
        clause=audit.programme.editions.first().clauses.filter(assessable=True).first(),
        statement="The design review of project P-7 is not recorded.",
        evidence="Project file P-7; no review record.",
        raised_by=world.auditor,
    )


def plan(world, nc, *, accept=True) -> None:
    response = response_services.response_submit(actor=world.qm_a, finding=nc, **PLAN)
    if accept:
        response_services.response_review(
            actor=world.cert_manager, response=response, accept=True, comment=""
        )


def verify(world, nc, on: datetime.date) -> None:
    """Plan accepted, then verified on that day (the transition log is append-only: the verification
    runs with the clock on that day, as the demo's history does)."""
    plan(world, nc)
    with demo_clock(on):
        response_services.finding_verify(
            actor=world.cert_manager, finding=nc, comment="Seen at a follow-up visit"
        )


def finding_url(nc) -> str:
    return reverse("audits:finding_detail", args=[nc.pk])


def decide(actor, programme, edition, decision: DecisionContent) -> Decision:
    return decision_record(actor=actor, programme=programme, edition=edition, content=decision)


def refused(actor, programme, edition, decision: DecisionContent) -> list:
    with pytest.raises(DecisionError) as error:
        decide(actor, programme, edition, decision)
    return error.value.blockers


# --- the decision date --------------------------------------------------------------------------


def test_a_decision_date_in_the_future_is_refused(world, qms, decider):
    programme = ready(world, [qms])
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    found = refused(decider, programme, qms, content(decided_on=tomorrow))
    assert [b.message for b in found] == [
        "A decision is recorded once taken: its date cannot be in the future."
    ]
    assert blockers(decider, programme, qms, content(decided_on=timezone.localdate())) == []


# --- rule 3: who audited does not decide ------------------------------------------------------


@pytest.mark.parametrize("kind", [AuditKind.STAGE1, AuditKind.STAGE2])
@pytest.mark.parametrize("role", [TeamRole.LEAD, TeamRole.AUDITOR, TeamRole.TECHNICAL_EXPERT])
def test_rule_3_a_member_of_the_team_cannot_decide(world, qms, decider, kind, role):
    programme = open_programme(world, [qms])
    audit = audit_of(programme, kind)
    team_services.team_assign(actor=world.cert_manager, audit=audit, user=decider, role=role)
    reported(audit_of(programme, AuditKind.STAGE1), audit_of(programme, AuditKind.STAGE2))
    found = refused(
        decider, programme, qms, content(decided_on=stage2_end(programme) + relativedelta(days=30))
    )
    assert [(b.rule, b.url, b.label) for b in found] == [(3, audit.get_absolute_url(), str(audit))]


def test_rule_3_an_observer_may_decide(world, qms, decider):
    programme = open_programme(world, [qms])
    for kind in (AuditKind.STAGE1, AuditKind.STAGE2):
        audit = audit_of(programme, kind)
        team_services.team_assign(actor=world.cert_manager, audit=audit, user=decider, role=TeamRole.OBSERVER)
    reported(audit_of(programme, AuditKind.STAGE1), audit_of(programme, AuditKind.STAGE2))
    decision = decide(
        decider, programme, qms, content(decided_on=stage2_end(programme) + relativedelta(days=30))
    )
    assert decision.is_grant and decision.decided_by == decider


# --- rule 23: two years after consultancy ---------------------------------------------------------


@pytest.mark.parametrize(
    ("ended", "blocked"),
    [
        (relativedelta(years=-1, days=-364), True),  # 1 year 364 days before the decision
        (relativedelta(years=-2), False),  # two years to the day
        (relativedelta(years=-2, days=-1), False),  # two years and a day
        (relativedelta(days=+90), True),  # ongoing: agreed until after the decision
    ],
)
def test_rule_23_consultancy_within_two_years_blocks(world, qms, decider, ended, blocked):
    programme = ready(world, [qms])
    decided_on = stage2_end(programme) + relativedelta(days=60)
    ConsultancyRecord.objects.create(
        organisation=world.org_a,
        user=decider,
        description="Wrote the quality manual",
        started_on=datetime.date(2023, 1, 2),
        ended_on=decided_on + ended,
        recorded_by=world.cert_manager,
    )
    found = blockers(decider, programme, qms, content(decided_on=decided_on))
    assert rules(found) == ([23] if blocked else [])
    if blocked:
        assert str(decided_on + ended) in found[0].message


def test_rule_23_the_author_of_the_clients_gap_analysis_cannot_decide(world, qms, decider):
    programme = ready(world, [qms])
    GapAnalysis.objects.create(organisation=world.org_a, title="Baseline", created_by=decider)
    found = blockers(decider, programme, qms, content(decided_on=timezone.localdate()))
    assert rules(found) == [23]


# --- competence (17021-1 §9.5.1.2) ---------------------------------------------------------------


def test_a_decider_without_a_decision_maker_qualification_is_blocked(world, qms):
    programme = ready(world, [qms])
    decided_on = stage2_end(programme) + relativedelta(days=30)
    manager = world.cert_manager
    factories.QualificationFactory(  # an auditor's qualification is not a decision-maker's
        user=manager, certification_body=world.cb, standard=qms.standard, kind=QualificationKind.AUDITOR
    )
    found = refused(manager, programme, qms, content(decided_on=decided_on))
    assert [b.message for b in found] == [
        f"You hold no valid decision-maker qualification for ISO 9001 covering the client's IAF codes on "
        f"{decided_on}."
    ]


@pytest.mark.parametrize(
    ("codes", "until_offset", "allowed"),
    [
        ((), 0, False),  # does not cover the client's IAF code
        ((33,), -1, False),  # expired the day before the decision
        ((33,), 0, True),  # valid up to the decision day
        ((33, 34), 365, True),
    ],
)
def test_the_deciders_qualification_covers_the_codes_on_the_day(world, qms, codes, until_offset, allowed):
    programme = ready(world, [qms], iaf_codes=IAFCode.objects.filter(code=33))
    decided_on = stage2_end(programme) + relativedelta(days=30)
    qualify(
        world,
        world.cert_manager,
        qms,
        codes=IAFCode.objects.filter(code__in=codes),
        until=decided_on + datetime.timedelta(days=until_offset),
    )
    found = blockers(world.cert_manager, programme, qms, content(decided_on=decided_on))
    assert (found == []) is allowed


# --- rule 4 (and rule 19): reports issued, nonconformities settled ---------------------------------


def test_rule_4_a_stage_2_report_not_issued_blocks(world, qms, decider):
    programme = ready(world, [qms])
    stage2 = audit_of(programme, AuditKind.STAGE2)
    reported(stage2, status=AuditStatus.FIELDWORK_DONE)
    found = refused(decider, programme, qms, content(decided_on=stage2.ends_on + relativedelta(days=30)))
    assert [(b.rule, b.url, b.message) for b in found] == [
        (4, stage2.get_absolute_url(), f"The report of {stage2} is not issued.")
    ]


@pytest.fixture
def pending(world, qms):
    """A first cycle whose stage 2 waits for its nonconformities."""
    programme = ready(world, [qms])
    reported(audit_of(programme, AuditKind.STAGE2), status=AuditStatus.NCS_PENDING)
    return programme


def test_rule_4_an_open_major_blocks_with_the_findings_link(world, qms, decider, pending):
    stage2 = audit_of(pending, AuditKind.STAGE2)
    major = finding(world, stage2)
    found = blockers(decider, pending, qms, content(decided_on=stage2.ends_on + relativedelta(days=30)))
    assert [(b.rule, b.url, b.label) for b in found] == [(4, finding_url(major), f"{stage2} #1")]
    assert "Major nonconformity" in found[0].message


def test_rule_4_a_major_with_its_plan_accepted_still_blocks(world, qms, decider, pending):
    major = finding(world, audit_of(pending, AuditKind.STAGE2))
    plan(world, major)
    found = blockers(decider, pending, qms, content(decided_on=stage2_end(pending) + relativedelta(days=30)))
    assert [(b.rule, b.url) for b in found] == [(4, finding_url(major))]


def test_rule_4_a_minor_needs_its_plan_accepted(world, qms, decider, pending):
    stage2 = audit_of(pending, AuditKind.STAGE2)
    minor = finding(world, stage2, FindingType.MINOR_NC)
    decided_on = stage2.ends_on + relativedelta(days=30)
    plan(world, minor, accept=False)
    found = blockers(decider, pending, qms, content(decided_on=decided_on))
    assert [(b.rule, b.url, b.message) for b in found] == [
        (4, finding_url(minor), f"Minor nonconformity {stage2} #1 has no accepted plan.")
    ]
    response_services.response_review(
        actor=world.cert_manager, response=minor.responses.get(), accept=True, comment=""
    )
    assert blockers(decider, pending, qms, content(decided_on=decided_on)) == []


def test_rule_4_a_verified_major_passes(world, qms, decider, pending):
    stage2 = audit_of(pending, AuditKind.STAGE2)
    major = finding(world, stage2)
    verify(world, major, on=stage2.ends_on + relativedelta(days=40))
    decision = decide(decider, pending, qms, content(decided_on=stage2.ends_on + relativedelta(days=45)))
    assert decision.is_grant
    assert set(decision.audits.all()) == {audit_of(pending, AuditKind.STAGE1), stage2}


@pytest.mark.parametrize(
    "finding_type", [FindingType.OBSERVATION, FindingType.OFI, FindingType.AREA_OF_CONCERN]
)
def test_rule_19_observations_and_ofis_never_block(world, qms, decider, pending, finding_type):
    finding(world, audit_of(pending, AuditKind.STAGE1), finding_type)
    finding(world, audit_of(pending, AuditKind.STAGE2), finding_type)
    assert blockers(decider, pending, qms, content(decided_on=timezone.localdate())) == []


def test_a_refusal_is_recorded_while_a_major_is_open(world, qms, decider, pending):
    finding(world, audit_of(pending, AuditKind.STAGE2))
    decision = decide(decider, pending, qms, content(decided_on=timezone.localdate(), outcome=REFUSE))
    assert (decision.outcome, decision.certificate) == (REFUSE, None)


# --- rule 5: six months after stage 2 ----------------------------------------------------------


@pytest.mark.parametrize(("verified_day", "blocked"), [(183, False), (184, True)])
def test_rule_5_a_stage_2_major_verified_after_day_183_needs_a_new_stage_2(
    world, qms, decider, pending, verified_day, blocked
):
    last_day = stage2_end(pending)
    major = finding(world, audit_of(pending, AuditKind.STAGE2))
    verify(world, major, on=last_day + datetime.timedelta(days=verified_day))
    decision = content(decided_on=last_day + datetime.timedelta(days=200))
    found = blockers(decider, pending, qms, decision)
    if blocked:
        assert [(b.rule, b.url) for b in found] == [(5, finding_url(major))]
        assert "a new stage 2 audit is needed" in found[0].message
    else:
        assert found == [] and decide(decider, pending, qms, decision).is_grant


@pytest.mark.parametrize(("decision_day", "expected"), [(183, [4]), (184, [4, 5])])
def test_rule_5_an_open_stage_2_major_is_rule_4_until_day_183_then_also_rule_5(
    world, qms, decider, pending, decision_day, expected
):
    last_day = stage2_end(pending)
    major = finding(world, audit_of(pending, AuditKind.STAGE2))
    found = blockers(
        decider, pending, qms, content(decided_on=last_day + datetime.timedelta(days=decision_day))
    )
    assert rules(found) == expected
    assert {b.url for b in found} == {finding_url(major)}


def test_rule_5_a_repeated_stage_2_settled_lets_the_decision_pass(world, qms, decider, pending):
    first = audit_of(pending, AuditKind.STAGE2)
    finding(world, first)  # never verified: the repeat takes its place
    repeat = fieldwork_services.audit_add(
        actor=world.cert_manager,
        programme=pending,
        kind=AuditKind.STAGE2,
        starts_on=first.ends_on + datetime.timedelta(days=190),
        ends_on=first.ends_on + datetime.timedelta(days=191),
        planned_days=Decimal("2.0"),
        on_site_days=Decimal("2.0"),
        purpose="The major was not verified within six months (rule 5).",
        repeat_of=first,
    )
    reported(repeat, status=AuditStatus.NCS_PENDING)
    minor = finding(world, repeat, FindingType.MINOR_NC)
    plan(world, minor)
    repeat.refresh_from_db()
    assert repeat.status == AuditStatus.CLOSED
    decided_on = first.ends_on + datetime.timedelta(days=230)
    decision = decide(decider, pending, qms, content(decided_on=decided_on))
    assert set(decision.audits.all()) == {audit_of(pending, AuditKind.STAGE1), repeat}


# --- rule 29: one decision per standard ------------------------------------------------------


def test_rule_29_a_second_initial_grant_for_the_same_edition_is_refused(world, qms, decider):
    programme = ready(world, [qms])
    decided_on = stage2_end(programme) + relativedelta(days=30)
    first = decide(decider, programme, qms, content(decided_on=decided_on))
    found = refused(decider, programme, qms, content(decided_on=decided_on + relativedelta(days=1)))
    assert 29 in rules(found)
    assert next(b for b in found if b.rule == 29).url == first.get_absolute_url()
    assert Certificate.objects.count() == 1


def test_rule_29_an_integrated_programme_gets_one_decision_per_standard(world, qms, decider):
    ems = make_edition("ISO 14001", 2015, [("4", "Context", "HS-4"), ("4.1", "Context", "HS-4.1")])
    qualify(world, decider, ems)
    scope = dataclasses.replace(
        PROGRAMME_SCOPE, is_integrated=True, integration_reason="One manual, one audit"
    )
    programme = ready(world, [qms, ems], scope=scope)
    decided_on = stage2_end(programme) + relativedelta(days=30)
    for_qms = decide(decider, programme, qms, content(decided_on=decided_on))
    for_ems = decide(decider, programme, ems, content(decided_on=decided_on))
    assert (for_qms.edition, for_ems.edition) == (qms, ems)
    assert for_qms.certificate != for_ems.certificate
    assert {for_qms.certificate.standard, for_ems.certificate.standard} == {qms.standard, ems.standard}
    programme.refresh_from_db()
    assert programme.cycle_started_on == decided_on
    assert 29 in rules(refused(decider, programme, ems, content(decided_on=decided_on)))


# --- rule 30: transfers ------------------------------------------------------------------------


TRANSFER_ON = datetime.date(2026, 6, 1)


def review(world, programme, edition, **fields) -> TransferReview:
    values = {
        "programme": programme,
        "edition": edition,
        "issuing_body": "Other Cert Ltd",
        "issuing_accreditation_body": "UKAS",
        "incoming_number": "OC-9001-77",
        "incoming_status": IncomingStatus.VALID,
        "incoming_accredited": True,
        "original_certified_on": datetime.date(2019, 5, 10),
        "cycle_started_on": datetime.date(2025, 5, 10),
        "expires_on": datetime.date(2028, 5, 10),
        "reason": "Service",
        "reports_reviewed": "Recertification 2025, surveillance none yet",
        "outcome": TransferReviewOutcome.ACCEPT,
        "reviewed_on": TRANSFER_ON - datetime.timedelta(days=5),
        "reviewed_by": world.cert_manager,
    }
    return TransferReview.objects.create(**(values | fields))


def test_rule_30_an_accepted_transfer_keeps_the_incoming_cycle(world, qms, decider):
    programme = open_programme(world, [qms])
    accepted = review(world, programme, qms)
    decision = decide(decider, programme, qms, content(K.TRANSFER, TRANSFER_ON, transfer_review=accepted))
    certificate = decision.certificate
    revision = certificate.revisions.get()
    assert (certificate.status, certificate.original_certified_on) == (
        CertificateStatus.DRAFT,
        datetime.date(2019, 5, 10),
    )
    assert (revision.effective_on, revision.expiry_on, revision.cycle_started_on) == (
        TRANSFER_ON,
        datetime.date(2028, 5, 10),
        datetime.date(2025, 5, 10),
    )
    assert decision.transfer_review == accepted
    programme.refresh_from_db()  # surveillance falls due from the incoming cycle's decision
    assert programme.cycle_started_on == datetime.date(2025, 5, 10)


@pytest.mark.parametrize(
    "fields",
    [
        {"incoming_status": IncomingStatus.SUSPENDED},
        {"incoming_status": IncomingStatus.WITHDRAWN},
        {"incoming_status": IncomingStatus.EXPIRED},
        {"incoming_accredited": False},
        {"outcome": TransferReviewOutcome.REJECT},
        {"expires_on": TRANSFER_ON},  # expires on the decision day
    ],
)
def test_rule_30_a_transfer_that_cannot_be_accepted_is_blocked(world, qms, decider, fields):
    programme = open_programme(world, [qms])
    incoming = review(world, programme, qms, **fields)
    found = refused(decider, programme, qms, content(K.TRANSFER, TRANSFER_ON, transfer_review=incoming))
    assert rules(found) == [30]
    assert not Certificate.objects.exists()


def test_rule_30_a_transfer_without_its_review_is_blocked(world, qms, decider):
    programme = open_programme(world, [qms])
    found = refused(decider, programme, qms, content(K.TRANSFER, TRANSFER_ON))
    assert [(b.rule, b.message) for b in found] == [
        (30, "A transfer is decided on a pre-transfer review: record it first.")
    ]


def test_rule_30_a_transfer_of_a_suspended_certificate_can_be_refused(world, qms, decider):
    programme = open_programme(world, [qms])
    incoming = review(world, programme, qms, incoming_status=IncomingStatus.SUSPENDED)
    decision = decide(
        decider, programme, qms, content(K.TRANSFER, TRANSFER_ON, REFUSE, transfer_review=incoming)
    )
    assert (decision.outcome, decision.certificate, decision.transfer_review) == (REFUSE, None, incoming)


# --- rules 31, 32: editions -----------------------------------------------------------------


def test_rule_32_a_guidance_edition_is_not_certified(world, qms, decider):
    programme = ready(world, [qms])
    guidance = factories.EditionFactory(standard__code="ISO 31000", year=2018, certifiable=False)
    ProgrammeEdition.objects.create(programme=programme, edition=guidance)
    qualify(world, decider, guidance)
    found = blockers(decider, programme, guidance, content(decided_on=timezone.localdate()))
    assert rules(found) == [32]


@pytest.mark.parametrize(("ended_before", "blocked"), [(1, True), (0, False)])
def test_rule_31_an_edition_whose_transition_ended_is_not_certified(
    world, qms, decider, ended_before, blocked
):
    programme = ready(world, [qms])
    decided_on = stage2_end(programme) + relativedelta(days=30)
    qms.transition_end_on = decided_on - datetime.timedelta(days=ended_before)
    qms.save(update_fields=["transition_end_on"])
    assert rules(blockers(decider, programme, qms, content(decided_on=decided_on))) == (
        [31] if blocked else []
    )


# --- an initial grant, a refusal ----------------------------------------------------------------


def test_an_initial_grant_starts_the_cycle_and_numbers_the_certificate(world, qms, decider):
    programme = ready(world, [qms])
    decided_on = stage2_end(programme) + relativedelta(days=30)
    decision = decide(decider, programme, qms, content(decided_on=decided_on))
    programme.refresh_from_db()
    assert programme.cycle_started_on == decided_on
    certificate = decision.certificate
    assert (certificate.number, certificate.status, certificate.original_certified_on) == (
        f"{decided_on.year}-00001",
        CertificateStatus.DRAFT,
        decided_on,
    )
    revision = certificate.revisions.get()
    assert (revision.revision, revision.status, revision.effective_on, revision.expiry_on) == (
        1,
        RevisionStatus.DRAFT,
        decided_on,
        decided_on + relativedelta(years=3),
    )
    assert (revision.scope, certified_sites(revision)) == (programme.scope, [world.site_a])
    assert [(t.field, t.to_state, t.actor) for t in transitions_of(decision)] == [("outcome", GRANT, decider)]
    assert transitions_of(certificate).get().to_state == CertificateStatus.DRAFT
    assert transitions_of(revision).get().to_state == RevisionStatus.DRAFT
    assert transitions_of(programme).filter(field="cycle_started_on", to_state=str(decided_on)).exists()


def test_numbers_follow_the_cbs_pattern(world, qms, decider):
    world.cb.certificate_number_pattern = "QA-{standard}-{seq:4}"
    world.cb.save(update_fields=["certificate_number_pattern"])
    programme = ready(world, [qms])
    decision = decide(
        decider, programme, qms, content(decided_on=stage2_end(programme) + relativedelta(days=30))
    )
    assert decision.certificate.number.startswith("QA-") and decision.certificate.number.endswith("-0001")


def test_a_refusal_records_the_decision_without_a_certificate(world, qms, decider):
    programme = ready(world, [qms])
    decision = decide(decider, programme, qms, content(decided_on=timezone.localdate(), outcome=REFUSE))
    programme.refresh_from_db()
    assert (decision.outcome, decision.certificate, programme.cycle_started_on) == (REFUSE, None, None)
    assert not Certificate.objects.exists()
    outcome = transitions_of(decision).get()
    assert (outcome.from_state, outcome.to_state, outcome.actor, outcome.reason) == (
        "",
        REFUSE,
        decider,
        "The team's evidence supports the decision.",
    )


def test_only_the_cbs_certification_managers_decide(world, qms):
    programme = ready(world, [qms])
    qualify(world, world.auditor, qms)
    with pytest.raises(NotAllowed):
        decide(world.auditor, programme, qms, content(decided_on=timezone.localdate()))


# --- rule 7 and 29 February ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("convention", "expiry"),
    [
        (ExpiryConvention.SAME_DAY, datetime.date(2031, 2, 28)),
        (ExpiryConvention.DAY_BEFORE, datetime.date(2031, 2, 27)),
    ],
)
def test_rule_7_a_decision_on_29_february(world, qms, decider, monkeypatch, convention, expiry):
    # the clock reads 1 March 2028, so 29 February 2028 is a decision already taken
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2028, 3, 1, 9, tzinfo=datetime.UTC))
    world.cb.expiry_convention = convention
    world.cb.save(update_fields=["expiry_convention"])
    programme = ready(world, [qms], stage1_on=datetime.date(2027, 12, 1))
    decision = decide(decider, programme, qms, content(decided_on=datetime.date(2028, 2, 29)))
    revision = decision.certificate.revisions.get()
    assert (revision.effective_on, revision.expiry_on) == (datetime.date(2028, 2, 29), expiry)
    assert decision.certificate.number == "2028-00001"


# --- a certified client: recertification, expiry, restoration, reduction -------------------------


def issued(decision: Decision) -> None:
    """The initial revision as issued on its decision day (the issue service issues on today's date,
    and this cycle has since expired)."""
    CertificateRevision.objects.filter(decision=decision).update(
        status=RevisionStatus.CURRENT, issued_on=decision.decided_on, accredited=True
    )
    Certificate.objects.filter(pk=decision.certificate_id).update(
        status=CertificateStatus.ACTIVE, status_since=decision.decided_on
    )


@pytest.fixture
def certified(world, qms, decider):
    """Organisation A certified on 1 March 2023 (expiry 1 March 2026) at two sites, its
    recertification audit reported."""
    branch = factories.SiteFactory(organisation=world.org_a, name="A branch", headcount=4)
    programme = ready(world, [qms], stage1_on=FIRST_STAGE1, sites=[world.site_a, branch])
    issued(decide(decider, programme, qms, content(decided_on=INITIAL_ON)))
    recertification = audit_of(programme, AuditKind.RECERTIFICATION)
    reported(recertification)
    programme.refresh_from_db()
    programme.branch = branch
    return programme


def certificate_of(world) -> Certificate:
    return Certificate.objects.get(organisation=world.org_a)


def test_the_certified_fixture_expires_on_1_march_2026(world, certified):
    certificate = certificate_of(world)
    assert certificate.status == CertificateStatus.ACTIVE
    assert certificate.revisions.get(status=RevisionStatus.CURRENT).expiry_on == EXPIRY


def test_recertification_before_expiry_keeps_the_anniversary_and_opens_the_next_cycle(
    world, qms, decider, certified
):
    decided_on = datetime.date(2026, 2, 15)
    decision = decide(decider, certified, qms, content(K.RECERTIFICATION, decided_on))
    revision = decision.revision
    recertification = audit_of(certified, AuditKind.RECERTIFICATION)
    assert (revision.revision, revision.expiry_on, revision.cycle_started_on) == (
        2,
        datetime.date(2029, 3, 1),  # the old expiry + 3 years
        decided_on,
    )
    assert revision.last_recertification_audit_on == recertification.ends_on
    assert set(certified_sites(revision)) == {world.site_a, certified.branch}
    following = certified.next_cycles.get()
    assert (following.previous, following.cycle_started_on, following.status) == (
        certified,
        decided_on,
        "draft",
    )
    audits = {audit.kind: audit for audit in following.audits.all()}
    assert set(audits) == {AuditKind.SURVEILLANCE_1, AuditKind.SURVEILLANCE_2, AuditKind.RECERTIFICATION}
    for kind, audit in audits.items():
        assert audit.starts_on in due_window(following, kind)
    again = programme_services.programme_next_cycle(actor=decider, programme=certified, decided_on=decided_on)
    assert again == following and AuditProgramme.objects.filter(previous=certified).count() == 1


def test_a_second_recertification_of_the_same_cycle_is_refused(world, qms, decider, certified):
    decide(decider, certified, qms, content(K.RECERTIFICATION, datetime.date(2026, 2, 15)))
    found = refused(decider, certified, qms, content(K.RECERTIFICATION, datetime.date(2026, 2, 16)))
    assert 29 in rules(found)
    assert AuditProgramme.objects.filter(previous=certified).count() == 1


@pytest.mark.parametrize(
    ("decided_on", "blocked"), [(EXPIRY, False), (EXPIRY + datetime.timedelta(days=1), True)]
)
def test_rule_12_recertification_after_expiry_is_refused(world, qms, decider, certified, decided_on, blocked):
    found = blockers(decider, certified, qms, content(K.RECERTIFICATION, decided_on))
    assert rules(found) == ([12] if blocked else [])


@pytest.fixture
def expired(world, certified):
    certificate_services.certificate_expire(
        certificate=certificate_of(world), today=EXPIRY + datetime.timedelta(days=1)
    )
    assert certificate_of(world).status == CertificateStatus.EXPIRED
    return certified


@pytest.mark.parametrize(("day", "blocked"), [(183, False), (184, True)])
def test_rule_13_restoration_within_183_days_after_expiry(world, qms, decider, expired, day, blocked):
    decision = content(K.RESTORATION, EXPIRY + datetime.timedelta(days=day))
    found = blockers(decider, expired, qms, decision)
    assert rules(found) == ([13] if blocked else [])
    if not blocked:
        revision = decide(decider, expired, qms, decision).revision
        assert revision.expiry_on == datetime.date(2029, 3, 1)  # the previous cycle kept
        assert expired.next_cycles.count() == 1


def test_rule_13_after_183_days_a_stage_2_after_expiry_restores(world, qms, decider, expired):
    stage2 = audit_of(expired, AuditKind.STAGE2)
    again = fieldwork_services.audit_add(
        actor=world.cert_manager,
        programme=expired,
        kind=AuditKind.STAGE2,
        starts_on=datetime.date(2026, 5, 4),
        ends_on=datetime.date(2026, 5, 5),
        planned_days=Decimal("2.0"),
        on_site_days=Decimal("2.0"),
        purpose="Restoration more than six months after expiry (rule 13).",
        repeat_of=stage2,
    )
    reported(again)
    decision = decide(decider, expired, qms, content(K.RESTORATION, EXPIRY + datetime.timedelta(days=184)))
    assert again in decision.audits.all()


def test_a_late_restoration_can_be_refused(world, qms, decider, expired):
    decision = decide(
        decider, expired, qms, content(K.RESTORATION, EXPIRY + datetime.timedelta(days=200), REFUSE)
    )
    assert (decision.outcome, decision.certificate) == (REFUSE, certificate_of(world))
    assert not decision.certificate.revisions.filter(status=RevisionStatus.DRAFT).exists()
    assert not expired.next_cycles.exists()


REDUCED_ON = datetime.date(2024, 5, 2)


def test_rule_16_a_reduction_keeps_only_current_sites(world, qms, decider, certified):
    decision = decide(decider, certified, qms, content(K.SCOPE_REDUCTION, REDUCED_ON, sites=(world.site_a,)))
    revision = decision.revision
    assert certified_sites(revision) == [world.site_a]
    assert (revision.expiry_on, revision.cycle_started_on, revision.scope) == (
        EXPIRY,
        INITIAL_ON,
        certified.scope,
    )
    assert not certified.next_cycles.exists()


NARROWER, WIDER = "Services, design excluded", "Services and training"  # the certificate says "Services"
WHY = "Design moved to the ministry's own agency on 1 May 2024."
ADDS = (
    "A reduction only removes sites; not on the certificate: A annex. Adding a site is an extension: "
    "decide a scope extension on its extension audit."
)
REWRITES = (
    "The scope text differs from the certificate's: confirm that the new text only narrows the scope and "
    "say why. A wider scope is an extension: decide a scope extension on its extension audit."
)
NOTHING = "Reduce the scope text or the sites: nothing is reduced."
# The sites a reduction names, by key: the certificate has site A and the branch; the annex is not on it
SITES = {"": (), "A": ("site_a",), "A+branch": ("site_a", "branch"), "A+annex": ("site_a", "annex")}
SITES["A+branch+annex"] = ("site_a", "branch", "annex")

REDUCTIONS = {
    # case: (sites, scope text, confirmed narrower, justification) -> rule 16's refusals
    "a site removed": (("A", "", False, ""), []),
    "a site removed, the same text": (("A", "Services", False, ""), []),
    "a site removed, a new text unconfirmed": (("A", NARROWER, False, ""), [REWRITES]),
    "nothing named": (("", "", False, ""), [NOTHING]),
    "the same sites": (("A+branch", "", False, ""), [NOTHING]),
    "the same text": (("", "Services", False, ""), [NOTHING]),
    "the same text, other spacing": (("", " Services\r\n", False, ""), [NOTHING]),
    "a site added for one removed": (("A+annex", "", False, ""), [ADDS]),
    "a site added to all": (("A+branch+annex", "", True, WHY), [ADDS]),
    "a site added and a new text": (("A+branch+annex", NARROWER, False, ""), [ADDS, REWRITES]),
    "a new text unconfirmed": (("", NARROWER, False, ""), [REWRITES]),
    "a new text confirmed without why": (("", NARROWER, True, ""), [REWRITES]),
    "a new text confirmed, blank why": (("", NARROWER, True, " \r\n "), [REWRITES]),
    "a new text explained, unconfirmed": (("", NARROWER, False, WHY), [REWRITES]),
    "a wider text unconfirmed": (("", WIDER, False, ""), [REWRITES]),
    "a new text confirmed and explained": (("", NARROWER, True, WHY), []),
    "a site removed, a new text confirmed and explained": (("A", NARROWER, True, f" {WHY} "), []),
}


@pytest.mark.parametrize(("case", "expected"), list(REDUCTIONS.values()), ids=list(REDUCTIONS))
def test_rule_16_a_reduction_only_reduces(world, qms, decider, certified, case, expected):
    sites_key, scope, narrows, why = case
    annex = factories.SiteFactory(organisation=world.org_a, name="A annex")
    named = {"site_a": world.site_a, "branch": certified.branch, "annex": annex}
    decision = content(
        K.SCOPE_REDUCTION,
        REDUCED_ON,
        sites=tuple(named[key] for key in SITES[sites_key]),
        scope=scope,
        **{
            name: value for name, value in (("narrows_scope", narrows), ("scope_justification", why)) if value
        },
    )
    if expected:
        assert [(b.rule, b.message) for b in refused(decider, certified, qms, decision)] == [
            (16, message) for message in expected
        ]
        assert not Decision.objects.filter(kind=K.SCOPE_REDUCTION).exists()
        return
    revision = decide(decider, certified, qms, decision).revision
    kept = [world.site_a] if sites_key == "A" else [world.site_a, certified.branch]
    assert (revision.scope, set(certified_sites(revision))) == (scope.strip() or "Services", set(kept))
    assert revision.decision.scope_justification == why.strip()


def test_rule_16_a_narrower_text_keeps_its_justification_in_the_history(world, qms, decider, certified):
    decision = content(
        K.SCOPE_REDUCTION, REDUCED_ON, scope=NARROWER, narrows_scope=True, scope_justification=WHY
    )
    revision = decide(decider, certified, qms, decision).revision
    assert (
        transitions_of(revision).get().reason
        == f"Drafted by the reduction of scope decision. The scope text narrows: {WHY}"
    )


def test_rule_16_a_refusal_to_reduce_records_whatever_text(world, qms, decider, certified):
    """A refusal drafts nothing: rule 16 looks at what a grant would certify."""
    decision = content(K.SCOPE_REDUCTION, REDUCED_ON, outcome=REFUSE, scope=WIDER)
    recorded = decide(decider, certified, qms, decision)
    assert (recorded.outcome, hasattr(recorded, "revision")) == (REFUSE, False)


def test_an_extension_of_scope_takes_the_programmes_new_scope_and_sites(world, qms, decider, certified):
    annex = factories.SiteFactory(organisation=world.org_a, name="A annex", headcount=3)
    programme_services.programme_update(
        actor=world.cert_manager,
        programme=certified,
        scope=dataclasses.replace(PROGRAMME_SCOPE, scope="Services and training"),
        sites=[world.site_a, certified.branch, annex],
        iaf_codes=list(IAFCode.objects.filter(code=37)),
    )
    extension = fieldwork_services.audit_add(
        actor=world.cert_manager,
        programme=certified,
        kind=AuditKind.SPECIAL_SCOPE_EXTENSION,
        starts_on=datetime.date(2024, 4, 2),
        ends_on=datetime.date(2024, 4, 2),
        planned_days=Decimal("1.0"),
        on_site_days=Decimal("1.0"),
        purpose="The client added training at its annex.",
    )
    reported(extension)
    qualify(world, decider, qms, codes=IAFCode.objects.filter(code=37))
    revision = decide(decider, certified, qms, content(K.SCOPE_EXTENSION, REDUCED_ON)).revision
    assert revision.scope == "Services and training"
    assert set(certified_sites(revision)) == {world.site_a, certified.branch, annex}
    assert [code.code for code in revision.iaf_codes.all()] == [37]
    assert (revision.expiry_on, revision.cycle_started_on) == (EXPIRY, INITIAL_ON)


@pytest.mark.parametrize("named", [False, True])
def test_a_temporary_site_is_certified_only_when_the_decision_names_it(world, qms, decider, named):
    works = factories.SiteFactory(organisation=world.org_a, name="Bridge works", kind=SiteKind.TEMPORARY)
    programme = ready(world, [qms], sites=[world.site_a, works])
    sites = (world.site_a, works) if named else ()
    revision = decide(
        decider, programme, qms, content(decided_on=stage2_end(programme), sites=sites)
    ).revision
    # without naming them, the programme's permanent sites only
    assert set(certified_sites(revision)) == ({world.site_a, works} if named else {world.site_a})


def test_rule_15_a_withdrawn_certificate_is_not_revised(world, qms, decider, certified):
    certificate = certificate_of(world)
    Certificate.objects.filter(pk=certificate.pk).update(status=CertificateStatus.WITHDRAWN)
    found = refused(decider, certified, qms, content(K.RECERTIFICATION, datetime.date(2026, 2, 15)))
    assert [(b.rule, b.url) for b in found] == [(15, certificate.get_absolute_url())]


def test_a_review_passed_with_an_initial_decision_is_ignored(world, qms, decider):
    """Only a transfer reads the pre-transfer review: an initial certificate keeps its own dates."""
    programme = ready(world, [qms])
    accepted = review(world, programme, qms)
    decided_on = timezone.localdate()
    decision = decide(decider, programme, qms, content(K.INITIAL, decided_on, transfer_review=accepted))
    assert decision.transfer_review is None
    assert decision.certificate.original_certified_on == decided_on
