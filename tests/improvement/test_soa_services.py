import datetime

import pytest
from django.utils import timezone

from core.errors import NotAllowed
from core.transitions import transitions_of
from improvement.enums import AnswerStatus, Implementation, SoaStatus
from improvement.models import SoaControl
from improvement.services import gap as gap_services
from improvement.services import soa as services
from improvement.services.actions import action_create
from improvement.soa_rules import SOA_STANDARD_CODES, control_from_answer, controls_of
from tests.audits.conftest import isms as isms  # the ISO/IEC 27001:2022 fixture
from tests.audits.conftest import qms as qms  # the ISO 9001:2015 fixture
from tests.improvement.soa_world import approved, decide_all

pytestmark = pytest.mark.django_db

CONTROLS = ["A.5.1", "A.5.2", "A.5.3", "A.8.1", "A.8.2", "A.8.3"]


def _control(soa, number: str) -> SoaControl:
    return soa.controls.get(clause__number=number)


def test_the_controls_are_the_assessable_annex_a_clauses(isms):
    assert [clause.number for clause in controls_of(isms)] == CONTROLS
    assert SOA_STANDARD_CODES == ("ISO/IEC 27001",)


def test_a_first_draft_by_hand_has_every_control_undecided(world, isms):
    soa = services.soa_draft(actor=world.contributor_a, organisation=world.org_a, edition=isms)
    assert soa.version == 1 and soa.status == SoaStatus.DRAFT and soa.copied_from is None
    controls = list(soa.controls.order_by("clause__position"))
    assert [c.clause.number for c in controls] == CONTROLS
    assert all(c.applicable is None and not c.is_decided for c in controls)
    assert transitions_of(soa).get().to_state == SoaStatus.DRAFT


def test_only_one_draft_at_a_time(world, isms):
    first = services.soa_draft(actor=world.qm_a, organisation=world.org_a, edition=isms)
    with pytest.raises(services.SoaDraftExists) as refused:
        services.soa_draft(actor=world.qm_a, organisation=world.org_a, edition=isms)
    assert refused.value.draft == first and "Version 1 is still a draft" in str(refused.value)


def test_a_second_version_copies_the_latest_approved_one(world, isms):
    first = approved(world.org_a, isms, world.qm_a, excluded=("A.8.3",))
    action = action_create(
        actor=world.qm_a, organisation=world.org_a, source="other", title="Backups", owner=world.qm_a
    )
    second = services.soa_draft(actor=world.qm_a, organisation=world.org_a, edition=isms)
    assert second.version == 2 and second.copied_from == first
    excluded = _control(second, "A.8.3")
    assert excluded.applicable is False and excluded.justification == "Not in scope"
    kept = _control(second, "A.5.1")
    assert (kept.applicable, kept.implementation, kept.evidence) == (True, "implemented", "Policy P-1")
    services.soa_control_save(
        actor=world.qm_a,
        control=kept,
        applicable=True,
        justification="Risk R-2",
        implementation=Implementation.PARTLY,
        action=action,
    )
    assert _control(first, "A.5.1").justification == "Risk R-1"  # the approved one is as it was
    assert _control(second, "A.5.1").action == action


def test_only_editions_with_an_soa(world, qms):
    with pytest.raises(services.SoaError, match="ISO/IEC 27001"):
        services.soa_draft(actor=world.qm_a, organisation=world.org_a, edition=qms)


@pytest.mark.parametrize("persona", ["viewer_a", "qm_b", "auditor", "cert_manager", "staff"])
def test_only_writers_of_the_organisation_draft(world, isms, persona):
    with pytest.raises(NotAllowed):
        services.soa_draft(actor=getattr(world, persona), organisation=world.org_a, edition=isms)


