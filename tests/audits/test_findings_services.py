"""Logging findings on site through the services: rules 17, 18, 19, 29, numbering, deadlines,
the team only, fieldwork only, and every change recorded."""

import datetime
from dataclasses import replace
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audits.enums import AuditKind, AuditStatus, FindingStatus, FindingType, RequirementSource
from audits.models import Audit, Finding, FindingResponse
from audits.services import findings as services
from audits.services import programmes as programme_services
from audits.services import teams as team_services
from audits.services.findings import FindingContent, FindingError
from core.errors import NotAllowed
from core.transitions import transitions_of
from organisations.enums import CBRole
from tests import factories
from tests.audits.conftest import make_edition
from tests.factories import PROGRAMME_SCOPE

pytestmark = pytest.mark.django_db

STAGE1 = datetime.date(2027, 3, 1)


def open_fieldwork(world, editions, *, kind=AuditKind.STAGE2, status=AuditStatus.IN_PROGRESS):
    """A programme of org A over `editions` and two sites, and one of its audits with the world's
    auditor as lead and a second auditor on the team, its fieldwork under way."""
    warehouse = factories.SiteFactory(organisation=world.org_a, name="Warehouse", city="Ghent")
    programme = programme_services.programme_open(
        actor=world.cert_manager,
        certification_body=world.cb,
        organisation=world.org_a,
        editions=editions,
        sites=[world.site_a, warehouse],
        iaf_codes=[],
        stage1_on=STAGE1,
        scope=PROGRAMME_SCOPE,
    )
    audit = programme.audits.get(kind=kind)
    member = factories.CBMembershipFactory(
        certification_body=world.cb, role=CBRole.AUDITOR, user__full_name="Team Auditor"
    ).user
    expert = factories.CBMembershipFactory(
        certification_body=world.cb, role=CBRole.AUDITOR, user__full_name="Technical Expert"
    ).user
    for user, role in ((world.auditor, "lead"), (member, "auditor"), (expert, "technical_expert")):
        team_services.team_assign(actor=world.cert_manager, audit=audit, user=user, role=role)
    Audit.objects.filter(pk=audit.pk).update(status=status)
    audit.refresh_from_db()
    return SimpleNamespace(
        programme=programme,
        audit=audit,
        lead=world.auditor,
        member=member,
        expert=expert,
        warehouse=warehouse,
    )


@pytest.fixture
def fieldwork(world, qms):
    return open_fieldwork(world, [qms])


@pytest.fixture
def integrated_fieldwork(world, qms, ems):
    return open_fieldwork(world, [qms, ems])


def nc(world, clause, **changes) -> FindingContent:
    content = FindingContent(
        type=FindingType.MAJOR_NC,
        statement="Calibration of the scales is not controlled.",
        clause=clause,
        site=world.site_a,
        process="Dispatch",
        evidence="Scale S-12 at dispatch, calibration sticker expired 2026-11-30; seen 2027-05-04.",
    )
    return replace(content, **changes)


def raise_nc(world, fieldwork, clause, **changes) -> Finding:
    return services.finding_raise(
        actor=fieldwork.lead, audit=fieldwork.audit, content=nc(world, clause, **changes)
    )


def _clause(edition, number="4.1"):
    return edition.clauses.get(number=number)


# --- raising: number, status, deadlines, editions, record


def test_a_major_nc_is_numbered_opened_and_given_its_deadlines(world, fieldwork, qms):
    finding = raise_nc(world, fieldwork, _clause(qms))
    ends = fieldwork.audit.ends_on
    assert (finding.number, finding.status, finding.raised_by) == (1, FindingStatus.OPEN, world.auditor)
    assert finding.response_due_on == ends + datetime.timedelta(days=30)
    assert finding.close_due_on == ends + datetime.timedelta(days=90)
    assert list(finding.editions.all()) == [qms]
    assert finding.reference == f"{fieldwork.audit.reference}-001"
    record = transitions_of(finding).get()
    assert (record.field, record.from_state, record.to_state, record.actor) == (
        "status",
        "",
        "open",
        world.auditor,
    )
    assert str(finding.response_due_on) in record.reason and str(finding.close_due_on) in record.reason


def test_deadlines_follow_the_cb_policy(world, fieldwork, qms):
    world.cb.__class__.objects.filter(pk=world.cb.pk).update(minor_plan_days=60)
    finding = raise_nc(world, fieldwork, _clause(qms), type=FindingType.MINOR_NC)
    assert finding.response_due_on == fieldwork.audit.ends_on + datetime.timedelta(days=60)
    assert finding.close_due_on is None


