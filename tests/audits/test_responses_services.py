"""The client's answers to nonconformities and the CB's review (DOMAIN §2.3, §2.4; rules 19–21, 36)."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.formats import date_format

from audits import access, finding_rules
from audits.enums import AuditKind, AuditStatus, FindingStatus, FindingType, ReviewOutcome
from audits.finding_rules import DeadlinePolicy
from audits.models import Audit, Finding, FindingResponse
from audits.selectors import responses as selectors
from audits.services import programmes as programme_services
from audits.services import responses as services
from audits.services import teams as team_services
from core.errors import NotAllowed
from core.transitions import transitions_of
from organisations.enums import CBRole, OrganisationRole
from organisations.models import OrganisationMembership
from tests import factories
from tests.factories import PROGRAMME_SCOPE

pytestmark = pytest.mark.django_db

F = FindingStatus
STAGE1 = datetime.date(2027, 3, 1)
PLAN = {"root_cause": "No review step", "correction": "Reviewed the file", "corrective_action": "Add a check"}


def audit_world(world, edition, *, status: str = AuditStatus.NCS_PENDING):
    """Organisation A's stage 1 audit by CB A, led by `auditor`, its report issued; a reviewer."""
    programme = programme_services.programme_open(
        actor=world.cert_manager,
        certification_body=world.cb,
        organisation=world.org_a,
        editions=[edition],
        sites=[world.site_a],
        iaf_codes=[],
        stage1_on=STAGE1,
        scope=PROGRAMME_SCOPE,
    )
    audit = programme.audits.get(kind=AuditKind.STAGE1)
    team_services.team_assign(actor=world.cert_manager, audit=audit, user=world.auditor, role="lead")
    Audit.objects.filter(pk=audit.pk).update(status=status)
    audit.refresh_from_db()
    world.audit = audit
    world.edition = edition
    world.reviewer = factories.CBMembershipFactory(
        certification_body=world.cb, role=CBRole.REVIEWER, user__full_name="Technical Reviewer"
    ).user
    return world


def make_finding(world, finding_type: str = FindingType.MAJOR_NC, *, audit=None, **fields) -> Finding:
    """A finding as the team raises it: its deadlines from the CB's policy (rule 20)."""
    audit = audit or world.audit
    response_due, close_due = finding_rules.deadlines(
        finding_type, audit.ends_on, DeadlinePolicy.of(audit.programme.certification_body)
    )
    values = {
        "audit": audit,
        "number": audit.findings.count() + 1,
        "type": finding_type,
        "status": finding_rules.initial_status(finding_type),
        "site": audit.programme.sites.first(),
        "clause": audit.programme.editions.first().clauses.filter(assessable=True).first(),
        "statement": "The design review of project P-7 is not recorded.",
        "evidence": "Project file P-7 seen on 1 March; no review record.",
        "response_due_on": response_due,
        "close_due_on": close_due,
        "raised_by": world.auditor,
    }
    return Finding.objects.create(**(values | fields))


@pytest.fixture
def w(world, qms):
    return audit_world(world, qms)


def _status(finding: Finding) -> str:
    finding.refresh_from_db()
    return finding.status


def _audit_status(world) -> str:
    world.audit.refresh_from_db()
    return world.audit.status


# --- the whole way of a nonconformity


