"""State changes of management reviews (HS 9.3, DOMAIN §13.2, rules 41 and 43): planning a review
with its checklist of inputs, its attendees, the inputs' answers, holding it (every input
addressed), approving its minutes, cancelling it, and its decisions, which may become actions of
the register. Views call these; each guards its rule first, and every change of state is written
to the transition log."""

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.records import refuse_invalid
from core.transitions import transition_record
from improvement import access
from improvement.enums import ActionKind, ActionSource, ReviewOutputKind, ReviewStatus
from improvement.models import Action, ManagementReview, ReviewAttendee, ReviewInput, ReviewOutput
from improvement.review_inputs import inputs_for
from improvement.services.actions import action_create
from organisations import access as tenancy
from organisations.access import require
from organisations.models import Organisation, User
from standards.models import Edition


class ReviewError(DomainError):
    pass


# The statuses in which the checklist's answers and the decisions may still be written: the
# meeting is prepared while planned, and the minutes are completed after it until approved.
WRITABLE_STATUSES = (ReviewStatus.PLANNED, ReviewStatus.HELD)

ONLY_PLANNED = _("Only a planned review changes this way; this one is %(status)s.")
NOT_WRITABLE = _(
    "The review's inputs and decisions are written while it is planned or held, until its minutes "
    "are approved; this one is %(status)s."
)


def _guard_planner(actor: User, organisation: Organisation) -> None:
    require(access.can_plan_reviews(actor, organisation), access.REVIEW_MANAGERS_ONLY)


def _guard_writer(actor: User, organisation: Organisation) -> None:
    require(access.can_prepare_review(actor, organisation), access.REVIEW_WRITERS_ONLY)


def _locked(review: ManagementReview) -> ManagementReview:
    return (
        ManagementReview.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=review.pk)
    )


def _status(review: ManagementReview, to_state: str, actor: User, reason: str = "") -> None:
    previous = review.status
    review.status = to_state
    transition_record(
        subject=review, field="status", from_state=previous, to_state=to_state, actor=actor, reason=reason
    )


def _only_planned(review: ManagementReview) -> None:
    if review.status != ReviewStatus.PLANNED:
        raise ReviewError(ONLY_PLANNED % {"status": review.get_status_display()})


def _writable(review: ManagementReview) -> None:
    if review.status not in WRITABLE_STATUSES:
        raise ReviewError(NOT_WRITABLE % {"status": review.get_status_display()})


def standard_codes(editions: list[Edition]) -> list[str]:
    """The codes of the editions' standards, ordered by standard number (each once)."""
    ordered = sorted(editions, key=lambda e: (e.standard.number, e.standard.code, e.year))
    return list(dict.fromkeys(edition.standard.code for edition in ordered))


def _editions_guard(editions: list[Edition]) -> None:
    if not editions:
        raise ReviewError(_("Choose at least one edition the review covers."))


# --- Planning ------------------------------------------------------------------------------------


@transaction.atomic
def review_plan(
    *,
    actor: User,
    organisation: Organisation,
    title: str,
    editions: list[Edition],
    planned_on: datetime.date,
) -> ManagementReview:
    """Plan a review, numbered MR-1, MR-2, … per organisation (the organisation's row is locked
    meanwhile), with its checklist of inputs: the HS inputs, then each covered standard's own."""
    _guard_planner(actor, organisation)
    _editions_guard(editions)
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    last = ManagementReview.objects.filter(organisation=organisation).aggregate(last=Max("number"))["last"]
    review = ManagementReview(
        organisation=organisation,
        number=(last or 0) + 1,
        title=title.strip(),
        planned_on=planned_on,
        created_by=actor,
    )
    refuse_invalid(review, ReviewError, exclude=("organisation", "created_by"))
    review.save()
    review.editions.set(editions)
    ReviewInput.objects.bulk_create(
        ReviewInput(
            review=review, key=spec.key, standard_code=spec.standard_code, label=str(spec.label), position=i
        )
        for i, spec in enumerate(inputs_for(standard_codes(editions)), start=1)
    )
    transition_record(subject=review, field="status", from_state="", to_state=review.status, actor=actor)
    return review


