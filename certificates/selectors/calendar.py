"""The calendar: every item due between two days, scoped to what a user may see (DOMAIN §1.6–1.8,
§9.2). One reader for the calendar page, the agenda, the dashboard's panels, the iCal feed and the
daily job (its tasks and reminders); `certificates.due_rules` says what is due.

Four queries whatever the number of certificates, audits or findings, each on the column or row that
holds its day: the certificates' stored due dates (`CertificateDueDate`, kept by
`services.due_dates`) and their suspensions' deadlines, the audits and the nonconformities with a
date in the range or overdue (two more for the standards of those, for the iCal feed). For a member
of an organisation, three more: its open actions, its internal audits and its planned management
reviews (`improvement.selectors.due`).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Max, Q, QuerySet
from django.urls import NoReverseMatch, reverse

from audits import access as audit_access
from audits import audit_rules
from audits.enums import (
    FIELDWORK_STATUSES,
    NC_TYPES,
    PLANNING_STATUSES,
    REPORTED_STATUSES,
    AuditKind,
    AuditStatus,
)
from audits.finding_rules import AWAITING_CLIENT, NO_DEADLINE
from audits.models import Audit, Finding, ProgrammeEdition
from audits.models.fieldwork import TITLE_SQL
from certificates import access, due_rules
from certificates.enums import (
    CLIENT_TASK_KINDS,
    CertificateStatus,
    DueKind,
    RevisionStatus,
)
from certificates.models import Certificate, CertificateDueDate
from core.expressions import DaysBefore, prefixed
from core.listing import labels_of, path_of
from improvement import access as improvement_access
from improvement.models import Action, InternalAudit, ManagementReview
from improvement.selectors import due as improvement_due
from organisations import access as tenancy
from organisations.models import CertificationBody
from standards.models import Edition, Standard

DueItem = due_rules.DueItem
# What `cycle_policy` reads of a CB
POLICY_FIELDS = ("expiry_convention", "surveillance_window_before_months", "surveillance_window_after_months")
VALID = (CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED)
HELD = (*FIELDWORK_STATUSES, *REPORTED_STATUSES)  # a surveillance counts once its fieldwork started


@dataclass(frozen=True)
class Scope:
    """What the calendar reads: the certificates (as a condition on them: their stored due dates
    join it, rather than nest a subquery of them), the audits and findings (querysets, not yet
    read), the CBs whose team notices the reader may see (the CB's own planning, rule 25; None:
    all), and the organisation's own actions, internal audits and management reviews (None: not
    read, the reader being a member of no organisation; rule 43)."""

    certificate_q: Q
    audits: QuerySet[Audit]
    findings: QuerySet[Finding]
    notice_bodies: frozenset[int] | None = None
    actions: QuerySet[Action] | None = None
    internal_audits: QuerySet[InternalAudit] | None = None
    reviews: QuerySet[ManagementReview] | None = None

    @property
    def certificates(self) -> QuerySet[Certificate]:
        return Certificate.objects.filter(self.certificate_q)

    def sees_notice_of(self, certification_body_id: int) -> bool:
        return self.notice_bodies is None or certification_body_id in self.notice_bodies


def scope_for(user) -> Scope:
    """What the user may see: the certificates of `certificates.access`, the audits and findings of
    `audits.access` (their rules read once as ids, `reach_of`); team notices only of the CBs they
    work for; the actions and internal audits of `improvement.access` (members only, rule 43)."""
    return scope_of(audit_access.reach_of(user), user)


def scope_of(reach: audit_access.Reach, user) -> Scope:
    """The scope of what a user's memberships reach (`scope_for`, from a reach already read). The
    organisation's own work is read only for a member of an organisation (no query for the others)."""
    audits = Audit.objects.filter(reach.audits_q())
    member = bool(reach.organisations)
    return Scope(
        certificate_q=access.certificates_q(reach),
        audits=audits,
        findings=Finding.objects.filter(reach.audits_q("audit__")),
        notice_bodies=None if reach.everything else reach.bodies,
        actions=improvement_access.actions_for(user) if member else None,
        internal_audits=improvement_access.internal_audits_for(user) if member else None,
        reviews=improvement_access.reviews_for(user) if member else None,
    )


