import datetime
from decimal import Decimal

import pytest

from audits import audit_time
from audits.enums import CYCLE_KINDS, AuditKind, ProgrammeStatus, SiteSelection
from audits.models.programme import ProgrammeScope
from audits.selectors.programme_checks import programme_problems
from audits.selectors.programmes import time_sheet
from audits.services import audits as audit_services
from audits.services import programmes as services
from core.errors import NotAllowed
from core.models import Transition
from standards.enums import EditionKind
from standards.services import audit_time_table_load
from standards.time_tables import Row
from tests import factories
from tests.audits.conftest import make_edition

STAGE1 = datetime.date(2027, 3, 1)
D = Decimal


def scope(**changes) -> ProgrammeScope:
    return ProgrammeScope(
        **{"scope": "Digital public services", "headcount": 40, "effective_personnel": 40} | changes
    )


def open_programme(world, editions, sites=None, stage1_on=STAGE1, **changes):
    return services.programme_open(
        actor=world.cert_manager,
        certification_body=world.cb,
        organisation=world.org_a,
        editions=editions,
        sites=sites or [world.site_a],
        iaf_codes=[],
        stage1_on=stage1_on,
        scope=scope(**changes),
    )


def audits_of(programme) -> dict:
    return {a.kind: a for a in programme.audits.all()}


def test_open_plans_the_cycle_with_the_worked_example_times(world, qms):
    programme = open_programme(world, [qms])
    audits = audits_of(programme)
    assert time_sheet(programme).initial_days == D("4.0")  # 40 people, QMS table (DOMAIN §3.7)
    assert [audits[k].planned_days for k in CYCLE_KINDS] == [
        D("1.0"),
        D("3.0"),
        D("1.5"),
        D("1.5"),
        D("2.5"),
    ]
    assert audits[AuditKind.STAGE2].starts_on == datetime.date(2027, 3, 31)
    assert audits[AuditKind.STAGE1].ends_on == STAGE1  # one day
    assert Transition.objects.filter(object_id=programme.pk, to_state=ProgrammeStatus.DRAFT).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"certifiable": False, "kind": EditionKind.GUIDANCE}, "gives guidance only"),
        ({"last_initial_audit_on": datetime.date(2027, 2, 28)}, "no longer accepts initial"),
    ],
)
def test_rules_31_and_32_refuse_the_edition(world, changes, message):
    edition = factories.EditionFactory(**changes)
    with pytest.raises(services.ProgrammeError, match=message):
        open_programme(world, [edition])
    assert not world.cb.programmes.exists()


def test_last_initial_audit_day_itself_is_still_allowed(world):
    edition = factories.EditionFactory(standard__code="ISO 9001", last_initial_audit_on=STAGE1)
    assert open_programme(world, [edition]).programme_editions.count() == 1


@pytest.mark.parametrize("persona", ["auditor", "qm_a", "other_cb_manager", "staff"])
def test_only_the_cbs_planners_open_programmes(world, qms, persona):
    with pytest.raises(NotAllowed, match="certification managers"):
        services.programme_open(
            actor=getattr(world, persona),
            certification_body=world.cb,
            organisation=world.org_a,
            editions=[qms],
            sites=[world.site_a],
            iaf_codes=[],
            stage1_on=STAGE1,
            scope=scope(),
        )


def test_a_programme_needs_a_client_of_the_cb(world, qms):
    with pytest.raises(services.ProgrammeError, match="not a client"):
        services.programme_open(
            actor=world.cert_manager,
            certification_body=world.cb,
            organisation=world.org_b,
            editions=[qms],
            sites=[world.site_b],
            iaf_codes=[],
            stage1_on=STAGE1,
            scope=scope(),
        )


def test_reduced_personnel_needs_a_justification(world, qms):
    with pytest.raises(services.ProgrammeError, match="Justify an effective personnel"):
        open_programme(world, [qms], effective_personnel=20)
    programme = open_programme(
        world, [qms], effective_personnel=20, personnel_justification="Part-timers as FTE"
    )
    assert time_sheet(programme).initial_days == D("3.0")


def test_multi_site_needs_the_central_function(world, qms):
    other = factories.SiteFactory(organisation=world.org_a, name="Branch")
    another = factories.SiteFactory(organisation=world.org_a, name="Branch 2")
    with pytest.raises(services.ProgrammeError, match="central function"):
        open_programme(world, [qms], sites=[other, another])


