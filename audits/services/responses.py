"""The client's answers to nonconformities and the CB's review of them (DOMAIN §2.3, §2.4; rules 19–21, 36).

After the report is issued, the client's quality managers and contributors answer each
nonconformity with its root cause, correction and corrective action, then (for a major, or when
asked) with the evidence that it was done, and attach files to the answer waiting for review. The
CB's reviewers and certification managers, and the audit's lead auditor, accept or reject each
answer, and verify a nonconformity whose correction they saw at the next audit or a follow-up.
Observations and OFIs take no answer (rule 19). Every status change of a nonconformity leaves a
transition record; a review that settles the last one closes the audit (`audit_settle`).
"""

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audits import access, finding_rules
from audits.changes import findings_changed
from audits.enums import FindingStatus, ResponseKind, ReviewOutcome
from audits.mail import send_finding_verified_mail, send_response_reviewed_mail, send_response_submitted_mail
from audits.models import Finding, FindingEvidenceFile, FindingResponse
from audits.services.fieldwork import audit_settle
from core.errors import DomainError
from core.records import refuse_invalid
from core.transitions import transition_record
from organisations.access import require
from organisations.models import User

F = FindingStatus
RESPONSE_KEYS = ("finding", "submitted_by", "reviewed_by")  # set by the services themselves


class ResponseError(DomainError):
    pass


def _locked(finding: Finding) -> Finding:
    return (
        Finding.objects.select_for_update(of=("self",))
        .select_related("audit__programme__organisation", "audit__programme__certification_body")
        .get(pk=finding.pk)
    )


def _require_answerable(finding: Finding) -> None:
    """Only nonconformities take answers (rule 19), and only once the report is issued: before, the
    team and the client are still agreeing on the findings."""
    if not finding.is_nc:
        raise ResponseError(
            _("Rule 19: an observation or opportunity for improvement needs no response and no closure.")
        )
    if not finding.audit.is_reported:
        raise ResponseError(
            _("The audit report is not issued yet: the findings are still being agreed with the team.")
        )


def _require_step(finding: Finding, target: str, *, by_reviewer: bool) -> None:
    if refusal := finding_rules.step_refusal(finding.status, target, by_reviewer=by_reviewer):
        raise ResponseError(refusal)


def _move(finding: Finding, target: str, *, actor: User, reason: str = "") -> None:
    """One step of the nonconformity's state machine, recorded (rule 36)."""
    before = finding.status
    finding.status, finding.updated_at = target, timezone.now()
    finding.save(update_fields=["status", "updated_at"])
    transition_record(
        subject=finding, field="status", from_state=before, to_state=target, actor=actor, reason=reason
    )
    findings_changed(findings=[finding])  # an answer to review, or reviewed


# --- The client answers ------------------------------------------------------------------------


def _require_responder(actor: User, finding: Finding) -> None:
    """Rule 21: the client's quality managers and contributors submit; CB staff never do."""
    require(access.can_respond(actor, finding.audit.programme.organisation), access.RESPONDERS_ONLY)
    _require_answerable(finding)


def _submit(actor: User, finding: Finding, target: str, response: FindingResponse) -> FindingResponse:
    refuse_invalid(response, ResponseError, exclude=RESPONSE_KEYS)
    response.save()
    _move(finding, target, actor=actor)
    send_response_submitted_mail(response=response)
    return response


def _repeated(finding: Finding, kind: str, **texts: str) -> FindingResponse | None:
    """The answer waiting for review, when the same one is submitted again (a second click)."""
    pending = finding.responses.filter(outcome=ReviewOutcome.PENDING, kind=kind).first()
    if pending and all(getattr(pending, name) == value for name, value in texts.items()):
        return pending
    return None


@transaction.atomic
def response_submit(
    *, actor: User, finding: Finding, root_cause: str, correction: str, corrective_action: str
) -> FindingResponse:
    """The client's root cause, correction and corrective action: an open or rejected nonconformity
    waits for the CB's review."""
    finding = _locked(finding)
    _require_responder(actor, finding)
    texts = {
        "root_cause": root_cause.strip(),
        "correction": correction.strip(),
        "corrective_action": corrective_action.strip(),
    }
    if finding.status == F.RESPONSE_SUBMITTED and (same := _repeated(finding, ResponseKind.PLAN, **texts)):
        return same
    _require_step(finding, F.RESPONSE_SUBMITTED, by_reviewer=False)
    if not all(texts.values()):
        raise ResponseError(_("Give the root cause, the correction and the corrective action."))
    response = FindingResponse(finding=finding, kind=ResponseKind.PLAN, submitted_by=actor, **texts)
    return _submit(actor, finding, F.RESPONSE_SUBMITTED, response)