# --- drafting from a gap analysis -------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "justification", "notes", "expected"),
    [
        ("not_applicable", "No development", "", (False, "No development", "")),
        ("conforming", "", "Policy seen", (True, "Policy seen", "implemented")),
        ("partial", "", "", (True, "", "partly")),
        ("nonconforming", "", "Nothing yet", (True, "Nothing yet", "not_implemented")),
        ("not_assessed", "", "Ask IT", (None, "Ask IT", "")),
    ],
)
def test_an_answer_maps_to_a_control(status, justification, notes, expected):
    values = control_from_answer(status, justification, notes)
    assert (values["applicable"], values["justification"], values["implementation"]) == expected


def test_a_draft_from_a_gap_analysis_takes_each_answer(world, isms):
    analysis = gap_services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title="ISMS baseline", editions=[isms], sites=[]
    )
    answers = {a.clause.number: a for a in analysis.answers.select_related("clause")}
    for number, status, justification in (
        ("A.5.1", AnswerStatus.CONFORMING, ""),
        ("A.5.2", AnswerStatus.PARTIAL, ""),
        ("A.5.3", AnswerStatus.NOT_APPLICABLE, "No suppliers"),
        ("A.8.1", AnswerStatus.NONCONFORMING, ""),
    ):
        gap_services.gap_answer_save(
            actor=world.qm_a, answer=answers[number], status=status, justification=justification, notes="Seen"
        )
    action = gap_services.gap_answer_action_raise(
        actor=world.qm_a, answer=answers["A.5.2"], title="Finish the policy", owner=world.qm_a
    )
    soa = services.soa_draft(actor=world.qm_a, organisation=world.org_a, edition=isms, from_analysis=analysis)
    assert soa.drafted_from == analysis and soa.copied_from is None
    rows = {
        c.clause.number: (c.applicable, c.implementation, c.justification, c.action_id)
        for c in soa.controls.select_related("clause")
    }
    assert rows == {
        "A.5.1": (True, "implemented", "Seen", None),
        "A.5.2": (True, "partly", "Seen", action.pk),
        "A.5.3": (False, "", "No suppliers", None),
        "A.8.1": (True, "not_implemented", "Seen", None),
        "A.8.2": (None, "", "", None),
        "A.8.3": (None, "", "", None),
    }


def test_a_gap_analysis_of_another_edition_or_organisation_is_refused(world, isms, qms):
    other = gap_services.gap_analysis_start(
        actor=world.qm_a, organisation=world.org_a, title="QMS", editions=[qms], sites=[]
    )
    with pytest.raises(services.SoaError, match="covers"):
        services.soa_draft(actor=world.qm_a, organisation=world.org_a, edition=isms, from_analysis=other)
    of_b = gap_services.gap_analysis_start(
        actor=world.qm_b, organisation=world.org_b, title="ISMS B", editions=[isms], sites=[]
    )
    with pytest.raises(services.SoaError):
        services.soa_draft(actor=world.qm_a, organisation=world.org_a, edition=isms, from_analysis=of_b)
    assert not world.org_a.statements_of_applicability.exists()


# --- controls ---------------------------------------------------------------------------------


def test_not_applicable_clears_the_implementation(world, isms):
    soa = services.soa_draft(actor=world.qm_a, organisation=world.org_a, edition=isms)
    control = services.soa_control_save(
        actor=world.contributor_a,
        control=_control(soa, "A.5.1"),
        applicable=False,
        justification="  Out of scope ",
        implementation=Implementation.IMPLEMENTED,
    )
    assert control.implementation == "" and control.justification == "Out of scope" and control.is_decided
    assert control.updated_by == world.contributor_a
    assert transitions_of(control).get().to_state == "False"


def test_the_action_must_be_of_the_organisation(world, isms):
    soa = services.soa_draft(actor=world.qm_a, organisation=world.org_a, edition=isms)
    action_b = action_create(
        actor=world.qm_b, organisation=world.org_b, source="other", title="B's", owner=world.qm_b
    )
    with pytest.raises(services.SoaError, match="register"):
        services.soa_control_save(
            actor=world.qm_a, control=_control(soa, "A.5.1"), applicable=True, action=action_b
        )
    assert _control(soa, "A.5.1").action is None


