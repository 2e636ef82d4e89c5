"""The rows a certificate's life left, as `certificates.services` would have: its decisions (with the
audits feeding them, rules 3, 4), the certificate numbered from its body's pattern without gaps
(`number_allocate`, rule 9), its revisions with the sites and codes they certify, the suspension,
withdrawal, cancellation or expiry (rules 12, 14, 15), the tasks the daily job opened (rules 10,
14), and every step in the transition log."""

import datetime
import random
from dataclasses import dataclass, field

from audits import cycle
from audits.enums import AuditKind
from audits.models import Audit
from audits.scale import Cycle
from audits.selectors.programme_checks import cycle_policy
from certificates import certificate_rules
from certificates.enums import (
    CertificateStatus,
    DecisionKind,
    DecisionOutcome,
    RevisionStatus,
    SuspensionReason,
    TaskKind,
    TaskResolution,
    TaskStatus,
)
from certificates.models import (
    Certificate,
    CertificateNumberSequence,
    CertificateRevision,
    Decision,
    RevisionSite,
    Task,
)
from certificates.scale.stories import HALTS, SUSPENSIONS, VOIDED, Story
from certificates.services.tasks import FLAG
from core.scale import Bulk, days, moment, seeded, token
from organisations import numbers
from organisations.scale import Body
from standards.models import Edition

C = CertificateStatus
ISMS = "ISMS"


# --- Rows -------------------------------------------------------------------------------------------


@dataclass
class Issue:
    """One certificate of a story while its rows are made: its decisions with the audits feeding
    each, its revisions, the tasks the daily job opened for it."""

    certificate: Certificate
    revisions: list[CertificateRevision]
    decisions: list[Decision]
    feeding: list[list[Audit]]
    tasks: list[tuple[Task, str]] = field(default_factory=list)


def _rationale(kind: str) -> str:
    if kind == DecisionKind.INITIAL:
        return "Stage 1 and stage 2 reports reviewed, every nonconformity settled (rule 4): certified."
    return "Recertification audit report reviewed; every nonconformity settled: recertification granted."


def _decision(story: Story, programme, edition: Edition, kind: str, on: datetime.date) -> Decision:
    return Decision(
        programme=programme,
        edition=edition,
        kind=kind,
        outcome=DecisionOutcome.GRANT,
        decided_on=on,
        decided_by=story.plan.decider,
        rationale=_rationale(kind),
        recorded_at=moment(on, 10),
    )


def _accredited(body: Body, edition: Edition) -> bool:
    """Rule 34: the body's accreditation covers the standard and every public-service code."""
    return edition.standard.code not in body.spec.not_accredited


def _revision(
    rng: random.Random,
    story: Story,
    cycle_: Cycle,
    number: int,
    decision: Decision,
    expiry_on: datetime.date,
    recertified: datetime.date | None = None,
) -> CertificateRevision:
    """What `decisions._revision_values` drafts: the holder, scope and sites as certified, the
    decision's dates (rules 6, 7), the SoA version an ISMS certificate prints (rule 8)."""
    client, edition = story.plan.client, decision.edition
    isms = edition.standard.discipline == ISMS
    return CertificateRevision(
        revision=number,
        decision=decision,
        edition=edition,
        **CertificateRevision.holder_of(client.organisation),
        scope=cycle_.programme.scope,
        effective_on=decision.decided_on,
        expiry_on=expiry_on,
        cycle_started_on=decision.decided_on,
        last_recertification_audit_on=recertified,
        soa_version=f"SoA v{rng.randrange(1, 6)}, {days(decision.decided_on, -rng.randrange(10, 60))}"
        if isms
        else "",
        public_token=token(rng),
        created_at=moment(decision.decided_on, 10),
    )


def _issued(revision: CertificateRevision, story: Story) -> None:
    revision.status, revision.issued_on = RevisionStatus.CURRENT, revision.effective_on
    revision.issued_by, revision.accredited = (
        story.plan.decider,
        _accredited(story.plan.client.body, revision.edition),
    )


def _status(story: Story, expiry_on: datetime.date, decided_on: datetime.date) -> tuple[str, datetime.date]:
    """The certificate's status and since when."""
    if story.status == C.SUSPENDED:
        return C.SUSPENDED, story.suspended_on
    if story.status in (C.WITHDRAWN, C.CANCELLED):
        return story.status, story.ended_on
    if story.status == C.EXPIRED:
        return C.EXPIRED, days(expiry_on, 1)
    return story.status, decided_on