def scope_all() -> Scope:
    """Everything, for the daily job."""
    return Scope(
        Q(),
        Audit.objects.all(),
        Finding.objects.all(),
        actions=Action.objects.all(),
        internal_audits=InternalAudit.objects.all(),
        reviews=ManagementReview.objects.all(),
    )


@dataclass(frozen=True)
class Filters:
    organisation_id: int | None = None
    organisation_name: str = ""  # a part of the name: for those who see too many organisations to list
    standard_id: int | None = None
    kinds: tuple[str, ...] = ()


def due_items(
    scope: Scope,
    *,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date,
    include_overdue: bool = False,
    filters: Filters = Filters(),
    with_standards: bool = False,
) -> list[DueItem]:
    """The items due from `start` to `end` (both included; an audit of several days, on any of
    them), soonest first; with `include_overdue`, also those due before `start` that are not done.
    The standards of audits and nonconformities (`DueItem.standard_codes`) cost a query each: only
    `with_standards` (the iCal feed) reads them; a certificate's item always names its standard."""
    scope = _filtered(scope, filters)
    wanted = set(filters.kinds) or set(DueKind)
    items: list[DueItem] = []
    if wanted & CERTIFICATE_KINDS:
        items += _certificate_items(
            scope.certificate_q, today=today, start=start, end=end, include_overdue=include_overdue
        )
    if wanted & AUDIT_KINDS:
        items += _audit_items(
            scope, start=start, end=end, include_overdue=include_overdue, with_standards=with_standards
        )
    if wanted & FINDING_KINDS:
        items += _finding_items(
            scope.findings,
            start=start,
            end=end,
            include_overdue=include_overdue,
            with_standards=with_standards,
        )
    if DueKind.ACTION_DUE in wanted and scope.actions is not None:
        items += _action_items(
            scope.actions, start=start, end=end, include_overdue=include_overdue, filters=filters
        )
    if DueKind.INTERNAL_AUDIT in wanted and scope.internal_audits is not None:
        items += _internal_audit_items(
            scope.internal_audits, start=start, end=end, include_overdue=include_overdue, filters=filters
        )
    if DueKind.MANAGEMENT_REVIEW in wanted and scope.reviews is not None:
        items += _review_items(
            scope.reviews, start=start, end=end, include_overdue=include_overdue, filters=filters
        )
    return sorted(
        (
            item
            for item in items
            if item.kind in wanted
            and (
                item.falls_within(start, end)  # an audit begun before `start` and still on
                or (include_overdue and item.due_on < start and item.is_overdue(today))
            )
        ),
        key=lambda item: (item.due_on, KIND_ORDER[item.kind], item.organisation_name, item.subject, item.key),
    )


KIND_ORDER = {kind.value: position for position, kind in enumerate(DueKind)}
CERTIFICATE_KINDS = {
    DueKind.SURVEILLANCE_1,
    DueKind.CALENDAR_YEAR,
    DueKind.SURVEILLANCE_2,
    DueKind.RECERTIFICATION,
    DueKind.EXPIRY,
    DueKind.SUSPENSION_DEADLINE,
    DueKind.TRANSITION_END,
}
AUDIT_KINDS = {DueKind.AUDIT, DueKind.TEAM_NOTICE}
FINDING_KINDS = {DueKind.NC_RESPONSE, DueKind.NC_CLOSURE}