def test_a_major_goes_from_open_to_verified_and_closes_the_audit(w, django_capture_on_commit_callbacks):
    major = make_finding(w)
    assert (major.status, major.response_due_on, major.close_due_on) == (
        F.OPEN,
        STAGE1 + datetime.timedelta(days=30),
        STAGE1 + datetime.timedelta(days=90),
    )
    plan = services.response_submit(actor=w.contributor_a, finding=major, **PLAN)
    assert _status(major) == F.RESPONSE_SUBMITTED and plan.outcome == ReviewOutcome.PENDING
    services.response_review(actor=w.reviewer, response=plan, accept=True, comment="")
    assert _status(major) == F.PLAN_ACCEPTED
    assert _audit_status(w) == AuditStatus.NCS_PENDING  # a major is settled only when verified
    done = services.implementation_submit(actor=w.qm_a, finding=major, implementation="Checklist in use")
    services.response_file_add(actor=w.qm_a, response=done, upload=SimpleUploadedFile("check.txt", b"ok"))
    assert _status(major) == F.IMPLEMENTED and done.files.get().original_name == "check.txt"
    services.response_review(actor=w.auditor, response=done, accept=True, comment="Seen in three files")
    assert _status(major) == F.VERIFIED_CLOSED
    assert _audit_status(w) == AuditStatus.CLOSED
    steps = [(t.from_state, t.to_state, t.actor, t.reason) for t in transitions_of(major).order_by("pk")]
    assert steps == [
        (F.OPEN, F.RESPONSE_SUBMITTED, w.contributor_a, ""),
        (F.RESPONSE_SUBMITTED, F.PLAN_ACCEPTED, w.reviewer, ""),
        (F.PLAN_ACCEPTED, F.IMPLEMENTED, w.qm_a, ""),
        (F.IMPLEMENTED, F.VERIFIED_CLOSED, w.auditor, "Seen in three files"),
    ]
    closing = transitions_of(w.audit).order_by("pk").last()
    assert (closing.from_state, closing.to_state, closing.actor) == (
        AuditStatus.NCS_PENDING,
        AuditStatus.CLOSED,
        w.auditor,
    )


def test_the_audit_closes_only_when_its_last_nonconformity_is_settled(w):
    minor, major = make_finding(w, FindingType.MINOR_NC), make_finding(w, FindingType.MAJOR_NC)
    make_finding(w, FindingType.OFI, status=F.RECORDED, response_due_on=None, close_due_on=None)
    for finding in (minor, major):
        services.response_submit(actor=w.qm_a, finding=finding, **PLAN)
    services.response_review(actor=w.reviewer, response=minor.responses.get(), accept=True, comment="")
    assert _status(minor) == F.PLAN_ACCEPTED and _audit_status(w) == AuditStatus.NCS_PENDING
    services.response_review(actor=w.reviewer, response=major.responses.get(), accept=True, comment="")
    assert _audit_status(w) == AuditStatus.NCS_PENDING
    services.finding_verify(actor=w.cert_manager, finding=major, comment="Follow-up visit on 2 May")
    assert _status(major) == F.VERIFIED_CLOSED and _audit_status(w) == AuditStatus.CLOSED


def test_a_minor_accepted_is_verified_at_the_next_audit(w):
    minor = make_finding(w, FindingType.MINOR_NC)
    assert minor.close_due_on is None
    plan = services.response_submit(actor=w.qm_a, finding=minor, **PLAN)
    services.response_review(actor=w.reviewer, response=plan, accept=True, comment="")
    assert _audit_status(w) == AuditStatus.CLOSED  # a minor's accepted plan settles it (rule 4)
    services.finding_verify(actor=w.reviewer, finding=minor, comment="Seen at surveillance 1")
    assert _status(minor) == F.VERIFIED_CLOSED
    last = transitions_of(minor).order_by("pk").last()
    assert (last.to_state, last.actor, last.reason) == (
        F.VERIFIED_CLOSED,
        w.reviewer,
        "Seen at surveillance 1",
    )


def test_a_rejected_plan_goes_back_to_the_client_with_the_reason_and_is_answered_again(w):
    major = make_finding(w)
    first = services.response_submit(actor=w.qm_a, finding=major, **PLAN)
    with pytest.raises(services.ResponseError, match="Say why the response is rejected"):
        services.response_review(actor=w.reviewer, response=first, accept=False, comment="  ")
    assert _status(major) == F.RESPONSE_SUBMITTED
    services.response_review(actor=w.reviewer, response=first, accept=False, comment="The cause is a symptom")
    assert _status(major) == F.PLAN_REJECTED
    first.refresh_from_db()
    assert (first.outcome, first.review_comment, first.reviewed_by) == (
        ReviewOutcome.REJECTED,
        "The cause is a symptom",
        w.reviewer,
    )
    assert transitions_of(major).order_by("pk").last().reason == "The cause is a symptom"
    second = services.response_submit(actor=w.qm_a, finding=major, **(PLAN | {"root_cause": "No owner"}))
    assert _status(major) == F.RESPONSE_SUBMITTED and second.pk != first.pk
    assert major.responses.count() == 2


