"""Reads about nonconformities and their answers (DOMAIN §2.3, §2.4; rules 20, 21): whose turn it
is, what is overdue, and what each role finds on its dashboard. Every function runs a number of
queries that does not grow with the rows."""

import datetime
from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from audits import access, finding_rules
from audits.enums import (
    FIELDWORK_STATUSES,
    NC_TYPES,
    PLANNING_STATUSES,
    REPORTED_STATUSES,
    ReviewOutcome,
    TeamRole,
)
from audits.models import CLIENT_TURN, Audit, Finding, FindingEvidenceFile, FindingResponse
from organisations import access as tenancy
from organisations.enums import OrganisationRole
from standards.models import Edition

PANEL_ROWS = 20  # the dashboard shows this many rows of a panel, the list page shows them all

FINDING_RELATED = (
    "audit__programme__organisation",
    "audit__programme__certification_body",
    "clause__edition__standard",
    "site",
)
# What a row of the lists of nonconformities shows besides the finding: its audit and client. Each
# relation more is a join more to plan and a wider row to read (the CB alone has 40 columns).
ROW_RELATED = ("audit__programme__organisation",)


def findings_with_page(findings: QuerySet[Finding]) -> QuerySet[Finding]:
    """What the finding page reads with the finding: its audit, requirement, site, author and the
    standards it belongs to (rule 29)."""
    return findings.select_related(*FINDING_RELATED, "raised_by").prefetch_related(
        Prefetch("editions", queryset=Edition.objects.select_related("standard"))
    )


def requirement_of(finding: Finding) -> str:
    """The requirement a finding is recorded against, on one line (DOMAIN §2.2)."""
    if finding.clause_id:
        clause = finding.clause
        return f"{clause.edition.label} {clause.number} {clause.title}"
    return finding.requirement_reference or "—"


def today() -> datetime.date:
    return timezone.localdate()


def overdue_q(day: datetime.date) -> Q:
    """`finding_rules.overdue_since(...) is not None` as a filter: the same rule, in SQL (rule 20)."""
    return Q(status__in=finding_rules.AWAITING_CLIENT, response_due_on__lt=day) | (
        ~Q(status__in=finding_rules.NO_DEADLINE) & Q(close_due_on__lt=day)
    )


def overdue(findings: QuerySet[Finding], day: datetime.date) -> QuerySet[Finding]:
    return findings.filter(overdue_q(day))


