"""What readiness for stage 1 reads (DOMAIN §13.5): the editions an organisation works towards,
the task list of one edition computed from the records (never stored), the readiness pack behind
it, and the home page's summary. The rules are `improvement.readiness`; this module only reads.

A task list costs a fixed number of queries whatever the number of answers, audits, findings or
actions (it reads one gap analysis, one programme, one review and one SoA, each in bulk).
"""

import datetime
import hashlib
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, Value, When
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from improvement import readiness as rules
from improvement import registry
from improvement.enums import (
    COMPLETED_AUDIT_STATUSES,
    HELD_REVIEW_STATUSES,
    INTERNAL_NC_GRADES,
    GapAnalysisStatus,
    Implementation,
    ReviewStatus,
    SoaStatus,
)
from improvement.models import (
    Action,
    GapAnalysis,
    InternalAudit,
    InternalAuditProgramme,
    InternalFinding,
    ManagementReview,
    Process,
    Readiness,
    ReviewOutput,
    StatementOfApplicability,
)
from improvement.selectors.gap import Sheet, gap_sheet
from improvement.selectors.internal_audits import Coverage, CoverageRow, programme_coverage
from organisations import access as tenancy
from organisations.models import Organisation
from standards.models import Clause, Edition


def _url(name: str, *args) -> str:
    """The page where to act, or "" while that page is not part of this installation (the review
    and SoA pages are their own modules)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


# --- Which editions --------------------------------------------------------------------------------


def target_editions(organisation: Organisation) -> list[Edition]:
    """The certifiable editions named by the organisation's readiness rows, gap analyses, internal
    audit programmes, management reviews and SoAs, and by the CB's audit programmes of it (through
    `improvement.registry`): one query."""
    org = organisation.pk
    named = (
        Q(pk__in=Readiness.objects.filter(organisation_id=org).values("edition_id"))
        | Q(
            pk__in=GapAnalysis.editions.through.objects.filter(gapanalysis__organisation_id=org).values(
                "edition_id"
            )
        )
        | Q(
            pk__in=InternalAuditProgramme.editions.through.objects.filter(
                internalauditprogramme__organisation_id=org
            ).values("edition_id")
        )
        | Q(
            pk__in=ManagementReview.editions.through.objects.filter(
                managementreview__organisation_id=org
            ).values("edition_id")
        )
        | Q(pk__in=StatementOfApplicability.objects.filter(organisation_id=org).values("edition_id"))
    )
    for subquery in registry.provided_editions(org):
        named |= Q(pk__in=subquery)
    return list(
        Edition.objects.filter(named, certifiable=True)
        .select_related("standard")
        .order_by("standard__number", "-year")
    )


# --- The task list of one edition ----------------------------------------------------------------


@dataclass
class TaskList:
    organisation: Organisation
    edition: Edition
    readiness: Readiness | None
    lines: list[rules.Line]
    # the records behind the lines, which the pack shows
    analysis: GapAnalysis | None = None
    sheet: Sheet | None = None
    programme: InternalAuditProgramme | None = None
    coverage: Coverage | None = None
    uncovered: list[CoverageRow] = field(default_factory=list)
    nonconformities: list[InternalFinding] = field(default_factory=list)
    review: ManagementReview | None = None
    soa: StatementOfApplicability | None = None

    @property
    def state(self):
        return rules.overall(line.state for line in self.lines)

    @property
    def done_count(self) -> int:
        return sum(line.is_done for line in self.lines)

    @property
    def is_done(self) -> bool:
        return self.state == rules.DONE

    @property
    def label(self) -> str:
        return self.edition.label

    @property
    def url(self) -> str:
        return reverse("improvement:readiness_detail", args=[self.organisation.pk, self.edition.pk])


def readiness_row(organisation: Organisation, edition: Edition) -> Readiness | None:
    return (
        Readiness.objects.filter(organisation=organisation, edition=edition)
        .select_related("edition__standard", "organisation", "shared_by")
        .prefetch_related("sites", Prefetch("processes", queryset=_processes()))
        .first()
    )


def _processes():
    return Process.objects.select_related("owner").order_by("name")


def _scope_line(organisation: Organisation, edition: Edition, row: Readiness | None) -> rules.Line:
    scope = bool(row and row.scope.strip())
    sites = len(row.sites.all()) if row else 0
    processes = len(row.processes.all()) if row else 0
    detail = ngettext("%(n)d site", "%(n)d sites", sites) % {"n": sites}
    detail += ", " + ngettext("%(n)d process", "%(n)d processes", processes) % {"n": processes}
    detail = (_("Scope written; %(counts)s") if scope else _("No scope written; %(counts)s")) % {
        "counts": detail
    }
    return rules.Line(
        "scope",
        _("Scope, sites and processes"),
        rules.scope_state(scope, sites),
        detail,
        reverse("improvement:readiness_scope", args=[organisation.pk, edition.pk]),
    )


def latest_analysis(organisation: Organisation, edition: Edition) -> GapAnalysis | None:
    """The latest completed analysis covering the edition, else the latest one under way."""
    completed_first = Case(When(status=GapAnalysisStatus.COMPLETED, then=Value(0)), default=Value(1))
    return (
        GapAnalysis.objects.filter(organisation=organisation, editions=edition)
        .order_by(completed_first, F("completed_at").desc(nulls_last=True), "-created_at", "-pk")
        .first()
    )


def _gap_line(organisation: Organisation, edition: Edition, task: TaskList) -> rules.Line:
    analysis = task.analysis = latest_analysis(organisation, edition)
    label = _("Gap analysis")
    if analysis is None:
        detail = _("No gap analysis of this edition yet")
        state = rules.gap_state(exists=False, completed=False, open_actions=0)
        return rules.Line(
            "gap", label, state, detail, reverse("improvement:gap_start", args=[organisation.pk])
        )
    sheet = task.sheet = gap_sheet(analysis)
    score = sheet.per_edition.get(edition)
    open_actions = len(sheet.open_actions)
    detail = _("%(title)s: readiness %(score)s") % {
        "title": analysis.title,
        "score": f"{score.score} %" if score and score.score is not None else "—",
    }
    if not analysis.is_completed:
        detail += "; " + _("not completed")
    detail += "; " + ngettext("%(n)d open action", "%(n)d open actions", open_actions) % {"n": open_actions}
    state = rules.gap_state(exists=True, completed=analysis.is_completed, open_actions=open_actions)
    return rules.Line("gap", label, state, detail, analysis.get_absolute_url())


def covering_programme(organisation: Organisation, edition: Edition) -> InternalAuditProgramme | None:
    """The latest programme covering the edition that has completed audits, else the latest one."""
    completed = Exists(
        InternalAudit.objects.filter(programme=OuterRef("pk"), status__in=COMPLETED_AUDIT_STATUSES)
    )
    return (
        InternalAuditProgramme.objects.filter(organisation=organisation, editions=edition)
        .annotate(has_completed=completed)
        .order_by("-has_completed", "-ends_on", "-pk")
        .first()
    )


def _edition_rows(coverage: Coverage, edition: Edition) -> list[CoverageRow]:
    """The coverage rows of the edition's clauses (a unit shared by HS key counts for it when the
    edition has that key)."""
    keys = set(
        Clause.objects.filter(edition=edition, assessable=True)
        .exclude(hs_key="")
        .values_list("hs_key", flat=True)
    )
    return [
        row
        for row in coverage.rows
        if row.clause.edition_id == edition.pk or (row.shared_key and row.shared_key in keys)
    ]


def _coverage_line(organisation: Organisation, edition: Edition, task: TaskList) -> rules.Line:
    programme = task.programme = covering_programme(organisation, edition)
    label = _("Internal audit coverage")
    if programme is None:
        state = rules.coverage_state(programme_exists=False, completed_audits=0, uncovered=0)
        url = reverse("improvement:internal_programme_list", args=[organisation.pk])
        return rules.Line("coverage", label, state, _("No internal audit programme of this edition yet"), url)
    coverage = task.coverage = programme_coverage(programme)
    rows = _edition_rows(coverage, edition)
    task.uncovered = [row for row in rows if not row.covered_by]
    completed = len(coverage.audits)
    if not completed:
        detail = _("%(title)s: no completed audit yet") % {"title": programme.title}
    elif task.uncovered:
        detail = _("Clauses %(numbers)s not covered (%(covered)d of %(total)d covered)") % {
            "numbers": rules.named([row.clause.number for row in task.uncovered]),
            "covered": len(rows) - len(task.uncovered),
            "total": len(rows),
        }
    else:
        detail = ngettext(
            "All %(total)d clauses covered by %(n)d completed audit",
            "All %(total)d clauses covered by %(n)d completed audits",
            completed,
        ) % {"total": len(rows), "n": completed}
    state = rules.coverage_state(
        programme_exists=True, completed_audits=completed, uncovered=len(task.uncovered)
    )
    return rules.Line("coverage", label, state, detail, programme.get_absolute_url())


def audits_until(task: TaskList) -> datetime.date | None:
    """The last day of the latest completed audit counted for the coverage line."""
    audits = task.coverage.audits if task.coverage else []
    return max((audit.ends_on for audit in audits), default=None)


def latest_reviews(organisation: Organisation, edition: Edition) -> tuple[ManagementReview | None, bool]:
    """The latest held review covering the edition, and whether one is planned."""
    reviews = ManagementReview.objects.filter(organisation=organisation, editions=edition)
    held = (
        reviews.filter(status__in=HELD_REVIEW_STATUSES, held_on__isnull=False)
        .order_by("-held_on", "-pk")
        .first()
    )
    planned = reviews.filter(status=ReviewStatus.PLANNED).exists()
    return held, planned


def _review_line(organisation: Organisation, edition: Edition, task: TaskList) -> rules.Line:
    review, planned = latest_reviews(organisation, edition)
    task.review = review
    until = audits_until(task)
    state = rules.review_state(
        held_on=review.held_on if review else None, planned=planned, audits_until=until
    )
    if review is None:
        detail = _("A review is planned") if planned else _("No management review yet")
    elif until is None:
        detail = _("%(ref)s held on %(day)s; no completed internal audit to review yet") % {
            "ref": review.reference,
            "day": review.held_on.isoformat(),
        }
    elif state == rules.DONE:
        detail = _("%(ref)s held on %(day)s, after the internal audits (until %(until)s)") % {
            "ref": review.reference,
            "day": review.held_on.isoformat(),
            "until": until.isoformat(),
        }
    else:
        detail = _("%(ref)s held on %(day)s, before the last internal audit ended (%(until)s)") % {
            "ref": review.reference,
            "day": review.held_on.isoformat(),
            "until": until.isoformat(),
        }
    url = (
        _url("improvement:review_detail", review.pk)
        if review
        else _url("improvement:review_list", organisation.pk)
    )
    return rules.Line("review", _("Management review"), state, detail, url)


def internal_nonconformities(organisation: Organisation, edition: Edition) -> list[InternalFinding]:
    """The nonconformities (major, minor; not withdrawn) of the completed internal audits of the
    programmes covering the edition, with their actions."""
    return list(
        InternalFinding.objects.filter(
            audit__programme__in=InternalAuditProgramme.objects.filter(
                organisation=organisation, editions=edition
            ),
            audit__status__in=COMPLETED_AUDIT_STATUSES,
            grade__in=INTERNAL_NC_GRADES,
            withdrawn_at__isnull=True,
        )
        .select_related("audit__programme", "clause__edition__standard", "action__owner")
        .order_by("audit__starts_on", "audit__number", "number")
    )


def is_addressed(finding: InternalFinding) -> bool:
    action = getattr(finding, "action", None)
    return rules.nonconformity_addressed(
        has_action=action is not None,
        status=action.status if action else "",
        correction=action.correction if action else "",
        corrective_action=action.corrective_action if action else "",
    )


def _completed_audit_count(organisation: Organisation, edition: Edition) -> int:
    return InternalAudit.objects.filter(
        programme__organisation=organisation, programme__editions=edition, status__in=COMPLETED_AUDIT_STATUSES
    ).count()


def _nonconformity_line(organisation: Organisation, edition: Edition, task: TaskList) -> rules.Line:
    findings = task.nonconformities = internal_nonconformities(organisation, edition)
    for finding in findings:
        finding.is_addressed = is_addressed(finding)
    completed = _completed_audit_count(organisation, edition) if not findings else len(findings)
    unaddressed = sum(not finding.is_addressed for finding in findings)
    state = rules.nonconformity_state(completed_audits=completed, unaddressed=unaddressed)
    if state == rules.NOT_STARTED:
        detail = _("No internal audit completed yet")
    elif not findings:
        detail = _("No nonconformity from the completed internal audits")
    elif unaddressed:
        detail = ngettext(
            "%(n)d of %(total)d nonconformities lacks its correction or corrective action",
            "%(n)d of %(total)d nonconformities lack their correction or corrective action",
            unaddressed,
        ) % {"n": unaddressed, "total": len(findings)}
    else:
        detail = ngettext(
            "The nonconformity has its correction and corrective action",
            "All %(total)d nonconformities have their correction and corrective action",
            len(findings),
        ) % {"total": len(findings)}
    url = reverse("improvement:action_list", args=[organisation.pk])
    return rules.Line("nonconformities", _("Internal nonconformities"), state, detail, url)


def latest_soas(organisation: Organisation, edition: Edition) -> tuple[StatementOfApplicability | None, bool]:
    """The latest approved version, and whether a draft exists."""
    soas = StatementOfApplicability.objects.filter(organisation=organisation, edition=edition)
    approved = soas.filter(status=SoaStatus.APPROVED).order_by("-version").first()
    return approved, soas.filter(status=SoaStatus.DRAFT).exists()


def _soa_line(organisation: Organisation, edition: Edition, task: TaskList) -> rules.Line:
    soa, draft = latest_soas(organisation, edition)
    task.soa = soa
    if soa is not None:
        detail = str(soa.label)
    else:
        detail = _("A draft, not yet approved") if draft else _("No Statement of Applicability yet")
    url = _url("improvement:soa_detail", soa.pk) if soa else _url("improvement:soa_list", organisation.pk)
    state = rules.soa_state(approved=soa is not None, draft=draft)
    return rules.Line("soa", _("Statement of Applicability"), state, detail, url)


UNREAD = object()  # the readiness row is read by `task_list` itself


def task_list(organisation: Organisation, edition: Edition, row=UNREAD) -> TaskList:
    """The task list of one edition, in a fixed number of queries (`row`: its readiness row, or
    None, when the caller read the rows of several editions at once)."""
    row = readiness_row(organisation, edition) if row is UNREAD else row
    task = TaskList(organisation, edition, row, [])
    task.lines = [
        _scope_line(organisation, edition, row),
        _gap_line(organisation, edition, task),
        _coverage_line(organisation, edition, task),
        _review_line(organisation, edition, task),  # after coverage: it reads the audits' last day
        _nonconformity_line(organisation, edition, task),
    ]
    if rules.needs_soa(edition.standard.code):
        task.lines.append(_soa_line(organisation, edition, task))
    return task


# --- The readiness pack ----------------------------------------------------------------------------


@dataclass
class SoaCounts:
    controls: int
    applicable: int
    excluded: int
    implemented: int


@dataclass
class Pack:
    readiness: Readiness
    task: TaskList
    open_actions: list[Action]
    inputs: list
    outputs: list[ReviewOutput]
    soa_counts: SoaCounts | None

    @property
    def soa_url(self) -> str:
        """The approved SoA's page (the SoA pages open it to the CB while the pack is shared)."""
        return _url("improvement:soa_detail", self.task.soa.pk) if self.task.soa else ""

    @property
    def chapters(self) -> list:
        """The gap analysis's readiness by chapter, for the pack's edition."""
        sheet = self.task.sheet
        return [block for block in sheet.blocks if block.edition == self.task.edition] if sheet else []