def _filtered(scope: Scope, filters: Filters) -> Scope:
    certificates, audits, findings = scope.certificate_q, scope.audits, scope.findings
    if filters.organisation_id:
        certificates &= Q(organisation_id=filters.organisation_id)
        audits = audits.filter(programme__organisation_id=filters.organisation_id)
        findings = findings.filter(audit__programme__organisation_id=filters.organisation_id)
    if filters.organisation_name:
        name = filters.organisation_name
        certificates &= Q(organisation__name__icontains=name)
        audits = audits.filter(programme__organisation__name__icontains=name)
        findings = findings.filter(audit__programme__organisation__name__icontains=name)
    if filters.standard_id:
        covers = Edition.objects.filter(standard_id=filters.standard_id)
        certificates &= Q(standard_id=filters.standard_id)
        audits = audits.filter(programme__editions__in=covers).distinct()
        findings = findings.filter(editions__in=covers).distinct()
    # the actions and internal audits are filtered by id as they are read (`improvement.selectors.due`)
    actions, internal_audits, reviews = scope.actions, scope.internal_audits, scope.reviews
    if filters.organisation_name and actions is not None:
        name = filters.organisation_name
        actions = actions.filter(organisation__name__icontains=name)
        internal_audits = internal_audits.filter(programme__organisation__name__icontains=name)
        reviews = reviews.filter(organisation__name__icontains=name)
    return Scope(certificates, audits, findings, scope.notice_bodies, actions, internal_audits, reviews)


# --- Certificates -------------------------------------------------------------------------------


# What the next external audit of a certificate is due for: a surveillance, or the recertification
NEXT_AUDIT_KINDS = (
    DueKind.SURVEILLANCE_1,
    DueKind.SURVEILLANCE_2,
    DueKind.CALENDAR_YEAR,
    DueKind.RECERTIFICATION,
)


def next_audits_due(certificate_ids: list[int], today: datetime.date) -> dict[int, DueItem]:
    """For each valid certificate among these, the earliest external audit still due, from its
    stored due dates (one query; none without certificates). A client reads it on its home page
    beside its certificates."""
    if not certificate_ids:
        return {}
    found: dict[int, DueItem] = {}
    certificates = Q(pk__in=certificate_ids)
    for certificate_id, item in _stored_items(certificates, Q(kind__in=NEXT_AUDIT_KINDS, done=False), today):
        found.setdefault(certificate_id, item)  # the soonest
    return found


# Kinds whose row can be overdue: the surveillances and the recertification, until held or granted
# (a calendar year is this year's or later, an expiry or a transition is done once its day passed)
OVERDUE_CERTIFICATE_KINDS = (DueKind.SURVEILLANCE_1, DueKind.SURVEILLANCE_2, DueKind.RECERTIFICATION)
PASSES_WITH_ITS_DAY = (DueKind.EXPIRY, DueKind.TRANSITION_END)


def _certificate_items(
    certificates: Q,
    *,
    today: datetime.date,
    start: datetime.date,
    end: datetime.date,
    include_overdue: bool,
) -> list[DueItem]:
    """The certificates' items from `start` to `end` (and, with `include_overdue`, those not done
    before it), read from their stored rows (`CertificateDueDate`) with an index: one query; and
    the suspensions' deadlines from the certificates themselves: one query."""
    wanted = Q(due_on__range=(start, end))
    if include_overdue:
        wanted |= Q(due_on__lt=min(start, today), done=False, kind__in=OVERDUE_CERTIFICATE_KINDS)
    stored = [item for _certificate, item in _stored_items(certificates, wanted, today)]
    suspended = Certificate.objects.filter(certificates)
    return stored + _suspension_items(suspended, start=start, end=end, include_overdue=include_overdue)


def _stored_items(certificates: Q, wanted: Q, today: datetime.date) -> list[tuple[int, DueItem]]:
    """(certificate id, item) of the stored rows meeting `wanted` of the valid certificates among
    these, soonest first: one query. A calendar year is due while it is this year or later; an
    expiry or a transition is done once its day has passed."""
    rows = (
        CertificateDueDate.objects.filter(
            wanted,
            revision__status=RevisionStatus.CURRENT,
            revision__certificate__status__in=VALID,
        )
        .filter(prefixed(certificates, "revision__certificate__"))
        .exclude(kind=DueKind.CALENDAR_YEAR, due_on__lt=today)
        .order_by("due_on", "pk")
        .values_list(
            "key",
            "kind",
            "due_on",
            "done",
            "audit_id",
            "revision__certificate_id",
            "revision__certificate__number",
            "revision__certificate__organisation_id",
            "revision__certificate__organisation__name",
            "revision__certificate__certification_body_id",
            "revision__edition__standard__code",
        )
    )
    certificate_path = path_of("certificates:certificate_detail")
    return [
        (
            certificate_id,
            DueItem(
                key=key,
                kind=kind,
                due_on=due_on,
                subject=number,
                path=certificate_path(certificate_id),
                organisation_id=organisation_id,
                organisation_name=organisation_name,
                certification_body_id=body_id,
                standard_codes=(standard_code,),
                audit_id=audit_id,
                done=done or (kind in PASSES_WITH_ITS_DAY and due_on < today),
            ),
        )
        for (
            key,
            kind,
            due_on,
            done,
            audit_id,
            certificate_id,
            number,
            organisation_id,
            organisation_name,
            body_id,
            standard_code,
        ) in rows
    ]


