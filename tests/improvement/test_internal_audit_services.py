"""Internal audits: programmes, audits, auditors (rule 39), checklist, findings and their actions,
report, closing and cancelling, each status change logged; coverage (rule 40) on the database."""

import datetime

import pytest

from core.errors import NotAllowed
from core.models import Transition
from improvement.enums import ActionSource, ActionStatus
from improvement.models import Action, InternalAudit
from improvement.selectors.internal_audits import programme_coverage
from improvement.services import internal_audits as services
from improvement.services import processes as process_services
from improvement.services.internal_audits import InternalAuditError
from organisations import services as organisation_services
from tests.audits.conftest import ems as ems
from tests.audits.conftest import qms as qms

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def programme(world, qms):
    return services.internal_programme_create(
        actor=world.qm_a,
        organisation=world.org_a,
        title="2027",
        editions=[qms],
        starts_on=D(2027, 1, 1),
        ends_on=D(2027, 12, 31),
    )


@pytest.fixture
def process(world):
    return process_services.process_create(
        actor=world.qm_a, organisation=world.org_a, name="Procurement", owner=world.contributor_a
    )


MARCH = D(2027, 3, 1)


def plan(world, programme, clauses, *, day=MARCH, processes=(), title="Audit"):
    return services.internal_audit_create(
        actor=world.qm_a,
        programme=programme,
        title=title,
        starts_on=day,
        ends_on=day,
        clauses=list(clauses),
        processes=list(processes),
    )


def started(world, programme, clauses, **kwargs):
    audit = plan(world, programme, clauses, **kwargs)
    services.internal_auditor_add(actor=world.qm_a, audit=audit, user=world.qm_a, is_lead=True)
    return services.internal_audit_start(actor=world.qm_a, audit=audit)


def statuses(audit) -> list[tuple[str, str]]:
    return list(
        Transition.objects.filter(object_id=audit.pk, field="status", content_type__model="internalaudit")
        .order_by("pk")
        .values_list("from_state", "to_state")
    )


def report_ready(world, audit):
    audit.checklist.update(result="conforming")
    services.internal_audit_report_save(
        actor=world.qm_a, audit=audit, conclusions="The system works.", distribution="Director, J. Smith"
    )


# --- programmes


def test_a_programme_is_set_up_only_by_a_quality_manager(world, qms):
    for user in (world.contributor_a, world.viewer_a, world.qm_b, world.cert_manager):
        with pytest.raises(NotAllowed):
            services.internal_programme_create(
                actor=user,
                organisation=world.org_a,
                title="x",
                editions=[qms],
                starts_on=D(2027, 1, 1),
                ends_on=D(2027, 12, 31),
            )


def test_a_programme_needs_an_edition_and_an_ordered_period(world, qms):
    with pytest.raises(InternalAuditError, match="at least one edition"):
        services.internal_programme_create(
            actor=world.qm_a,
            organisation=world.org_a,
            title="x",
            editions=[],
            starts_on=D(2027, 1, 1),
            ends_on=D(2027, 12, 31),
        )
    with pytest.raises(InternalAuditError, match="end on or after"):
        services.internal_programme_create(
            actor=world.qm_a,
            organisation=world.org_a,
            title="x",
            editions=[qms],
            starts_on=D(2027, 1, 1),
            ends_on=D(2026, 12, 31),
        )


def test_the_programme_period_keeps_its_audits_days(world, programme, qms):
    plan(world, programme, qms.clauses.filter(number="4.1"), day=D(2027, 11, 1))
    with pytest.raises(InternalAuditError, match="days of every audit"):
        services.internal_programme_update(
            actor=world.qm_a,
            programme=programme,
            title="2027",
            editions=[qms],
            starts_on=D(2027, 1, 1),
            ends_on=D(2027, 10, 31),
        )


# --- audits


def test_audits_are_numbered_per_programme_and_logged_planned(world, programme, qms):
    first = plan(world, programme, qms.clauses.filter(number="4.1"))
    second = plan(world, programme, qms.clauses.filter(number="4.2"))
    assert (first.reference, second.reference) == ("IA-1", "IA-2")
    assert statuses(first) == [("", "planned")]


def test_an_audit_lies_within_the_period_and_scopes_the_programmes_clauses(world, programme, qms, ems):
    with pytest.raises(InternalAuditError, match="within the programme's period"):
        plan(world, programme, qms.clauses.filter(number="4.1"), day=D(2028, 1, 1))
    with pytest.raises(InternalAuditError, match="programme's editions"):
        plan(world, programme, ems.clauses.filter(number="6.1"))
    with pytest.raises(InternalAuditError, match="programme's editions"):
        plan(world, programme, qms.clauses.filter(number="4"))  # a chapter is not assessable
    with pytest.raises(InternalAuditError, match="at least one"):
        plan(world, programme, [])
    assert InternalAudit.objects.count() == 0