@transaction.atomic
def implementation_submit(*, actor: User, finding: Finding, implementation: str) -> FindingResponse:
    """The evidence that the accepted plan was carried out: the nonconformity waits for verification."""
    finding = _locked(finding)
    _require_responder(actor, finding)
    implementation = implementation.strip()
    if finding.status == F.IMPLEMENTED and (
        same := _repeated(finding, ResponseKind.IMPLEMENTATION, implementation=implementation)
    ):
        return same
    _require_step(finding, F.IMPLEMENTED, by_reviewer=False)
    if not implementation:
        raise ResponseError(_("Describe what was done."))
    response = FindingResponse(
        finding=finding, kind=ResponseKind.IMPLEMENTATION, submitted_by=actor, implementation=implementation
    )
    return _submit(actor, finding, F.IMPLEMENTED, response)


@transaction.atomic
def response_file_add(*, actor: User, response: FindingResponse, upload: UploadedFile) -> FindingEvidenceFile:
    """A file behind the client's answer, while it waits for review. The upload is validated by the
    form that received it (`EvidenceUploadForm`: type, size, content); the name is kept as data."""
    finding = _locked(response.finding)
    _require_responder(actor, finding)
    response = FindingResponse.objects.select_for_update().get(pk=response.pk, finding=finding)
    if response.outcome != ReviewOutcome.PENDING:
        raise ResponseError(_("This answer was already reviewed: attach the file to a new answer."))
    return FindingEvidenceFile.objects.create(
        finding=finding,
        response=response,
        file=upload,
        original_name=upload.name[:255],
        size=upload.size,
        uploaded_by=actor,
    )


# --- The CB reviews -------------------------------------------------------------------------------


def _require_reviewer(actor: User, finding: Finding) -> None:
    """Rule 21: only the CB's reviewers and certification managers, and the audit's lead auditor,
    accept, reject and close; the client never does, not even through a role at the CB."""
    refusal = access.review_refusal(actor, finding.audit)
    require(refusal is None, refusal)
    _require_answerable(finding)


# Where a review takes the nonconformity: {kind: (accepted, rejected)}
REVIEW_TARGETS = {
    ResponseKind.PLAN: (F.PLAN_ACCEPTED, F.PLAN_REJECTED),
    ResponseKind.IMPLEMENTATION: (F.VERIFIED_CLOSED, F.PLAN_ACCEPTED),
}


@transaction.atomic
def response_review(*, actor: User, response: FindingResponse, accept: bool, comment: str) -> FindingResponse:
    """Accept or reject the client's answer. A plan accepted lets the client carry it out (a minor is
    then settled, its implementation verified at the next audit); a plan rejected goes back to the
    client with the reason. Evidence of implementation accepted closes the nonconformity; rejected,
    the plan stands and the client sends more."""
    finding = _locked(response.finding)
    _require_reviewer(actor, finding)
    response = FindingResponse.objects.select_for_update().get(pk=response.pk, finding=finding)
    require(response.submitted_by_id != actor.pk, access.OWN_ANSWER)
    outcome = ReviewOutcome.ACCEPTED if accept else ReviewOutcome.REJECTED
    if response.outcome == outcome:
        return response
    if response.outcome != ReviewOutcome.PENDING:
        raise ResponseError(
            _("This answer was already reviewed: %(outcome)s.") % {"outcome": response.get_outcome_display()}
        )
    comment = comment.strip()
    if not accept and not comment:
        raise ResponseError(_("Say why the response is rejected."))
    accepted, rejected = REVIEW_TARGETS[response.kind]
    target = accepted if accept else rejected
    _require_step(finding, target, by_reviewer=True)
    response.outcome, response.review_comment = outcome, comment
    response.reviewed_by, response.reviewed_at = actor, timezone.now()
    refuse_invalid(response, ResponseError, exclude=RESPONSE_KEYS, fields_only=True)
    response.save(update_fields=["outcome", "review_comment", "reviewed_by", "reviewed_at"])
    _move(finding, target, actor=actor, reason=comment)
    if finding_rules.is_settled(finding.type, finding.status):
        audit_settle(actor=actor, audit=finding.audit)
    send_response_reviewed_mail(response=response)
    return response


@transaction.atomic
def finding_verify(*, actor: User, finding: Finding, comment: str) -> Finding:
    """Close a nonconformity whose accepted plan the CB saw carried out at the next audit or at a
    follow-up (DOMAIN §2.3: a minor usually at the next audit, a major by a follow-up visit)."""
    finding = _locked(finding)
    _require_reviewer(actor, finding)
    require(not finding.responses.filter(submitted_by=actor).exists(), access.OWN_ANSWER)
    if finding.status == F.VERIFIED_CLOSED:
        return finding
    if finding.status == F.IMPLEMENTED:
        raise ResponseError(_("Accept or reject the evidence of implementation that waits for review."))
    _require_step(finding, F.VERIFIED_CLOSED, by_reviewer=True)
    comment = comment.strip()
    if not comment:
        raise ResponseError(_("Say how the correction was verified: at which audit, on which evidence."))
    _move(finding, F.VERIFIED_CLOSED, actor=actor, reason=comment)
    audit_settle(actor=actor, audit=finding.audit)
    send_finding_verified_mail(finding=finding, comment=comment)
    return finding