@pytest.mark.parametrize("finding_type", [FindingType.OFI, FindingType.OBSERVATION, FindingType.POSITIVE])
def test_other_findings_are_recorded_without_deadlines(world, fieldwork, finding_type):
    content = FindingContent(type=finding_type, statement="Good use of visual boards.")
    finding = services.finding_raise(actor=fieldwork.member, audit=fieldwork.audit, content=content)
    assert (finding.status, finding.response_due_on, finding.close_due_on) == ("recorded", None, None)
    assert finding.site is None and finding.clause is None


def test_numbers_follow_each_other_per_audit(world, fieldwork, qms):
    numbers = [raise_nc(world, fieldwork, _clause(qms)).number for _ in range(3)]
    other = fieldwork.programme.audits.get(kind=AuditKind.STAGE1)
    team_services.team_assign(actor=world.cert_manager, audit=other, user=world.auditor, role="lead")
    Audit.objects.filter(pk=other.pk).update(status=AuditStatus.IN_PROGRESS)
    first_of_other = services.finding_raise(actor=world.auditor, audit=other, content=nc(world, _clause(qms)))
    assert numbers == [1, 2, 3] and first_of_other.number == 1


def test_the_number_after_a_withdrawn_finding_is_not_reused(world, fieldwork, qms):
    first = raise_nc(world, fieldwork, _clause(qms))
    services.finding_withdraw(actor=fieldwork.lead, finding=first, reason="Raised in error")
    assert raise_nc(world, fieldwork, _clause(qms)).number == 2


# --- rule 17: what a nonconformity must say


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"evidence": ""}, "objective evidence and the site"),
        ({"site": None}, "objective evidence and the site"),
        ({"statement": ""}, "This field cannot be blank"),
        ({"clause": None}, "names its requirement"),
        ({"clause": None, "source": RequirementSource.CLIENT_DOCUMENT}, "names its requirement"),
        (
            {"clause": None, "source": RequirementSource.LEGAL, "requirement_reference": ""},
            "names its requirement",
        ),
        ({"type": "critical"}, "not a valid choice"),
    ],
)
def test_rule_17_a_nonconformity_without_its_content_is_refused(world, fieldwork, qms, changes, message):
    with pytest.raises(FindingError, match=message):
        raise_nc(world, fieldwork, **({"clause": _clause(qms)} | changes))
    assert not Finding.objects.exists()


@pytest.mark.parametrize("source", [RequirementSource.CLIENT_DOCUMENT, RequirementSource.LEGAL])
def test_rule_17_a_document_or_legal_reference_stands_for_the_clause(world, fieldwork, qms, source):
    finding = raise_nc(
        world, fieldwork, _clause(qms), source=source, requirement_reference="Procedure P-07 rev. 3, §4"
    )
    assert finding.clause is None and finding.requirement_reference == "Procedure P-07 rev. 3, §4"
    assert list(finding.editions.all()) == [qms]


def test_a_clause_finding_keeps_no_stray_reference(world, fieldwork, qms):
    finding = raise_nc(world, fieldwork, _clause(qms), requirement_reference="typed before switching")
    assert finding.clause == _clause(qms) and finding.requirement_reference == ""


def test_text_beyond_its_bound_is_refused(world, fieldwork, qms):
    with pytest.raises(FindingError, match="at most 2000 characters"):
        raise_nc(world, fieldwork, _clause(qms), statement="x" * 2001)
    with pytest.raises(FindingError, match="one line"):
        raise_nc(world, fieldwork, _clause(qms), process="Dispatch\nand stores")


# --- rule 18: the clause belongs to the audited edition


def test_rule_18_a_clause_of_another_edition_of_the_same_standard_is_refused(world, fieldwork, qms):
    old = make_edition("ISO 9001", 2008, [("4", "Context", ""), ("4.1", "General requirements", "")])
    with pytest.raises(
        FindingError, match=r"Rule 18: cite a clause of the audited edition \(ISO 9001:2015\)"
    ):
        raise_nc(world, fieldwork, _clause(old))
    assert not Finding.objects.exists()


def test_rule_18_a_clause_of_a_standard_not_audited_is_refused(world, fieldwork, ems):
    with pytest.raises(FindingError, match="Rule 18"):
        raise_nc(world, fieldwork, _clause(ems))


