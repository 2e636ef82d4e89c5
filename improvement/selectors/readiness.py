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
from improvement.selectors.gap import GapFigures, Sheet, gap_figures, gap_sheet
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


# The records of the lines, read for several editions of one organisation at once: each reader
# below is one query whatever the number of editions (the home page and the readiness page show
# every edition an organisation works towards), and each record read is shared by the editions it
# covers (one gap sheet an analysis, one coverage a programme).


@dataclass
class Records:
    """What the task lists of one organisation's editions read, by edition id."""

    analyses: dict[int, GapAnalysis]
    programmes: dict[int, InternalAuditProgramme]
    reviews: dict[int, ManagementReview]
    planned_reviews: set[int]
    soas: dict[int, StatementOfApplicability]
    draft_soas: set[int]
    shared_keys: dict[int, set[str]]
    nonconformities: dict[int, list[InternalFinding]]
    completed_audits: dict[int, int]
    brief: bool = False  # a summary: the gap analyses' figures, not their sheets
    sheets: dict[int, Sheet | GapFigures] = field(default_factory=dict)
    coverages: dict[int, Coverage] = field(default_factory=dict)

    def sheet(self, analysis: GapAnalysis) -> Sheet | GapFigures:
        """The analysis's sheet, or for a summary its figures (both give `per_edition`)."""
        if analysis.pk not in self.sheets:
            self.sheets[analysis.pk] = gap_figures(analysis) if self.brief else gap_sheet(analysis)
        return self.sheets[analysis.pk]

    def coverage(self, programme: InternalAuditProgramme) -> Coverage:
        if programme.pk not in self.coverages:
            self.coverages[programme.pk] = programme_coverage(programme)
        return self.coverages[programme.pk]


def _first_by_edition(links, record_of) -> dict:
    """The first record of each edition in `links` (through rows, in the order that ranks them),
    each record one object however many editions it covers."""
    first, objects = {}, {}
    for link in links:
        record = objects.setdefault(record_of(link).pk, record_of(link))
        first.setdefault(link.edition_id, record)
    return first


def _analyses(organisation: Organisation, editions: list[Edition]) -> dict[int, GapAnalysis]:
    """Each edition's latest completed analysis, else the latest one under way."""
    completed_first = Case(
        When(gapanalysis__status=GapAnalysisStatus.COMPLETED, then=Value(0)), default=Value(1)
    )
    links = (
        GapAnalysis.editions.through.objects.filter(
            gapanalysis__organisation=organisation, edition__in=editions
        )
        .select_related("gapanalysis")
        .order_by(
            completed_first,
            F("gapanalysis__completed_at").desc(nulls_last=True),
            "-gapanalysis__created_at",
            "-gapanalysis_id",
        )
    )
    return _first_by_edition(links, lambda link: link.gapanalysis)


def _programmes(organisation: Organisation, editions: list[Edition]) -> tuple[dict, dict[int, set[int]]]:
    """Each edition's latest programme with completed audits, else its latest programme; and the
    editions each of the organisation's programmes covers (of those asked)."""
    completed = Exists(
        InternalAudit.objects.filter(
            programme=OuterRef("internalauditprogramme_id"), status__in=COMPLETED_AUDIT_STATUSES
        )
    )
    links = list(
        InternalAuditProgramme.editions.through.objects.filter(
            internalauditprogramme__organisation=organisation, edition__in=editions
        )
        .annotate(has_completed=completed)
        .select_related("internalauditprogramme")
        .order_by("-has_completed", "-internalauditprogramme__ends_on", "-internalauditprogramme_id")
    )
    covers: dict[int, set[int]] = {}
    for link in links:
        link.internalauditprogramme.has_completed = link.has_completed
        covers.setdefault(link.internalauditprogramme_id, set()).add(link.edition_id)
    return _first_by_edition(links, lambda link: link.internalauditprogramme), covers


def _reviews(organisation: Organisation, editions: list[Edition]) -> tuple[dict, set[int]]:
    """Each edition's latest held review, and the editions with a review planned."""
    links = list(
        ManagementReview.editions.through.objects.filter(
            managementreview__organisation=organisation, edition__in=editions
        )
        .select_related("managementreview")
        .order_by(F("managementreview__held_on").desc(nulls_last=True), "-managementreview_id")
    )
    held = [
        link
        for link in links
        if link.managementreview.status in HELD_REVIEW_STATUSES and link.managementreview.held_on is not None
    ]
    planned = {link.edition_id for link in links if link.managementreview.status == ReviewStatus.PLANNED}
    return _first_by_edition(held, lambda link: link.managementreview), planned


