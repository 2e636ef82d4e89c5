"""State changes of the Statement of Applicability (ISO/IEC 27001:2022 6.1.3 d, DOMAIN §13.4,
rules 8 and 43): versions drafted by hand or from a gap analysis, their controls filled in, a
version approved by a named person and, once approved, shared with the CB. An approved version
never changes again: every service here refuses to touch it (a new version copies it)."""

import datetime

from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.records import refuse_invalid
from core.transitions import transition_record
from improvement import access
from improvement.enums import SoaStatus
from improvement.models import Action, GapAnalysis, GapAnswer, SoaControl, StatementOfApplicability
from improvement.soa_rules import control_from_answer, controls_of, has_soa
from organisations.access import require
from organisations.models import Organisation, User
from standards.models import Edition

UNDECIDED_LISTED = 12  # how many undecided controls the refusal names before "and N more"


class SoaError(DomainError):
    pass


class SoaDraftExists(SoaError):
    """A draft is open already: the view sends the user to it."""

    def __init__(self, draft: StatementOfApplicability):
        self.draft = draft
        super().__init__(
            _("Version %(version)s is still a draft: finish it (or approve it) before starting another.")
            % {"version": draft.version}
        )


APPROVED_KEPT = _("An approved version never changes: start a new version to change it.")


def _locked(soa: StatementOfApplicability) -> StatementOfApplicability:
    """The version as it is now, its row locked: two people acting at once wait for each other."""
    return (
        StatementOfApplicability.objects.select_for_update()
        .select_related("organisation", "edition")
        .get(pk=soa.pk)
    )


def _draft_only(soa: StatementOfApplicability) -> None:
    if not soa.is_draft:
        raise SoaError(APPROVED_KEPT)


# --- Drafting a version --------------------------------------------------------------------------


def _analysis_guard(analysis: GapAnalysis, organisation: Organisation, edition: Edition) -> None:
    if analysis.organisation_id != organisation.pk or not analysis.editions.filter(pk=edition.pk).exists():
        raise SoaError(
            _("Choose a gap analysis of this organisation that covers %(edition)s.")
            % {"edition": edition.label}
        )


def _rows_copied(soa: StatementOfApplicability, source: StatementOfApplicability | None) -> list[SoaControl]:
    kept = {control.clause_id: control for control in source.controls.all()} if source else {}
    rows = []
    for clause in controls_of(soa.edition):
        old = kept.get(clause.pk)
        values = (
            {
                "applicable": old.applicable,
                "justification": old.justification,
                "implementation": old.implementation,
                "evidence": old.evidence,
                "action_id": old.action_id,
            }
            if old
            else {}
        )
        rows.append(SoaControl(soa=soa, clause=clause, **values))
    return rows


def _rows_from_analysis(soa: StatementOfApplicability, analysis: GapAnalysis) -> list[SoaControl]:
    answers = GapAnswer.objects.filter(analysis=analysis, clause__edition=soa.edition).prefetch_related(
        Prefetch("actions", queryset=Action.objects.order_by("number"))
    )
    by_clause = {answer.clause_id: answer for answer in answers}
    rows = []
    for clause in controls_of(soa.edition):
        answer = by_clause.get(clause.pk)
        if answer is None:
            rows.append(SoaControl(soa=soa, clause=clause))
            continue
        values = control_from_answer(answer.status, answer.justification.strip(), answer.notes.strip())
        open_actions = answer.open_actions
        action = open_actions[0] if open_actions else None
        rows.append(SoaControl(soa=soa, clause=clause, action=action, **values))
    return rows


@transaction.atomic
def soa_draft(
    *,
    actor: User,
    organisation: Organisation,
    edition: Edition,
    from_analysis: GapAnalysis | None = None,
) -> StatementOfApplicability:
    """A new draft version, numbered v1, v2, … per organisation and edition. By hand it copies the
    latest approved version (or starts empty); from a gap analysis each control takes its answer."""
    require(access.can_write_soa(actor, organisation), access.SOA_WRITERS_ONLY)
    if not has_soa(edition):
        raise SoaError(_("Only an ISO/IEC 27001 edition has a Statement of Applicability."))
    if from_analysis is not None:
        _analysis_guard(from_analysis, organisation, edition)
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    versions = StatementOfApplicability.objects.filter(organisation=organisation, edition=edition)
    draft = versions.filter(status=SoaStatus.DRAFT).first()
    if draft is not None:
        raise SoaDraftExists(draft)
    last = versions.aggregate(last=Max("version"))["last"] or 0
    source = (
        None if from_analysis else versions.filter(status=SoaStatus.APPROVED).order_by("-version").first()
    )
    soa = StatementOfApplicability.objects.create(
        organisation=organisation,
        edition=edition,
        version=last + 1,
        drafted_from=from_analysis,
        copied_from=source,
        created_by=actor,
    )
    rows = _rows_from_analysis(soa, from_analysis) if from_analysis else _rows_copied(soa, source)
    SoaControl.objects.bulk_create(rows)
    if from_analysis:
        reason = _("Drafted from the gap analysis “%(title)s”.") % {"title": from_analysis.title}
    elif source:
        reason = _("Copied from version %(version)s.") % {"version": source.version}
    else:
        reason = ""
    transition_record(
        subject=soa, field="status", from_state="", to_state=soa.status, actor=actor, reason=reason
    )
    return soa