@transaction.atomic
def review_update(
    *,
    actor: User,
    review: ManagementReview,
    title: str,
    editions: list[Edition],
    planned_on: datetime.date,
) -> ManagementReview:
    """Change a planned review's title, editions and date.

    Its checklist follows its editions: a standard added brings its inputs; a standard taken out
    takes its inputs with it, and is refused while one of them has been answered (a text or "not
    applicable"), so nothing written is lost. Unanswered inputs are generated checklist rows, not
    records of anything, so they are deleted rather than kept marked; adding the standard back
    generates them again. The HS inputs stay whatever the editions."""
    review = _locked(review)
    _guard_planner(actor, review.organisation)
    _only_planned(review)
    _editions_guard(editions)
    specs = inputs_for(standard_codes(editions))
    wanted = {spec.key for spec in specs}
    current = {row.key: row for row in review.inputs.all()}
    dropped = [row for key, row in current.items() if key not in wanted]
    answered = [row.label for row in dropped if row.answer.strip() or row.not_applicable]
    if answered:
        raise ReviewError(
            _("A standard whose inputs have been answered cannot be taken out of the review: %(inputs)s.")
            % {"inputs": "; ".join(answered)}
        )
    review.title, review.planned_on = title.strip(), planned_on
    refuse_invalid(
        review, ReviewError, exclude=("organisation", "created_by", "held_by", "minutes_approved_by")
    )
    review.save(update_fields=["title", "planned_on"])
    review.editions.set(editions)
    ReviewInput.objects.filter(pk__in=[row.pk for row in dropped]).delete()
    rows = []
    for position, spec in enumerate(specs, start=1):
        row = current.get(spec.key) or ReviewInput(
            review=review, key=spec.key, standard_code=spec.standard_code, label=str(spec.label)
        )
        row.position = position
        rows.append(row)
    ReviewInput.objects.bulk_create([row for row in rows if row.pk is None])
    ReviewInput.objects.bulk_update([row for row in rows if row.pk is not None], ["position"])
    return review


@transaction.atomic
def review_cancel(*, actor: User, review: ManagementReview, reason: str) -> ManagementReview:
    review = _locked(review)
    _guard_planner(actor, review.organisation)
    if review.status == ReviewStatus.CANCELLED:
        return review
    _only_planned(review)
    if not reason.strip():
        raise ReviewError(_("Say why the review is cancelled."))
    review.cancel_reason = reason.strip()
    refuse_invalid(review, ReviewError, fields_only=True, exclude=("organisation", "created_by"))
    _status(review, ReviewStatus.CANCELLED, actor, reason=review.cancel_reason)
    review.save(update_fields=["status", "cancel_reason"])
    return review


# --- Attendees -----------------------------------------------------------------------------------


@transaction.atomic
def review_attendee_add(
    *,
    actor: User,
    review: ManagementReview,
    user: User | None = None,
    name: str = "",
    function: str = "",
    is_top_management: bool = False,
) -> ReviewAttendee:
    """Someone at the meeting: a member of the organisation, or a person named with a function (top
    management often has no account)."""
    review = _locked(review)
    _guard_planner(actor, review.organisation)
    _only_planned(review)
    if user is None and not name.strip():
        raise ReviewError(_("Choose a member, or give the attendee's name."))
    if user is not None and name.strip():
        raise ReviewError(_("Choose a member or give a name, not both."))
    if user is not None and tenancy.organisation_role(user, review.organisation) is None:
        raise ReviewError(_("An attendee chosen from the accounts must be a member of the organisation."))
    if user is not None and review.attendees.filter(user=user, removed_at__isnull=True).exists():
        raise ReviewError(_("This person is already an attendee of this review."))
    attendee = ReviewAttendee(
        review=review,
        user=user,
        name="" if user else name.strip(),
        function=function.strip(),
        is_top_management=is_top_management,
    )
    refuse_invalid(attendee, ReviewError, exclude=("review", "user"), fields_only=True)
    attendee.save()
    transition_record(subject=attendee, field="removed", from_state=None, to_state=False, actor=actor)
    return attendee


