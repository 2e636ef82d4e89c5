"""Reads of the action register (HS 10.2, DOMAIN §13.3). Every list runs a number of queries that
does not grow with its rows: what a row shows is joined or prefetched here."""

from dataclasses import dataclass

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone

from core.transitions import transitions_of
from improvement import access
from improvement.enums import OPEN_ACTION_STATUSES, ActionStatus
from improvement.models import Action, ActionEvidenceFile, GapAnswer, InternalFinding
from organisations import access as tenancy
from organisations.models import Organisation

ROW_RELATED = ("owner", "site", "clause__edition__standard")


def register_actions(user, organisation: Organisation) -> QuerySet[Action]:
    """The organisation's register as the user reads it, with what a row shows."""
    actions = access.actions_for(user).filter(organisation=organisation)
    # the organisation is the page's own: not joined to every row
    return with_late(actions.select_related(None).select_related(*ROW_RELATED))


def with_late(actions: QuerySet[Action]) -> QuerySet[Action]:
    """Each action with `is_late` (overdue today) read in the same query."""
    late = When(overdue_q(timezone.localdate()), then=Value(True))
    return actions.annotate(is_late=Case(late, default=Value(False), output_field=BooleanField()))


def export_actions(actions: QuerySet[Action]) -> QuerySet[Action]:
    return actions.select_related("follows", "reviewed_by")


def overdue_q(day) -> Q:
    return Q(due_on__lt=day, status__in=(ActionStatus.OPEN, ActionStatus.IN_PROGRESS))


def my_actions(user) -> QuerySet[Action]:
    """The open actions the user owns across their organisations, overdue first, then by due date."""
    if not tenancy.signed_in(user):
        return Action.objects.none()
    return (
        with_late(access.actions_for(user).filter(owner=user, status__in=OPEN_ACTION_STATUSES))
        .select_related(*ROW_RELATED)
        .order_by("-is_late", "due_on", "organisation__name", "number")
    )


@dataclass(frozen=True)
class ActionPage:
    files: list[ActionEvidenceFile]
    follow_ups: list[Action]
    history: QuerySet
    source_url: str
    source_label: str


def action_page(action: Action) -> ActionPage:
    """What the action page shows besides the action: its live evidence, the actions that follow
    it, its history and the record it came from."""
    files = list(action.evidence_files.filter(removed_at__isnull=True).select_related("uploaded_by"))
    follow_ups = list(action.follow_ups.select_related("owner").order_by("number"))
    source_url, source_label = "", ""
    # read only when there is one (joined to every page, they would cost the planner more than they save)
    if action.gap_answer_id:
        answer = GapAnswer.objects.select_related("analysis", "clause").get(pk=action.gap_answer_id)
        source_url = answer.analysis.get_absolute_url() + f"#answer-{answer.pk}"
        source_label = f"{answer.analysis.title} — {answer.clause.number}"
    elif action.internal_finding_id:
        finding = InternalFinding.objects.select_related("audit").get(pk=action.internal_finding_id)
        source_url = finding.audit.get_absolute_url()  # improvement:internal_audit_detail
        source_label = str(finding)
    return ActionPage(
        files=files,
        follow_ups=follow_ups,
        history=transitions_of(action),
        source_url=source_url,
        source_label=source_label,
    )