def _suspension_items(
    certificates: QuerySet[Certificate], *, start: datetime.date, end: datetime.date, include_overdue: bool
) -> list[DueItem]:
    """The suspended certificates' resolution deadlines (rule 14), never done while suspended: one
    query on the certificates' own column."""
    earliest = datetime.date.min if include_overdue else start
    rows = (
        certificates.filter(status=CertificateStatus.SUSPENDED, suspension_ends_on__range=(earliest, end))
        .order_by("suspension_ends_on", "pk")
        .values_list(
            "pk",
            "number",
            "suspension_ends_on",
            "organisation_id",
            "organisation__name",
            "certification_body_id",
            "standard__code",
        )
    )
    certificate_path = path_of("certificates:certificate_detail")
    return [
        DueItem(
            key=f"certificate-{pk}-suspension-{ends_on.isoformat()}",
            kind=DueKind.SUSPENSION_DEADLINE,
            due_on=ends_on,
            subject=number,
            path=certificate_path(pk),
            organisation_id=organisation_id,
            organisation_name=organisation_name,
            certification_body_id=body_id,
            standard_codes=(standard_code,),
        )
        for pk, number, ends_on, organisation_id, organisation_name, body_id, standard_code in rows
    ]


# --- Audits and nonconformities -------------------------------------------------------------------


def _standard_codes(through, owner: str, ids: set[int]) -> dict[int, tuple[str, ...]]:
    """The standards' codes of each record's editions, by record id (one query on the M2M table)."""
    codes: dict[int, set[str]] = defaultdict(set)
    if ids:
        for pk, code in through.objects.filter(**{f"{owner}_id__in": ids}).values_list(
            f"{owner}_id", "edition__standard__code"
        ):
            codes[pk].add(code)
    return {pk: tuple(sorted(found)) for pk, found in codes.items()}