# --- Filling in a control --------------------------------------------------------------------------


@transaction.atomic
def soa_control_save(
    *,
    actor: User,
    control: SoaControl,
    applicable: bool | None,
    justification: str = "",
    implementation: str = "",
    evidence: str = "",
    action: Action | None = None,
) -> SoaControl:
    """Decide a control of a draft: applicable or not and why, how far it is implemented, where the
    evidence is and the action that completes it. A control not applicable has no implementation."""
    soa = _locked(control.soa)
    require(access.can_write_soa(actor, soa.organisation), access.SOA_WRITERS_ONLY)
    _draft_only(soa)
    if action is not None and action.organisation_id != soa.organisation_id:
        raise SoaError(_("Choose an action of this organisation's register."))
    control = SoaControl.objects.select_for_update().select_related("clause").get(pk=control.pk)
    previous = (control.applicable, control.implementation)
    control.applicable = applicable
    control.justification = justification.strip()
    control.implementation = "" if applicable is False else implementation
    control.evidence = evidence.strip()
    control.action = action
    control.updated_by, control.updated_at = actor, timezone.now()
    refuse_invalid(control, SoaError, exclude=("soa", "clause", "action", "updated_by"), fields_only=True)
    control.save()
    if previous[0] != control.applicable:
        transition_record(
            subject=control,
            field="applicable",
            from_state=previous[0],
            to_state=control.applicable,
            actor=actor,
        )
    if previous[1] != control.implementation:
        transition_record(
            subject=control,
            field="implementation",
            from_state=previous[1],
            to_state=control.implementation,
            actor=actor,
        )
    return control


# --- Approval and sharing --------------------------------------------------------------------------


def undecided_numbers(soa: StatementOfApplicability) -> list[str]:
    """The controls not yet ready for approval (`SoaControl.is_decided`), in the edition's order."""
    controls = soa.controls.select_related("clause").order_by("clause__position")
    return [control.clause.number for control in controls if not control.is_decided]


def _undecided_message(numbers: list[str]) -> str:
    shown = ", ".join(numbers[:UNDECIDED_LISTED])
    if len(numbers) > UNDECIDED_LISTED:
        shown = _("%(shown)s and %(more)s more") % {"shown": shown, "more": len(numbers) - UNDECIDED_LISTED}
    return _(
        "Decide every control before the approval (applicable or not, with a justification, and the "
        "implementation of an applicable one). Still undecided: %(controls)s."
    ) % {"controls": shown}


@transaction.atomic
def soa_approve(
    *,
    actor: User,
    soa: StatementOfApplicability,
    approver_name: str,
    approver_function: str,
    approved_on: datetime.date,
) -> StatementOfApplicability:
    """Record the approval of a draft by a named person on a date; the version never changes after."""
    soa = _locked(soa)
    require(access.can_approve_soa(actor, soa.organisation), access.SOA_MANAGERS_ONLY)
    _draft_only(soa)
    undecided = undecided_numbers(soa)
    if undecided:
        raise SoaError(_undecided_message(undecided))
    if approved_on > timezone.localdate():
        raise SoaError(_("The approval cannot be dated in the future."))
    drafted = timezone.localtime(soa.created_at).date()
    if approved_on < drafted:
        raise SoaError(
            _("The approval cannot be dated before the version was drafted (%(day)s).") % {"day": drafted}
        )
    if not approver_name.strip():
        raise SoaError(_("Name the person who approved it."))
    soa.status = SoaStatus.APPROVED
    soa.approver_name, soa.approver_function = approver_name.strip(), approver_function.strip()
    soa.approved_on = approved_on
    soa.approval_recorded_by, soa.approval_recorded_at = actor, timezone.now()
    refuse_invalid(
        soa,
        SoaError,
        exclude=(
            "organisation",
            "edition",
            "drafted_from",
            "copied_from",
            "created_by",
            "approval_recorded_by",
        ),
    )
    soa.save()
    transition_record(
        subject=soa,
        field="status",
        from_state=SoaStatus.DRAFT,
        to_state=SoaStatus.APPROVED,
        actor=actor,
        reason=_("Approved by %(name)s on %(day)s.") % {"name": soa.approver_name, "day": approved_on},
    )
    return soa


@transaction.atomic
def soa_share(*, actor: User, soa: StatementOfApplicability, shared: bool) -> StatementOfApplicability:
    """Let the CB serving the organisation read an approved version (and name it on the
    certificate), or stop it. Sharing what is shared already changes nothing."""
    soa = _locked(soa)
    require(access.can_approve_soa(actor, soa.organisation), access.SOA_MANAGERS_ONLY)
    if soa.is_draft:
        raise SoaError(_("Only an approved version is shared with the certification body."))
    if soa.shared_with_cb == shared:
        return soa
    soa.shared_with_cb = shared
    soa.save(update_fields=["shared_with_cb"])
    transition_record(
        subject=soa, field="shared_with_cb", from_state=not shared, to_state=shared, actor=actor
    )
    return soa
