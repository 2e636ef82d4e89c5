"""State changes of the action register (HS 10.2, DOMAIN §13.3, rule 42). Views and the other
services of this app (gap analyses, internal audits) call these; each guards its rule first."""

import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.records import refuse_invalid
from core.transitions import transition_record
from improvement import access
from improvement.enums import ActionKind, ActionSource, ActionStatus, EffectivenessResult
from improvement.models import Action, ActionEvidenceFile, GapAnswer, InternalFinding
from organisations import access as tenancy
from organisations.access import require
from organisations.models import Organisation, Site, User
from standards.models import Clause


class ActionError(DomainError):
    pass


# Foreign keys the service sets itself (checked by the caller; validating one costs a query)
KEYS = ("organisation", "owner", "site", "clause", "gap_answer", "internal_finding", "follows", "created_by")


OWNER_NOT_A_WRITER = _(
    "The owner must be a quality manager or a contributor of the organisation: "
    "a viewer cannot answer an action."
)


def owner_guard(owner: User, organisation: Organisation) -> None:
    if tenancy.organisation_role(owner, organisation) not in tenancy.CONTRIBUTING_ROLES:
        raise ActionError(OWNER_NOT_A_WRITER)


def _next_number(organisation: Organisation) -> int:
    """The organisation's next action number; the organisation's row is locked meanwhile, so two
    actions raised at once never get the same number."""
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    last = Action.objects.filter(organisation=organisation).aggregate(last=Max("number"))["last"]
    return (last or 0) + 1


@transaction.atomic
def action_create(
    *,
    actor: User,
    organisation: Organisation,
    source: ActionSource,
    title: str,
    owner: User,
    kind: ActionKind = ActionKind.NONCONFORMITY,
    description: str = "",
    correction: str = "",
    root_cause: str = "",
    corrective_action: str = "",
    due_on: datetime.date | None = None,
    site: Site | None = None,
    clause: Clause | None = None,
    source_reference: str = "",
    gap_answer: GapAnswer | None = None,
    internal_finding: InternalFinding | None = None,
    follows: Action | None = None,
) -> Action:
    """Raise an action in the organisation's register, numbered A-1, A-2, … per organisation.

    The caller guards who may raise it from its own record (an auditor's finding, a gap answer);
    by hand, quality managers and contributors raise actions."""
    require(access.can_raise_action(actor, organisation), access.ACTION_RAISERS_ONLY)
    owner_guard(owner, organisation)
    action = Action(
        organisation=organisation,
        number=_next_number(organisation),
        source=source,
        source_reference=source_reference.strip(),
        kind=kind,
        title=title.strip(),
        description=description.strip(),
        correction=correction.strip(),
        root_cause=root_cause.strip(),
        corrective_action=corrective_action.strip(),
        owner=owner,
        due_on=due_on,
        site=site,
        clause=clause,
        gap_answer=gap_answer,
        internal_finding=internal_finding,
        follows=follows,
        created_by=actor,
    )
    refuse_invalid(action, ActionError, exclude=KEYS)
    action.save()
    transition_record(subject=action, field="status", from_state="", to_state=ActionStatus.OPEN, actor=actor)
    return action


# --- The lifecycle (rule 42): open → in progress → done → effective | not effective; cancelled ----

NOT_OPEN = _("Only an open or in-progress action can change this way; this one is %(status)s.")
DONE_NEEDS_CORRECTIVE_ACTION = _(
    "Write the corrective action (what removes the cause) before marking a nonconformity done: "
    "a correction alone never closes a nonconformity."
)
REVIEW_ONLY_WHEN_DONE = _(
    "The effectiveness review comes after the action is done; this one is %(status)s. "
    "An action reaches effective or not effective only through the review (rule 42)."
)
REVIEW_DATE_IN_FUTURE = _("The effectiveness review cannot be dated in the future.")
REVIEW_DATE_BEFORE_DONE = _("The effectiveness review cannot be dated before the action was done (%(done)s).")
NOT_EFFECTIVE_NEEDS_COMMENT = _("Say why the action was not effective: the follow-up action starts from it.")
NOT_EFFECTIVE_NEEDS_OWNER = _("Name the owner of the follow-up action.")
CANCEL_NEEDS_REASON = _("Give the reason for cancelling the action.")
CANCEL_ONLY_OPEN = _("Only an open or in-progress action can be cancelled; this one is %(status)s.")
FILES_ONLY_WHILE_OPEN = _("Evidence is added or removed only while the action is not yet reviewed.")
CLOSED_KEPT = _("A reviewed or cancelled action is kept as it is: it can no longer be edited.")
FOLLOW_UP_PREFIX = _("Follow-up of %(reference)s: %(title)s")

OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE)
WORKING_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
EDITABLE_FIELDS = (
    "title",
    "kind",
    "source_reference",
    "description",
    "correction",
    "root_cause",
    "corrective_action",
    "owner",
    "due_on",
    "site",
    "clause",
)


def _guard_write(actor: User, action: Action) -> None:
    require(access.can_write_action(actor, action), access.ACTION_WRITERS_ONLY)
    _lock(action)


def _lock(action: Action) -> None:
    """Lock the action's row and read its status as it is now: two people moving it at once (two
    reviews) wait for each other, and the second finds the first's result."""
    action.status = Action.objects.select_for_update().values_list("status", flat=True).get(pk=action.pk)


def _move(action: Action, to_state: ActionStatus, actor: User, reason: str = "", fields=()) -> None:
    previous = action.status
    action.status = to_state
    action.save(update_fields=["status", *fields])
    transition_record(
        subject=action, field="status", from_state=previous, to_state=to_state, actor=actor, reason=reason
    )


def _status_label(action: Action) -> str:
    return str(ActionStatus(action.status).label).lower()


@transaction.atomic
def action_update(
    *,
    actor: User,
    action: Action,
    title: str,
    owner: User,
    kind: ActionKind = ActionKind.NONCONFORMITY,
    source_reference: str = "",
    description: str = "",
    correction: str = "",
    root_cause: str = "",
    corrective_action: str = "",
    due_on: datetime.date | None = None,
    site: Site | None = None,
    clause: Clause | None = None,
) -> Action:
    """Change what the action says, who owns it and by when; not once it is reviewed or cancelled."""
    _guard_write(actor, action)
    if action.status not in OPEN_STATUSES:
        raise ActionError(CLOSED_KEPT)
    owner_guard(owner, action.organisation)
    action.title, action.kind, action.source_reference = title.strip(), kind, source_reference.strip()
    action.description, action.correction = description.strip(), correction.strip()
    action.root_cause, action.corrective_action = root_cause.strip(), corrective_action.strip()
    action.owner, action.due_on, action.site, action.clause = owner, due_on, site, clause
    refuse_invalid(action, ActionError, exclude=KEYS)
    action.save(update_fields=list(EDITABLE_FIELDS))
    return action


@transaction.atomic
def action_start(*, actor: User, action: Action) -> Action:
    """open → in progress; again on one in progress changes nothing."""
    _guard_write(actor, action)
    if action.status == ActionStatus.IN_PROGRESS:
        return action
    if action.status != ActionStatus.OPEN:
        raise ActionError(NOT_OPEN % {"status": _status_label(action)})
    _move(action, ActionStatus.IN_PROGRESS, actor)
    return action


@transaction.atomic
def action_done(*, actor: User, action: Action) -> Action:
    """→ done, awaiting the effectiveness review. A nonconformity needs its corrective action
    written: corrections alone never close a nonconformity."""
    _guard_write(actor, action)
    if action.status == ActionStatus.DONE:
        return action
    if action.status not in WORKING_STATUSES:
        raise ActionError(NOT_OPEN % {"status": _status_label(action)})
    if action.kind == ActionKind.NONCONFORMITY and not action.corrective_action.strip():
        raise ActionError(DONE_NEEDS_CORRECTIVE_ACTION)
    action.done_at = timezone.now()
    _move(action, ActionStatus.DONE, actor, fields=["done_at"])
    return action