def test_rejected_evidence_of_implementation_leaves_the_plan_accepted(w):
    major = make_finding(w)
    services.response_review(
        actor=w.reviewer,
        response=services.response_submit(actor=w.qm_a, finding=major, **PLAN),
        accept=True,
        comment="",
    )
    done = services.implementation_submit(actor=w.qm_a, finding=major, implementation="Done")
    services.response_review(actor=w.reviewer, response=done, accept=False, comment="No record attached")
    assert _status(major) == F.PLAN_ACCEPTED
    assert _audit_status(w) == AuditStatus.NCS_PENDING


# --- repeating is harmless; a second review is refused


def test_the_same_answer_sent_twice_is_kept_once(w):
    major = make_finding(w)
    first = services.response_submit(actor=w.qm_a, finding=major, **PLAN)
    again = services.response_submit(actor=w.qm_a, finding=major, **PLAN)
    assert again.pk == first.pk and major.responses.count() == 1
    assert transitions_of(major).count() == 1
    with pytest.raises(services.ResponseError, match="cannot become"):
        services.response_submit(actor=w.qm_a, finding=major, **(PLAN | {"correction": "Other"}))


def test_a_review_repeated_is_a_no_op_and_a_contrary_one_is_refused(w):
    major = make_finding(w)
    plan = services.response_submit(actor=w.qm_a, finding=major, **PLAN)
    services.response_review(actor=w.reviewer, response=plan, accept=True, comment="")
    services.response_review(actor=w.reviewer, response=plan, accept=True, comment="")
    assert transitions_of(major).count() == 2
    with pytest.raises(services.ResponseError, match="already reviewed: Accepted"):
        services.response_review(actor=w.reviewer, response=plan, accept=False, comment="Changed my mind")
    assert _status(major) == F.PLAN_ACCEPTED


def test_verifying_a_closed_nonconformity_again_changes_nothing(w):
    minor = make_finding(w, FindingType.MINOR_NC, status=F.PLAN_ACCEPTED)
    services.finding_verify(actor=w.reviewer, finding=minor, comment="Seen")
    services.finding_verify(actor=w.reviewer, finding=minor, comment="Seen again")
    assert transitions_of(minor).count() == 1


# --- the state machine: every refused step says why


@pytest.mark.parametrize(
    ("status", "step", "target"),
    [
        (F.RESPONSE_SUBMITTED, "respond", F.RESPONSE_SUBMITTED),
        (F.PLAN_ACCEPTED, "respond", F.RESPONSE_SUBMITTED),
        (F.IMPLEMENTED, "respond", F.RESPONSE_SUBMITTED),
        (F.VERIFIED_CLOSED, "respond", F.RESPONSE_SUBMITTED),
        (F.WITHDRAWN, "respond", F.RESPONSE_SUBMITTED),
        (F.OPEN, "implement", F.IMPLEMENTED),
        (F.RESPONSE_SUBMITTED, "implement", F.IMPLEMENTED),
        (F.PLAN_REJECTED, "implement", F.IMPLEMENTED),
        (F.VERIFIED_CLOSED, "implement", F.IMPLEMENTED),
        (F.OPEN, "verify", F.VERIFIED_CLOSED),
        (F.RESPONSE_SUBMITTED, "verify", F.VERIFIED_CLOSED),
        (F.PLAN_REJECTED, "verify", F.VERIFIED_CLOSED),
        (F.WITHDRAWN, "verify", F.VERIFIED_CLOSED),
    ],
)
def test_a_step_the_state_machine_does_not_allow_is_refused_with_its_message(w, status, step, target):
    major = make_finding(w, status=status)
    expected = finding_rules.step_refusal(status, target, by_reviewer=step == "verify")
    assert expected
    with pytest.raises(services.ResponseError) as refused:
        if step == "respond":
            services.response_submit(actor=w.qm_a, finding=major, **(PLAN | {"correction": "New"}))
        elif step == "implement":
            services.implementation_submit(actor=w.qm_a, finding=major, implementation="Done")
        else:
            services.finding_verify(actor=w.reviewer, finding=major, comment="Seen")
    assert str(refused.value) == expected
    assert _status(major) == status and not transitions_of(major).exists()