# --- rule 39 and training


def test_rule_39_refuses_the_owner_of_a_process_in_scope(world, programme, qms, process):
    audit = plan(world, programme, qms.clauses.filter(number="4.1"), processes=[process])
    with pytest.raises(InternalAuditError, match=r"Rule 39.*Procurement"):
        services.internal_auditor_add(actor=world.qm_a, audit=audit, user=world.contributor_a)
    assert audit.auditors.count() == 0


def test_rule_39_allows_the_owner_with_a_justification_and_keeps_it(world, programme, qms, process):
    audit = plan(world, programme, qms.clauses.filter(number="4.1"), processes=[process])
    auditor, _untrained = services.internal_auditor_add(
        actor=world.qm_a, audit=audit, user=world.contributor_a, independence_justification="Only auditor"
    )
    assert auditor.independence_justification == "Only auditor"


def test_rule_39_holds_when_the_scope_grows_to_an_auditors_own_process(world, programme, qms, process):
    audit = plan(world, programme, qms.clauses.filter(number="4.1"))
    services.internal_auditor_add(actor=world.qm_a, audit=audit, user=world.contributor_a)
    with pytest.raises(InternalAuditError, match="Rule 39"):
        services.internal_audit_update(
            actor=world.qm_a,
            audit=audit,
            title="Audit",
            starts_on=MARCH,
            ends_on=MARCH,
            clauses=list(qms.clauses.filter(number="4.1")),
            processes=[process],
        )
    assert audit.processes.count() == 0


def test_rule_39_refuses_the_manager_of_a_site_in_scope_unless_justified(world, programme, qms):
    organisation_services.site_manager_set(actor=world.qm_a, site=world.site_a, manager=world.contributor_a)
    audit = services.internal_audit_create(
        actor=world.qm_a,
        programme=programme,
        title="Site audit",
        starts_on=MARCH,
        ends_on=MARCH,
        clauses=list(qms.clauses.filter(number="4.1")),
        sites=[world.site_a],
    )
    with pytest.raises(InternalAuditError, match=rf"Rule 39.*site {world.site_a.name}"):
        services.internal_auditor_add(actor=world.qm_a, audit=audit, user=world.contributor_a)
    assert audit.auditors.count() == 0
    auditor, _untrained = services.internal_auditor_add(
        actor=world.qm_a, audit=audit, user=world.contributor_a, independence_justification="Two staff only"
    )
    assert auditor.independence_justification == "Two staff only"
    assert services.auditor_owned_areas(audit, world.contributor_a) == [f"site {world.site_a.name}"]
    # another member, who manages nothing in scope, audits freely
    other, _untrained = services.internal_auditor_add(actor=world.qm_a, audit=audit, user=world.qm_a)
    assert other.independence_justification == ""


def test_someone_owning_a_process_out_of_scope_audits_freely(world, programme, qms, process):
    audit = plan(world, programme, qms.clauses.filter(number="4.1"))
    auditor, _ = services.internal_auditor_add(actor=world.qm_a, audit=audit, user=world.contributor_a)
    assert auditor.user == world.contributor_a


def test_an_auditor_without_training_is_added_with_a_warning(world, programme, qms):
    audit = plan(world, programme, qms.clauses.filter(number="4.1"))
    _, untrained = services.internal_auditor_add(actor=world.qm_a, audit=audit, user=world.contributor_a)
    assert untrained == ["ISO 9001"]
    process_services.auditor_training_add(
        actor=world.qm_a,
        membership=world.viewer_a.organisation_memberships.get(),
        standard=qms.standard,
        course="Internal auditor, 2 days",
        completed_on=D(2025, 1, 10),
    )
    _, untrained = services.internal_auditor_add(actor=world.qm_a, audit=audit, user=world.viewer_a)
    assert untrained == []


def test_a_removed_training_no_longer_counts(world, programme, qms):
    training = process_services.auditor_training_add(
        actor=world.qm_a,
        membership=world.viewer_a.organisation_memberships.get(),
        standard=qms.standard,
        course="Course",
        completed_on=D(2025, 1, 10),
    )
    process_services.auditor_training_remove(actor=world.qm_a, training=training)
    audit = plan(world, programme, qms.clauses.filter(number="4.1"))
    assert services.internal_auditor_add(actor=world.qm_a, audit=audit, user=world.viewer_a)[1] == [
        "ISO 9001"
    ]
    training.refresh_from_db()
    assert training.removed_at is not None