@transaction.atomic
def review_attendee_remove(*, actor: User, attendee: ReviewAttendee) -> ReviewAttendee:
    review = _locked(attendee.review)
    _guard_planner(actor, review.organisation)
    attendee = ReviewAttendee.objects.select_for_update().get(pk=attendee.pk)
    if attendee.removed_at:
        return attendee
    _only_planned(review)
    attendee.removed_at = timezone.now()
    attendee.save(update_fields=["removed_at"])
    transition_record(subject=attendee, field="removed", from_state=False, to_state=True, actor=actor)
    return attendee


# --- Inputs --------------------------------------------------------------------------------------


@transaction.atomic
def review_input_answer(
    *,
    actor: User,
    review_input: ReviewInput,
    answer: str,
    not_applicable: bool,
    not_applicable_reason: str,
) -> ReviewInput:
    """Address an input: what was considered, or "not applicable" with the reason. Written while
    the review is planned, and after it is held until its minutes are approved; once held, an
    answer can be improved but never left unaddressed (rule 41 held when it was marked held)."""
    review = _locked(review_input.review)
    _guard_writer(actor, review.organisation)
    _writable(review)
    row = ReviewInput.objects.select_for_update().get(pk=review_input.pk)
    row.answer = answer.strip()
    row.not_applicable = not_applicable
    row.not_applicable_reason = not_applicable_reason.strip() if not_applicable else ""
    if not_applicable and not row.not_applicable_reason:
        raise ReviewError(_("Say why this input does not apply (rule 41)."))
    if review.status == ReviewStatus.HELD and not row.is_addressed:
        raise ReviewError(_("The review was held with this input addressed: it cannot be left empty."))
    refuse_invalid(row, ReviewError, fields_only=True, exclude=("review", "answered_by"))
    row.answered_by, row.answered_at = actor, timezone.now()
    row.save(
        update_fields=["answer", "not_applicable", "not_applicable_reason", "answered_by", "answered_at"]
    )
    return row


def hold_problems(review: ManagementReview) -> list[str]:
    """What stops the review from being marked held (rule 41 and HS 9.3): each input not addressed,
    by name, and a missing top-management attendee."""
    problems = [
        _("Input not addressed: %(label)s") % {"label": row.label}
        for row in review.inputs.order_by("position")
        if not row.is_addressed
    ]
    if not review.attendees.filter(removed_at__isnull=True, is_top_management=True).exists():
        problems.append(_("No attendee of top management: top management reviews the system (HS 9.3)."))
    return problems


@transaction.atomic
def review_hold(
    *, actor: User, review: ManagementReview, held_on: datetime.date, summary: str = ""
) -> ManagementReview:
    """Mark the review held (rule 41: every input addressed, top management present) and keep what
    the records said for the meeting as it was on the day (`prepared`)."""
    from improvement.selectors.reviews import prepared_inputs

    review = _locked(review)
    _guard_planner(actor, review.organisation)
    if review.status in (ReviewStatus.HELD, ReviewStatus.MINUTES_APPROVED):
        return review
    _only_planned(review)
    if held_on > timezone.localdate():
        raise ReviewError(_("A review is marked held once it took place: its date cannot be in the future."))
    problems = hold_problems(review)
    if problems:
        raise ReviewError(
            _("The review cannot be marked held yet (rule 41). %(problems)s.")
            % {"problems": "; ".join(problems)}
        )
    review.held_on, review.summary = held_on, summary.strip()
    review.held_by, review.held_at = actor, timezone.now()
    refuse_invalid(
        review,
        ReviewError,
        fields_only=True,
        exclude=("organisation", "created_by", "held_by", "minutes_approved_by"),
    )
    review.prepared = prepared_inputs(review).as_data()
    _status(review, ReviewStatus.HELD, actor)
    review.save(update_fields=["status", "held_on", "summary", "held_by", "held_at", "prepared"])
    return review


