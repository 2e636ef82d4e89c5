"""What falls due on the organisation's own side (DOMAIN §13): the open actions of its register by
their due date, its internal audits by their first day, and its planned management reviews on their
day. The calendar of what is due reads them
(`certificates.selectors.calendar` turns them into its items); this module knows nothing of it.

Callers pass the records a person may see, from `improvement.access` (`actions_for`,
`internal_audits_for`, `reviews_for`: members of the organisation only, never a CB's staff, rule 43), or every
record for the daily job. Each read is one query, read as plain values, whatever the number of rows.
"""

import datetime
from dataclasses import dataclass

from django.db.models import F, OuterRef, Q, QuerySet

from core.expressions import ListOf, as_list
from improvement.enums import ActionStatus, InternalAuditStatus, ReviewStatus
from improvement.models import (
    Action,
    InternalAudit,
    InternalAuditor,
    InternalAuditProgramme,
    ManagementReview,
)

# An action is due while someone still has work to do on it; once done it waits for its review
DUE_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
# An internal audit is on the calendar while planned or under way (started: its first day is met)
PLANNED_AUDIT_STATUSES = (InternalAuditStatus.PLANNED, InternalAuditStatus.IN_PROGRESS)


@dataclass(frozen=True)
class ActionDue:
    """An open action with a due date."""

    id: int
    number: int
    title: str
    due_on: datetime.date
    status: str
    organisation_id: int
    organisation_name: str
    owner_id: int
    standard_code: str | None  # the standard of its clause, when it names one

    @property
    def reference(self) -> str:
        return f"A-{self.number}"


@dataclass(frozen=True)
class InternalAuditDue:
    """A planned or started internal audit, with the members who audit it (not external auditors,
    who have no account) and its programme's standards."""

    id: int
    number: int
    title: str
    starts_on: datetime.date
    status: str
    organisation_id: int
    organisation_name: str
    auditor_ids: tuple[int, ...]
    standard_codes: tuple[str, ...]

    @property
    def reference(self) -> str:
        return f"IA-{self.number}"

    @property
    def started(self) -> bool:
        return self.status != InternalAuditStatus.PLANNED


def _earliest(start: datetime.date, include_overdue: bool) -> datetime.date:
    return datetime.date.min if include_overdue else start


def actions_due(
    actions: QuerySet[Action],
    *,
    start: datetime.date,
    end: datetime.date,
    include_overdue: bool = False,
    organisation_id: int | None = None,
    standard_id: int | None = None,
) -> list[ActionDue]:
    """The open or in-progress actions among `actions` due from `start` to `end` (and, with
    `include_overdue`, every one due before), soonest first. A standard keeps the actions whose
    clause is of it (an action naming no clause is of no standard). One query."""
    found = actions.filter(
        status__in=DUE_ACTION_STATUSES, due_on__range=(_earliest(start, include_overdue), end)
    )
    if organisation_id:
        found = found.filter(organisation_id=organisation_id)
    if standard_id:
        found = found.filter(clause__edition__standard_id=standard_id)
    rows = found.order_by("due_on", "pk").values_list(
        "pk",
        "number",
        "title",
        "due_on",
        "status",
        "organisation_id",
        "organisation__name",
        "owner_id",
        "clause__edition__standard__code",
    )
    return [ActionDue(*row) for row in rows]


def internal_audits_due(
    audits: QuerySet[InternalAudit],
    *,
    start: datetime.date,
    end: datetime.date,
    include_overdue: bool = False,
    organisation_id: int | None = None,
    standard_id: int | None = None,
) -> list[InternalAuditDue]:
    """The planned or started internal audits among `audits` whose first day falls from `start` to
    `end`, and with `include_overdue` those still planned whose first day has passed, soonest
    first; each with its auditors (members, not removed) and its programme's standards. One query
    (the auditors and the standards as arrays of subqueries)."""
    in_range = Q(status__in=PLANNED_AUDIT_STATUSES, starts_on__range=(start, end))
    if include_overdue:
        in_range |= Q(status=InternalAuditStatus.PLANNED, starts_on__lt=start)
    found = audits.filter(in_range)
    if organisation_id:
        found = found.filter(programme__organisation_id=organisation_id)
    if standard_id:
        found = found.filter(
            programme__in=InternalAuditProgramme.objects.filter(editions__standard_id=standard_id).values(
                "pk"
            )
        )
    auditors = InternalAuditor.objects.filter(
        audit=OuterRef("pk"), user__isnull=False, removed_at__isnull=True
    ).order_by("user_id")
    codes = (
        InternalAuditProgramme.editions.through.objects.filter(internalauditprogramme=OuterRef("programme"))
        .order_by("edition__standard__code")
        .values(item=F("edition__standard__code"))
    )
    rows = (
        found.annotate(
            auditor_ids=ListOf(auditors.values(item=F("user_id"))),
            standard_codes=ListOf(codes),
        )
        .order_by("starts_on", "pk")
        .values_list(
            "pk",
            "number",
            "title",
            "starts_on",
            "status",
            "programme__organisation_id",
            "programme__organisation__name",
            "auditor_ids",
            "standard_codes",
        )
    )
    return [
        InternalAuditDue(
            *row[:7], auditor_ids=tuple(as_list(row[7])), standard_codes=tuple(dict.fromkeys(as_list(row[8])))
        )
        for row in rows
    ]


# --- management reviews ---


@dataclass(frozen=True)
class ReviewDue:
    """A planned management review, with the standards of its editions."""

    id: int
    number: int
    title: str
    planned_on: datetime.date
    organisation_id: int
    organisation_name: str
    standard_codes: tuple[str, ...]

    @property
    def reference(self) -> str:
        return f"MR-{self.number}"


def reviews_due(
    reviews: QuerySet[ManagementReview],
    *,
    start: datetime.date,
    end: datetime.date,
    include_overdue: bool = False,
    organisation_id: int | None = None,
    standard_id: int | None = None,
) -> list[ReviewDue]:
    """The planned reviews among `reviews` whose day falls from `start` to `end` (and, with
    `include_overdue`, those still planned after their day), soonest first, each with its editions'
    standards. A review held or cancelled is no longer due. One query."""
    found = reviews.filter(
        status=ReviewStatus.PLANNED, planned_on__range=(_earliest(start, include_overdue), end)
    )
    if organisation_id:
        found = found.filter(organisation_id=organisation_id)
    if standard_id:
        found = found.filter(
            pk__in=ManagementReview.editions.through.objects.filter(edition__standard_id=standard_id).values(
                "managementreview_id"
            )
        )
    codes = (
        ManagementReview.editions.through.objects.filter(managementreview=OuterRef("pk"))
        .order_by("edition__standard__code")
        .values(item=F("edition__standard__code"))
    )
    rows = (
        found.annotate(standard_codes=ListOf(codes))
        .order_by("planned_on", "pk")
        .values_list(
            "pk", "number", "title", "planned_on", "organisation_id", "organisation__name", "standard_codes"
        )
    )
    return [ReviewDue(*row[:6], standard_codes=tuple(dict.fromkeys(as_list(row[6])))) for row in rows]
