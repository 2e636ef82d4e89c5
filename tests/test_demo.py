import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from audits import finding_rules
from audits.enums import (
    CYCLE_KINDS,
    AuditKind,
    AuditStatus,
    FindingStatus,
    ProgrammeStatus,
    Recommendation,
    SiteSelection,
    Stage1Outcome,
    TeamRole,
)
from audits.models import AuditProgramme, Finding
from audits.selectors.programme_checks import programme_problems
from audits.selectors.programmes import time_sheet
from improvement.enums import ActionSource, ActionStatus
from improvement.models import (
    Action,
    GapAnalysis,
    InternalAuditProgramme,
    InternalFinding,
    ManagementReview,
    Process,
)
from organisations import access
from organisations.models import AuditorQualification, CertificationBody, Organisation, Site, User
from standards.models import Clause

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count() for m in (User, Organisation, Site, CertificationBody, AuditorQualification, Clause)
    )


def test_load_demo_twice_creates_once_and_prints_logins():
    out = StringIO()
    call_command("load_demo", force=True, stdout=out)
    first = _counts()
    call_command("load_demo", force=True, stdout=StringIO())
    assert _counts() == first
    assert first[:5] == (11, 2, 6, 1, 9)
    text = out.getvalue()
    assert "demo-password-2026" in text and "qm@ministry.example" in text and "manager@certa.example" in text


def test_demo_personas_see_what_they_should():
    call_command("load_demo", force=True, stdout=StringIO())
    ministry_qm = User.objects.get(email="qm@ministry.example")
    auditor = User.objects.get(email="auditor@certa.example")
    assert [o.name for o in access.organisations_for(ministry_qm)] == ["Ministry of Digital Affairs"]
    assert access.organisations_for(auditor).count() == 2
    assert (
        User.objects.get(email="lead@certa.example").qualifications.filter(is_lead_auditor=True).count() == 2
    )
    assert ministry_qm.check_password("demo-password-2026")
    baseline = GapAnalysis.objects.get(title="ISO 9001 baseline 2026")
    assert baseline.shared_with_cb and baseline.answers.exclude(status="not_assessed").count() == 7
    integrated = GapAnalysis.objects.get(title="Integrated management system 2026")
    assert integrated.editions.count() == 3 and integrated.answers.exclude(hs_key="").exists()


def test_load_demo_refuses_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refusing with DEBUG off"):
        call_command("load_demo", stdout=StringIO())
    assert not User.objects.exists()


def test_demo_programme_has_a_planned_approved_cycle():
    call_command("load_demo", force=True, stdout=StringIO())
    call_command("load_demo", force=True, stdout=StringIO())
    programme = AuditProgramme.objects.get(
        organisation__name="Ministry of Digital Affairs", editions__standard__code="ISO 9001"
    )
    audits = {a.kind: a for a in programme.audits.all()}
    assert programme.status == ProgrammeStatus.APPROVED and programme_problems(programme) == []
    # 380 people: QMS table 10 days, −10% → 9.0; stage 1 (33%, down to the half day) 2.5 + stage 2 6.5
    assert time_sheet(programme).initial_days == Decimal("9.0")
    assert [audits[k].planned_days for k in CYCLE_KINDS] == [
        Decimal(d) for d in ("2.5", "6.5", "3", "3", "6")
    ]
    assert all(
        a.audit_sites.filter(selection=SiteSelection.CENTRAL_FUNCTION).exists() for a in audits.values()
    )
    stage1 = audits[AuditKind.STAGE1]
    assert stage1.status == AuditStatus.PLAN_SENT and stage1.team_notified_on is not None
    assert stage1.plan.sent_at is not None and stage1.plan.acknowledged_at is None  # the client's to do
    assert stage1.assignments.filter(role=TeamRole.LEAD, user__email="lead@certa.example").exists()


