"""The home page's part of the organisation's own management system (DOMAIN §13): what its people
do next. The user's own actions, overdue first; for each organisation they belong to, the next
internal audit, the next management review and the minutes waiting for approval. The home page
loads it after the page, with readiness for stage 1 per standard (`views.home.next_steps`).

Only members read it (rule 43). The queries grow with the organisations a person belongs to (one or
two), never with their records.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from improvement import access
from improvement.enums import InternalAuditStatus, ReviewStatus
from improvement.models import InternalAudit, ManagementReview
from improvement.selectors.actions import my_actions, overdue_q
from organisations import access as tenancy
from organisations.enums import OrganisationRole
from organisations.models import Organisation

ACTION_ROWS = 5  # the home page lists this many of the user's actions; "My actions" lists them all
SOON_DAYS = 30  # an action due within this many days is "due soon"
ORGANISATIONS_SHOWN = 10  # a person belongs to one or two; the bound keeps the page's queries fixed


@dataclass(frozen=True)
class OwnSystem:
    """One organisation's next internal audit and management review."""

    organisation: Organisation
    next_audit: InternalAudit | None
    next_review: ManagementReview | None
    minutes_to_approve: int  # reviews held whose minutes wait for approval
    manages: bool  # the user is a quality manager of it: plans audits and reviews


@dataclass(frozen=True)
class Home:
    actions: list = field(default_factory=list)  # the user's first open actions, overdue first
    overdue: int = 0
    due_soon: int = 0
    open_actions: int = 0
    organisations: list[OwnSystem] = field(default_factory=list)
    soon_days: int = SOON_DAYS

    @property
    def shown(self) -> bool:
        return bool(self.organisations)


def home_for(user, today: datetime.date) -> Home:
    """What a member of an organisation does next in its management system; nothing (and no query)
    for a user who belongs to no organisation."""
    if not tenancy.memberships_of(user).is_client:  # read with the user: no query
        return Home()
    mine = my_actions(user)
    counts = mine.order_by().aggregate(
        open_actions=Count("pk"),
        overdue=Count("pk", filter=overdue_q(today)),
        due_soon=Count(
            "pk", filter=Q(due_on__gte=today, due_on__lte=today + datetime.timedelta(days=SOON_DAYS))
        ),
    )
    return Home(
        actions=list(mine[:ACTION_ROWS]),
        organisations=_own_systems(user),
        **counts,
    )


def _own_systems(user) -> list[OwnSystem]:
    """Three queries: the organisations with the ids of what comes next, then those audits and
    reviews."""
    next_audit = (
        access.internal_audits_for(user)
        .filter(
            programme__organisation=OuterRef("pk"),
            status__in=(InternalAuditStatus.PLANNED, InternalAuditStatus.IN_PROGRESS),
        )
        .order_by("starts_on", "pk")
    )
    next_review = (
        access.reviews_for(user)
        .filter(organisation=OuterRef("pk"), status=ReviewStatus.PLANNED)
        .order_by("planned_on", "pk")
    )
    manages = tenancy.member_organisation_ids(user, roles=[OrganisationRole.QUALITY_MANAGER]).filter(
        organisation=OuterRef("pk")
    )
    organisations = list(
        Organisation.objects.filter(pk__in=tenancy.member_organisation_ids(user))
        .annotate(
            next_audit_id=Subquery(next_audit.values("pk")[:1]),
            next_review_id=Subquery(next_review.values("pk")[:1]),
            minutes_to_approve=Count(
                "management_reviews", filter=Q(management_reviews__status=ReviewStatus.HELD)
            ),
            manages=Exists(manages),
        )
        .order_by("name")[:ORGANISATIONS_SHOWN]
    )
    audit_ids = [o.next_audit_id for o in organisations if o.next_audit_id]
    review_ids = [o.next_review_id for o in organisations if o.next_review_id]
    audits = InternalAudit.objects.select_related("programme").in_bulk(audit_ids) if audit_ids else {}
    reviews = ManagementReview.objects.in_bulk(review_ids) if review_ids else {}
    return [
        OwnSystem(
            organisation=organisation,
            next_audit=audits.get(organisation.next_audit_id),
            next_review=reviews.get(organisation.next_review_id),
            minutes_to_approve=organisation.minutes_to_approve,
            manages=organisation.manages,
        )
        for organisation in organisations
    ]
