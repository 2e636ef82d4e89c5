"""Reads of programmes and audits: the user's, the table of an edition, the audit-time sheet."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Prefetch, QuerySet

from audits import access, audit_time
from audits.enums import AssignmentStatus
from audits.models import (
    Audit,
    AuditProgramme,
    ConsultancyRecord,
    GapAnalysis,
    GapAnswer,
    ProgrammeEdition,
    TeamAssignment,
)
from standards.models import AuditTimeTable, Edition


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


def table_for(edition: Edition) -> audit_time.Table | None:
    """The audit-time table of the edition's standard: one loaded as data wins over the built-in."""
    loaded = AuditTimeTable.objects.filter(standard_id=edition.standard_id).prefetch_related("rows").first()
    if loaded is not None:
        rows = sorted(loaded.rows.all(), key=lambda r: (r.complexity, r.personnel_min))
        columns: dict[str, list] = {}
        for row in rows:
            columns.setdefault(row.complexity, []).append(row)
        first = next(iter(columns.values()), [])
        return audit_time.Table(
            key=f"table-{loaded.pk}",
            title=loaded.title,
            bands=tuple((r.personnel_min, r.personnel_max) for r in first),
            columns={name: tuple(r.days for r in column) for name, column in columns.items()},
            notes=loaded.source,
        )
    key = audit_time.BUILT_IN_TABLES.get(edition.standard.number)
    return audit_time.TABLES[key] if key else None


def consultancy_ends(user_ids: list[int], organisation) -> dict[int, datetime.date]:
    """The last day each person advised the client or wrote in its gap analyses (rule 23)."""
    ends: dict[int, datetime.date] = {}

    def keep(rows, as_date=False) -> None:
        for user_id, day in rows:
            day = day.date() if as_date else day
            if day and (user_id not in ends or day > ends[user_id]):
                ends[user_id] = day

    keep(
        ConsultancyRecord.objects.filter(user_id__in=user_ids, organisation=organisation)
        .values("user_id")
        .annotate(d=Max("ended_on"))
        .values_list("user_id", "d")
    )
    keep(
        GapAnalysis.objects.filter(created_by_id__in=user_ids, organisation=organisation)
        .values("created_by_id")
        .annotate(d=Max("created_at"))
        .values_list("created_by_id", "d"),
        as_date=True,
    )
    keep(
        GapAnswer.objects.filter(updated_by_id__in=user_ids, analysis__organisation=organisation)
        .values("updated_by_id")
        .annotate(d=Max("updated_at"))
        .values_list("updated_by_id", "d"),
        as_date=True,
    )
    return ends


@dataclass
class EditionTime:
    programme_edition: ProgrammeEdition
    table: audit_time.Table | None
    result: audit_time.InitialTime | None
    error: str = ""


@dataclass
class TimeSheet:
    programme: AuditProgramme
    editions: list[EditionTime]
    integration_steps: tuple[audit_time.Step, ...]
    cycle: audit_time.CycleTimes | None
    sites: list[tuple[object, Decimal | None, str]]  # (site, days, problem)


def adjustments_of(programme_edition: ProgrammeEdition) -> list[audit_time.Adjustment]:
    return [audit_time.Adjustment(a.reason, a.percent) for a in programme_edition.adjustments.all()]


def edition_time(programme_edition: ProgrammeEdition, personnel: int) -> EditionTime:
    table = table_for(programme_edition.edition)
    if programme_edition.override_days is not None:
        step = audit_time.Step(
            f"Entered by hand: {programme_edition.override_justification}", programme_edition.override_days
        )
        result = audit_time.InitialTime(
            programme_edition.override_days, programme_edition.override_days, Decimal(0), (step,)
        )
        return EditionTime(programme_edition, table, result)
    if table is None:
        return EditionTime(
            programme_edition,
            None,
            None,
            f"No audit-time table for {programme_edition.edition.standard}: an administrator loads one, "
            "or enter the time by hand with its justification.",
        )
    try:
        result = audit_time.initial_time(
            table=table,
            personnel=personnel,
            complexity=programme_edition.complexity,
            adjustments=adjustments_of(programme_edition),
        )
    except audit_time.AuditTimeError as error:
        return EditionTime(programme_edition, table, None, str(error))
    return EditionTime(programme_edition, table, result)


def programme_editions(programme: AuditProgramme) -> list[ProgrammeEdition]:
    return list(
        programme.programme_editions.select_related("edition__standard").prefetch_related("adjustments")
    )


def _site_time(programme: AuditProgramme, site, editions: list[EditionTime]) -> tuple[Decimal | None, str]:
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


def time_sheet(programme: AuditProgramme) -> TimeSheet:
    """The audit time of the programme, every step of it, as the page and the services need it."""
    items = [edition_time(pe, programme.effective_personnel) for pe in programme_editions(programme)]
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
    sites = list(programme.sites.order_by("-is_central_function", "name"))
    site_rows = [(site, *_site_time(programme, site, items)) for site in sites] if len(sites) > 1 else []
    return TimeSheet(programme, items, integration_steps, cycle, site_rows)