def _soas(organisation: Organisation, editions: list[Edition]) -> tuple[dict, set[int]]:
    """Each edition's latest approved SoA, and the editions with a draft."""
    soas = list(
        StatementOfApplicability.objects.filter(organisation=organisation, edition__in=editions).order_by(
            "-version"
        )
    )
    approved: dict[int, StatementOfApplicability] = {}
    for soa in soas:
        if soa.status == SoaStatus.APPROVED:
            approved.setdefault(soa.edition_id, soa)
    return approved, {soa.edition_id for soa in soas if soa.status == SoaStatus.DRAFT}


def _shared_keys(editions: list[Edition]) -> dict[int, set[str]]:
    """The HS keys of each edition's assessable clauses (a unit shared by an HS key counts for
    every edition that has that key)."""
    keys: dict[int, set[str]] = {edition.pk: set() for edition in editions}
    clauses = Clause.objects.filter(edition__in=editions, assessable=True).exclude(hs_key="")
    for edition_id, key in clauses.values_list("edition_id", "hs_key"):
        keys[edition_id].add(key)
    return keys


def _nonconformities(covers: dict[int, set[int]]) -> dict[int, list[InternalFinding]]:
    """The nonconformities (major, minor; not withdrawn) of the completed internal audits of the
    programmes covering each edition, with their actions."""
    findings = (
        InternalFinding.objects.filter(
            audit__programme_id__in=covers,
            audit__status__in=COMPLETED_AUDIT_STATUSES,
            grade__in=INTERNAL_NC_GRADES,
            withdrawn_at__isnull=True,
        )
        .select_related("audit__programme", "clause__edition__standard", "action__owner")
        .order_by("audit__starts_on", "audit__number", "number")
    )
    by_edition: dict[int, list[InternalFinding]] = {}
    for finding in findings if covers else []:
        finding.is_addressed = is_addressed(finding)
        for edition_id in covers[finding.audit.programme_id]:
            by_edition.setdefault(edition_id, []).append(finding)
    return by_edition