def issue_of(rng, story: Story, first: Cycle, following: Cycle | None, edition: Edition) -> Issue:
    """A certificate, its initial decision and first revision; the recertification's second."""
    plan, body = story.plan, story.plan.client.body
    policy = cycle_policy(body.body)
    decided_on = plan.decided_on
    stage_audits = [first.visits[k].audit for k in (AuditKind.STAGE1, AuditKind.STAGE2)]
    initial = _decision(story, first.programme, edition, DecisionKind.INITIAL, decided_on)
    expiry = certificate_rules.expiry_for(
        DecisionKind.INITIAL, decided_on=decided_on, day_before=policy.expiry_day_before
    )
    revisions = [_revision(rng, story, first, 1, initial, expiry)]
    decisions, feeding = [initial], [stage_audits]
    if following is not None:
        recertification = first.visits[AuditKind.RECERTIFICATION].audit
        renewal = _decision(story, first.programme, edition, DecisionKind.RECERTIFICATION, first.renewed_on)
        feeding.append([recertification])
        renewed = certificate_rules.expiry_for(
            DecisionKind.RECERTIFICATION, decided_on=first.renewed_on, previous_expiry=expiry
        )
        revisions.append(_revision(rng, story, first, 2, renewal, renewed, recertification.ends_on))
        decisions.append(renewal)
    status, since = _status(story, revisions[-1].expiry_on, decided_on)
    certificate = Certificate(
        certification_body=body.body,
        organisation=plan.client.organisation,
        standard=edition.standard,
        status=status,
        status_since=since,
        original_certified_on=decided_on,
        created_at=moment(decided_on, 10),
    )
    if story.suspended_on and status == C.SUSPENDED:
        certificate.suspension_reason = story.suspension_reason
        certificate.suspension_note = SUSPENSIONS[story.suspension_reason]
        certificate.suspension_ends_on = story.suspension_ends_on
    elif story.suspended_on:  # withdrawn after a suspension: the reason and deadline stay
        certificate.suspension_reason, certificate.suspension_ends_on = (
            story.suspension_reason,
            story.suspension_ends_on,
        )
        certificate.suspension_note = SUSPENSIONS[story.suspension_reason]
    _revision_statuses(story, revisions)
    return Issue(certificate, revisions, decisions, feeding)


def _revision_statuses(story: Story, revisions: list[CertificateRevision]) -> None:
    if story.status == C.DRAFT:
        return
    if story.voided:
        revisions[0].status = RevisionStatus.VOID
        return
    for revision in revisions:
        _issued(revision, story)
    for revision in revisions[:-1]:
        revision.status = RevisionStatus.SUPERSEDED


def numbers_allocate(issues: list[tuple[Body, Issue]]) -> list[CertificateNumberSequence]:
    """`number_allocate` for each certificate in the order of its decision: one running number per
    prefix of the body's pattern, without gaps; the sequences end where the numbers did."""
    last: dict[tuple[int, str], int] = {}
    bodies: dict[tuple[int, str], Body] = {}
    ordered = sorted(
        issues, key=lambda pair: (pair[1].decisions[0].decided_on, pair[1].certificate.created_at)
    )
    for body, issue in ordered:
        pattern, on = body.body.certificate_number_pattern, issue.decisions[0].decided_on
        code = issue.certificate.standard.code
        key = numbers.sequence_key(pattern, year=on.year, standard=code)
        last[(body.body.pk, key)] = last.get((body.body.pk, key), 0) + 1
        bodies[(body.body.pk, key)] = body
        issue.certificate.number = numbers.certificate_number(
            pattern, year=on.year, standard=code, seq=last[(body.body.pk, key)]
        )
    return [
        CertificateNumberSequence(certification_body=bodies[k].body, key=k[1], last_value=value)
        for k, value in last.items()
    ]


# --- The transition log and the work queue --------------------------------------------------------


def _record_opening(bulk: Bulk, story: Story, issue: Issue) -> None:
    decider, certificate = story.plan.decider, issue.certificate
    initial, first = issue.decisions[0], issue.revisions[0]
    at = initial.recorded_at
    bulk.record(initial, "outcome", None, DecisionOutcome.GRANT, at, actor=decider, reason=initial.rationale)
    bulk.record(
        certificate,
        "status",
        None,
        C.DRAFT,
        at,
        actor=decider,
        reason=f"Granted by decision of {initial.decided_on}.",
    )
    bulk.record(
        first,
        "status",
        None,
        RevisionStatus.DRAFT,
        at,
        actor=decider,
        reason="Drafted by the initial certification decision.",
    )
    if story.voided:
        voided = moment(story.ended_on, 14)
        bulk.record(
            first, "status", RevisionStatus.DRAFT, RevisionStatus.VOID, voided, actor=decider, reason=VOIDED
        )
        bulk.record(certificate, "status", C.DRAFT, C.CANCELLED, voided, actor=decider, reason=VOIDED)
    elif story.status != C.DRAFT:
        _record_issue(bulk, story, issue, first, initial)