def test_implemented_is_closed_by_reviewing_its_evidence_not_by_verify(w):
    major = make_finding(w, status=F.IMPLEMENTED)
    with pytest.raises(services.ResponseError, match="evidence of implementation that waits for review"):
        services.finding_verify(actor=w.reviewer, finding=major, comment="Seen")


def test_a_review_into_a_state_the_machine_refuses_names_it(w):
    """A response left pending on a finding that moved on (data from elsewhere) cannot be reviewed."""
    major = make_finding(w)
    plan = services.response_submit(actor=w.qm_a, finding=major, **PLAN)
    Finding.objects.filter(pk=major.pk).update(status=F.VERIFIED_CLOSED)
    with pytest.raises(services.ResponseError) as refused:
        services.response_review(actor=w.reviewer, response=plan, accept=True, comment="")
    assert str(refused.value) == finding_rules.step_refusal(
        F.VERIFIED_CLOSED, F.PLAN_ACCEPTED, by_reviewer=True
    )


def test_answers_and_closures_need_their_texts(w):
    major = make_finding(w)
    with pytest.raises(services.ResponseError, match="root cause, the correction and the corrective action"):
        services.response_submit(actor=w.qm_a, finding=major, **(PLAN | {"root_cause": " "}))
    Finding.objects.filter(pk=major.pk).update(status=F.PLAN_ACCEPTED)
    with pytest.raises(services.ResponseError, match="Describe what was done"):
        services.implementation_submit(actor=w.qm_a, finding=major, implementation="")
    with pytest.raises(services.ResponseError, match="Say how the correction was verified"):
        services.finding_verify(actor=w.reviewer, finding=major, comment="")
    assert _status(major) == F.PLAN_ACCEPTED and not major.responses.exists()


# --- rules 19 and the issued report


@pytest.mark.parametrize("finding_type", [FindingType.OFI, FindingType.OBSERVATION, FindingType.POSITIVE])
def test_rule_19_observations_and_ofis_take_no_answer(w, finding_type):
    finding = make_finding(w, finding_type, status=F.OPEN)  # even if a status says otherwise
    with pytest.raises(services.ResponseError, match="Rule 19"):
        services.response_submit(actor=w.qm_a, finding=finding, **PLAN)
    with pytest.raises(services.ResponseError, match="Rule 19"):
        services.finding_verify(actor=w.reviewer, finding=finding, comment="Seen")


@pytest.mark.parametrize(
    "status", [AuditStatus.IN_PROGRESS, AuditStatus.FIELDWORK_DONE, AuditStatus.CANCELLED]
)
def test_no_answer_before_the_report_is_issued(w, status):
    major = make_finding(w)
    Audit.objects.filter(pk=w.audit.pk).update(status=status)
    with pytest.raises(services.ResponseError, match="report is not issued yet"):
        services.response_submit(actor=w.qm_a, finding=major, **PLAN)
    assert _status(major) == F.OPEN


# --- rule 21: the client submits, the CB reviews


@pytest.mark.parametrize(
    "persona", ["viewer_a", "qm_b", "auditor", "reviewer", "cert_manager", "staff", "nobody"]
)
def test_rule_21_only_the_client_submits(w, persona):
    major = make_finding(w)
    with pytest.raises(NotAllowed, match=str(access.RESPONDERS_ONLY)):
        services.response_submit(actor=getattr(w, persona), finding=major, **PLAN)
    Finding.objects.filter(pk=major.pk).update(status=F.PLAN_ACCEPTED)
    with pytest.raises(NotAllowed, match=str(access.RESPONDERS_ONLY)):
        services.implementation_submit(actor=getattr(w, persona), finding=major, implementation="Done")
    assert not major.responses.exists()