def test_demo_holds_a_completed_initial_audit_with_findings_in_every_state():
    call_command("load_demo", force=True, stdout=StringIO())
    programme = AuditProgramme.objects.get(
        organisation__name="Northfield Municipality", editions__standard__code="ISO 9001"
    )
    audits = {a.kind: a for a in programme.audits.all()}
    stage1, stage2 = audits[AuditKind.STAGE1], audits[AuditKind.STAGE2]
    assert (stage1.status, stage1.report.stage1_outcome) == (AuditStatus.CLOSED, Stage1Outcome.READY)
    assert (stage2.status, stage2.report.recommendation) == (
        AuditStatus.CLOSED,
        Recommendation.AFTER_CORRECTIONS,
    )
    assert stage1.plan.is_acknowledged and stage2.report.is_issued
    # rule 4 holds for the decision the certificates will record: majors verified, minors accepted
    for finding in stage2.findings.all():
        assert finding_rules.is_settled(finding.type, finding.status), finding
    assert set(Finding.objects.filter(audit__programme=programme).values_list("status", flat=True)) == set(
        FindingStatus.values
    )
    extension = audits[AuditKind.SPECIAL_SCOPE_EXTENSION]
    assert extension.status == AuditStatus.NCS_PENDING


def test_demo_ministry_runs_its_own_management_system():
    """Issue 18's demo: an internal audit programme for ISO 9001 and ISO/IEC 27001 half done (two
    audits reported, one planned), processes with owners, and actions from each source in every
    status, one found not effective and taken over by a new action."""
    call_command("load_demo", force=True, stdout=StringIO())
    ministry = Organisation.objects.get(name="Ministry of Digital Affairs")
    programme = InternalAuditProgramme.objects.get(organisation=ministry)
    assert sorted(programme.editions.values_list("standard__code", flat=True)) == [
        "ISO 9001",
        "ISO/IEC 27001",
    ]
    statuses = sorted(programme.audits.values_list("status", flat=True))
    assert statuses == ["closed", "planned", "reported"]  # two reported (one since closed), one planned
    assert not Process.objects.filter(organisation=ministry, owner__isnull=True).exists()
    assert Process.objects.filter(organisation=ministry).count() == 4
    register = Action.objects.filter(organisation=ministry)
    assert set(register.values_list("source", flat=True)) == set(ActionSource.values)
    assert set(register.values_list("status", flat=True)) == set(ActionStatus.values)
    failed = register.get(status=ActionStatus.NOT_EFFECTIVE)
    assert failed.reviewed_by is not None and failed.follow_ups.get().status == ActionStatus.IN_PROGRESS
    for finding in InternalFinding.objects.filter(audit__programme=programme, grade__in=["major", "minor"]):
        assert finding.action.source == ActionSource.INTERNAL_AUDIT


# --- management reviews ---


def test_demo_management_reviews():
    """The Ministry's review MR-1 planned with top management, a few inputs open, one not
    applicable, a decision noted and one turned into an action; Northfield's held and approved."""
    call_command("load_demo", force=True, stdout=StringIO())
    call_command("load_demo", force=True, stdout=StringIO())
    ministry = ManagementReview.objects.get(organisation__name="Ministry of Digital Affairs")
    assert (ministry.reference, ministry.title, ministry.status) == (
        "MR-1",
        "Management review 2026",
        "planned",
    )
    assert ministry.planned_on == datetime.date(2027, 1, 5)
    assert sorted(ministry.editions.values_list("standard__code", flat=True)) == ["ISO 9001", "ISO/IEC 27001"]
    top = ministry.attendees.get(is_top_management=True)
    assert (top.name, top.function) == ("Dr Anna Weber", "Secretary-General")
    assert ministry.attendees.filter(user__email="qm@ministry.example").exists()
    inputs = list(ministry.inputs.all())
    open_inputs = [row for row in inputs if not row.is_addressed]
    assert 0 < len(open_inputs) < len(inputs) / 2
    assert [row.not_applicable_reason != "" for row in inputs if row.not_applicable] == [True]
    outputs = list(ministry.outputs.order_by("number"))
    assert [o.action_id is not None for o in outputs] == [False, True]
    assert outputs[1].action.source == ActionSource.MANAGEMENT_REVIEW
    northfield = ManagementReview.objects.get(organisation__name="Northfield Municipality")
    assert (northfield.reference, northfield.status) == ("MR-1", "minutes_approved")
    assert northfield.held_on == datetime.date(2026, 11, 16) and northfield.prepared["sections"]
    assert all(row.is_addressed for row in northfield.inputs.all())