def pack_of(row: Readiness) -> Pack:
    """What the pack shows: the task list and the records behind it, in a fixed number of queries."""
    row = readiness_row(row.organisation, row.edition)
    task = task_list(row.organisation, row.edition, row)
    review = task.review
    inputs = list(review.inputs.select_related("answered_by").order_by("position")) if review else []
    outputs = (
        list(review.outputs.filter(withdrawn_at__isnull=True).select_related("action").order_by("number"))
        if review
        else []
    )
    counts = None
    if task.soa is not None:
        figures = task.soa.controls.aggregate(
            n=Count("pk"),
            n_applicable=Count("pk", filter=Q(applicable=True)),
            n_excluded=Count("pk", filter=Q(applicable=False)),
            n_implemented=Count("pk", filter=Q(applicable=True, implementation=Implementation.IMPLEMENTED)),
        )
        counts = SoaCounts(
            controls=figures["n"],
            applicable=figures["n_applicable"],
            excluded=figures["n_excluded"],
            implemented=figures["n_implemented"],
        )
    return Pack(
        readiness=row,
        task=task,
        open_actions=task.sheet.open_actions if task.sheet else [],
        inputs=inputs,
        outputs=outputs,
        soa_counts=counts,
    )


PACK_TEMPLATE = "improvement/pdf/readiness_pack.html"