@pytest.mark.parametrize(
    "persona", ["qm_a", "contributor_a", "viewer_a", "other_auditor", "other_cb_manager", "staff", "nobody"]
)
def test_rule_21_the_client_and_other_cb_staff_never_review_or_close(w, persona):
    major = make_finding(w)
    plan = services.response_submit(actor=w.qm_a, finding=major, **PLAN)
    actor = getattr(w, persona)
    with pytest.raises(NotAllowed, match="rule 21"):
        services.response_review(actor=actor, response=plan, accept=True, comment="")
    Finding.objects.filter(pk=major.pk).update(status=F.PLAN_ACCEPTED)
    with pytest.raises(NotAllowed, match="rule 21"):
        services.finding_verify(actor=actor, finding=major, comment="Seen")
    plan.refresh_from_db()
    assert plan.outcome == ReviewOutcome.PENDING and _status(major) == F.PLAN_ACCEPTED


def test_an_auditor_on_the_team_but_not_its_lead_does_not_review(w):
    team_services.team_assign(actor=w.cert_manager, audit=w.audit, user=w.other_auditor, role="auditor")
    plan = services.response_submit(actor=w.qm_a, finding=make_finding(w), **PLAN)
    with pytest.raises(NotAllowed):
        services.response_review(actor=w.other_auditor, response=plan, accept=True, comment="")


@pytest.mark.parametrize("persona", ["auditor", "reviewer", "cert_manager"])
def test_the_lead_the_reviewers_and_the_certification_managers_review(w, persona):
    major = make_finding(w)
    plan = services.response_submit(actor=w.qm_a, finding=major, **PLAN)
    services.response_review(actor=getattr(w, persona), response=plan, accept=True, comment="")
    assert _status(major) == F.PLAN_ACCEPTED


def test_a_former_reviewer_no_longer_reviews(w):
    plan = services.response_submit(actor=w.qm_a, finding=make_finding(w), **PLAN)
    w.reviewer.cb_memberships.update(is_active=False)
    with pytest.raises(NotAllowed):
        services.response_review(actor=w.reviewer, response=plan, accept=True, comment="")


# --- files