# --- rule 29: the standards of an integrated audit


def test_rule_29_the_clause_names_its_standard(world, integrated_fieldwork, ems):
    finding = raise_nc(world, integrated_fieldwork, _clause(ems, "6.1"))
    assert list(finding.editions.all()) == [ems]


def test_rule_29_the_clauses_standard_is_added_to_those_ticked(world, integrated_fieldwork, qms, ems):
    finding = raise_nc(world, integrated_fieldwork, _clause(ems, "6.1"), editions=(qms,))
    assert set(finding.editions.all()) == {qms, ems}


def test_rule_29_a_nonconformity_without_a_standard_is_refused(world, integrated_fieldwork, qms):
    with pytest.raises(FindingError, match="Rule 29: name the audited standard"):
        raise_nc(
            world,
            integrated_fieldwork,
            None,
            source=RequirementSource.LEGAL,
            requirement_reference="Waste Decree art. 12",
        )
    finding = raise_nc(
        world,
        integrated_fieldwork,
        None,
        source=RequirementSource.LEGAL,
        requirement_reference="Waste Decree art. 12",
        editions=(qms,),
    )
    assert list(finding.editions.all()) == [qms]


def test_rule_29_a_standard_outside_the_audit_is_refused(world, fieldwork, ems):
    with pytest.raises(FindingError, match="Rule 29: a finding belongs to the audited standards only"):
        raise_nc(
            world, fieldwork, None, source=RequirementSource.LEGAL, requirement_reference="x", editions=(ems,)
        )


def test_rule_29_a_remark_without_a_standard_belongs_to_the_whole_system(
    world, integrated_fieldwork, qms, ems
):
    content = FindingContent(type=FindingType.OFI, statement="Merge the two document registers.")
    finding = services.finding_raise(
        actor=integrated_fieldwork.lead, audit=integrated_fieldwork.audit, content=content
    )
    assert set(finding.editions.all()) == {qms, ems}


# --- type and site


def test_an_area_of_concern_is_a_stage_1_finding(world, qms):
    stage1 = open_fieldwork(world, [qms], kind=AuditKind.STAGE1)
    content = FindingContent(type=FindingType.AREA_OF_CONCERN, statement="No management review yet.")
    finding = services.finding_raise(actor=world.auditor, audit=stage1.audit, content=content)
    assert (finding.status, finding.response_due_on) == ("recorded", None)
    stage2 = stage1.programme.audits.get(kind=AuditKind.STAGE2)
    team_services.team_assign(actor=world.cert_manager, audit=stage2, user=world.auditor, role="lead")
    Audit.objects.filter(pk=stage2.pk).update(status=AuditStatus.IN_PROGRESS)
    with pytest.raises(FindingError, match="An area of concern is a stage 1 finding"):
        services.finding_raise(actor=world.auditor, audit=stage2, content=content)


def test_the_site_is_one_of_the_programme(world, fieldwork, qms):
    outside = factories.SiteFactory(organisation=world.org_a, name="Archive")
    with pytest.raises(FindingError, match="site in the programme's scope"):
        raise_nc(world, fieldwork, _clause(qms), site=outside)
    assert raise_nc(world, fieldwork, _clause(qms), site=fieldwork.warehouse).site == fieldwork.warehouse


# --- who, and when


@pytest.mark.parametrize("persona", ["other_auditor", "cert_manager", "qm_a", "staff"])
def test_only_the_team_logs_findings(world, fieldwork, qms, persona):
    with pytest.raises(NotAllowed, match="Only the audit's lead auditor and auditors log findings"):
        services.finding_raise(
            actor=getattr(world, persona), audit=fieldwork.audit, content=nc(world, _clause(qms))
        )
    assert not Finding.objects.exists()


def test_a_technical_expert_does_not_log_findings(world, fieldwork, qms):
    with pytest.raises(NotAllowed):
        services.finding_raise(actor=fieldwork.expert, audit=fieldwork.audit, content=nc(world, _clause(qms)))


def test_an_auditor_of_the_team_logs_findings(world, fieldwork, qms):
    finding = services.finding_raise(
        actor=fieldwork.member, audit=fieldwork.audit, content=nc(world, _clause(qms))
    )
    assert finding.raised_by == fieldwork.member