# --- the Statement of Applicability ---


def test_demo_ministry_keeps_its_statement_of_applicability():
    """v1 decided control by control, approved by the Secretary-General and shared with the CB; v2 in
    draft, copied from v1 with two controls changed; loading again adds nothing."""
    from improvement.models import SoaControl, StatementOfApplicability

    call_command("load_demo", force=True, stdout=StringIO())
    call_command("load_demo", force=True, stdout=StringIO())
    ministry = Organisation.objects.get(name="Ministry of Digital Affairs")
    first, second = StatementOfApplicability.objects.filter(organisation=ministry).order_by("version")
    assert (first.status, first.shared_with_cb, second.status) == ("approved", True, "draft")
    assert first.label == "SoA v1, approved 2026-10-20" and first.approver_name == "Dr Anna Weber"
    controls = SoaControl.objects.filter(soa=first)
    assert controls.count() == 93 and all(control.is_decided for control in controls)
    assert controls.filter(applicable=False).count() == 3
    assert controls.filter(implementation="partly", action__isnull=False).count() == 2
    assert second.copied_from == first
    changed = [
        c.clause.number
        for c, old in zip(
            second.controls.order_by("clause__position"), controls.order_by("clause__position"), strict=True
        )
        if (c.applicable, c.implementation, c.justification)
        != (old.applicable, old.implementation, old.justification)
    ]
    assert changed == ["A.5.23", "A.8.13"]
    cb_staff = User.objects.get(email="manager@certa.example")
    from improvement.access import soas_for

    assert list(soas_for(cb_staff)) == [first]


# --- readiness for stage 1 ---


def test_demo_readiness_northfield_is_ready_and_the_ministry_shares_its_27001_pack(client):
    """Northfield's ISO 9001 task list is done, its management review held on 16 November 2026 after
    the internal audits of June to October; the ministry's ISO/IEC 27001 pack is shared with Certa
    and shown on its stage 1 audit (ISO 9001) of January 2027."""
    from audits.enums import AuditKind
    from audits.models import Audit
    from improvement.enums import ReadinessState
    from improvement.models import Readiness
    from improvement.selectors.readiness import task_list

    call_command("load_demo", force=True, stdout=StringIO())
    northfield = Organisation.objects.get(name="Northfield Municipality")
    row = Readiness.objects.get(organisation=northfield)
    task = task_list(northfield, row.edition)
    states = {line.key: line.state for line in task.lines}
    assert row.edition.label == "ISO 9001:2015" and row.sites.count() == 2 and row.processes.count() == 3
    assert states == {
        "scope": ReadinessState.DONE,
        "gap": ReadinessState.DONE,
        "coverage": ReadinessState.DONE,
        "review": ReadinessState.DONE,
        "nonconformities": ReadinessState.DONE,
    }
    assert task.analysis.title == "ISO 9001 review 2026" and len(task.nonconformities) == 1
    assert task.state == ReadinessState.DONE
    assert all(
        datetime.date(2026, 6, 1) <= audit.starts_on <= audit.ends_on <= datetime.date(2026, 10, 31)
        for audit in task.coverage.audits
    )
    ministry = Organisation.objects.get(name="Ministry of Digital Affairs")
    pack = Readiness.objects.get(organisation=ministry, shared_with_cb=True)
    assert pack.edition.label == "ISO/IEC 27001:2022" and pack.shared_by.email == "qm@ministry.example"
    assert pack.scope.startswith("Information security of the federal digital services")
    stage1 = Audit.objects.get(
        programme__organisation=ministry, kind=AuditKind.STAGE1, starts_on__year=2027, starts_on__month=1
    )
    client.force_login(User.objects.get(email="lead@certa.example"))
    page = client.get(stage1.get_absolute_url()).content.decode()
    assert "Readiness pack for ISO/IEC 27001:2022" in page
    assert client.get(reverse("improvement:readiness_pack", args=[pack.pk])).status_code == 200
    call_command("load_demo", force=True, stdout=StringIO())  # idempotent
    assert Readiness.objects.count() == 2
