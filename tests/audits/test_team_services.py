import datetime

import pytest
from django.core import mail

from audits.enums import AssignmentStatus, AuditKind, AuditStatus, Declaration, TeamRole
from audits.models import Audit, ConsultancyRecord
from audits.services import teams as services
from core.errors import NotAllowed
from core.models import Transition
from improvement.services import gap as gap_services
from organisations.enums import CBRole, OrganisationRole
from tests import factories
from tests.audits.test_programme_services import open_programme

AUDIT_DAY = datetime.date(2027, 3, 1)


@pytest.fixture
def stage1(world, qms):
    world.org_a.iaf_codes.set([36])
    programme = open_programme(world, [qms])
    programme.iaf_codes.set([36])
    return programme.audits.get(kind=AuditKind.STAGE1)


def qualify(world, user, *, lead=False, codes=(36,), until=datetime.date(2027, 12, 31), standard=None):
    qualification = factories.QualificationFactory(
        user=user,
        certification_body=world.cb,
        standard=standard or factories.StandardFactory(code="ISO 9001"),
        is_lead_auditor=lead,
        valid_until=until,
    )
    qualification.iaf_codes.set(codes)
    return qualification


def declared(assignment, conflict=False, note=""):
    return services.team_declare(actor=assignment.user, assignment=assignment, conflict=conflict, note=note)


def staffed(world, stage1):
    qualify(world, world.auditor, lead=True)
    lead = services.team_assign(
        actor=world.cert_manager, audit=stage1, user=world.auditor, role=TeamRole.LEAD
    )
    declared(lead)
    return lead


def test_a_qualified_declared_team_is_confirmed_and_logged(world, stage1):
    staffed(world, stage1)
    audit = services.team_confirm(actor=world.cert_manager, audit=stage1)
    assert audit.status == AuditStatus.TEAM_ASSIGNED
    assert Transition.objects.filter(object_id=audit.pk, field="status", to_state="team_assigned").exists()


@pytest.mark.parametrize(
    ("arrange", "problem"),
    [
        (lambda w: qualify(w, w.auditor, lead=False), "holds no lead-auditor qualification"),
        (
            lambda w: qualify(w, w.auditor, lead=True, codes=(38,)),
            r"No valid qualification covers IAF code\(s\) 36",
        ),
        (
            lambda w: qualify(w, w.auditor, lead=True, until=AUDIT_DAY - datetime.timedelta(days=1)),
            "no qualification valid on every audit day",
        ),
        (lambda w: None, "Nobody on the team is qualified for ISO 9001"),
    ],
)
def test_rule_22_competence_blocks_confirmation(world, stage1, arrange, problem):
    arrange(world)
    lead = services.team_assign(
        actor=world.cert_manager, audit=stage1, user=world.auditor, role=TeamRole.LEAD
    )
    declared(lead)
    with pytest.raises(services.TeamError, match=problem):
        services.team_confirm(actor=world.cert_manager, audit=stage1)
    stage1.refresh_from_db()
    assert stage1.status == AuditStatus.PLANNED


def test_the_lead_is_qualified_on_the_last_audit_day_too(world, stage1):
    qualify(world, world.auditor, lead=True, until=AUDIT_DAY)
    declared(
        services.team_assign(actor=world.cert_manager, audit=stage1, user=world.auditor, role=TeamRole.LEAD)
    )
    assert services.team_confirm(actor=world.cert_manager, audit=stage1).status == AuditStatus.TEAM_ASSIGNED


def test_undeclared_or_conflicted_members_block_confirmation(world, stage1):
    qualify(world, world.auditor, lead=True)
    lead = services.team_assign(
        actor=world.cert_manager, audit=stage1, user=world.auditor, role=TeamRole.LEAD
    )
    with pytest.raises(services.TeamError, match="has not declared conflicts of interest"):
        services.team_confirm(actor=world.cert_manager, audit=stage1)
    with pytest.raises(services.TeamError, match="Describe the conflict"):
        declared(lead, conflict=True)
    declared(lead, conflict=True, note="My sister runs their quality office")
    with pytest.raises(services.TeamError, match="declared a conflict of interest"):
        services.team_confirm(actor=world.cert_manager, audit=stage1)


def test_only_the_member_declares(world, stage1):
    lead = services.team_assign(
        actor=world.cert_manager, audit=stage1, user=world.auditor, role=TeamRole.LEAD
    )
    with pytest.raises(NotAllowed, match="Only the team member"):
        services.team_declare(actor=world.cert_manager, assignment=lead, conflict=False, note="")
    lead.refresh_from_db()
    assert lead.declaration == Declaration.PENDING


@pytest.mark.parametrize(
    ("ended_on", "refused"),
    [
        (datetime.date(2025, 3, 2), True),  # within 2 years of the audit on 2027-03-01
        (datetime.date(2025, 3, 1), False),  # exactly 2 years before: allowed again
    ],
)
def test_rule_23_consultancy_in_the_last_two_years(world, stage1, ended_on, refused):
    ConsultancyRecord.objects.create(
        organisation=world.org_a,
        user=world.auditor,
        description="Wrote the QMS manual",
        started_on=datetime.date(2024, 1, 1),
        ended_on=ended_on,
        recorded_by=world.cert_manager,
    )
    if refused:
        with pytest.raises(services.TeamError, match="advised this client until 2025-03-02"):
            services.team_assign(
                actor=world.cert_manager, audit=stage1, user=world.auditor, role=TeamRole.AUDITOR
            )
        assert not stage1.assignments.exists()
    else:
        services.team_assign(
            actor=world.cert_manager, audit=stage1, user=world.auditor, role=TeamRole.AUDITOR
        )
        assert stage1.assignments.count() == 1