def test_files_go_with_an_answer_waiting_for_review_only(w, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    major = make_finding(w)
    plan = services.response_submit(actor=w.qm_a, finding=major, **PLAN)
    with pytest.raises(NotAllowed):
        services.response_file_add(actor=w.reviewer, response=plan, upload=SimpleUploadedFile("a.txt", b"a"))
    kept = services.response_file_add(
        actor=w.contributor_a, response=plan, upload=SimpleUploadedFile("Procédure P-1.txt", b"a")
    )
    assert (kept.finding, kept.response, kept.original_name, kept.size) == (
        major,
        plan,
        "Procédure P-1.txt",
        1,
    )
    assert kept.file.name.startswith(f"findings/{w.audit.pk}/") and "Proc" not in kept.file.name
    services.response_review(actor=w.reviewer, response=plan, accept=True, comment="")
    with pytest.raises(services.ResponseError, match="already reviewed"):
        services.response_file_add(actor=w.qm_a, response=plan, upload=SimpleUploadedFile("b.txt", b"b"))
    assert plan.files.count() == 1


# --- mails, once the change is committed


def test_the_reviewers_are_told_when_the_client_answers(w, django_capture_on_commit_callbacks):
    team_services.team_assign(actor=w.cert_manager, audit=w.audit, user=w.other_auditor, role="auditor")
    major = make_finding(w)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.response_submit(actor=w.contributor_a, finding=major, **PLAN)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == sorted([w.auditor.email, w.reviewer.email, w.cert_manager.email])
    assert major.reference in message.subject and "to review" in message.subject
    assert "Contributor A" in message.body and "No review step" in message.body
    assert f"/findings/{major.pk}/" in message.body


def test_the_quality_managers_are_told_of_each_review_and_closure(w, django_capture_on_commit_callbacks):
    major = make_finding(w)
    plan = services.response_submit(actor=w.qm_a, finding=major, **PLAN)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.response_review(actor=w.reviewer, response=plan, accept=False, comment="Cause not found")
    assert [m.to for m in mail.outbox] == [[w.qm_a.email]]
    assert "rejected" in mail.outbox[0].subject and "Cause not found" in mail.outbox[0].body
    assert date_format(major.response_due_on) in mail.outbox[0].body
    assert f"the major nonconformity {major.name}" in mail.outbox[0].body
    services.response_review(
        actor=w.reviewer,
        response=services.response_submit(actor=w.qm_a, finding=major, **PLAN),
        accept=True,
        comment="",
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.finding_verify(actor=w.reviewer, finding=major, comment="Follow-up on 2 May")
    assert [m.to for m in mail.outbox] == [[w.qm_a.email]]
    assert "verified and closed" in mail.outbox[0].subject and "Follow-up on 2 May" in mail.outbox[0].body


def test_nothing_is_sent_when_the_answer_is_refused(w, django_capture_on_commit_callbacks):
    major = make_finding(w, status=F.PLAN_ACCEPTED)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.ResponseError):
        services.response_submit(actor=w.qm_a, finding=major, **PLAN)
    assert mail.outbox == []


# --- rule 20: deadlines and what is overdue


def test_the_cb_policy_sets_the_due_dates(w):
    w.cb.major_plan_days, w.cb.major_close_days, w.cb.minor_plan_days = 14, 60, 45
    w.cb.save()
    w.audit.programme.certification_body.refresh_from_db()
    major, minor = make_finding(w), make_finding(w, FindingType.MINOR_NC)
    last_day = w.audit.ends_on
    assert (major.response_due_on - last_day).days == 14 and (major.close_due_on - last_day).days == 60
    assert (minor.response_due_on - last_day).days == 45 and minor.close_due_on is None


DUE = datetime.date(2027, 4, 1)
CLOSE = datetime.date(2027, 6, 1)
DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("status", "response_due", "close_due", "today", "missed"),
    [
        (F.OPEN, DUE, CLOSE, DUE - DAY, None),
        (F.OPEN, DUE, CLOSE, DUE, None),  # the due day itself is not overdue
        (F.OPEN, DUE, CLOSE, DUE + DAY, DUE),
        (F.PLAN_REJECTED, DUE, CLOSE, DUE + DAY, DUE),
        (F.RESPONSE_SUBMITTED, DUE, CLOSE, DUE + DAY, None),  # the CB's turn
        (F.PLAN_ACCEPTED, DUE, CLOSE, DUE + DAY, None),
        (F.PLAN_ACCEPTED, DUE, CLOSE, CLOSE, None),
        (F.PLAN_ACCEPTED, DUE, CLOSE, CLOSE + DAY, CLOSE),
        (F.RESPONSE_SUBMITTED, DUE, CLOSE, CLOSE + DAY, CLOSE),
        (F.IMPLEMENTED, DUE, CLOSE, CLOSE + DAY, CLOSE),
        (F.OPEN, DUE, CLOSE, CLOSE + DAY, DUE),
        (F.VERIFIED_CLOSED, DUE, CLOSE, CLOSE + DAY, None),
        (F.WITHDRAWN, DUE, CLOSE, CLOSE + DAY, None),
        (F.OPEN, DUE, None, DUE + DAY, DUE),  # a minor: no closure date
        (F.PLAN_ACCEPTED, DUE, None, DUE + 400 * DAY, None),
        (F.RECORDED, None, None, DUE + DAY, None),
    ],
)
def test_overdue_in_python_and_in_sql_agree(w, status, response_due, close_due, today, missed):
    finding_type = FindingType.OFI if status == F.RECORDED else FindingType.MAJOR_NC
    finding = make_finding(
        w, finding_type, status=status, response_due_on=response_due, close_due_on=close_due
    )
    assert finding_rules.overdue_since(status, response_due, close_due, today) == missed
    in_sql = selectors.overdue(Finding.objects.filter(pk=finding.pk), today).exists()
    assert in_sql == (missed is not None)
    annotated = selectors.with_overdue(Finding.objects.filter(pk=finding.pk), today).get()
    assert annotated.is_overdue == (missed is not None)