def test_adjustments_reduce_within_the_cap_and_record_why(world, qms):
    programme = open_programme(world, [qms])
    pe = programme.programme_editions.get()
    services.programme_edition_time_set(
        actor=world.cert_manager,
        programme_edition=pe,
        complexity="all",
        adjustments=[audit_time.Adjustment("No design and development", D(-10))],
        override_days=None,
        override_justification="",
    )
    programme.refresh_from_db()
    assert time_sheet(programme).initial_days == D("3.5")  # 4.0 × 0.9 = 3.6 → 3.5
    assert audits_of(programme)[AuditKind.SURVEILLANCE_1].planned_days == D("1.0")  # 3.5 / 3 = 1.17 → 1.0
    log = Transition.objects.get(field="initial_days", object_id=pe.pk)
    assert (log.from_state, log.to_state, log.reason) == ("4.0", "3.5", "-10% No design and development")
    with pytest.raises(services.ProgrammeError, match="at most 30%"):
        services.programme_edition_time_set(
            actor=world.cert_manager,
            programme_edition=pe,
            complexity="all",
            adjustments=[audit_time.Adjustment("Mature", D(-20)), audit_time.Adjustment("Small", D(-15))],
            override_days=None,
            override_justification="",
        )
    assert pe.adjustments.count() == 1


def test_integrated_programme_sums_then_reduces_at_most_20_percent(world, qms, ems):
    programme = open_programme(
        world,
        [qms, ems],
        is_integrated=True,
        integration_reduction_percent=D(20),
        integration_reason="One system",
    )
    # QMS 4.0 + EMS (40 people, high column) 7.0 = 11.0; −20% = 8.8 → 9.0
    assert [item.result.days for item in time_sheet(programme).editions] == [D("4.0"), D("7.0")]
    assert time_sheet(programme).initial_days == D("9.0")
    with pytest.raises(services.ProgrammeError, match="integrated system"):
        open_programme(world, [qms, ems], integration_reduction_percent=D(10), integration_reason="x")


def test_a_loaded_table_serves_a_standard_without_a_built_in_one(world):
    bcms = make_edition("ISO 22301", 2019, [("8", "Operation", ""), ("8.1", "Planning", "")])
    programme = open_programme(world, [bcms])
    assert time_sheet(programme).initial_days is None
    assert "No audit-time table for ISO 22301" in programme_problems(programme)[0]
    audit_time_table_load(
        standard=bcms.standard,
        title="CB table BCMS",
        source="CB procedure 12",
        rows=[Row("all", 1, 25, D("2.5")), Row("all", 26, 100, D("4.5"))],
    )
    services.programme_edition_time_set(
        actor=world.cert_manager,
        programme_edition=programme.programme_editions.get(),
        complexity="all",
        adjustments=[],
        override_days=None,
        override_justification="",
    )
    programme.refresh_from_db()
    assert time_sheet(programme).initial_days == D("4.5")


def test_approval_runs_the_checks_then_records_the_state(world, qms):
    programme = open_programme(world, [qms])
    assert programme_problems(programme) == []
    services.programme_approve(actor=world.cert_manager, programme=programme)
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.APPROVED
    audit_services.audit_plan(
        actor=world.cert_manager,
        audit=audits_of(programme)[AuditKind.STAGE1],
        starts_on=STAGE1,
        ends_on=STAGE1,
        planned_days=D("1.0"),
        on_site_days=D("1.0"),
        days_justification="",
        short_notice=True,
    )
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.DRAFT
    assert list(
        Transition.objects.filter(object_id=programme.pk, field="status").values_list("to_state", flat=True)
    ) == [
        "draft",
        "approved",
        "draft",
    ]


def _move(world, audit, day, days=None):
    return audit_services.audit_plan(
        actor=world.cert_manager,
        audit=audit,
        starts_on=day,
        ends_on=day,
        planned_days=days or audit.planned_days,
        on_site_days=days or audit.on_site_days,
        days_justification="Client asked" if days else "",
        short_notice=False,
    )


def test_rule_11_each_calendar_year_needs_a_surveillance(world, qms):
    programme = open_programme(world, [qms])
    programme = services.programme_cycle_start(
        actor=None, programme=programme, decided_on=datetime.date(2027, 12, 15)
    )
    audits = audits_of(programme)
    # moved inside the window but into 2029: 2028 has none; the window check flags it too
    _move(world, audits[AuditKind.SURVEILLANCE_1], datetime.date(2028, 12, 10))
    _move(world, audits[AuditKind.SURVEILLANCE_2], datetime.date(2029, 12, 1))
    assert programme_problems(programme) == []
    _move(world, audits[AuditKind.SURVEILLANCE_2], datetime.date(2028, 12, 12))
    problems = programme_problems(programme)
    assert "No surveillance audit is planned in 2029: every calendar year of the cycle needs one." in problems
    with pytest.raises(services.ProgrammeError, match="2029"):
        services.programme_approve(actor=world.cert_manager, programme=programme)