def with_overdue(findings: QuerySet[Finding], day: datetime.date) -> QuerySet[Finding]:
    """Each finding with `is_overdue` read in the same query, so a list can sort overdue first."""
    return findings.annotate(
        is_overdue=Case(
            When(overdue_q(day), then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def awaiting_client(user, day: datetime.date) -> QuerySet[Finding]:
    """The nonconformities of the user's own organisations that wait for their answer, overdue
    first, then by their deadline. Only after the report is issued: before, they are being agreed."""
    findings = (
        access.findings_for(user)
        .filter(
            audit__programme__organisation__in=tenancy.member_organisation_ids(user),
            audit__status__in=REPORTED_STATUSES,
            type__in=NC_TYPES,
        )
        .filter(CLIENT_TURN)  # the condition of the partial index finding_client_turn
    )
    return (
        with_overdue(findings, day)
        .select_related(*ROW_RELATED)
        .order_by("-is_overdue", "response_due_on", "close_due_on", "audit_id", "number")
    )


def plans_to_acknowledge(user) -> QuerySet[Audit]:
    """The audits whose plan the CB sent to an organisation the user acknowledges it for (its
    quality managers), not yet acknowledged, soonest first."""
    managed = tenancy.member_organisation_ids(user, roles=[OrganisationRole.QUALITY_MANAGER])
    return (
        access.audits_for(user)
        .filter(
            programme__organisation__in=managed,
            status__in=PLANNING_STATUSES,
            plan__sent_at__isnull=False,
            plan__acknowledged_at__isnull=True,
        )
        .order_by("starts_on", "pk")
    )


def to_review(user) -> QuerySet[FindingResponse]:
    """Responses waiting for the user's review, oldest first."""
    if not tenancy.signed_in(user):
        return FindingResponse.objects.none()
    return (
        FindingResponse.objects.filter(access.reviewable_q(user, "finding__"), outcome=ReviewOutcome.PENDING)
        .exclude(submitted_by=user)
        .select_related("submitted_by", *(f"finding__{name}" for name in ROW_RELATED))
        .order_by("submitted_at", "pk")
    )


@dataclass(frozen=True)
class FindingPage:
    """What the finding page shows besides the finding itself."""

    responses: list[FindingResponse]
    team_files: list[FindingEvidenceFile]
    pending: FindingResponse | None
    overdue_since: datetime.date | None


def finding_page(finding: Finding, day: datetime.date) -> FindingPage:
    """The answers with their files, oldest first, and the team's own evidence files."""
    live_files = FindingEvidenceFile.objects.filter(removed_at__isnull=True).select_related("uploaded_by")
    responses = list(
        finding.responses.select_related("submitted_by", "reviewed_by").prefetch_related(
            Prefetch("files", queryset=live_files)
        )
    )
    team_files = list(live_files.filter(finding=finding, response__isnull=True))
    pending = next((r for r in responses if r.outcome == ReviewOutcome.PENDING), None)
    return FindingPage(
        responses=responses,
        team_files=team_files,
        pending=pending,
        overdue_since=finding_rules.overdue_since(
            finding.status, finding.response_due_on, finding.close_due_on, day
        ),
    )


def mark_overdue(findings, day: datetime.date) -> list[Finding]:
    """Each finding with the deadline it missed (`overdue_since`), for a list to show."""
    rows = list(findings)
    for finding in rows:
        finding.overdue_since = finding_rules.overdue_since(
            finding.status, finding.response_due_on, finding.close_due_on, day
        )
    return rows


# --- The dashboard ---------------------------------------------------------------------------

# What the panels' rows show, no more (an audit, a programme and a finding carry long texts)
AUDIT_ROW = ("kind", "status", "starts_on", "ends_on", "programme__organisation__name")
REVIEW_ROW = (
    "kind",
    "outcome",
    "submitted_at",
    "submitted_by__full_name",
    "finding__number",
    "finding__statement",  # its short title (`Finding.name`)
    "finding__type",
    "finding__status",
    "finding__response_due_on",
    "finding__close_due_on",
    "finding__audit__programme__organisation__name",
)


def _audits_of(user, statuses, role: str | None = None) -> QuerySet[Audit]:
    """The audits with the user on the team (in this role), soonest first."""
    return (
        access.team_audits(user, role)
        .filter(status__in=statuses)
        .select_related("programme__organisation")
        .order_by("starts_on", "pk")
    )


@dataclass(frozen=True)
class Dashboard:
    """Each role's panels: what is the user's to do next."""

    is_client: bool = False
    is_cb_staff: bool = False
    is_reviewer: bool = False
    next_audits: list[Audit] = field(default_factory=list)
    unfinished_reports: list[Audit] = field(default_factory=list)
    awaiting_answer: list[Finding] = field(default_factory=list)
    awaiting_answer_overdue: int = 0
    plans_to_acknowledge: list[Audit] = field(default_factory=list)
    to_review: list[FindingResponse] = field(default_factory=list)

    @property
    def has_panels(self) -> bool:
        return self.is_client or self.is_cb_staff


def dashboard_for(user, day: datetime.date | None = None) -> Dashboard:
    """The auditor's next audits and unfinished reports, the client's nonconformities waiting for
    an answer (overdue first), the reviewer's responses to review (oldest first)."""
    if not tenancy.signed_in(user):
        return Dashboard()
    day = day or today()
    memberships = tenancy.memberships_of(user)
    panels: dict = {"is_client": memberships.is_client, "is_cb_staff": memberships.is_cb_staff}
    if memberships.is_client:
        answer = mark_overdue(awaiting_client(user, day)[:PANEL_ROWS], day)
        panels["awaiting_answer"] = answer
        panels["awaiting_answer_overdue"] = sum(1 for f in answer if f.overdue_since)
        panels["plans_to_acknowledge"] = list(plans_to_acknowledge(user)[:PANEL_ROWS])
    if memberships.is_cb_staff:
        panels["next_audits"] = list(_audits_of(user, PLANNING_STATUSES).only(*AUDIT_ROW)[:PANEL_ROWS])
        reports = _audits_of(user, FIELDWORK_STATUSES, TeamRole.LEAD).only(*AUDIT_ROW)
        panels["unfinished_reports"] = list(reports[:PANEL_ROWS])
        responses = list(to_review(user).only(*REVIEW_ROW)[:PANEL_ROWS])
        mark_overdue((response.finding for response in responses), day)
        panels["to_review"] = responses
        panels["is_reviewer"] = (
            bool(responses) or tenancy.bodies_with_role(user, access.REVIEWING_ROLES).exists()
        )
    return Dashboard(**panels)