def _audit_items(
    scope: Scope, *, start: datetime.date, end: datetime.date, include_overdue: bool, with_standards: bool
) -> list[DueItem]:
    """Planned audit dates (done once fieldwork starts, rule 1's order aside), each from its first
    day to its last (one begun before `start` is there too), and the team notices still to send
    (rule 25; not for short-notice audits), each read only where its own date falls: the notice's
    day is worked out in SQL from the CB's notice period. One query, read as plain values (two with
    the standards), and one for the longest notice period when notices are read."""
    earliest = datetime.date.min if include_overdue else start
    # an audit of several days is there on each of them: one begun before `start` as well, within
    # the longest an audit runs (the audits are read on their first day's index)
    begun = start - datetime.timedelta(days=audit_rules.LONGEST_SPAN_DAYS)
    due = Q(starts_on__range=(begun, end), ends_on__gte=start)
    if include_overdue:
        due |= Q(status__in=PLANNING_STATUSES, starts_on__lt=start)
    if scope.notice_bodies is None or scope.notice_bodies:  # the CB's own planning (rule 25)
        bodies = CertificationBody.objects.all()
        notice_pending = Q(status__in=PLANNING_STATUSES, short_notice=False, team_notified_on__isnull=True)
        if scope.notice_bodies is not None:
            bodies = bodies.filter(pk__in=scope.notice_bodies)
            notice_pending &= Q(programme__certification_body_id__in=scope.notice_bodies)
        # a notice falls at most the longest notice period before its audit: that bound lets the
        # audits be read on their first day's index, not every audit still being planned
        longest = bodies.aggregate(days=Max("team_notice_days"))["days"] or 0
        notice_pending &= Q(starts_on__lte=end + datetime.timedelta(days=longest))
        due |= notice_pending & Q(notice_on__range=(earliest, end))
    rows = list(
        scope.audits.annotate(
            notice_on=DaysBefore(F("starts_on"), F("programme__certification_body__team_notice_days"))
        )
        .filter(due)
        .exclude(status=AuditStatus.CANCELLED)
        .order_by("starts_on", "pk")
        .values_list(
            "pk",
            "kind",
            "status",
            "starts_on",
            "ends_on",
            "short_notice",
            "team_notified_on",
            "notice_on",
            "programme_id",
            "programme__organisation_id",
            "programme__organisation__name",
            "programme__certification_body_id",
        )
    )
    codes = _standard_codes(ProgrammeEdition, "programme", {row[8] for row in rows}) if with_standards else {}
    audit_path = path_of("audits:audit_detail")
    audit_kinds = labels_of(AuditKind)
    items = []
    for (
        pk,
        kind,
        status,
        starts_on,
        ends_on,
        short_notice,
        team_notified_on,
        notice_on,
        programme_id,
        organisation_id,
        organisation_name,
        body_id,
    ) in rows:
        days = starts_on.isoformat()
        if ends_on > starts_on:
            days += f" – {ends_on.isoformat()}"
        common = {
            "subject": f"{audit_kinds[kind]} ({days})",
            "path": audit_path(pk),
            "organisation_id": organisation_id,
            "organisation_name": organisation_name,
            "certification_body_id": body_id,
            "standard_codes": codes.get(programme_id, ()),
            "audit_id": pk,
        }
        planning = status in PLANNING_STATUSES
        under_way = starts_on < start <= ends_on
        if start <= starts_on <= end or under_way or (include_overdue and planning and starts_on < start):
            items.append(
                DueItem(
                    key=f"audit-{pk}",
                    kind=DueKind.AUDIT,
                    due_on=starts_on,
                    ends_on=ends_on if ends_on > starts_on else None,
                    done=not planning,
                    **common,
                )
            )
        pending = planning and not short_notice and team_notified_on is None and scope.sees_notice_of(body_id)
        if pending and earliest <= notice_on <= end:
            items.append(
                DueItem(key=f"audit-{pk}-team-notice", kind=DueKind.TEAM_NOTICE, due_on=notice_on, **common)
            )
    return items


def findings_due(
    findings: QuerySet[Finding], *, start: datetime.date, end: datetime.date, include_overdue: bool
) -> QuerySet[Finding]:
    """The nonconformities with a response or closure deadline from `start` (or ever, with
    `include_overdue`) to `end`, still running: on the indexes of the deadlines still running
    (`finding_status_due`, `finding_open_closure`). Only once their audit's report is issued: the
    client cannot answer before (audits.services.responses), so nothing falls due for it and no
    reminder is sent while the fieldwork runs and the findings are agreed with the team."""
    earliest = datetime.date.min if include_overdue else start
    awaiting = Q(status__in=AWAITING_CLIENT, response_due_on__range=(earliest, end))
    open_closure = Q(close_due_on__range=(earliest, end)) & ~Q(status__in=NO_DEADLINE)
    # findings are logged in fieldwork only: until it ends with the issued report, they are agreed
    return findings.filter(awaiting | open_closure, type__in=NC_TYPES).exclude(
        audit__status__in=FIELDWORK_STATUSES
    )


