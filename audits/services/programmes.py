"""State changes of audit programmes and their planned audits. Each guards its rule first.

The CB's certification managers open a programme at application review (DOMAIN §1.1): the
certifiable editions (rules 31, 32), scope, sites, personnel, IAF codes; the audit time comes
from the tables (§3), the cycle's audits are planned with it, and the programme is approved
only when the checks in `audits.selectors.programme_checks` find nothing.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils.translation import gettext as _

from audits import access, audit_time, programme_rules, sampling
from audits.enums import (
    MANDATORY_SURVEILLANCE_KEYS,
    SURVEILLANCES,
    AuditKind,
    AuditStatus,
    ProgrammeStatus,
)
from audits.models import Audit, AuditProgramme, ProgrammeEdition, TimeAdjustment
from audits.models.programme import SCOPE_FIELDS
from audits.selectors.programme_checks import due_window, programme_problems
from audits.selectors.programmes import table_for, time_sheet
from core.errors import DomainError
from core.records import assign_changes
from core.transitions import transition_record
from organisations import access as tenancy
from organisations.models import CertificationBody, IAFCode, Organisation, Site, User
from standards.models import Clause, Edition

INITIAL_KINDS = (AuditKind.STAGE1, AuditKind.STAGE2, AuditKind.RECERTIFICATION)
SAMPLING_KIND = {
    AuditKind.STAGE1: sampling.AuditKind.INITIAL,
    AuditKind.STAGE2: sampling.AuditKind.INITIAL,
    AuditKind.SURVEILLANCE_1: sampling.AuditKind.SURVEILLANCE,
    AuditKind.SURVEILLANCE_2: sampling.AuditKind.SURVEILLANCE,
    AuditKind.RECERTIFICATION: sampling.AuditKind.RECERTIFICATION,
}


class ProgrammeError(DomainError):
    pass


def guard_planner(actor: User, certification_body: CertificationBody) -> None:
    if not access.can_plan(actor, certification_body):
        raise ProgrammeError(_("Only the CB's certification managers plan its programmes."))


def guard_editions(editions: list[Edition], day: datetime.date) -> None:
    """Rules 31 and 32: only certifiable editions still open to initial audits on that day."""
    if not editions:
        raise ProgrammeError(_("Choose at least one certifiable edition."))
    for edition in editions:
        if not edition.certifiable:
            raise ProgrammeError(
                _("%(edition)s gives guidance only: it can be used in a gap analysis, never certified.")
                % {"edition": edition.label}
            )
        if not edition.accepts_initial_audits_on(day):
            raise ProgrammeError(
                _("%(edition)s no longer accepts initial or recertification audits (last day %(last)s).")
                % {"edition": edition.label, "last": edition.last_initial_audit_on or _("passed")}
            )
    standards = [edition.standard_id for edition in editions]
    if len(set(standards)) != len(standards):
        raise ProgrammeError(_("Choose one edition per standard."))


def _guard_scope(organisation: Organisation, sites: list[Site], values: dict) -> None:
    if not sites:
        raise ProgrammeError(_("Choose the sites in scope."))
    if any(site.organisation_id != organisation.pk or not site.is_active for site in sites):
        raise ProgrammeError(_("Choose active sites of the client only."))
    if len(sites) > 1 and not any(site.is_central_function for site in sites):
        raise ProgrammeError(
            _(
                "A multi-site programme needs the central function in scope: "
                "it is audited every time (IAF MD 1)."
            )
        )
    if values["effective_personnel"] < values["headcount"] and not values["personnel_justification"].strip():
        raise ProgrammeError(_("Justify an effective personnel below the people in scope."))
    if values["integration_reduction_percent"] and not (
        values["is_integrated"] and values["integration_reason"].strip()
    ):
        raise ProgrammeError(
            _(
                "A reduction for integration needs an integrated system "
                "and its level of integration described."
            )
        )
    if values["site_reduction_percent"] and not values["site_reduction_reason"].strip():
        raise ProgrammeError(_("Give the reason for the per-site reduction."))


def reopen(programme: AuditProgramme, actor: User, reason: str) -> None:
    """A change to an approved programme sends it back for approval."""
    if programme.status == ProgrammeStatus.APPROVED:
        programme.status = ProgrammeStatus.DRAFT
        programme.save(update_fields=["status"])
        transition_record(
            subject=programme,
            field="status",
            from_state=ProgrammeStatus.APPROVED,
            to_state=ProgrammeStatus.DRAFT,
            actor=actor,
            reason=reason,
        )


def _days_span(starts_on: datetime.date, days: Decimal) -> datetime.date:
    return starts_on + datetime.timedelta(days=max(int(-(-days // 1)) - 1, 0))


@dataclass(frozen=True)
class PlannedDates:
    kind: AuditKind
    starts_on: datetime.date


def default_dates(stage1_on: datetime.date, decided_on: datetime.date | None = None) -> list[PlannedDates]:
    """Where the cycle's audits fall by default: stage 2 a month after stage 1, each surveillance a
    month before its anniversary, recertification three months before expiry."""
    stage2_on = stage1_on + datetime.timedelta(days=30)
    decided_on = decided_on or stage2_on  # provisional until the decision is taken
    expiry = programme_rules.expiry_date(decided_on)
    return [
        PlannedDates(AuditKind.STAGE1, stage1_on),
        PlannedDates(AuditKind.STAGE2, stage2_on),
        PlannedDates(AuditKind.SURVEILLANCE_1, decided_on + relativedelta(months=11)),
        PlannedDates(AuditKind.SURVEILLANCE_2, decided_on + relativedelta(months=23)),
        PlannedDates(AuditKind.RECERTIFICATION, expiry - relativedelta(months=3)),
    ]


def _suggestions(cycle: audit_time.CycleTimes | None) -> dict[str, Decimal | None]:
    if cycle is None:
        return dict.fromkeys(AuditKind.values)
    return {
        AuditKind.STAGE1: cycle.stage1,
        AuditKind.STAGE2: cycle.stage2,
        AuditKind.SURVEILLANCE_1: cycle.surveillance,
        AuditKind.SURVEILLANCE_2: cycle.surveillance,
        AuditKind.RECERTIFICATION: cycle.recertification,
    }


def _recalculate(programme: AuditProgramme) -> None:
    """Store the time the tables give, and follow it in every audit whose time was not set by hand."""
    sheet = time_sheet(programme)
    for item in sheet.editions:
        pe = item.programme_edition
        values = {
            "table_days": item.result.table_days if item.result and pe.override_days is None else None,
            "initial_days": item.result.days if item.result else None,
        }
        if changed := assign_changes(pe, values):
            pe.save(update_fields=changed)
    total = sheet.cycle.initial if sheet.cycle else None
    if assign_changes(programme, {"initial_days": total}):
        programme.save(update_fields=["initial_days"])
    suggestions = _suggestions(sheet.cycle)
    for audit in programme.audits.all():
        suggested = suggestions[audit.kind]
        follows = audit.suggested_days is None or audit.planned_days == audit.suggested_days
        values = {"suggested_days": suggested}
        if follows and suggested is not None:
            on_site = (
                suggested if audit.on_site_days == audit.planned_days else min(audit.on_site_days, suggested)
            )
            values |= {"planned_days": suggested, "on_site_days": on_site}
        if changed := assign_changes(audit, values):
            audit.save(update_fields=changed)


def _default_coverage(programme: AuditProgramme, audits: dict[str, Audit]) -> None:
    """Stage 1, stage 2 and recertification look at the whole system; the surveillances share it
    out by chapter, and each takes internal audit, management review and corrective action."""
    clauses = list(
        Clause.objects.filter(edition__in=programme.editions.all(), assessable=True).order_by(
            "edition__standard__number", "position"
        )
    )
    for kind in INITIAL_KINDS:
        audits[kind].clauses.set(clauses)
    mandatory = [c for c in clauses if c.hs_key.startswith(MANDATORY_SURVEILLANCE_KEYS)]
    rest = [c for c in clauses if c not in mandatory]
    half = (len(rest) + 1) // 2
    audits[AuditKind.SURVEILLANCE_1].clauses.set([*mandatory, *rest[:half]])
    audits[AuditKind.SURVEILLANCE_2].clauses.set([*mandatory, *rest[half:]])


def _programme_values(values: dict) -> dict:
    return {key: values[key] for key in SCOPE_FIELDS}


def _default_complexity(programme_edition: ProgrammeEdition) -> str:
    table = table_for(programme_edition.edition)
    return next(iter(table.columns)) if table else "all"


@transaction.atomic
def programme_open(
    *,
    actor: User,
    certification_body: CertificationBody,
    organisation: Organisation,
    editions: list[Edition],
    sites: list[Site],
    iaf_codes: list[IAFCode],
    stage1_on: datetime.date,
    **values,
) -> AuditProgramme:
    """Open the programme and plan its cycle: stage 1 and 2, two surveillances, recertification."""
    guard_planner(actor, certification_body)
    if not tenancy.clients_of([certification_body]).filter(pk=organisation.pk).exists():
        raise ProgrammeError(
            _("%(org)s is not a client of %(cb)s.") % {"org": organisation, "cb": certification_body}
        )
    guard_editions(editions, stage1_on)
    _guard_scope(organisation, sites, values)
    programme = AuditProgramme.objects.create(
        certification_body=certification_body,
        organisation=organisation,
        created_by=actor,
        **_programme_values(values),
    )
    programme.sites.set(sites)
    programme.iaf_codes.set(iaf_codes)
    for edition in editions:
        pe = ProgrammeEdition(programme=programme, edition=edition)
        pe.complexity = _default_complexity(pe)
        pe.save()
    audits = {
        planned.kind: Audit.objects.create(
            programme=programme,
            kind=planned.kind,
            starts_on=planned.starts_on,
            ends_on=planned.starts_on,
            planned_days=Decimal("0.5"),
            on_site_days=Decimal("0.5"),
        )
        for planned in default_dates(stage1_on)
    }
    _recalculate(programme)
    for audit in programme.audits.all():
        audit.ends_on = _days_span(audit.starts_on, audit.planned_days)
        audit.save(update_fields=["ends_on"])
    _default_coverage(programme, audits)
    transition_record(
        subject=programme, field="status", from_state=None, to_state=programme.status, actor=actor
    )
    return programme


@transaction.atomic
def programme_update(
    *, actor: User, programme: AuditProgramme, sites: list[Site], iaf_codes: list[IAFCode], **values
) -> AuditProgramme:
    programme = AuditProgramme.objects.select_for_update().get(pk=programme.pk)
    guard_planner(actor, programme.certification_body)
    _guard_scope(programme.organisation, sites, values)
    changed = assign_changes(programme, _programme_values(values))
    if changed:
        programme.save(update_fields=changed)
    sites_changed = set(programme.sites.values_list("pk", flat=True)) != {site.pk for site in sites}
    codes_changed = set(programme.iaf_codes.values_list("pk", flat=True)) != {code.pk for code in iaf_codes}
    programme.sites.set(sites)
    programme.iaf_codes.set(iaf_codes)
    if changed or sites_changed or codes_changed:
        _recalculate(programme)
        reopen(programme, actor, _("The programme was changed after approval."))
    return programme


@transaction.atomic
def programme_edition_time_set(
    *,
    actor: User,
    programme_edition: ProgrammeEdition,
    complexity: str,
    adjustments: list[audit_time.Adjustment],
    override_days: Decimal | None,
    override_justification: str,
) -> ProgrammeEdition:
    """The inputs of one standard's audit time; refused when the tables' rules refuse them."""
    pe = (
        ProgrammeEdition.objects.select_for_update()
        .select_related("programme", "edition__standard")
        .get(pk=programme_edition.pk)
    )
    programme = pe.programme
    guard_planner(actor, programme.certification_body)
    if override_days is not None and not override_justification.strip():
        raise ProgrammeError(_("A time entered by hand needs its justification."))
    if override_days is not None and (override_days * 2) % 1:
        raise ProgrammeError(_("Enter the time in half days (IAF MD 5 rounds to the nearest half day)."))
    table = table_for(pe.edition)
    if override_days is None:
        if table is None:
            raise ProgrammeError(
                _("%(standard)s has no audit-time table: enter the time by hand with its justification.")
                % {"standard": pe.edition.standard}
            )
        try:
            audit_time.initial_time(
                table=table,
                personnel=programme.effective_personnel,
                complexity=complexity,
                adjustments=adjustments,
            )
        except audit_time.AuditTimeError as error:
            raise ProgrammeError(str(error)) from error
    before = pe.initial_days
    pe.complexity, pe.override_days, pe.override_justification = (
        complexity,
        override_days,
        override_justification,
    )
    pe.save(update_fields=["complexity", "override_days", "override_justification"])
    pe.adjustments.all().delete()  # inputs, replaced as a set; the transition below keeps the history
    TimeAdjustment.objects.bulk_create(
        TimeAdjustment(programme_edition=pe, reason=a.reason, percent=a.percent) for a in adjustments
    )
    _recalculate(programme)
    pe.refresh_from_db()
    described = "; ".join(f"{a.percent:+}% {a.reason}" for a in adjustments) or _("no adjustment")
    transition_record(
        subject=pe,
        field="initial_days",
        from_state=before,
        to_state=pe.initial_days,
        actor=actor,
        reason=described,
    )
    reopen(programme, actor, _("The audit time of %(edition)s changed.") % {"edition": pe.edition})
    return pe


@transaction.atomic
def programme_approve(*, actor: User, programme: AuditProgramme) -> AuditProgramme:
    programme = AuditProgramme.objects.select_for_update().get(pk=programme.pk)
    guard_planner(actor, programme.certification_body)
    if programme.is_approved:
        return programme
    problems = programme_problems(programme)
    if problems:
        raise ProgrammeError(_("The programme cannot be approved yet: ") + " ".join(problems))
    programme.status = ProgrammeStatus.APPROVED
    programme.save(update_fields=["status"])
    transition_record(
        subject=programme,
        field="status",
        from_state=ProgrammeStatus.DRAFT,
        to_state=programme.status,
        actor=actor,
    )
    return programme


@transaction.atomic
def programme_cycle_start(
    *, actor: User | None, programme: AuditProgramme, decided_on: datetime.date
) -> AuditProgramme:
    """The certification decision starts the cycle: surveillance falls due from it (rule 10), and
    audits not yet staffed move into their due windows. Called by the decision, never by a page."""
    programme = AuditProgramme.objects.select_for_update().get(pk=programme.pk)
    if programme.cycle_started_on == decided_on:
        return programme
    before = programme.cycle_started_on
    programme.cycle_started_on = decided_on
    programme.save(update_fields=["cycle_started_on"])
    transition_record(
        subject=programme, field="cycle_started_on", from_state=before, to_state=decided_on, actor=actor
    )
    planned = {p.kind: p.starts_on for p in default_dates(decided_on, decided_on)}
    for audit in programme.audits.filter(kind__in=(*SURVEILLANCES, AuditKind.RECERTIFICATION)):
        window = due_window(programme, audit.kind)
        if audit.status == AuditStatus.PLANNED and window and audit.starts_on not in window:
            length = audit.ends_on - audit.starts_on
            audit.starts_on = planned[audit.kind]
            audit.ends_on = audit.starts_on + length
            audit.save(update_fields=["starts_on", "ends_on"])
    return programme
