"""Reads of programmes and audits: an auditor's audits, consultancy, and the audit-time sheet.

Audit time is computed here, from the tables (`standards`), the programme's inputs and the CB's
policy, every time it is shown: one truth, never stored. What is stored is what people decide
from it (each audit's planned and on-site days, with a justification when they differ).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Max, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate

from audits import access, audit_time
from audits.enums import AssignmentStatus, AuditKind
from audits.models import Audit, AuditProgramme, ConsultancyRecord, ProgrammeEdition, TeamAssignment
from improvement.models import GapAnalysis, GapAnswer
from organisations.models import Site
from standards.models import Clause, Edition
from standards.selectors import time_table_for, time_table_versions
from standards.time_tables import Table


def audits_of_auditor(user) -> QuerySet[Audit]:
    """The audits the user is on the team of, soonest first."""
    return (
        access.audits_for(user)
        .filter(assignments__user=user, assignments__status=AssignmentStatus.ACTIVE)
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=TeamAssignment.objects.filter(user=user, status=AssignmentStatus.ACTIVE),
                to_attr="my_assignments",
            )
        )
        .order_by("starts_on", "pk")
    )


@dataclass(frozen=True)
class Coverage:
    """The clauses an audit covers: all the assessable clauses of its editions (a whole-system
    audit: stage 2, recertification), or the listed ones."""

    covered: int
    assessable: int
    labels: list[str]

    @property
    def is_whole_system(self) -> bool:
        return self.covered == self.assessable


def clause_coverage(audit: Audit) -> Coverage:
    """One query for a whole-system audit (its clauses are not listed), two for a partial one."""
    counts = Clause.objects.filter(
        edition__in=audit.programme.editions.values("pk"), assessable=True
    ).aggregate(
        assessable=Count("pk"),
        covered=Count(
            "pk", filter=Q(pk__in=audit.clauses.through.objects.filter(audit=audit).values("clause_id"))
        ),
    )
    whole = counts["covered"] == counts["assessable"]
    return Coverage(counts["covered"], counts["assessable"], [] if whole else clause_labels(audit))


def clause_labels(audit: Audit) -> list[str]:
    """The clauses an audit covers, as one line each ("ISO 9001:2015 4.1 Understanding …")."""
    rows = audit.clauses.order_by("edition__standard__number", "position").values_list(
        "edition__standard__code", "edition__year", "number", "title"
    )
    return [f"{Edition.label_for(code, year)} {number} {title}" for code, year, number, title in rows]


def consultancy_ends(user_ids: list[int], organisation) -> dict[int, datetime.date]:
    """The last day each person advised the client or wrote in its gap analyses (rule 23): the
    three sources read in one round trip."""
    advised = (
        ConsultancyRecord.objects.filter(user_id__in=user_ids, organisation=organisation)
        .order_by()
        .values("user_id")
        .annotate(d=Max("ended_on"))
        .values_list("user_id", "d")
    )
    wrote = (
        GapAnalysis.objects.filter(created_by_id__in=user_ids, organisation=organisation)
        .order_by()
        .values("created_by_id")
        .annotate(d=Max(TruncDate("created_at")))
        .values_list("created_by_id", "d")
    )
    answered = (
        GapAnswer.objects.filter(updated_by_id__in=user_ids, analysis__organisation=organisation)
        .order_by()
        .values("updated_by_id")
        .annotate(d=Max(TruncDate("updated_at")))
        .values_list("updated_by_id", "d")
    )
    ends: dict[int, datetime.date] = {}
    for user_id, day in advised.union(wrote, answered, all=True):
        if day and (user_id not in ends or day > ends[user_id]):
            ends[user_id] = day
    return ends


# --- Audit time ---------------------------------------------------------------------------------


def table_for(programme_edition: ProgrammeEdition) -> Table | None:
    """The audit-time table of the edition's standard, if one is loaded."""
    return time_table_for(programme_edition.edition.standard_id)


@dataclass
class EditionTime:
    programme_edition: ProgrammeEdition
    table: Table | None
    result: audit_time.InitialTime | None
    error: str = ""


@dataclass(frozen=True)
class Visit:
    audit: Audit
    sites: list[Site]
    site_days: Decimal


@dataclass
class TimeSheet:
    programme: AuditProgramme
    editions: list[EditionTime]
    integration_steps: tuple[audit_time.Step, ...]
    cycle: audit_time.CycleTimes | None
    sites: list[tuple[Site, Decimal | None, str]] = field(default_factory=list)  # (site, days, problem)
    with_sites: bool = False  # whether the sites were read (`sites` stays empty for a single site)
    site_list: list[Site] = field(default_factory=list)  # every site in scope, when read

    @property
    def initial_days(self) -> Decimal | None:
        return self.cycle.initial if self.cycle else None

    @property
    def site_days(self) -> Decimal:
        """The per-site times added up: not the programme's time (see `visits`)."""
        return sum((days for _site, days, _problem in self.sites if days), Decimal(0))

    def visits(self, audits: list[Audit]) -> list[Visit]:
        """For each audit, the sites it visits and the per-site times of those sites, beside its
        planned time: how the per-site times and the programme's time relate."""
        days = {site.pk: site_days for site, site_days, _problem in self.sites}
        return [
            Visit(
                audit,
                [audit_site.site for audit_site in audit.audit_sites.all()],
                sum((days.get(a.site_id) or Decimal(0) for a in audit.audit_sites.all()), Decimal(0)),
            )
            for audit in audits
        ]

    def unjustified(self, audit: Audit) -> Decimal | None:
        """The suggestion the audit is planned off without a justification, or None."""
        suggested = self.suggested_days(audit.kind)
        off = audit_time.needs_justification(audit.planned_days, suggested, audit.days_justification)
        return suggested if off else None

    def suggested_days(self, kind: str) -> Decimal | None:
        """The time the tables and the CB's policy suggest for an audit of this kind."""
        if self.cycle is None:
            return None
        return {
            AuditKind.STAGE1: self.cycle.stage1,
            AuditKind.STAGE2: self.cycle.stage2,
            AuditKind.SURVEILLANCE_1: self.cycle.surveillance,
            AuditKind.SURVEILLANCE_2: self.cycle.surveillance,
            AuditKind.RECERTIFICATION: self.cycle.recertification,
        }.get(kind)  # special, follow-up, transfer and transition audits are sized case by case