def _finding_items(
    findings: QuerySet[Finding],
    *,
    start: datetime.date,
    end: datetime.date,
    include_overdue: bool,
    with_standards: bool,
) -> list[DueItem]:
    """The open nonconformities' response and closure deadlines (rule 20). One query, read as plain
    values (two with the standards)."""
    rows = list(
        findings_due(findings, start=start, end=end, include_overdue=include_overdue)
        .order_by("pk")
        .annotate(title=TITLE_SQL)
        .values_list(
            "pk",
            "title",
            "number",
            "status",
            "response_due_on",
            "close_due_on",
            "audit_id",
            "audit__programme__organisation_id",
            "audit__programme__organisation__name",
            "audit__programme__certification_body_id",
        )
    )
    codes = (
        _standard_codes(Finding.editions.through, "finding", {row[0] for row in rows})
        if with_standards
        else {}
    )
    finding_path = path_of("audits:finding_detail")
    items = []
    for (
        pk,
        title,
        number,
        status,
        response_due_on,
        close_due_on,
        audit_id,
        organisation_id,
        organisation_name,
        body_id,
    ) in rows:
        common = {
            "subject": Finding.name_of(audit_id, number, title),
            "path": finding_path(pk),
            "organisation_id": organisation_id,
            "organisation_name": organisation_name,
            "certification_body_id": body_id,
            "standard_codes": codes.get(pk, ()),
            "audit_id": audit_id,
        }
        if status in AWAITING_CLIENT and response_due_on:
            items.append(
                DueItem(
                    key=f"finding-{pk}-response", kind=DueKind.NC_RESPONSE, due_on=response_due_on, **common
                )
            )
        if status not in NO_DEADLINE and close_due_on:
            items.append(
                DueItem(key=f"finding-{pk}-closure", kind=DueKind.NC_CLOSURE, due_on=close_due_on, **common)
            )
    return items


# --- The organisation's own work (DOMAIN §13): actions and internal audits ------------------------


def _action_items(
    actions: QuerySet[Action],
    *,
    start: datetime.date,
    end: datetime.date,
    include_overdue: bool,
    filters: Filters,
) -> list[DueItem]:
    """The open actions due in the range, or overdue: one query."""
    return [
        due_rules.action_item(action, reverse("improvement:action_detail", args=[action.id]))
        for action in improvement_due.actions_due(
            actions,
            start=start,
            end=end,
            include_overdue=include_overdue,
            organisation_id=filters.organisation_id,
            standard_id=filters.standard_id,
        )
    ]


def internal_audit_path(pk: int) -> str:
    """The internal audit's page (`InternalAudit.get_absolute_url`). Until that page exists, the
    agenda, where the item is listed."""
    try:
        return reverse("improvement:internal_audit_detail", args=[pk])
    except NoReverseMatch:
        return reverse("calendar:agenda")


def _internal_audit_items(
    audits: QuerySet[InternalAudit],
    *,
    start: datetime.date,
    end: datetime.date,
    include_overdue: bool,
    filters: Filters,
) -> list[DueItem]:
    """The internal audits starting in the range, or still planned after their first day: one query."""
    return [
        due_rules.internal_audit_item(audit, internal_audit_path(audit.id))
        for audit in improvement_due.internal_audits_due(
            audits,
            start=start,
            end=end,
            include_overdue=include_overdue,
            organisation_id=filters.organisation_id,
            standard_id=filters.standard_id,
        )
    ]


def _review_items(
    reviews: QuerySet[ManagementReview],
    *,
    start: datetime.date,
    end: datetime.date,
    include_overdue: bool,
    filters: Filters,
) -> list[DueItem]:
    """The management reviews planned in the range, or still planned after their day: one query."""
    return [
        due_rules.review_item(review, reverse("improvement:review_detail", args=[review.id]))
        for review in improvement_due.reviews_due(
            reviews,
            start=start,
            end=end,
            include_overdue=include_overdue,
            organisation_id=filters.organisation_id,
            standard_id=filters.standard_id,
        )
    ]


ONE_DAY = datetime.timedelta(days=1)
DASHBOARD_DAYS = 90
DASHBOARD_ROWS = 10  # rows a dashboard panel shows; the agenda lists them all


@dataclass(frozen=True)
class Shown:
    """What a calendar page lists: the items from its first to its last day, and what is overdue
    (not done, due before today) wherever it falls."""

    items: list[DueItem]
    overdue: list[DueItem]