@pytest.mark.parametrize("status", [AuditStatus.PLANNED, AuditStatus.PLAN_SENT, AuditStatus.CANCELLED])
def test_no_findings_before_the_fieldwork(world, fieldwork, qms, status):
    Audit.objects.filter(pk=fieldwork.audit.pk).update(status=status)
    with pytest.raises(FindingError, match="while the audit is in progress or its fieldwork is done"):
        raise_nc(world, fieldwork, _clause(qms))


def test_findings_are_logged_until_the_report_is_issued(world, fieldwork, qms):
    Audit.objects.filter(pk=fieldwork.audit.pk).update(status=AuditStatus.FIELDWORK_DONE)
    assert raise_nc(world, fieldwork, _clause(qms)).number == 1
    Audit.objects.filter(pk=fieldwork.audit.pk).update(status=AuditStatus.REPORT_ISSUED)
    with pytest.raises(FindingError, match="The report is issued: its findings are locked"):
        raise_nc(world, fieldwork, _clause(qms))


# --- changing a finding


def test_rule_19_a_nonconformity_cannot_become_an_ofi_after_the_report(world, fieldwork, qms):
    finding = raise_nc(world, fieldwork, _clause(qms))
    Audit.objects.filter(pk=fieldwork.audit.pk).update(status=AuditStatus.REPORT_ISSUED)
    for new_type in (FindingType.OFI, FindingType.OBSERVATION):
        with pytest.raises(
            FindingError, match="Rule 19: a nonconformity cannot become an OFI or observation"
        ):
            services.finding_update(
                actor=world.auditor, finding=finding, content=nc(world, _clause(qms), type=new_type)
            )
    with pytest.raises(FindingError, match="its findings are locked"):
        services.finding_update(
            actor=world.auditor, finding=finding, content=nc(world, _clause(qms), statement="Changed")
        )
    finding.refresh_from_db()
    assert (finding.type, finding.statement) == (
        FindingType.MAJOR_NC,
        "Calibration of the scales is not controlled.",
    )


def test_a_new_type_brings_its_deadlines_and_status_recorded(world, fieldwork, qms):
    finding = raise_nc(world, fieldwork, _clause(qms), type=FindingType.MINOR_NC)
    ends = fieldwork.audit.ends_on
    finding = services.finding_update(actor=world.auditor, finding=finding, content=nc(world, _clause(qms)))
    assert (finding.type, finding.status) == ("major", "open")
    assert (finding.response_due_on, finding.close_due_on) == (
        ends + datetime.timedelta(days=30),
        ends + datetime.timedelta(days=90),
    )
    change = transitions_of(finding).filter(field="type").get()
    assert (change.from_state, change.to_state) == ("minor", "major")
    assert str(finding.close_due_on) in change.reason
    finding = services.finding_update(
        actor=world.auditor, finding=finding, content=nc(world, _clause(qms), type=FindingType.OFI)
    )
    assert (finding.status, finding.response_due_on, finding.close_due_on) == ("recorded", None, None)
    status = transitions_of(finding).filter(field="status").first()
    assert (status.from_state, status.to_state) == ("open", "recorded")


def test_an_edit_records_what_changed_and_a_repeat_records_nothing(world, fieldwork, qms):
    finding = raise_nc(world, fieldwork, _clause(qms))
    content = nc(world, _clause(qms, "4.2"), statement="Scales at dispatch are not calibrated.")
    services.finding_update(actor=fieldwork.member, finding=finding, content=content)
    services.finding_update(actor=fieldwork.member, finding=finding, content=content)
    finding.refresh_from_db()
    assert finding.clause.number == "4.2" and finding.statement == "Scales at dispatch are not calibrated."
    edits = transitions_of(finding).filter(field="content")
    assert [(t.reason, t.actor) for t in edits] == [("clause, statement", fieldwork.member)]


def test_an_answered_nonconformity_stays_a_nonconformity(world, fieldwork, qms):
    finding = raise_nc(world, fieldwork, _clause(qms))
    Finding.objects.filter(pk=finding.pk).update(status=FindingStatus.RESPONSE_SUBMITTED)
    with pytest.raises(FindingError, match="The client has answered"):
        services.finding_update(
            actor=world.auditor, finding=finding, content=nc(world, _clause(qms), type=FindingType.OFI)
        )
    finding = services.finding_update(
        actor=world.auditor, finding=finding, content=nc(world, _clause(qms), type=FindingType.MINOR_NC)
    )
    assert (finding.type, finding.status) == ("minor", "response_submitted")