def test_first_surveillance_window_closes_12_months_after_the_decision(world, qms):
    programme = open_programme(world, [qms])
    programme = services.programme_cycle_start(
        actor=None, programme=programme, decided_on=datetime.date(2028, 2, 29)
    )
    s1 = audits_of(programme)[AuditKind.SURVEILLANCE_1]
    assert s1.starts_on == datetime.date(2029, 1, 29)  # moved into its window: a month before
    _move(world, s1, datetime.date(2029, 3, 1))
    assert "Surveillance 1 must take place between 2028-11-28 and 2029-02-28." in programme_problems(
        programme
    )


def test_recertification_must_be_before_expiry(world, qms):
    programme = open_programme(world, [qms])
    programme = services.programme_cycle_start(
        actor=None, programme=programme, decided_on=datetime.date(2027, 5, 10)
    )
    recert = audits_of(programme)[AuditKind.RECERTIFICATION]
    _move(world, recert, datetime.date(2030, 5, 10))
    assert any(
        "Recertification must take place between 2029-11-10 and 2030-05-09" in p
        for p in programme_problems(programme)
    )


def test_planned_time_off_the_suggestion_needs_a_justification(world, qms):
    programme = open_programme(world, [qms])
    s1 = audits_of(programme)[AuditKind.SURVEILLANCE_1]
    with pytest.raises(services.ProgrammeError, match=r"suggested time is 1\.5 days"):
        audit_services.audit_plan(
            actor=world.cert_manager,
            audit=s1,
            starts_on=s1.starts_on,
            ends_on=s1.ends_on,
            planned_days=D("1.0"),
            on_site_days=D("1.0"),
            days_justification="",
            short_notice=False,
        )
    with pytest.raises(services.ProgrammeError, match="80% of the audit time"):
        audit_services.audit_plan(
            actor=world.cert_manager,
            audit=s1,
            starts_on=s1.starts_on,
            ends_on=s1.ends_on,
            planned_days=D("2.5"),
            on_site_days=D("1.5"),
            days_justification="Larger scope",
            short_notice=False,
        )
    s1.refresh_from_db()
    assert (s1.planned_days, s1.on_site_days) == (D("1.5"), D("1.5"))


def test_coverage_defaults_split_the_system_and_keep_the_mandatory_clauses(world, qms):
    programme = open_programme(world, [qms])
    audits = audits_of(programme)
    numbers = {k: sorted(audits[k].clauses.values_list("number", flat=True)) for k in CYCLE_KINDS}
    assert numbers[AuditKind.STAGE2] == ["4.1", "4.2", "8.3", "9.2"]
    assert numbers[AuditKind.SURVEILLANCE_1] == ["4.1", "4.2", "9.2"]
    assert numbers[AuditKind.SURVEILLANCE_2] == ["8.3", "9.2"]
    services_coverage = {
        audits[AuditKind.SURVEILLANCE_1].pk: set(),
        audits[AuditKind.SURVEILLANCE_2].pk: set(),
    }
    audit_services.programme_coverage_set(
        actor=world.cert_manager, programme=programme, coverage=services_coverage
    )
    assert Transition.objects.filter(field="clauses", to_state="0 clauses").count() == 2
    problems = programme_problems(programme)
    assert any(p.startswith("No surveillance covers ISO 9001:2015 4.1") for p in problems)
    assert any("Surveillance 1 must look at internal audit" in p for p in problems)


def _multi_site(world, qms, count, **changes):
    sites = [world.site_a] + [
        factories.SiteFactory(organisation=world.org_a, name=f"Office {n}", headcount=10)
        for n in range(count)
    ]
    return open_programme(world, [qms], sites=sites, **changes), sites