def test_an_external_auditor_is_named_and_not_a_member_of_another_tenant(world, programme, qms):
    audit = plan(world, programme, qms.clauses.filter(number="4.1"))
    auditor, untrained = services.internal_auditor_add(
        actor=world.qm_a, audit=audit, external_name="Ann Lee", external_organisation="Town B"
    )
    assert auditor.name == "Ann Lee (Town B)" and untrained == []
    with pytest.raises(InternalAuditError, match="member of the organisation"):
        services.internal_auditor_add(actor=world.qm_a, audit=audit, user=world.qm_b)
    with pytest.raises(InternalAuditError, match="already an auditor"):
        services.internal_auditor_add(actor=world.qm_a, audit=audit, user=world.qm_a)
        services.internal_auditor_add(actor=world.qm_a, audit=audit, user=world.qm_a)


# --- lifecycle


def test_starting_draws_the_checklist_from_the_scope_and_needs_an_auditor(world, programme, qms):
    audit = plan(world, programme, qms.clauses.filter(number__in=["4.1", "8.3"]))
    with pytest.raises(InternalAuditError, match="at least one auditor"):
        services.internal_audit_start(actor=world.qm_a, audit=audit)
    services.internal_auditor_add(actor=world.qm_a, audit=audit, user=world.contributor_a)
    services.internal_audit_start(actor=world.contributor_a, audit=audit)
    services.internal_audit_start(actor=world.contributor_a, audit=audit)  # a repeat: nothing more
    assert sorted(audit.checklist.values_list("clause__number", flat=True)) == ["4.1", "8.3"]
    assert statuses(audit) == [("", "planned"), ("planned", "in_progress")]


def test_a_contributor_audits_only_audits_they_are_an_auditor_of(world, programme, qms):
    audit = plan(world, programme, qms.clauses.filter(number="4.1"))
    with pytest.raises(NotAllowed):
        services.internal_audit_start(actor=world.contributor_a, audit=audit)
    with pytest.raises(NotAllowed):
        services.internal_audit_start(actor=world.viewer_a, audit=audit)


def test_a_nonconformity_opens_one_action_owned_by_the_process_owner(world, programme, qms, process):
    audit = plan(world, programme, qms.clauses.filter(number="4.1"), processes=[process])
    services.internal_auditor_add(actor=world.qm_a, audit=audit, user=world.viewer_a)  # viewers read only
    services.internal_auditor_add(actor=world.qm_a, audit=audit, external_name="Ann Lee", is_lead=True)
    services.internal_audit_start(actor=world.qm_a, audit=audit)
    clause = qms.clauses.get(number="4.1")
    nc = services.internal_finding_raise(
        actor=world.qm_a,
        audit=audit,
        grade="major",
        clause=clause,
        title="No context review",
        statement="Not reviewed since 2020",
        process=process,
        site=world.site_a,
    )
    services.internal_finding_raise(actor=world.qm_a, audit=audit, grade="ofi", clause=clause, title="Boards")
    action = Action.objects.get()
    assert action.internal_finding == nc and action.source == ActionSource.INTERNAL_AUDIT
    assert action.title == "IA-1-F1 No context review" and action.description == "Not reviewed since 2020"
    assert action.owner == world.contributor_a and action.clause == clause and action.site == world.site_a
    assert action.status == ActionStatus.OPEN and action.due_on is None


def test_without_a_writing_process_owner_the_planner_owns_the_action(world, programme, qms):
    audit = started(world, programme, qms.clauses.filter(number="4.1"))
    process = process_services.process_create(
        actor=world.qm_a, organisation=world.org_a, name="Archive", owner=world.viewer_a
    )
    services.internal_finding_raise(
        actor=world.qm_a,
        audit=audit,
        grade="minor",
        clause=qms.clauses.get(number="4.1"),
        title="x",
        process=process,
    )
    assert Action.objects.get().owner == world.qm_a


def test_a_contributing_auditor_logs_findings_and_raises_their_actions(world, programme, qms):
    audit = plan(world, programme, qms.clauses.filter(number="4.1"))
    services.internal_auditor_add(actor=world.qm_a, audit=audit, user=world.contributor_a)
    services.internal_audit_start(actor=world.qm_a, audit=audit)
    services.internal_finding_raise(
        actor=world.contributor_a, audit=audit, grade="minor", clause=qms.clauses.get(number="4.1"), title="x"
    )
    assert Action.objects.get().created_by == world.contributor_a
    with pytest.raises(NotAllowed):
        services.internal_finding_raise(
            actor=world.viewer_a, audit=audit, grade="minor", clause=qms.clauses.get(number="4.1"), title="x"
        )


