"""Planning one audit (audits/services/audits.py): dates and time, coverage, refusals, the log."""

import datetime
from decimal import Decimal as D

import pytest

from audits.enums import AssignmentStatus, AuditKind, AuditStatus, ProgrammeStatus, TeamRole
from audits.services import audits as services
from audits.services import programmes as programme_services
from audits.services import teams as team_services
from core.errors import NotAllowed
from core.models import Transition
from tests import factories
from tests.audits.test_programme_services import STAGE1, audits_of, open_programme
from tests.audits.test_team_services import staffed


def plan(world, audit, **changes):
    actor = changes.pop("actor", world.cert_manager)
    values = {
        "starts_on": audit.starts_on,
        "ends_on": audit.ends_on,
        "planned_days": audit.planned_days,
        "on_site_days": audit.on_site_days,
        "days_justification": audit.days_justification,
        "short_notice": audit.short_notice,
    } | changes
    return services.audit_plan(actor=actor, audit=audit, **values)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_on": STAGE1 - datetime.timedelta(days=1)}, "cannot end before it starts"),
        ({"planned_days": D("1.3"), "on_site_days": D("1.0"), "days_justification": "x"}, "half days"),
        ({"on_site_days": D("0.5")}, r"80% of the audit time is spent on site: 1\.0 of 1\.0"),
        ({"planned_days": D("2.0"), "on_site_days": D("2.0")}, r"suggested time is 1\.0 days"),
        ({"on_site_days": D("1.5")}, "cannot exceed the planned time"),
        ({"ends_on": STAGE1 + datetime.timedelta(days=93)}, "at most 92 days from its first day to its last"),
    ],
)
def test_audit_plan_refuses_with_the_rule_and_changes_nothing(world, qms, changes, message):
    programme = open_programme(world, [qms])
    stage1 = audits_of(programme)[AuditKind.STAGE1]
    before = Transition.objects.count()
    with pytest.raises(programme_services.ProgrammeError, match=message):
        plan(world, stage1, **changes)
    stage1.refresh_from_db()
    assert (stage1.starts_on, stage1.ends_on, stage1.planned_days, stage1.on_site_days) == (
        STAGE1,
        STAGE1,
        D("1.0"),
        D("1.0"),
    )
    assert Transition.objects.count() == before


def test_rule_31_refuses_an_initial_audit_after_the_editions_last_day(world):
    edition = factories.EditionFactory(last_initial_audit_on=datetime.date(2027, 6, 30))
    programme = open_programme(world, [edition])
    stage2 = audits_of(programme)[AuditKind.STAGE2]
    with pytest.raises(programme_services.ProgrammeError, match="no longer accepts initial"):
        plan(world, stage2, starts_on=datetime.date(2027, 7, 1), ends_on=datetime.date(2027, 7, 1))
    plan(world, stage2, starts_on=datetime.date(2027, 6, 30), ends_on=datetime.date(2027, 6, 30))


def test_a_new_date_is_logged_unconfirms_the_team_and_sends_the_programme_back(world, qms):
    programme = open_programme(world, [qms])
    stage1 = audits_of(programme)[AuditKind.STAGE1]
    staffed(world, stage1)
    team_services.team_confirm(actor=world.cert_manager, audit=stage1)
    programme_services.programme_approve(actor=world.cert_manager, programme=programme)
    later = STAGE1 + datetime.timedelta(days=7)

    audit = plan(world, stage1, starts_on=later, ends_on=later)

    assert audit.status == AuditStatus.PLANNED and audit.team_notified_on is None
    moved = Transition.objects.get(object_id=audit.pk, field="starts_on")
    assert (moved.from_state, moved.to_state, moved.actor) == (str(STAGE1), str(later), world.cert_manager)
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.DRAFT


def test_planning_again_with_the_same_values_changes_nothing(world, qms):
    programme = open_programme(world, [qms])
    stage1 = audits_of(programme)[AuditKind.STAGE1]
    before = Transition.objects.count()
    plan(world, stage1)
    assert Transition.objects.count() == before


def test_only_planners_plan(world, qms):
    programme = open_programme(world, [qms])
    stage1 = audits_of(programme)[AuditKind.STAGE1]
    with pytest.raises(NotAllowed, match="certification managers"):
        plan(world, stage1, actor=world.auditor, short_notice=True)
    with pytest.raises(NotAllowed):
        services.programme_coverage_set(actor=world.qm_a, programme=programme, coverage={})
    with pytest.raises(NotAllowed):
        services.audit_sites_draw(actor=world.other_cb_manager, audit=stage1, chosen_on_risk=[])


def test_coverage_accepts_only_the_programmes_clauses_for_its_surveillances(world, qms, ems):
    programme = open_programme(world, [qms])
    audits = audits_of(programme)
    s1, stage2 = audits[AuditKind.SURVEILLANCE_1], audits[AuditKind.STAGE2]
    foreign = ems.clauses.filter(assessable=True).first()
    with pytest.raises(programme_services.ProgrammeError, match="clauses of the programme's editions"):
        services.programme_coverage_set(
            actor=world.cert_manager, programme=programme, coverage={s1.pk: {foreign.pk}}
        )
    with pytest.raises(programme_services.ProgrammeError):
        services.programme_coverage_set(
            actor=world.cert_manager, programme=programme, coverage={stage2.pk: set()}
        )
    own = set(qms.clauses.filter(assessable=True).values_list("pk", flat=True))
    services.programme_coverage_set(actor=world.cert_manager, programme=programme, coverage={s1.pk: own})
    assert set(s1.clauses.values_list("pk", flat=True)) == own
    logged = Transition.objects.get(object_id=s1.pk, field="clauses")
    assert logged.to_state == f"{len(own)} clauses"


def test_a_team_member_withdrawn_after_confirmation_unconfirms_the_team(world, qms):
    programme = open_programme(world, [qms])
    stage1 = audits_of(programme)[AuditKind.STAGE1]
    staffed(world, stage1)
    team_services.team_confirm(actor=world.cert_manager, audit=stage1)
    extra = team_services.team_assign(
        actor=world.cert_manager, audit=stage1, user=world.other_auditor, role=TeamRole.OBSERVER
    )
    stage1.refresh_from_db()
    assert stage1.status == AuditStatus.PLANNED
    assert Transition.objects.filter(
        object_id=stage1.pk, field="status", to_state=AuditStatus.PLANNED
    ).exists()
    assert extra.status == AssignmentStatus.ACTIVE