def _issued_reason(revision: CertificateRevision) -> str:
    return "Issued." if revision.accredited else "Issued, not accredited (rule 34)."


def _record_issue(
    bulk: Bulk, story: Story, issue: Issue, revision: CertificateRevision, decision: Decision
) -> None:
    at = moment(decision.decided_on, 11)
    decider = story.plan.decider
    bulk.record(
        revision,
        "status",
        RevisionStatus.DRAFT,
        RevisionStatus.CURRENT,
        at,
        actor=decider,
        reason=_issued_reason(revision),
    )
    reason = f"Revision {revision.revision} issued ({DecisionKind(decision.kind).label.lower()})."
    bulk.record(issue.certificate, "status", C.DRAFT, C.ACTIVE, at, actor=decider, reason=reason)


def _record_renewal(bulk: Bulk, story: Story, issue: Issue) -> None:
    if len(issue.decisions) < 2:
        return
    decider, renewal = story.plan.decider, issue.decisions[1]
    first, second = issue.revisions
    at = renewal.recorded_at
    bulk.record(renewal, "outcome", None, DecisionOutcome.GRANT, at, actor=decider, reason=renewal.rationale)
    bulk.record(
        second,
        "status",
        None,
        RevisionStatus.DRAFT,
        at,
        actor=decider,
        reason="Drafted by the recertification decision.",
    )
    issued = moment(renewal.decided_on, 11)
    bulk.record(
        first,
        "status",
        RevisionStatus.CURRENT,
        RevisionStatus.SUPERSEDED,
        issued,
        actor=decider,
        reason="Replaced by revision 2.",
    )
    bulk.record(
        second,
        "status",
        RevisionStatus.DRAFT,
        RevisionStatus.CURRENT,
        issued,
        actor=decider,
        reason=_issued_reason(second),
    )


def _open_task(issue: Issue, kind: str, due_on: datetime.date, owner, reason: str) -> Task:
    """`tasks._open` on the night after the missed date, owned by the latest decider."""
    task = Task(
        certificate=issue.certificate,
        kind=kind,
        due_on=due_on,
        owner=owner,
        created_at=moment(days(due_on, 1), 2),
    )
    issue.tasks.append((task, reason))
    return task


def _record_end(bulk: Bulk, story: Story, issue: Issue, today: datetime.date) -> None:
    """The suspension, the withdrawal or cancellation, or the expiry (rules 12, 14, 15), with the
    tasks the daily job opened on the way."""
    certificate, decider = issue.certificate, story.plan.decider
    if story.suspended_on:
        note = SUSPENSIONS[story.suspension_reason]
        reason = f"{SuspensionReason(story.suspension_reason).label}. {note}".strip()
        bulk.record(
            certificate,
            "status",
            C.ACTIVE,
            C.SUSPENDED,
            moment(story.suspended_on, 10),
            actor=decider,
            reason=reason,
        )
        if story.suspension_ends_on < (story.ended_on or today):
            opened = (
                f"The suspension was to be resolved by {story.suspension_ends_on} (rule 14): "
                "withdraw or reduce the scope."
            )
            _open_task(issue, TaskKind.SUSPENSION_EXPIRED, story.suspension_ends_on, decider, opened)
    if story.status in (C.WITHDRAWN, C.CANCELLED) and not story.voided:
        before = C.SUSPENDED if story.suspended_on else C.ACTIVE
        bulk.record(
            certificate,
            "status",
            before,
            story.status,
            moment(story.ended_on, 10),
            actor=decider,
            reason=HALTS[story.status],
        )
        for task, _reason in issue.tasks:
            task.status, task.resolution = TaskStatus.DONE, TaskResolution.WITHDRAWN
            task.closed_at, task.closed_by = moment(story.ended_on, 10), decider
    if story.status == C.EXPIRED:
        expiry = issue.revisions[-1].expiry_on
        reason = f"Expired on {expiry} with no recertification decision (rule 12)."
        bulk.record(certificate, "status", C.ACTIVE, C.EXPIRED, moment(days(expiry, 1), 2), reason=reason)