def test_what_waits_for_the_client_comes_overdue_first_then_by_deadline(w):
    late = make_finding(w, response_due_on=DUE - 10 * DAY)
    soon = make_finding(w, response_due_on=DUE + 2 * DAY)
    later = make_finding(w, FindingType.MINOR_NC, response_due_on=DUE + 20 * DAY)
    accepted_major = make_finding(w, status=F.PLAN_ACCEPTED, response_due_on=DUE, close_due_on=DUE - DAY)
    make_finding(w, FindingType.MINOR_NC, status=F.PLAN_ACCEPTED)  # verified at the next audit
    make_finding(w, status=F.RESPONSE_SUBMITTED)  # the CB's turn
    rows = list(selectors.awaiting_client(w.qm_a, DUE))
    assert [f.pk for f in rows] == [late.pk, accepted_major.pk, soon.pk, later.pk]
    assert [f.is_overdue for f in rows] == [True, True, False, False]
    assert list(selectors.awaiting_client(w.qm_b, DUE)) == []
    assert list(selectors.awaiting_client(w.reviewer, DUE)) == []


def test_nothing_waits_for_the_client_before_the_report(w):
    make_finding(w)
    Audit.objects.filter(pk=w.audit.pk).update(status=AuditStatus.FIELDWORK_DONE)
    assert list(selectors.awaiting_client(w.qm_a, DUE)) == []


def test_answers_to_review_are_the_reviewers_oldest_first(w, qms):
    first = services.response_submit(actor=w.qm_a, finding=make_finding(w), **PLAN)
    second = services.response_submit(actor=w.qm_a, finding=make_finding(w), **PLAN)
    FindingResponse.objects.filter(pk=second.pk).update(
        submitted_at=first.submitted_at - datetime.timedelta(hours=1)
    )
    for persona in ("reviewer", "cert_manager", "auditor"):
        assert [r.pk for r in selectors.to_review(getattr(w, persona))] == [second.pk, first.pk]
    for persona in ("other_auditor", "other_cb_manager", "qm_a"):
        assert list(selectors.to_review(getattr(w, persona))) == []


# --- rule 21, defence in depth: the reviewer is never the client nor the submitter of the answer


def _holds_both_roles(w):
    """A reviewer of CB A who is also a quality manager of A: data the independence rule refuses
    (organisations.independence), made directly, as an old record or a bug could leave it."""
    OrganisationMembership.objects.create(
        user=w.reviewer, organisation=w.org_a, role=OrganisationRole.QUALITY_MANAGER
    )
    return w.reviewer


def test_a_reviewer_who_is_also_a_member_of_the_client_may_not_review(w):
    reviewer = _holds_both_roles(w)
    major = make_finding(w)
    plan = services.response_submit(actor=w.qm_a, finding=major, **PLAN)
    assert not access.can_review(reviewer, w.audit)
    assert not selectors.to_review(reviewer).exists()
    with pytest.raises(NotAllowed, match="member of the client"):
        services.response_review(actor=reviewer, response=plan, accept=True, comment="")
    with pytest.raises(NotAllowed, match="member of the client"):
        services.finding_verify(actor=reviewer, finding=major, comment="Seen")
    assert _status(major) == F.RESPONSE_SUBMITTED
    assert (
        services.response_review(actor=w.auditor, response=plan, accept=True, comment="").outcome
        == "accepted"
    )


def test_a_reviewer_never_reviews_an_answer_they_submitted(w):
    major = make_finding(w, status=F.RESPONSE_SUBMITTED)
    plan = FindingResponse.objects.create(finding=major, kind="plan", submitted_by=w.reviewer, **PLAN)
    assert not selectors.to_review(w.reviewer).filter(pk=plan.pk).exists()
    with pytest.raises(NotAllowed, match="submitted"):
        services.response_review(actor=w.reviewer, response=plan, accept=True, comment="")
    plan.refresh_from_db()
    assert plan.outcome == ReviewOutcome.PENDING and _status(major) == F.RESPONSE_SUBMITTED