def _completed_audits(covers: dict[int, set[int]]) -> dict[int, int]:
    """How many completed internal audits the programmes covering each edition hold."""
    counts: dict[int, int] = {}
    per_programme = (
        InternalAudit.objects.filter(programme_id__in=covers, status__in=COMPLETED_AUDIT_STATUSES)
        .values("programme_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in per_programme if covers else []:
        for edition_id in covers[row["programme_id"]]:
            counts[edition_id] = counts.get(edition_id, 0) + row["n"]
    return counts


def records_of(organisation: Organisation, editions: list[Edition], *, brief: bool = False) -> Records:
    """The records behind the task lists of the organisation's `editions`: seven queries, whatever
    the number of editions or records (and one gap sheet an analysis, one coverage a programme,
    when the lines are built)."""
    programmes, covers = _programmes(organisation, editions)
    reviews, planned = _reviews(organisation, editions)
    soas, drafts = _soas(organisation, editions)
    return Records(
        analyses=_analyses(organisation, editions),
        programmes=programmes,
        reviews=reviews,
        planned_reviews=planned,
        soas=soas,
        draft_soas=drafts,
        shared_keys=_shared_keys(editions),
        nonconformities=_nonconformities(covers),
        completed_audits=_completed_audits(covers),
        brief=brief,
    )


def is_addressed(finding: InternalFinding) -> bool:
    action = getattr(finding, "action", None)
    return rules.nonconformity_addressed(
        has_action=action is not None,
        status=action.status if action else "",
        correction=action.correction if action else "",
        corrective_action=action.corrective_action if action else "",
    )


# --- The lines


def _gap_line(task: TaskList, records: Records) -> rules.Line:
    organisation, edition = task.organisation, task.edition
    analysis = task.analysis = records.analyses.get(edition.pk)
    label = _("Gap analysis")
    if analysis is None:
        detail = _("No gap analysis of this edition yet")
        state = rules.gap_state(exists=False, completed=False, open_actions=0)
        return rules.Line(
            "gap", label, state, detail, reverse("improvement:gap_start", args=[organisation.pk])
        )
    sheet = records.sheet(analysis)
    if isinstance(sheet, GapFigures):
        open_actions = sheet.open_actions
    else:
        task.sheet = sheet
        open_actions = len(sheet.open_actions)
    score = sheet.per_edition.get(edition)
    detail = _("%(title)s: readiness %(score)s") % {
        "title": analysis.title,
        "score": f"{score.score} %" if score and score.score is not None else "—",
    }
    if not analysis.is_completed:
        detail += "; " + _("not completed")
    detail += "; " + ngettext("%(n)d open action", "%(n)d open actions", open_actions) % {"n": open_actions}
    state = rules.gap_state(exists=True, completed=analysis.is_completed, open_actions=open_actions)
    return rules.Line("gap", label, state, detail, analysis.get_absolute_url())


def _edition_rows(coverage: Coverage, edition: Edition, keys: set[str]) -> list[CoverageRow]:
    """The coverage rows of the edition's clauses (a unit shared by HS key counts for it when the
    edition has that key)."""
    return [
        row
        for row in coverage.rows
        if row.clause.edition_id == edition.pk or (row.shared_key and row.shared_key in keys)
    ]


def _coverage_line(task: TaskList, records: Records) -> rules.Line:
    organisation, edition = task.organisation, task.edition
    programme = task.programme = records.programmes.get(edition.pk)
    label = _("Internal audit coverage")
    if programme is None:
        state = rules.coverage_state(programme_exists=False, completed_audits=0, uncovered=0)
        url = reverse("improvement:internal_programme_list", args=[organisation.pk])
        return rules.Line("coverage", label, state, _("No internal audit programme of this edition yet"), url)
    coverage = task.coverage = records.coverage(programme)
    rows = _edition_rows(coverage, edition, records.shared_keys.get(edition.pk, set()))
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


def _review_line(task: TaskList, records: Records) -> rules.Line:
    organisation, edition = task.organisation, task.edition
    review = task.review = records.reviews.get(edition.pk)
    planned = edition.pk in records.planned_reviews
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


def _nonconformity_line(task: TaskList, records: Records) -> rules.Line:
    findings = task.nonconformities = records.nonconformities.get(task.edition.pk, [])
    completed = records.completed_audits.get(task.edition.pk, 0) if not findings else len(findings)
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
    url = reverse("improvement:action_list", args=[task.organisation.pk])
    return rules.Line("nonconformities", _("Internal nonconformities"), state, detail, url)


def _soa_line(task: TaskList, records: Records) -> rules.Line:
    organisation = task.organisation
    soa = task.soa = records.soas.get(task.edition.pk)
    draft = task.edition.pk in records.draft_soas
    if soa is not None:
        detail = str(soa.label)
    else:
        detail = _("A draft, not yet approved") if draft else _("No Statement of Applicability yet")
    url = _url("improvement:soa_detail", soa.pk) if soa else _url("improvement:soa_list", organisation.pk)
    state = rules.soa_state(approved=soa is not None, draft=draft)
    return rules.Line("soa", _("Statement of Applicability"), state, detail, url)


UNREAD = object()  # the readiness row is read by `task_list` itself


def _task(organisation: Organisation, edition: Edition, row: Readiness | None, records: Records) -> TaskList:
    task = TaskList(organisation, edition, row, [])
    task.lines = [
        _scope_line(organisation, edition, row),
        _gap_line(task, records),
        _coverage_line(task, records),
        _review_line(task, records),  # after coverage: it reads the audits' last day
        _nonconformity_line(task, records),
    ]
    if rules.needs_soa(edition.standard.code):
        task.lines.append(_soa_line(task, records))
    return task


def task_lists(
    organisation: Organisation, editions: list[Edition], rows: dict[int, Readiness]
) -> list[TaskList]:
    """The task lists of several editions of one organisation (`rows`: their readiness rows, by
    edition id), as a summary shows them (the gap analyses' figures, not their sheets): a fixed
    number of queries whatever the number of editions."""
    records = records_of(organisation, editions, brief=True)
    return [_task(organisation, edition, rows.get(edition.pk), records) for edition in editions]


def task_list(organisation: Organisation, edition: Edition, row=UNREAD) -> TaskList:
    """The task list of one edition, in a fixed number of queries (`row`: its readiness row, or
    None, when the caller read it already)."""
    row = readiness_row(organisation, edition) if row is UNREAD else row
    return _task(organisation, edition, row, records_of(organisation, [edition]))


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
        for task in task_lists(organisation, editions, readiness_rows_for(organisation, editions)):
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