@transaction.atomic
def review_minutes_approve(*, actor: User, review: ManagementReview) -> ManagementReview:
    review = _locked(review)
    _guard_planner(actor, review.organisation)
    if review.status == ReviewStatus.MINUTES_APPROVED:
        return review
    if review.status != ReviewStatus.HELD:
        raise ReviewError(
            _("Minutes are approved once the review is held; this one is %(status)s.")
            % {"status": review.get_status_display()}
        )
    review.minutes_approved_by, review.minutes_approved_at = actor, timezone.now()
    _status(review, ReviewStatus.MINUTES_APPROVED, actor)
    review.save(update_fields=["status", "minutes_approved_by", "minutes_approved_at"])
    return review


# --- Decisions (HS 9.3.3) ------------------------------------------------------------------------


@transaction.atomic
def review_output_add(
    *, actor: User, review: ManagementReview, kind: ReviewOutputKind, decision: str
) -> ReviewOutput:
    """Note a decision, numbered D-1, D-2, … per review (the review's row is locked meanwhile)."""
    review = _locked(review)
    _guard_writer(actor, review.organisation)
    _writable(review)
    if kind not in ReviewOutputKind.values:
        raise ReviewError(_("Choose the kind of decision."))
    if not decision.strip():
        raise ReviewError(_("Write the decision."))
    last = review.outputs.aggregate(last=Max("number"))["last"]
    output = ReviewOutput(
        review=review, number=(last or 0) + 1, kind=kind, decision=decision.strip(), created_by=actor
    )
    refuse_invalid(output, ReviewError, fields_only=True, exclude=("review", "action", "created_by"))
    output.save()
    transition_record(subject=output, field="withdrawn", from_state=None, to_state=False, actor=actor)
    return output


def _locked_output(output: ReviewOutput) -> tuple[ManagementReview, ReviewOutput]:
    review = _locked(output.review)
    return review, ReviewOutput.objects.select_for_update().get(pk=output.pk)


@transaction.atomic
def review_output_withdraw(*, actor: User, output: ReviewOutput) -> ReviewOutput:
    """Take back a decision noted by mistake; one that became an action stays (the action is
    cancelled in the register instead)."""
    review, output = _locked_output(output)
    _guard_writer(actor, review.organisation)
    if output.withdrawn_at:
        return output
    _writable(review)
    if output.action_id:
        raise ReviewError(
            _("This decision became action %(ref)s: cancel the action in the register instead.")
            % {"ref": output.action.reference}
        )
    output.withdrawn_at = timezone.now()
    output.save(update_fields=["withdrawn_at"])
    transition_record(subject=output, field="withdrawn", from_state=False, to_state=True, actor=actor)
    return output


# A review's decision is never a nonconformity: every kind is work to improve the system
ACTION_KINDS = {
    ReviewOutputKind.IMPROVEMENT: ActionKind.OPPORTUNITY,
    ReviewOutputKind.CHANGE: ActionKind.OPPORTUNITY,
    ReviewOutputKind.RESOURCES: ActionKind.OPPORTUNITY,
}


@transaction.atomic
def review_output_action_raise(
    *,
    actor: User,
    output: ReviewOutput,
    title: str,
    owner: User,
    due_on: datetime.date | None = None,
) -> Action:
    """Turn a decision into an action of the register (source: management review, its reference
    the review's), once; the decision links to it."""
    review, output = _locked_output(output)
    _guard_planner(actor, review.organisation)
    if output.action_id:
        raise ReviewError(_("This decision is already action %(ref)s.") % {"ref": output.action.reference})
    if output.withdrawn_at:
        raise ReviewError(_("A withdrawn decision does not become an action."))
    if review.status == ReviewStatus.CANCELLED:
        raise ReviewError(_("A cancelled review's decisions do not become actions."))
    action = action_create(
        actor=actor,
        organisation=review.organisation,
        source=ActionSource.MANAGEMENT_REVIEW,
        source_reference=review.reference,
        kind=ACTION_KINDS[ReviewOutputKind(output.kind)],
        title=title,
        description=output.decision,
        owner=owner,
        due_on=due_on,
    )
    output.action = action
    output.save(update_fields=["action"])
    transition_record(subject=output, field="action", from_state="", to_state=action.reference, actor=actor)
    return action
