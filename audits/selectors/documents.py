"""What the audit plan and the audit report print (17021-1 §9.2.3, DOMAIN §2.5), read in a fixed
number of queries whatever the number of sessions or findings."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from audits import access
from audits.enums import AssignmentStatus, AuditKind, FindingStatus, FindingType, TeamRole
from audits.models import Audit, AuditPlan, AuditReport, Finding, PlanSession, ProgrammeEdition
from core import documents
from organisations import access as tenancy
from organisations.enums import OrganisationRole
from organisations.images import image_data_uri
from organisations.models import User
from standards.models import Clause, Edition

TEAM_ORDER = {role: position for position, role in enumerate(TeamRole.values)}

# The kinds of documents an audit has (registered in audits/documents.py)
AUDIT_PLAN = "audits.audit_plan"
AUDIT_REPORT = "audits.audit_report"


@dataclass
class AuditSheet:
    """The audit with what its plan and its report print."""

    audit: Audit
    editions: list[Edition]
    sites: list  # AuditSite rows with their site
    team: list  # active TeamAssignment rows with their user, lead first
    representatives: list[User]
    plan: AuditPlan | None = None
    report: AuditReport | None = None
    sessions: list[PlanSession] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    concerns: list[Finding] = field(default_factory=list)
    printed_at: object = None
    logo: str | None = None  # the CB's logo, as a data: URI

    @property
    def lead(self) -> User | None:
        """Who signs the report off: the lead auditor."""
        return next((row.user for row in self.team if row.role == TeamRole.LEAD), None)

    @property
    def programme(self):
        return self.audit.programme

    @property
    def organisation(self):
        return self.audit.programme.organisation

    @property
    def certification_body(self):
        return self.audit.programme.certification_body

    @property
    def combination(self) -> str:
        """ "integrated", "combined" (several standards, separate systems) or "single"."""
        if len(self.editions) < 2:
            return "single"
        return "integrated" if self.audit.programme.is_integrated else "combined"

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(FindingType.values, 0)
        for finding in self.findings:
            counts[finding.type] += 1
        return counts

    @property
    def type_counts(self) -> list[tuple[str, int]]:
        counts = self.counts
        return [(FindingType(value).label, counts[value]) for value in FindingType.values if counts[value]]


def _audit(audit_id: int) -> Audit:
    return Audit.objects.select_related(
        "programme__organisation", "programme__certification_body", "repeat_of", "follows_up"
    ).get(pk=audit_id)


def _editions(audit: Audit) -> list[Edition]:
    return [
        row.edition
        for row in ProgrammeEdition.objects.filter(programme_id=audit.programme_id).select_related(
            "edition__standard"
        )
    ]


def _team(audit: Audit) -> list:
    rows = list(audit.assignments.filter(status=AssignmentStatus.ACTIVE).select_related("user"))
    return sorted(rows, key=lambda row: (TEAM_ORDER.get(row.role, 99), row.user.full_name))


def _representatives(audit: Audit) -> list[User]:
    """The client's quality managers: who the CB deals with."""
    return list(
        User.objects.filter(
            organisation_memberships__organisation_id=audit.programme.organisation_id,
            organisation_memberships__role=OrganisationRole.QUALITY_MANAGER,
            organisation_memberships__is_active=True,
        ).order_by("full_name")
    )


def _findings(queryset: QuerySet[Finding]) -> list[Finding]:
    return list(
        queryset.select_related(
            "clause__edition__standard", "site", "raised_by", "audit", "readiness_pack__edition__standard"
        ).prefetch_related(Prefetch("editions", queryset=Edition.objects.select_related("standard")))
    )


def _base(audit_id: int) -> AuditSheet:
    audit = _audit(audit_id)
    return AuditSheet(
        audit=audit,
        editions=_editions(audit),
        sites=list(audit.audit_sites.select_related("site")),
        team=_team(audit),
        representatives=_representatives(audit),
        printed_at=timezone.now(),
        logo=image_data_uri(audit.programme.certification_body.logo),
    )


def audit_plan_sheet(audit: Audit) -> AuditSheet:
    """The plan: the audit, its plan and its timetable (sessions with sites, clauses, auditors)."""
    sheet = _base(audit.pk)
    sheet.plan = AuditPlan.objects.select_related("sent_by", "acknowledged_by").filter(audit=audit).first()
    if sheet.plan is not None:
        sheet.sessions = list(
            sheet.plan.sessions.filter(removed_at__isnull=True)
            .select_related("site")
            .prefetch_related(
                Prefetch("clauses", queryset=Clause.objects.select_related("edition__standard")),
                Prefetch("auditors", queryset=User.objects.order_by("full_name")),
            )
        )
    return sheet


def audit_report_sheet(audit: Audit) -> AuditSheet:
    """The report: the audit, its conclusions, every finding not withdrawn and, for a stage 2, the
    areas of concern of the programme's stage 1 audits (EA FAQ 32.5)."""
    sheet = _base(audit.pk)
    sheet.report = AuditReport.objects.select_related("issued_by").filter(audit=audit).first()
    sheet.plan = AuditPlan.objects.filter(audit=audit).first()
    sheet.findings = _findings(
        Finding.objects.filter(audit=audit).exclude(status=FindingStatus.WITHDRAWN).order_by("number")
    )
    if audit.kind == AuditKind.STAGE2:
        sheet.concerns = _findings(
            Finding.objects.filter(
                audit__programme_id=audit.programme_id,
                audit__kind=AuditKind.STAGE1,
                type=FindingType.AREA_OF_CONCERN,
            )
            .exclude(status=FindingStatus.WITHDRAWN)
            .order_by("-audit__starts_on", "-audit__pk", "number")
        )
    return sheet


# --- Who may have the documents: the plan once sent, the report once issued, for the client -------


def audit_plans_for(user) -> QuerySet[Audit]:
    """Audits with a plan the user may print: the team and the CB's staff while it is written,
    the client once it is sent."""
    audits = access.audits_for(user).filter(plan__isnull=False)
    if not tenancy.signed_in(user) or user.is_staff:
        return audits
    return audits.exclude(access.client_only(user) & Q(plan__sent_at__isnull=True))


def audit_reports_for(user) -> QuerySet[Audit]:
    """Audits with a report the user may print: the team and the CB's staff while it is written,
    the client once it is issued."""
    audits = access.audits_for(user).filter(report__isnull=False)
    if not tenancy.signed_in(user) or user.is_staff:
        return audits
    return audits.exclude(access.client_only(user) & Q(report__issued_at__isnull=True))


def audit_documents(user, audit: Audit, plan: AuditPlan | None, report: AuditReport | None) -> dict:
    """Which of the audit's PDFs the audit page offers: `audit_plans_for` and `audit_reports_for`
    for one audit whose plan and report the page has already read."""
    drafts = None

    def offered(record, released: bool) -> bool:
        nonlocal drafts
        if record is None:
            return False
        if released:
            return True
        if drafts is None:
            drafts = access.reads_drafts(user, audit)
        return drafts

    kinds = [
        kind
        for kind, record, released in (
            (AUDIT_PLAN, plan, plan is not None and plan.is_sent),
            (AUDIT_REPORT, report, report is not None and report.is_issued),
        )
        if offered(record, released)
    ]
    return {
        "documents": [
            (kind, documents.kind_of(kind).label, latest)
            for kind, latest in documents.latest_documents(kinds, audit.pk).items()
        ]
    }