@transaction.atomic
def action_review(
    *,
    actor: User,
    action: Action,
    reviewed_on: datetime.date,
    result: EffectivenessResult,
    comment: str = "",
    follow_up_owner: User | None = None,
    follow_up_due_on: datetime.date | None = None,
) -> Action:
    """Rule 42: the effectiveness review alone closes an action, and only a done one. Not effective
    closes it as such and opens a new action that follows it (returned in `action.follow_up`)."""
    require(access.can_review_action(actor, action), access.REVIEWERS_ONLY)
    _lock(action)
    if action.status != ActionStatus.DONE:
        raise ActionError(REVIEW_ONLY_WHEN_DONE % {"status": _status_label(action)})
    if reviewed_on > timezone.localdate():
        raise ActionError(REVIEW_DATE_IN_FUTURE)
    done_on = timezone.localdate(action.done_at) if action.done_at else None
    if done_on and reviewed_on < done_on:
        raise ActionError(REVIEW_DATE_BEFORE_DONE % {"done": done_on.isoformat()})
    comment = comment.strip()
    not_effective = result == EffectivenessResult.NOT_EFFECTIVE
    if not_effective and not comment:
        raise ActionError(NOT_EFFECTIVE_NEEDS_COMMENT)
    if not_effective and follow_up_owner is None:
        raise ActionError(NOT_EFFECTIVE_NEEDS_OWNER)
    action.reviewed_on, action.reviewed_by = reviewed_on, actor
    action.review_result, action.review_comment = result, comment
    action.status = ActionStatus(result)  # for the bounds and the constraint, before saving
    refuse_invalid(action, ActionError, exclude=KEYS)
    action.status = ActionStatus.DONE
    _move(
        action,
        ActionStatus(result),
        actor,
        reason=comment,
        fields=["reviewed_on", "reviewed_by", "review_result", "review_comment"],
    )
    action.follow_up = None
    if not_effective:
        title = str(FOLLOW_UP_PREFIX % {"reference": action.reference, "title": action.title})
        action.follow_up = action_create(
            actor=actor,
            organisation=action.organisation,
            source=action.source,
            title=title[: Action._meta.get_field("title").max_length],
            owner=follow_up_owner,
            kind=action.kind,
            description=comment,
            due_on=follow_up_due_on,
            site=action.site,
            clause=action.clause,
            source_reference=action.source_reference,
            follows=action,
        )
    return action


@transaction.atomic
def action_cancel(*, actor: User, action: Action, reason: str) -> Action:
    """A quality manager cancels an open or in-progress action, saying why; it stays in the register."""
    require(access.can_review_action(actor, action), access.REVIEWERS_ONLY)
    _lock(action)
    if action.status == ActionStatus.CANCELLED:
        return action
    if action.status not in WORKING_STATUSES:
        raise ActionError(CANCEL_ONLY_OPEN % {"status": _status_label(action)})
    reason = reason.strip()
    if not reason:
        raise ActionError(CANCEL_NEEDS_REASON)
    action.cancel_reason = reason
    refuse_invalid(action, ActionError, exclude=KEYS, fields_only=True)
    _move(action, ActionStatus.CANCELLED, actor, reason=reason, fields=["cancel_reason"])
    return action


def _guard_files(actor: User, action: Action) -> None:
    _guard_write(actor, action)
    if action.status not in OPEN_STATUSES:
        raise ActionError(FILES_ONLY_WHILE_OPEN)


@transaction.atomic
def action_file_add(*, actor: User, action: Action, upload: UploadedFile) -> ActionEvidenceFile:
    """Attach evidence (its type, size and content checked by the upload form)."""
    _guard_files(actor, action)
    return ActionEvidenceFile.objects.create(
        action=action, file=upload, original_name=upload.name[:255], size=upload.size, uploaded_by=actor
    )


@transaction.atomic
def action_file_remove(*, actor: User, evidence: ActionEvidenceFile) -> ActionEvidenceFile:
    """Hide a file from the action; the file and its record stay (nothing is hard-deleted)."""
    _guard_files(actor, evidence.action)
    if evidence.removed_at is None:
        evidence.removed_at = timezone.now()
        evidence.save(update_fields=["removed_at"])
        transition_record(subject=evidence, field="removed", from_state=False, to_state=True, actor=actor)
    return evidence