def _record_flag(bulk: Bulk, story: Story, issue: Issue) -> None:
    """Rule 10: the first surveillance's date passed with none held; the daily job flagged it."""
    if not story.flagged:
        return
    policy = cycle_policy(story.plan.client.body.body)
    due_on = cycle.due_windows(story.plan.decided_on, policy)["surveillance1"].closes
    reason = f"The first surveillance was due by {due_on} and none was held (rule 10): suspend or not."
    _open_task(issue, TaskKind.OVERDUE_SURVEILLANCE, due_on, story.plan.decider, reason)
    bulk.record(
        issue.certificate, FLAG, "", TaskKind.OVERDUE_SURVEILLANCE, moment(days(due_on, 1), 2), reason=reason
    )


def _record_tasks(bulk: Bulk, tasks: list[tuple[Task, str]]) -> None:
    for task, opened in tasks:
        bulk.record(task, "status", "", TaskStatus.OPEN, task.created_at, reason=opened)
        if task.status == TaskStatus.DONE:
            reason = f"{TaskResolution(task.resolution).label}."
            bulk.record(
                task,
                "status",
                TaskStatus.OPEN,
                TaskStatus.DONE,
                task.closed_at,
                actor=task.closed_by,
                reason=reason,
            )


# --- Writing ------------------------------------------------------------------------------------


def _issues(
    rng, stories: list[Story], cycles: dict[int, tuple[Cycle, Cycle | None]]
) -> list[tuple[Story, Issue]]:
    found = []
    for story in stories:
        first, following = cycles[id(story.plan)]
        for edition in sorted(story.plan.editions, key=lambda e: e.standard.number):
            found.append((story, issue_of(rng, story, first, following, edition)))
    return found


def _insert(bulk: Bulk, issued: list[tuple[Story, Issue]], sequences, tasks: list[Task]) -> None:
    """Certificates, their decisions (with the audits feeding them), revisions with the sites and
    codes they certify, the number sequences and the tasks."""
    bulk.insert([issue.certificate for _s, issue in issued])
    decisions = [d for _s, issue in issued for d in issue.decisions]
    for _story, issue in issued:
        for decision in issue.decisions:
            decision.certificate = issue.certificate
        for revision in issue.revisions:
            revision.certificate = issue.certificate
    bulk.insert(decisions)
    through = Decision.audits.through
    bulk.stream(
        through(decision_id=d.pk, audit_id=a.pk)
        for _s, issue in issued
        for d, audits in zip(issue.decisions, issue.feeding, strict=True)
        for a in audits
    )
    revisions = [r for _s, issue in issued for r in issue.revisions]
    bulk.insert(revisions)
    sites = {id(story.plan): story.plan.client.sites for story, _i in issued}
    bulk.stream(
        RevisionSite.copy_of(site, revision=r)
        for story, issue in issued
        for r in issue.revisions
        for site in sites[id(story.plan)]
    )
    codes = CertificateRevision.iaf_codes.through
    bulk.stream(
        codes(certificaterevision_id=r.pk, iafcode_id=code)
        for story, issue in issued
        for r in issue.revisions
        for code in story.plan.client.codes
    )
    bulk.insert(sequences)
    bulk.insert(tasks)


def certificates_build(bulk: Bulk, stories: list[Story], cycles: list[Cycle], *, seed: int, today) -> None:
    rng = seeded(seed, "certificates")
    by_plan = {id(c.plan): (c, None) for c in cycles if c.previous is None}
    for c in cycles:
        if c.previous is not None:
            by_plan[id(c.plan)] = (c.previous, c)
    certified = [story for story in stories if story.plan.decided_on]
    issued = _issues(rng, certified, by_plan)
    sequences = numbers_allocate([(story.plan.client.body, issue) for story, issue in issued])
    for story, issue in issued:
        _record_opening(bulk, story, issue)
        _record_renewal(bulk, story, issue)
        _record_end(bulk, story, issue, today)
        _record_flag(bulk, story, issue)
    tasks = [pair for _s, issue in issued for pair in issue.tasks]
    _insert(bulk, issued, sequences, [task for task, _reason in tasks])
    _record_tasks(bulk, tasks)
    bulk.write_log()
    revisions = sum(len(issue.revisions) for _s, issue in issued)
    bulk.progress(f"{len(issued)} certificates, {revisions} revisions, {len(tasks)} tasks")