def test_a_finding_binds_to_a_clause_of_the_programme(world, programme, qms, ems):
    audit = started(world, programme, qms.clauses.filter(number="4.1"))
    with pytest.raises(InternalAuditError, match="programme's editions"):
        services.internal_finding_raise(
            actor=world.qm_a, audit=audit, grade="minor", clause=ems.clauses.get(number="6.1"), title="x"
        )


def test_withdrawing_a_finding_cancels_its_untouched_action_with_the_reason(world, programme, qms):
    audit = started(world, programme, qms.clauses.filter(number="4.1"))
    finding = services.internal_finding_raise(
        actor=world.qm_a, audit=audit, grade="minor", clause=qms.clauses.get(number="4.1"), title="x"
    )
    with pytest.raises(InternalAuditError, match="Say why"):
        services.internal_finding_withdraw(actor=world.qm_a, finding=finding, reason=" ")
    services.internal_finding_withdraw(actor=world.qm_a, finding=finding, reason="Logged twice")
    action = Action.objects.get()
    finding.refresh_from_db()
    assert finding.withdrawn_reason == "Logged twice" and finding.withdrawn_at is not None
    assert action.status == ActionStatus.CANCELLED and action.cancel_reason == "Logged twice"
    assert Transition.objects.filter(
        object_id=action.pk, to_state="cancelled", reason="Logged twice"
    ).exists()


def test_a_finding_whose_action_is_worked_on_is_not_withdrawn(world, programme, qms):
    audit = started(world, programme, qms.clauses.filter(number="4.1"))
    finding = services.internal_finding_raise(
        actor=world.qm_a, audit=audit, grade="minor", clause=qms.clauses.get(number="4.1"), title="x"
    )
    Action.objects.update(correction="Records restored")
    with pytest.raises(InternalAuditError, match="already being worked on"):
        services.internal_finding_withdraw(actor=world.qm_a, finding=finding, reason="Wrong")
    finding.refresh_from_db()
    assert finding.withdrawn_at is None and Action.objects.get().status == ActionStatus.OPEN


def test_a_finding_does_not_change_between_nonconformity_and_not(world, programme, qms):
    audit = started(world, programme, qms.clauses.filter(number="4.1"))
    clause = qms.clauses.get(number="4.1")
    finding = services.internal_finding_raise(
        actor=world.qm_a, audit=audit, grade="minor", clause=clause, title="x"
    )
    services.internal_finding_update(
        actor=world.qm_a, finding=finding, grade="major", clause=clause, title="y"
    )
    with pytest.raises(InternalAuditError, match="withdraw the finding"):
        services.internal_finding_update(
            actor=world.qm_a, finding=finding, grade="ofi", clause=clause, title="y"
        )
    finding.refresh_from_db()
    assert (finding.grade, finding.title) == ("major", "y")


def test_the_report_is_issued_once_complete_and_then_frozen(world, programme, qms):
    audit = started(world, programme, qms.clauses.filter(number__in=["4.1", "4.2"]))
    with pytest.raises(InternalAuditError) as refused:
        services.internal_audit_report_issue(actor=world.qm_a, audit=audit)
    assert "conclusions" in str(refused.value) and "(2 left)" in str(refused.value)
    report_ready(world, audit)
    audit.checklist.filter(clause__number="4.2").update(result="not_checked")
    with pytest.raises(InternalAuditError, match=r"\(1 left\)"):
        services.internal_audit_report_issue(actor=world.qm_a, audit=audit)
    audit.checklist.update(result="not_applicable")
    audit = services.internal_audit_report_issue(actor=world.qm_a, audit=audit)
    assert audit.status == "reported" and audit.reported_at is not None
    with pytest.raises(InternalAuditError, match="never changes"):
        services.internal_audit_report_save(
            actor=world.qm_a, audit=audit, conclusions="New", distribution="x"
        )
    assert statuses(audit)[-1] == ("in_progress", "reported")


def test_a_lead_contributor_reports_and_another_auditor_does_not(world, programme, qms):
    audit = plan(world, programme, qms.clauses.filter(number="4.1"))
    services.internal_auditor_add(actor=world.qm_a, audit=audit, user=world.contributor_a)
    services.internal_audit_start(actor=world.qm_a, audit=audit)
    with pytest.raises(NotAllowed):
        services.internal_audit_report_save(
            actor=world.contributor_a, audit=audit, conclusions="x", distribution="y"
        )
    audit.auditors.update(is_lead=True)
    services.internal_audit_report_save(
        actor=world.contributor_a, audit=audit, conclusions="x", distribution="y"
    )