def window_with_overdue(
    scope: Scope,
    *,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date,
    filters: Filters = Filters(),
) -> Shown:
    """The items from `start` to `end` and every overdue item: one read of `due_items`, two when
    the window lies in the past (what fell due between its end and today is overdue too)."""
    found = due_items(scope, start=start, end=end, today=today, include_overdue=True, filters=filters)
    if end < today - ONE_DAY:
        found += due_items(scope, start=end + ONE_DAY, end=today - ONE_DAY, today=today, filters=filters)
    return Shown(
        items=[item for item in found if item.falls_within(start, end)],
        overdue=[item for item in found if item.is_overdue(today)],
    )


ORGANISATIONS_LISTED = 50  # more, and the calendar's organisation filter is a search by name


def filter_choices(user) -> tuple[list[tuple[int, str]] | None, list[tuple[int, str]]]:
    """The calendar's filter choices, as (id, label): the organisations the user may see (None when
    there are more than ORGANISATIONS_LISTED: a large CB's staff search by name instead of scrolling
    a list of a thousand) and the certifiable standards of the catalogue. Two queries."""
    organisations = list(
        tenancy.organisations_for(user)
        .order_by("name", "pk")
        .values_list("pk", "name")[: ORGANISATIONS_LISTED + 1]
    )
    certifiable = Standard.objects.filter(editions__certifiable=True).distinct()
    standards = certifiable.order_by("code").values_list("pk", "code")
    return (organisations if len(organisations) <= ORGANISATIONS_LISTED else None), list(standards)


@dataclass(frozen=True)
class DashboardDue:
    """The dashboard's panels: what is due in the next 90 days and what is overdue, not done."""

    today: datetime.date
    upcoming: list[DueItem] = field(default_factory=list)
    overdue: list[DueItem] = field(default_factory=list)
    waiting_on_cb: list[DueItem] = field(default_factory=list)  # a client's: overdue, the CB's to do
    planned_by_cb: list[DueItem] = field(default_factory=list)  # a client's: coming, the CB's to do
    shown: bool = False  # the user belongs to an organisation or a CB: the panels are shown
    days: int = DASHBOARD_DAYS

    @property
    def upcoming_shown(self) -> list[DueItem]:
        return self.upcoming[:DASHBOARD_ROWS]

    @property
    def upcoming_more(self) -> int:
        return max(len(self.upcoming) - DASHBOARD_ROWS, 0)

    @property
    def planned_by_cb_shown(self) -> list[DueItem]:
        return self.planned_by_cb[:DASHBOARD_ROWS]

    @property
    def overdue_shown(self) -> list[DueItem]:
        return self.overdue[:DASHBOARD_ROWS]

    @property
    def overdue_more(self) -> int:
        return max(len(self.overdue) - DASHBOARD_ROWS, 0)


def dashboard_due(user, today: datetime.date) -> DashboardDue:
    """The client member's and the CB staff's panels, from the calendar's one reader; no query for
    a user who belongs to neither an organisation nor a CB (platform staff read the calendar). A
    client's items that only the CB acts on (a surveillance to plan, a recertification to decide,
    an audit), overdue or coming, are kept apart from their own tasks: information about the CB."""
    memberships = tenancy.memberships_of(user)  # read with the user: no query
    if not (memberships.is_client or memberships.is_cb_staff):
        return DashboardDue(today=today)
    found = due_items(
        scope_for(user),
        start=today,
        end=today + datetime.timedelta(days=DASHBOARD_DAYS),
        today=today,
        include_overdue=True,
    )
    overdue = [item for item in found if item.is_overdue(today)]
    upcoming = [item for item in found if item.due_on >= today and not item.done]
    waiting_on_cb, planned_by_cb = [], []
    if not memberships.is_cb_staff:  # a client's people: what only the CB can do is not their task
        waiting_on_cb = [item for item in overdue if item.kind not in CLIENT_TASK_KINDS]
        overdue = [item for item in overdue if item.kind in CLIENT_TASK_KINDS]
        planned_by_cb = [item for item in upcoming if item.kind not in CLIENT_TASK_KINDS]
        upcoming = [item for item in upcoming if item.kind in CLIENT_TASK_KINDS]
    return DashboardDue(
        today=today,
        upcoming=upcoming,
        overdue=overdue,
        waiting_on_cb=waiting_on_cb,
        planned_by_cb=planned_by_cb,
        shown=True,
    )