def test_a_viewer_cannot_save_a_control(world, isms):
    soa = services.soa_draft(actor=world.qm_a, organisation=world.org_a, edition=isms)
    with pytest.raises(NotAllowed):
        services.soa_control_save(actor=world.viewer_a, control=_control(soa, "A.5.1"), applicable=True)


# --- approval ---------------------------------------------------------------------------------


def _approve(world, soa, day=None):
    return services.soa_approve(
        actor=world.qm_a,
        soa=soa,
        approver_name="Dr Anna Weber",
        approver_function="Secretary-General",
        approved_on=day or timezone.localdate(),
    )


def test_approval_lists_the_undecided_controls(world, isms):
    soa = services.soa_draft(actor=world.qm_a, organisation=world.org_a, edition=isms)
    decide_all(soa, world.qm_a)
    services.soa_control_save(
        actor=world.qm_a, control=_control(soa, "A.8.2"), applicable=True, justification="Risk"
    )  # no implementation
    services.soa_control_save(actor=world.qm_a, control=_control(soa, "A.5.3"), applicable=None)
    with pytest.raises(services.SoaError, match=r"Still undecided: A\.5\.3, A\.8\.2\."):
        _approve(world, soa)
    soa.refresh_from_db()
    assert soa.is_draft and soa.approved_on is None


def test_approval_is_not_dated_in_the_future_nor_before_the_draft(world, isms):
    soa = services.soa_draft(actor=world.qm_a, organisation=world.org_a, edition=isms)
    decide_all(soa, world.qm_a)
    today = timezone.localdate()
    with pytest.raises(services.SoaError, match="future"):
        _approve(world, soa, today + datetime.timedelta(days=1))
    with pytest.raises(services.SoaError, match="before the version was drafted"):
        _approve(world, soa, today - datetime.timedelta(days=1))
    soa = _approve(world, soa, today)
    assert soa.status == SoaStatus.APPROVED and soa.approval_recorded_by == world.qm_a
    assert soa.label == f"SoA v1, approved {today.isoformat()}"
    assert transitions_of(soa).filter(to_state=SoaStatus.APPROVED).get().reason.startswith("Approved by")


def test_a_contributor_cannot_approve(world, isms):
    soa = services.soa_draft(actor=world.qm_a, organisation=world.org_a, edition=isms)
    decide_all(soa, world.qm_a)
    with pytest.raises(NotAllowed):
        services.soa_approve(
            actor=world.contributor_a,
            soa=soa,
            approver_name="X",
            approver_function="Y",
            approved_on=timezone.localdate(),
        )


def test_an_approved_version_never_changes(world, isms):
    soa = approved(world.org_a, isms, world.qm_a)
    control = _control(soa, "A.5.1")
    with pytest.raises(services.SoaError, match="never changes"):
        services.soa_control_save(actor=world.qm_a, control=control, applicable=False, justification="x")
    with pytest.raises(services.SoaError, match="never changes"):
        _approve(world, soa)
    control.refresh_from_db()
    assert control.applicable is True and control.justification == "Risk R-1"


# --- sharing ----------------------------------------------------------------------------------


def test_sharing_is_for_approved_versions_and_recorded(world, isms):
    draft = services.soa_draft(actor=world.qm_a, organisation=world.org_a, edition=isms)
    with pytest.raises(services.SoaError, match="approved"):
        services.soa_share(actor=world.qm_a, soa=draft, shared=True)
    decide_all(draft, world.qm_a)
    soa = _approve(world, draft)
    soa = services.soa_share(actor=world.qm_a, soa=soa, shared=True)
    assert soa.shared_with_cb
    services.soa_share(actor=world.qm_a, soa=soa, shared=True)  # again: nothing new
    assert transitions_of(soa).filter(field="shared_with_cb").count() == 1
    with pytest.raises(NotAllowed):
        services.soa_share(actor=world.contributor_a, soa=soa, shared=False)