def test_closing_needs_every_nonconformity_corrected_and_planned(world, programme, qms):
    audit = started(world, programme, qms.clauses.filter(number="4.1"))
    services.internal_finding_raise(
        actor=world.qm_a, audit=audit, grade="minor", clause=qms.clauses.get(number="4.1"), title="x"
    )
    report_ready(world, audit)
    with pytest.raises(InternalAuditError, match="Only a reported"):
        services.internal_audit_close(actor=world.qm_a, audit=audit)
    services.internal_audit_report_issue(actor=world.qm_a, audit=audit)
    with pytest.raises(InternalAuditError, match=r"IA-1-F1 \(A-1\)"):
        services.internal_audit_close(actor=world.qm_a, audit=audit)
    Action.objects.update(correction="Done at once")
    with pytest.raises(InternalAuditError, match="corrective action"):
        services.internal_audit_close(actor=world.qm_a, audit=audit)
    Action.objects.update(corrective_action="New review procedure")
    audit = services.internal_audit_close(actor=world.qm_a, audit=audit)
    assert audit.status == "closed" and audit.closed_at is not None
    assert [to for _from, to in statuses(audit)] == ["planned", "in_progress", "reported", "closed"]


def test_only_a_planned_audit_is_cancelled_with_a_reason(world, programme, qms):
    audit = plan(world, programme, qms.clauses.filter(number="4.1"))
    with pytest.raises(InternalAuditError, match="Say why"):
        services.internal_audit_cancel(actor=world.qm_a, audit=audit, reason="")
    services.internal_audit_cancel(actor=world.qm_a, audit=audit, reason="Merged into IA-2")
    assert Transition.objects.filter(
        object_id=audit.pk, to_state="cancelled", reason="Merged into IA-2"
    ).exists()
    running = started(world, programme, qms.clauses.filter(number="4.1"))
    with pytest.raises(InternalAuditError, match="Only a planned"):
        services.internal_audit_cancel(actor=world.qm_a, audit=running, reason="x")


# --- rule 40 on the database


def _complete(world, audit):
    report_ready(world, audit)
    return services.internal_audit_report_issue(actor=world.qm_a, audit=audit)


def test_coverage_counts_completed_audits_only(world, programme, qms):
    done = _complete(world, started(world, programme, qms.clauses.filter(number__in=["4.1", "4.2"])))
    plan(world, programme, qms.clauses.filter(number="8.3"))  # planned: does not count
    cancelled = plan(world, programme, qms.clauses.filter(number="9.2"))
    services.internal_audit_cancel(actor=world.qm_a, audit=cancelled, reason="x")
    started(world, programme, qms.clauses.filter(number="9.2"))  # in progress: does not count

    coverage = programme_coverage(programme)

    assert [a.pk for a in coverage.audits] == [done.pk]
    assert {row.clause.number: row.cells for row in coverage.rows} == {
        "4.1": [True],
        "4.2": [True],
        "8.3": [False],
        "9.2": [False],
    }
    assert [row.clause.number for row in coverage.uncovered] == ["8.3", "9.2"]


def test_an_integrated_programme_covers_a_shared_clause_once_for_both_editions(world, qms, ems):
    programme = services.internal_programme_create(
        actor=world.qm_a,
        organisation=world.org_a,
        title="QMS+EMS",
        editions=[qms, ems],
        starts_on=D(2027, 1, 1),
        ends_on=D(2027, 12, 31),
    )
    _complete(world, started(world, programme, ems.clauses.filter(number__in=["9.2", "6.1"])))

    coverage = programme_coverage(programme)

    rows = {
        (row.clause.edition.standard.code, row.clause.number, row.shared_key): row for row in coverage.rows
    }
    # HS 4.1, 4.2 and 9.2 are one unit each (on 9001's clause); 8.3 and 6.1 are their edition's own
    assert sorted(rows) == [
        ("ISO 14001", "6.1", ""),
        ("ISO 9001", "4.1", "HS-4.1"),
        ("ISO 9001", "4.2", "HS-4.2"),
        ("ISO 9001", "8.3", ""),
        ("ISO 9001", "9.2", "HS-9.2"),
    ]
    assert rows[("ISO 9001", "9.2", "HS-9.2")].covered_by and rows[("ISO 14001", "6.1", "")].covered_by
    assert {row.clause.number for row in coverage.uncovered} == {"4.1", "4.2", "8.3"}