def test_sites_are_drawn_with_the_central_function_and_the_seed_recorded(world, qms):
    programme, sites = _multi_site(world, qms, 9)
    assert "Draw the sites of Stage 1." in programme_problems(programme)
    audits = audits_of(programme)
    initial = audit_services.audit_sites_draw(
        actor=world.cert_manager, audit=audits[AuditKind.STAGE2], chosen_on_risk=[sites[1]], seed=7
    )
    chosen = {s.site_id: s.selection for s in initial.audit_sites.all()}
    assert len(chosen) == 1 + 3  # central + ⌈√9⌉
    assert chosen[world.site_a.pk] == SiteSelection.CENTRAL_FUNCTION
    assert chosen[sites[1].pk] == SiteSelection.RISK
    assert sorted(chosen.values()).count(SiteSelection.RANDOM) == 2
    again = audit_services.audit_sites_draw(
        actor=world.cert_manager, audit=audits[AuditKind.STAGE2], chosen_on_risk=[sites[1]], seed=7
    )
    assert {s.site_id for s in again.audit_sites.all()} == set(chosen)  # reproducible from the seed
    assert (
        Transition.objects.filter(field="sites", object_id=initial.pk, reason__startswith="seed 7: ").count()
        == 2
    )
    surveillance = audit_services.audit_sites_draw(
        actor=world.cert_manager, audit=audits[AuditKind.SURVEILLANCE_1], chosen_on_risk=[], seed=1
    )
    assert surveillance.audit_sites.count() == 1 + 2  # ⌈0.6 × 3⌉ = 2


def test_risk_choices_leave_a_quarter_to_chance(world, qms):
    programme, sites = _multi_site(world, qms, 9)
    with pytest.raises(services.ProgrammeError, match="at least 1 must be drawn at random"):
        audit_services.audit_sites_draw(
            actor=world.cert_manager,
            audit=audits_of(programme)[AuditKind.STAGE2],
            chosen_on_risk=sites[1:4],
        )


def test_without_sampling_every_site_initially_and_30_percent_in_surveillance(world, qms):
    programme, _sites = _multi_site(world, qms, 9, sampling_appropriate=False)
    audits = audits_of(programme)
    stage2 = audit_services.audit_sites_draw(
        actor=world.cert_manager, audit=audits[AuditKind.STAGE2], chosen_on_risk=[]
    )
    assert stage2.audit_sites.count() == 10 and stage2.sample_seed is None
    s1 = audit_services.audit_sites_draw(
        actor=world.cert_manager, audit=audits[AuditKind.SURVEILLANCE_1], chosen_on_risk=[]
    )
    s2 = audit_services.audit_sites_draw(
        actor=world.cert_manager, audit=audits[AuditKind.SURVEILLANCE_2], chosen_on_risk=[]
    )
    first = set(s1.audit_sites.exclude(site=world.site_a).values_list("site_id", flat=True))
    second = set(s2.audit_sites.exclude(site=world.site_a).values_list("site_id", flat=True))
    assert len(first) == len(second) == 3  # ⌈0.3 × 9⌉
    assert not first & second  # the second surveillance visits other sites


def test_per_site_reduction_is_capped_at_50_percent(world, qms):
    programme, _sites = _multi_site(
        world, qms, 3, site_reduction_percent=D(25), site_reduction_reason="Central HR"
    )
    pe = programme.programme_editions.get()
    services.programme_edition_time_set(
        actor=world.cert_manager,
        programme_edition=pe,
        complexity="all",
        adjustments=[audit_time.Adjustment("Low risk", D(-30))],
        override_days=None,
        override_justification="",
    )
    sheet = time_sheet(programme, with_sites=True)
    assert all("at most 50%" in problem for _site, _days, problem in sheet.sites)
    programme = services.programme_update(
        actor=world.cert_manager,
        programme=programme,
        sites=list(programme.sites.all()),
        iaf_codes=[],
        scope=scope(site_reduction_percent=D(20), site_reduction_reason="Central HR"),
    )
    sheet = time_sheet(programme, with_sites=True)
    # each office: 10 people → 2.0 days table, −50% → 1.0
    assert [days for site, days, _p in sheet.sites if not site.is_central_function] == [D("1.0")] * 3


def test_draws_go_stale_when_the_scope_loses_a_site(world, qms):
    programme, sites = _multi_site(world, qms, 3)
    for audit in programme.audits.all():
        audit_services.audit_sites_draw(actor=world.cert_manager, audit=audit, chosen_on_risk=[], seed=3)
    assert programme_problems(programme) == []
    services.programme_update(
        actor=world.cert_manager, programme=programme, sites=sites[:2], iaf_codes=[], scope=scope()
    )
    stale = [p for p in programme_problems(programme) if "no longer in scope" in p]
    assert "Some sites drawn for Stage 2 are no longer in scope: draw again." in stale
