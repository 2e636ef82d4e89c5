"""Readiness records for a world (tests/conftest.py `world`): each line of the task list made done
by its own helper, so a test builds exactly the lines it needs. Reviews and SoAs are made with the
models' `objects.create` (their services are another module's)."""

import datetime

from django.utils import timezone

from improvement.enums import AnswerStatus, InternalAuditStatus, ReviewStatus, SoaStatus
from improvement.models import GapAnswer, InternalAudit, ManagementReview, StatementOfApplicability
from improvement.services import actions as action_services
from improvement.services import gap as gap_services
from improvement.services import internal_audits as ia_services
from improvement.services import processes as process_services
from improvement.services import readiness as services

AUDIT_FROM = datetime.date(2026, 6, 1)
AUDIT_TO = datetime.date(2026, 6, 3)


def scope_done(world, edition, suffix: str = "a"):
    org, qm, site = (getattr(world, f"{name}_{suffix}") for name in ("org", "qm", "site"))
    process = process_services.process_create(
        actor=qm, organisation=org, name=f"Licensing {suffix}", owner=qm
    )
    return services.readiness_scope_set(
        actor=qm,
        organisation=org,
        edition=edition,
        scope="All public services",
        sites=[site],
        processes=[process],
    )


def gap_done(world, edition, *, complete: bool = True, suffix: str = "a"):
    org, qm = getattr(world, f"org_{suffix}"), getattr(world, f"qm_{suffix}")
    analysis = gap_services.gap_analysis_start(
        actor=qm, organisation=org, title=f"Review {edition.label}", editions=[edition], sites=[]
    )
    GapAnswer.objects.filter(analysis=analysis).update(status=AnswerStatus.CONFORMING)
    if complete:
        analysis = gap_services.gap_analysis_complete(actor=qm, analysis=analysis)
    return analysis


def gap_action(world, analysis):
    answer = analysis.answers.first()
    return gap_services.gap_answer_action_raise(
        actor=world.qm_a, answer=answer, title="Write the procedure", owner=world.qm_a
    )


def programme_of(world, edition, suffix: str = "a"):
    org, qm = getattr(world, f"org_{suffix}"), getattr(world, f"qm_{suffix}")
    return ia_services.internal_programme_create(
        actor=qm,
        organisation=org,
        title=f"Programme 2026 {suffix}",
        editions=[edition],
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
    )


def completed_audit(world, programme, clauses, *, ends_on=AUDIT_TO, nonconformity: bool = False):
    """An audit of these clauses, reported (its status set as the report's issue would), with a minor
    nonconformity if asked (its action opened by the finding, without correction)."""
    qm = world.qm_a
    audit = ia_services.internal_audit_create(
        actor=qm,
        programme=programme,
        title="Audit",
        starts_on=AUDIT_FROM,
        ends_on=ends_on,
        clauses=list(clauses),
    )
    finding = None
    if nonconformity:
        ia_services.internal_auditor_add(actor=qm, audit=audit, user=world.contributor_a, is_lead=True)
        ia_services.internal_audit_start(actor=qm, audit=audit)
        finding = ia_services.internal_finding_raise(
            actor=world.contributor_a, audit=audit, grade="minor", clause=clauses[0], title="No record"
        )
    InternalAudit.objects.filter(pk=audit.pk).update(
        status=InternalAuditStatus.REPORTED, reported_at=timezone.now()
    )
    return audit, finding


def address(world, finding):
    action = finding.action
    return action_services.action_update(
        actor=world.qm_a,
        action=action,
        title=action.title,
        owner=action.owner,
        correction="Record written",
        corrective_action="Checklist added to the procedure",
    )


def review_of(world, edition, *, held_on=None, suffix: str = "a"):
    org, qm = getattr(world, f"org_{suffix}"), getattr(world, f"qm_{suffix}")
    number = ManagementReview.objects.filter(organisation=org).count() + 1
    review = ManagementReview.objects.create(
        organisation=org,
        number=number,
        title=f"Review {number}",
        planned_on=held_on or datetime.date(2026, 11, 16),
        held_on=held_on,
        held_at=timezone.now() if held_on else None,
        held_by=qm if held_on else None,
        status=ReviewStatus.HELD if held_on else ReviewStatus.PLANNED,
        created_by=qm,
    )
    review.editions.set([edition])
    return review


def soa_of(world, edition, *, approved: bool):
    count = StatementOfApplicability.objects.filter(organisation=world.org_a, edition=edition).count()
    values = {"status": SoaStatus.DRAFT}
    if approved:
        values = {
            "status": SoaStatus.APPROVED,
            "approved_on": datetime.date(2026, 10, 1),
            "approver_name": "Secretary-General",
            "approval_recorded_at": timezone.now(),
            "approval_recorded_by": world.qm_a,
        }
    return StatementOfApplicability.objects.create(
        organisation=world.org_a, edition=edition, version=count + 1, created_by=world.qm_a, **values
    )


def all_done(world, edition):
    """Every line done for organisation A (the SoA too when the edition needs one)."""
    scope_done(world, edition)
    gap_done(world, edition)
    programme = programme_of(world, edition)
    _audit, finding = completed_audit(
        world, programme, list(edition.clauses.filter(assessable=True)), nonconformity=True
    )
    address(world, finding)
    review_of(world, edition, held_on=datetime.date(2026, 11, 16))
    return programme


def close_action(world, action):
    """Take the action out of the open ones (cancelled: closed without an effectiveness review)."""
    return action_services.action_cancel(actor=world.qm_a, action=action, reason="Covered by another action")