def test_rule_23_authoring_the_gap_analysis_counts_as_consultancy(world, stage1, qms):
    former = factories.OrganisationMembershipFactory(
        organisation=world.org_a, role=OrganisationRole.CONTRIBUTOR
    ).user
    gap_services.gap_analysis_start(
        actor=former, organisation=world.org_a, title="Ours", editions=[qms], sites=[]
    )
    factories.CBMembershipFactory(user=former, certification_body=world.cb, role=CBRole.AUDITOR)
    with pytest.raises(services.TeamError, match="advised this client"):
        services.team_assign(actor=world.cert_manager, audit=stage1, user=former, role=TeamRole.AUDITOR)


def test_only_cb_staff_join_and_one_lead(world, stage1):
    with pytest.raises(services.TeamError, match="not on the CB's staff"):
        services.team_assign(
            actor=world.cert_manager, audit=stage1, user=world.other_cb_manager, role=TeamRole.AUDITOR
        )
    services.team_assign(actor=world.cert_manager, audit=stage1, user=world.auditor, role=TeamRole.LEAD)
    with pytest.raises(services.TeamError, match="already has a lead"):
        services.team_assign(
            actor=world.cert_manager, audit=stage1, user=world.other_auditor, role=TeamRole.LEAD
        )
    with pytest.raises(NotAllowed, match="certification managers"):
        services.team_assign(
            actor=world.auditor, audit=stage1, user=world.other_auditor, role=TeamRole.AUDITOR
        )


def test_rule_25_notice_mails_the_client_and_objection_needs_a_new_assignment(
    world, stage1, django_capture_on_commit_callbacks
):
    staffed(world, stage1)
    with pytest.raises(services.TeamError, match="Confirm the team"):
        services.team_notify(actor=world.cert_manager, audit=stage1)
    services.team_confirm(actor=world.cert_manager, audit=stage1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        audit = services.team_notify(actor=world.cert_manager, audit=stage1)
    assert audit.team_notified_on is not None
    assert [m.to for m in mail.outbox] == [[world.qm_a.email]]
    assert "Auditor, Lead auditor" in mail.outbox[0].body
    assignment = audit.assignments.get()
    with pytest.raises(NotAllowed, match="quality manager"):
        services.team_object(actor=world.viewer_a, assignment=assignment, reason="No")
    with pytest.raises(services.TeamError, match="Say why"):
        services.team_object(actor=world.qm_a, assignment=assignment, reason=" ")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.team_object(
            actor=world.qm_a, assignment=assignment, reason="He was our consultant's partner"
        )
    assignment.refresh_from_db()
    audit.refresh_from_db()
    assert assignment.status == AssignmentStatus.OBJECTED
    assert (audit.status, audit.team_notified_on) == (AuditStatus.PLANNED, None)
    assert mail.outbox[0].to == [world.cert_manager.email]
    assert "He was our consultant's partner" in mail.outbox[0].body
    with pytest.raises(services.TeamError, match="objected to Auditor"):
        services.team_assign(actor=world.cert_manager, audit=audit, user=world.auditor, role=TeamRole.LEAD)


def test_objections_to_the_team_are_made_before_the_audit_starts(world, stage1):
    staffed(world, stage1)
    services.team_confirm(actor=world.cert_manager, audit=stage1)
    services.team_notify(actor=world.cert_manager, audit=stage1)
    assignment = stage1.assignments.get()
    Audit.objects.filter(pk=stage1.pk).update(status=AuditStatus.IN_PROGRESS)
    with pytest.raises(services.TeamError, match="The audit has started"):
        services.team_object(actor=world.qm_a, assignment=assignment, reason="Too late")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ACTIVE


def test_rule_25_late_notice_is_flagged_unless_short_notice(world, stage1):
    from audits.selectors.programme_checks import notice_problems

    staffed(world, stage1)
    services.team_confirm(actor=world.cert_manager, audit=stage1)
    assert notice_problems(stage1) == ["Tell the client who is on the team by 2027-02-15."]
    stage1.team_notified_on = datetime.date(2027, 2, 20)
    assert notice_problems(stage1) == [
        "The client was told on 2027-02-20, less than 14 days before the audit."
    ]
    stage1.short_notice = True
    assert notice_problems(stage1) == []


def test_new_dates_send_a_confirmed_team_back(world, stage1):
    from audits.services.audits import audit_plan

    staffed(world, stage1)
    services.team_confirm(actor=world.cert_manager, audit=stage1)
    audit_plan(
        actor=world.cert_manager,
        audit=stage1,
        starts_on=AUDIT_DAY + datetime.timedelta(days=7),
        ends_on=AUDIT_DAY + datetime.timedelta(days=7),
        planned_days=stage1.planned_days,
        on_site_days=stage1.on_site_days,
        days_justification="",
        short_notice=False,
    )
    stage1.refresh_from_db()
    assert stage1.status == AuditStatus.PLANNED
    assert Transition.objects.filter(object_id=stage1.pk, reason="The audit dates changed.").exists()