def pack_version(row: Readiness) -> str:
    """The pack's content version: a hash of the PDF's text as it would be printed now (without
    its printing time). The pack is live, computed from many records; hashing what it shows
    changes exactly when anything it shows changes, and needs no stored copy of it."""
    html = render_to_string(PACK_TEMPLATE, {"pack": pack_of(row), "printed_at": None})
    return hashlib.sha256(html.encode()).hexdigest()[:32]


# --- The home page's summary ------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    organisation: Organisation
    label: str
    done: int
    total: int
    state: str
    url: str


def summaries_for(user) -> list[Summary]:
    """For each organisation the user is a member of and each edition it works towards: how far
    its readiness is. The queries grow with the organisations and editions (a person belongs to
    one or two), never with their records."""
    if not tenancy.signed_in(user):
        return []
    organisations = Organisation.objects.filter(pk__in=tenancy.member_organisation_ids(user)).order_by("name")
    summaries = []
    for organisation in organisations:
        editions = target_editions(organisation)
        rows = readiness_rows_for(organisation, editions)
        for edition in editions:
            task = task_list(organisation, edition, rows.get(edition.pk))
            summaries.append(
                Summary(organisation, task.label, task.done_count, len(task.lines), task.state, task.url)
            )
    return summaries


def readiness_rows_for(organisation: Organisation, editions: list[Edition]) -> dict[int, Readiness]:
    rows = (
        Readiness.objects.filter(organisation=organisation, edition__in=editions)
        .select_related("edition__standard", "organisation", "shared_by")
        .prefetch_related("sites", Prefetch("processes", queryset=_processes()))
    )
    return {row.edition_id: row for row in rows}