def test_an_update_keeps_rule_17(world, fieldwork, qms):
    finding = raise_nc(world, fieldwork, _clause(qms))
    with pytest.raises(FindingError, match="objective evidence"):
        services.finding_update(
            actor=world.auditor, finding=finding, content=nc(world, _clause(qms), evidence="")
        )
    finding.refresh_from_db()
    assert finding.evidence.startswith("Scale S-12")


# --- withdrawing


def test_a_withdrawn_finding_stays_on_record(world, fieldwork, qms):
    finding = raise_nc(world, fieldwork, _clause(qms))
    with pytest.raises(FindingError, match="Say why"):
        services.finding_withdraw(actor=world.auditor, finding=finding, reason="  ")
    services.finding_withdraw(actor=world.auditor, finding=finding, reason="Settled with the client on site")
    services.finding_withdraw(actor=world.auditor, finding=finding, reason="again")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.WITHDRAWN
    record = transitions_of(finding).filter(field="status").first()
    assert (record.from_state, record.to_state, record.reason) == (
        "open",
        "withdrawn",
        "Settled with the client on site",
    )
    assert transitions_of(finding).filter(to_state="withdrawn").count() == 1
    with pytest.raises(FindingError, match="withdrawn"):
        services.finding_update(actor=world.auditor, finding=finding, content=nc(world, _clause(qms)))


def test_only_the_team_withdraws(world, fieldwork, qms):
    finding = raise_nc(world, fieldwork, _clause(qms))
    with pytest.raises(NotAllowed):
        services.finding_withdraw(actor=world.cert_manager, finding=finding, reason="No")
    Audit.objects.filter(pk=fieldwork.audit.pk).update(status=AuditStatus.REPORT_ISSUED)
    with pytest.raises(FindingError, match="locked"):
        services.finding_withdraw(actor=world.auditor, finding=finding, reason="Too late")


# --- the team's evidence files


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_files_are_attached_under_a_server_name_and_removed_softly(world, fieldwork, qms, media):
    finding = raise_nc(world, fieldwork, _clause(qms))
    upload = SimpleUploadedFile("../../scale sticker.png", b"\x89PNG\r\n\x1a\n...")
    added = services.finding_file_add(actor=fieldwork.member, finding=finding, upload=upload)
    assert added.original_name.endswith("scale sticker.png") and added.size == len(b"\x89PNG\r\n\x1a\n...")
    assert added.file.name.startswith(f"findings/{fieldwork.audit.pk}/") and "sticker" not in added.file.name
    services.finding_file_remove(actor=world.auditor, file=added)
    services.finding_file_remove(actor=world.auditor, file=added)
    added.refresh_from_db()
    assert added.removed_at is not None and added.file.storage.exists(added.file.name)
    fields = list(transitions_of(finding).filter(field__startswith="file").values_list("field", flat=True))
    assert sorted(fields) == ["file added", "file removed"]


def test_files_follow_the_team_and_the_fieldwork(world, fieldwork, qms, media):
    finding = raise_nc(world, fieldwork, _clause(qms))
    with pytest.raises(NotAllowed):
        services.finding_file_add(actor=world.qm_a, finding=finding, upload=SimpleUploadedFile("a.txt", b"a"))
    added = services.finding_file_add(
        actor=world.auditor, finding=finding, upload=SimpleUploadedFile("a.txt", b"a")
    )
    Audit.objects.filter(pk=fieldwork.audit.pk).update(status=AuditStatus.REPORT_ISSUED)
    with pytest.raises(FindingError, match="locked"):
        services.finding_file_remove(actor=world.auditor, file=added)


def test_the_clients_files_are_not_the_teams_to_remove(world, fieldwork, qms, media):
    finding = raise_nc(world, fieldwork, _clause(qms))
    response = FindingResponse.objects.create(
        finding=finding,
        kind="plan",
        root_cause="c",
        correction="c",
        corrective_action="a",
        submitted_by=world.qm_a,
    )
    client_file = finding.files.create(
        response=response,
        file=SimpleUploadedFile("plan.txt", b"p"),
        original_name="plan.txt",
        size=1,
        uploaded_by=world.qm_a,
    )
    with pytest.raises(FindingError, match="client's evidence"):
        services.finding_file_remove(actor=world.auditor, file=client_file)
