"""The access rules of audits/access.py and improvement/access.py: who sees and changes gap analyses,
programmes and audits, per persona."""

import pytest
from django.contrib.auth.models import AnonymousUser

from audits import access
from audits.enums import AuditKind, TeamRole
from audits.services import teams as team_services
from improvement import access as improvement_access
from improvement.services import gap as gap_services
from organisations.enums import CBRole
from tests import factories
from tests.audits.test_programme_services import open_programme


@pytest.fixture
def records(world, qms):
    analysis = gap_services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title="Baseline", editions=[qms], sites=[]
    )
    return analysis, open_programme(world, [qms])


# persona: (sees the analysis unshared, shared; writes it; sees the programme; plans it)
MATRIX = {
    "qm_a": (True, True, True, True, False),
    "contributor_a": (True, True, True, True, False),
    "viewer_a": (True, True, False, True, False),
    "qm_b": (False, False, False, False, False),
    "auditor": (False, True, False, False, False),  # on no team of the programme: need to know
    "cert_manager": (False, True, False, True, True),
    "other_cb_manager": (False, False, False, False, False),
    "staff": (False, False, False, True, False),
}


@pytest.mark.parametrize("persona", MATRIX)
def test_who_sees_and_changes_what(world, records, persona):
    analysis, programme = records
    user = getattr(world, persona)
    sees_unshared, sees_shared, writes, sees_programme, plans = MATRIX[persona]

    assert improvement_access.gap_analyses_for(user).filter(pk=analysis.pk).exists() is sees_unshared
    assert improvement_access.gap_analyses_rw_for(user).filter(pk=analysis.pk).exists() is writes
    assert improvement_access.can_write_gap_analysis(user, world.org_a) is writes
    gap_services.gap_analysis_share(actor=world.qm_a, analysis=analysis, shared=True)
    assert improvement_access.gap_analyses_for(user).filter(pk=analysis.pk).exists() is sees_shared

    assert access.programmes_for(user).filter(pk=programme.pk).exists() is sees_programme
    assert access.audits_for(user).filter(programme=programme).count() == (5 if sees_programme else 0)
    assert access.programmes_rw_for(user).filter(pk=programme.pk).exists() is plans
    assert access.audits_rw_for(user).filter(programme=programme).count() == (5 if plans else 0)
    assert access.can_plan(user, world.cb) is plans
    assert (world.org_a in access.plannable_clients(user)) is plans


def test_auditors_see_only_the_audits_whose_team_includes_them(world, records):
    _analysis, programme = records
    stage1, stage2 = programme.audits.get(kind=AuditKind.STAGE1), programme.audits.get(kind=AuditKind.STAGE2)
    team_services.team_assign(actor=world.cert_manager, audit=stage1, user=world.auditor, role=TeamRole.LEAD)

    assert list(access.audits_for(world.auditor).filter(programme=programme)) == [stage1]
    assert access.audits_for(world.auditor).get(pk=stage1.pk).user_role == TeamRole.LEAD
    assert access.programmes_for(world.auditor).filter(pk=programme.pk).exists()
    assert not access.audits_for(world.other_auditor).filter(programme=programme).exists()
    assert not access.programmes_for(world.other_auditor).filter(pk=programme.pk).exists()
    assert access.can_lead(world.auditor, stage1) and not access.can_lead(world.auditor, stage2)
    assert access.can_log_findings(world.auditor, stage1) and not access.can_log_findings(
        world.other_auditor, stage1
    )
    # a reviewer of the CB sees every audit, and reviews; the lead reviews their own audit
    reviewer = factories.CBMembershipFactory(certification_body=world.cb, role=CBRole.REVIEWER).user
    assert access.audits_for(reviewer).filter(programme=programme).count() == 5
    assert access.can_review(reviewer, stage2) and access.can_review(world.auditor, stage1)
    assert not access.can_review(world.other_auditor, stage1) and not access.can_review(world.qm_a, stage1)
    # leaving the team ends the access
    assignment = stage1.assignments.get(user=world.auditor)
    team_services.team_withdraw(actor=world.cert_manager, assignment=assignment, reason="Rotation")
    assert not access.audits_for(world.auditor).filter(pk=stage1.pk).exists()


def test_a_completed_analysis_is_no_longer_writable(world, records):
    analysis, _programme = records
    gap_services.gap_analysis_complete(actor=world.qm_a, analysis=analysis)
    assert not improvement_access.gap_analyses_rw_for(world.qm_a).filter(pk=analysis.pk).exists()
    assert improvement_access.gap_analyses_for(world.qm_a).filter(pk=analysis.pk).exists()


def test_only_the_quality_manager_concludes_and_objects(world):
    assert improvement_access.can_conclude_gap_analysis(world.qm_a, world.org_a)
    assert not improvement_access.can_conclude_gap_analysis(world.contributor_a, world.org_a)
    assert access.can_object_to_team(world.qm_a, world.org_a)
    assert not access.can_object_to_team(world.viewer_a, world.org_a)
    assert not access.can_object_to_team(world.cert_manager, world.org_a)


def test_only_the_member_on_the_team_declares(world, records):
    _analysis, programme = records
    audit = programme.audits.get(kind=AuditKind.STAGE1)
    assignment = team_services.team_assign(
        actor=world.cert_manager, audit=audit, user=world.auditor, role=TeamRole.LEAD
    )
    assert access.can_declare(world.auditor, assignment)
    assert not access.can_declare(world.cert_manager, assignment)
    team_services.team_withdraw(actor=world.cert_manager, assignment=assignment, reason="Ill")
    assignment.refresh_from_db()
    assert not access.can_declare(world.auditor, assignment)


def test_anonymous_and_inactive_users_see_nothing(world, records):
    world.cert_manager.is_active = False
    world.cert_manager.save()
    for user in (AnonymousUser(), world.cert_manager):
        assert not improvement_access.gap_analyses_for(user).exists()
        assert not access.programmes_for(user).exists()
        assert not access.audits_for(user).exists()
        assert not access.planning_bodies(user).exists()