def adjustments_of(programme_edition: ProgrammeEdition) -> list[audit_time.Adjustment]:
    return [audit_time.Adjustment(a.reason, a.percent) for a in programme_edition.adjustments.all()]


def edition_time(programme_edition: ProgrammeEdition, personnel: int, table: Table | None) -> EditionTime:
    pe = programme_edition
    if pe.override_days is not None:
        step = audit_time.Step(f"Entered by hand: {pe.override_justification}", pe.override_days)
        result = audit_time.InitialTime(pe.override_days, pe.override_days, Decimal(0), (step,))
        return EditionTime(pe, table, result)
    if table is None:
        return EditionTime(
            pe,
            None,
            None,
            f"No audit-time table for {pe.edition.standard}: an administrator loads one, "
            "or enter the time by hand with its justification.",
        )
    try:
        result = audit_time.initial_time(
            table=table, personnel=personnel, complexity=pe.complexity, adjustments=adjustments_of(pe)
        )
    except audit_time.AuditTimeError as error:
        return EditionTime(pe, table, None, str(error))
    return EditionTime(pe, table, result)


def _site_time(
    programme: AuditProgramme, site: Site, editions: list[EditionTime]
) -> tuple[Decimal | None, str]:
    """A sampled site's time: each standard's table value for the site's people, reduced by that
    standard's MD 5 reductions and the programme's per-site reduction, together at most 50%."""
    total = Decimal(0)
    extra = (
        [audit_time.Adjustment(programme.site_reduction_reason, -programme.site_reduction_percent)]
        if programme.site_reduction_percent
        else []
    )
    try:
        for item in editions:
            if item.table is None or item.result is None:
                return None, ""
            reductions = [a for a in adjustments_of(item.programme_edition) if a.percent < 0] + extra
            table_days = item.table.days(max(site.headcount, 1), item.programme_edition.complexity)
            total += audit_time.site_time(table_days, reductions=reductions)
    except audit_time.AuditTimeError as error:
        return None, str(error)
    return total, ""


def _sheet(
    programme: AuditProgramme,
    editions: list[ProgrammeEdition],
    tables: dict[int, Table],
    sites: list[Site] | None = None,
) -> TimeSheet:
    items = [
        edition_time(pe, programme.effective_personnel, tables.get(pe.edition.standard_id)) for pe in editions
    ]
    results = [item.result.days for item in items if item.result]
    integration_steps: tuple[audit_time.Step, ...] = ()
    cycle = None
    if results and len(results) == len(items):
        total = sum(results, Decimal(0))
        if len(items) > 1:
            total, integration_steps = audit_time.integrated_time(
                results,
                reduction_percent=programme.integration_reduction_percent,
                reason=programme.integration_reason,
            )
        body = programme.certification_body
        cycle = audit_time.cycle_times(
            total, stage1_share_percent=body.stage1_time_share_percent, stage1_min_days=body.stage1_min_days
        )
    sheet = TimeSheet(
        programme, items, integration_steps, cycle, with_sites=sites is not None, site_list=sites or []
    )
    if sites and len(sites) > 1:
        sheet.sites = [(site, *_site_time(programme, site, items)) for site in sites]
    return sheet


def programme_editions(programmes: Iterable[AuditProgramme]) -> dict[int, list[ProgrammeEdition]]:
    """The editions of each programme with their adjustments, in two queries."""
    found: dict[int, list[ProgrammeEdition]] = {programme.pk: [] for programme in programmes}
    rows = (
        ProgrammeEdition.objects.filter(programme_id__in=found)
        .select_related("edition__standard")
        .prefetch_related("adjustments")
        .annotate(
            table_id=F("edition__standard__audit_time_table__id"),
            table_updated_at=F("edition__standard__audit_time_table__updated_at"),
        )
        .order_by("edition__standard__number")
    )
    for pe in rows:
        found[pe.programme_id].append(pe)
    return found


def _tables(editions: list[ProgrammeEdition]) -> dict[int, Table]:
    """The tables of these editions' standards, from the versions read with the editions."""
    return time_table_versions(
        {
            pe.edition.standard_id: (pe.table_id, pe.table_updated_at) if pe.table_id else None
            for pe in editions
        }
    )


def time_sheets(programmes: Iterable[AuditProgramme]) -> dict[int, TimeSheet]:
    """The audit time of each programme (CB selected), in a fixed number of queries (for lists)."""
    programmes = list(programmes)
    editions = programme_editions(programmes)
    tables = _tables([pe for pes in editions.values() for pe in pes])
    return {p.pk: _sheet(p, editions[p.pk], tables) for p in programmes}


def time_sheet(programme: AuditProgramme, *, with_sites: bool = False) -> TimeSheet:
    """The audit time of one programme, every step of it, as the pages and the services need it;
    with the time of each site when the programme has several (the sheet and the checks)."""
    editions = programme_editions([programme])[programme.pk]
    tables = _tables(editions)
    sites = list(programme.sites.order_by("-is_central_function", "name")) if with_sites else None
    return _sheet(programme, editions, tables, sites)
