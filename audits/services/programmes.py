"""State changes of audit programmes and their planned audits. Each re-checks its actor and its rule.

The CB's certification managers open a programme at application review (DOMAIN §1.1): the
certifiable editions (rules 31, 32), scope, sites, personnel, IAF codes; the audit time comes
from the tables (§3) and is computed whenever it is read (`audits.selectors.programmes`); the
cycle's audits are planned with it, and the programme is approved only when the checks in
`audits.selectors.programme_checks` find nothing.
"""

import dataclasses
import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from audits import access, audit_time, cycle
from audits.changes import audits_changed, programmes_changed
from audits.enums import (
    INITIAL_KINDS,
    MANDATORY_SURVEILLANCE_KEYS,
    SURVEILLANCES,
    AuditKind,
    AuditStatus,
    ProgrammeStatus,
)
from audits.models import Audit, AuditProgramme, ProgrammeEdition, TimeAdjustment
from audits.models.programme import SCOPE_FIELDS, ProgrammeScope
from audits.selectors.programme_checks import cycle_policy, due_window, edition_refusal, programme_problems
from audits.selectors.programmes import table_for, time_sheet
from core.errors import DomainError
from core.records import assign_changes, refuse_invalid
from core.transitions import transition_record
from organisations import access as tenancy
from organisations.access import require
from organisations.models import CertificationBody, IAFCode, Organisation, Site, User
from standards.models import Clause, Edition
from standards.time_tables import is_half_days


class ProgrammeError(DomainError):
    pass


def _require_planner(actor: User, certification_body: CertificationBody) -> None:
    require(access.can_plan(actor, certification_body), access.PLANNERS_ONLY)


def _refuse_editions(editions: list[Edition], day: datetime.date) -> None:
    """Rules 31 and 32, and one edition per standard."""
    if not editions:
        raise ProgrammeError(_("Choose at least one certifiable edition."))
    for edition in editions:
        if refusal := edition_refusal(edition, day):
            raise ProgrammeError(refusal)
    standards = [edition.standard_id for edition in editions]
    if len(set(standards)) != len(standards):
        raise ProgrammeError(_("Choose one edition per standard."))


def _refuse_sites(organisation: Organisation, sites: list[Site]) -> None:
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


@transaction.atomic
def programme_reopen(*, actor: User | None, programme: AuditProgramme, reason: str) -> AuditProgramme:
    """A change to an approved programme sends it back for approval; a draft stays a draft.

    A consequence with no door of its own: only services that checked their own rule call it."""
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
        programmes_changed(programmes=[programme])
    return programme


def _days_span(starts_on: datetime.date, days: Decimal) -> datetime.date:
    return starts_on + datetime.timedelta(days=max(int(-(-days // 1)) - 1, 0))


def _default_dates(
    stage1_on: datetime.date, policy: cycle.CyclePolicy, decided_on: datetime.date | None = None
) -> dict[str, datetime.date]:
    """Where the cycle's audits fall by default: stage 2 a month after stage 1; the surveillances
    and recertification where `cycle.default_days` puts them in the CB's windows, counted from the
    decision (provisionally from the end of stage 2 until it is taken)."""
    stage2_on = stage1_on + datetime.timedelta(days=30)
    later = cycle.default_days(decided_on or stage2_on, policy)
    return {AuditKind.STAGE1: stage1_on, AuditKind.STAGE2: stage2_on} | later


def _follow_suggestions(programme: AuditProgramme, actor: User | None, reason: str) -> list[Audit]:
    """The explicit, logged recalculation: every audit planned without a justification takes the
    time the tables now suggest (its time on site follows), each change in the transition log."""
    sheet = time_sheet(programme)
    followed = []
    for audit in programme.audits.filter(status__in=(AuditStatus.PLANNED, AuditStatus.TEAM_ASSIGNED)):
        suggested = sheet.unjustified(audit)
        if suggested is None:
            continue
        before = audit.planned_days
        on_site = (
            suggested if audit.on_site_days == audit.planned_days else min(audit.on_site_days, suggested)
        )
        audit.planned_days, audit.on_site_days = (
            suggested,
            max(on_site, audit_time.on_site_minimum(suggested)),
        )
        audit.save(update_fields=["planned_days", "on_site_days"])
        transition_record(
            subject=audit,
            field="planned_days",
            from_state=before,
            to_state=suggested,
            actor=actor,
            reason=reason,
        )
        followed.append(audit)
    return followed


def _default_coverage(programme: AuditProgramme, audits: dict[str, Audit]) -> None:
    """Stage 1, stage 2 and recertification look at the whole system; the surveillances share it
    out by chapter, and each takes internal audit, management review and corrective action."""
    clauses = list(
        Clause.objects.filter(edition__in=programme.editions.all(), assessable=True).order_by(
            "edition__standard__number", "position"
        )
    )
    for kind in INITIAL_KINDS:
        if kind in audits:  # a continuing cycle plans no stage 1 or stage 2
            audits[kind].clauses.set(clauses)
    mandatory = [c for c in clauses if c.hs_key.startswith(MANDATORY_SURVEILLANCE_KEYS)]
    rest = [c for c in clauses if c not in mandatory]
    half = (len(rest) + 1) // 2
    audits[AuditKind.SURVEILLANCE_1].clauses.set([*mandatory, *rest[:half]])
    audits[AuditKind.SURVEILLANCE_2].clauses.set([*mandatory, *rest[half:]])


def _plan_cycle(programme: AuditProgramme, dates: dict[str, datetime.date]) -> dict[str, Audit]:
    """Plan the cycle's audits on these first days, each with the time the tables suggest and the
    default clause coverage."""
    sheet = time_sheet(programme)
    audits = {}
    for kind, starts_on in dates.items():
        days = sheet.suggested_days(kind) or audit_time.HALF
        audits[kind] = Audit.objects.create(
            programme=programme,
            kind=kind,
            starts_on=starts_on,
            ends_on=_days_span(starts_on, days),
            planned_days=days,
            on_site_days=days,
        )
    _default_coverage(programme, audits)
    audits_changed(audits=audits.values())
    return audits


def _default_complexity(programme_edition: ProgrammeEdition) -> str:
    table = table_for(programme_edition)
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
    scope: ProgrammeScope,
) -> AuditProgramme:
    """Open the programme and plan its cycle: stage 1 and 2, two surveillances, recertification."""
    _require_planner(actor, certification_body)
    if not tenancy.clients_of([certification_body]).filter(pk=organisation.pk).exists():
        raise ProgrammeError(
            _("%(org)s is not a client of %(cb)s.") % {"org": organisation, "cb": certification_body}
        )
    _refuse_editions(editions, stage1_on)
    _refuse_sites(organisation, sites)
    programme = AuditProgramme(
        certification_body=certification_body,
        organisation=organisation,
        created_by=actor,
        **dataclasses.asdict(scope),
    )
    refuse_invalid(programme, ProgrammeError)
    programme.save()
    programme.sites.set(sites)
    programme.iaf_codes.set(iaf_codes)
    for edition in editions:
        pe = ProgrammeEdition(programme=programme, edition=edition)
        pe.complexity = _default_complexity(pe)
        pe.save()
    _plan_cycle(programme, _default_dates(stage1_on, cycle_policy(certification_body)))
    transition_record(
        subject=programme, field="status", from_state=None, to_state=programme.status, actor=actor
    )
    return programme


@transaction.atomic
def programme_update(
    *,
    actor: User,
    programme: AuditProgramme,
    scope: ProgrammeScope,
    sites: list[Site],
    iaf_codes: list[IAFCode],
) -> AuditProgramme:
    """Change the scope, sites and IAF codes; audits planned without a justification follow the
    new audit time."""
    programme = (
        AuditProgramme.objects.select_for_update().select_related("certification_body").get(pk=programme.pk)
    )
    _require_planner(actor, programme.certification_body)
    _refuse_sites(programme.organisation, sites)
    changed = assign_changes(programme, dataclasses.asdict(scope))
    refuse_invalid(programme, ProgrammeError)
    if changed:
        programme.save(update_fields=changed)
    sites_changed = set(programme.sites.values_list("pk", flat=True)) != {site.pk for site in sites}
    codes_changed = set(programme.iaf_codes.values_list("pk", flat=True)) != {code.pk for code in iaf_codes}
    programme.sites.set(sites)
    programme.iaf_codes.set(iaf_codes)
    if changed or sites_changed or codes_changed:
        reason = _("The programme's scope changed.")
        _follow_suggestions(programme, actor, reason)
        programme_reopen(actor=actor, programme=programme, reason=reason)
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
        .select_related("programme__certification_body", "edition__standard")
        .get(pk=programme_edition.pk)
    )
    programme = pe.programme
    _require_planner(actor, programme.certification_body)
    if override_days is not None and not is_half_days(override_days):
        raise ProgrammeError(_("Enter the time in half days (IAF MD 5 rounds to the nearest half day)."))
    table = table_for(pe)
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
    before = _edition_days(programme, pe)
    pe.complexity, pe.override_days, pe.override_justification = (
        complexity,
        override_days,
        override_justification,
    )
    refuse_invalid(pe, ProgrammeError)
    pe.save(update_fields=["complexity", "override_days", "override_justification"])
    pe.adjustments.all().delete()  # inputs, replaced as a set; the transition below keeps the history
    TimeAdjustment.objects.bulk_create(
        TimeAdjustment(programme_edition=pe, reason=a.reason, percent=a.percent) for a in adjustments
    )
    described = "; ".join(f"{a.percent:+}% {a.reason}" for a in adjustments) or _("no adjustment")
    transition_record(
        subject=pe,
        field="initial_days",
        from_state=before,
        to_state=_edition_days(programme, pe),
        actor=actor,
        reason=described,
    )
    reason = _("The audit time of %(edition)s changed.") % {"edition": pe.edition}
    _follow_suggestions(programme, actor, reason)
    programme_reopen(actor=actor, programme=programme, reason=reason)
    return pe


def _edition_days(programme: AuditProgramme, pe: ProgrammeEdition) -> Decimal | None:
    item = next(i for i in time_sheet(programme).editions if i.programme_edition.pk == pe.pk)
    return item.result.days if item.result else None


@transaction.atomic
def programme_times_apply(*, actor: User, programme: AuditProgramme) -> list[Audit]:
    """Apply the suggested times (after a new table or a change of the CB's policy) to every audit
    planned without a justification; each change is logged. Returns the audits that changed."""
    programme = (
        AuditProgramme.objects.select_for_update().select_related("certification_body").get(pk=programme.pk)
    )
    _require_planner(actor, programme.certification_body)
    reason = _("The suggested audit times were applied.")
    followed = _follow_suggestions(programme, actor, reason)
    if followed:
        programme_reopen(actor=actor, programme=programme, reason=reason)
    return followed


@transaction.atomic
def programme_approve(*, actor: User, programme: AuditProgramme) -> AuditProgramme:
    programme = (
        AuditProgramme.objects.select_for_update().select_related("certification_body").get(pk=programme.pk)
    )
    _require_planner(actor, programme.certification_body)
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
    programmes_changed(programmes=[programme])  # its audits' teams and plans to do
    return programme


@transaction.atomic
def programme_cycle_start(
    *, actor: User | None, programme: AuditProgramme, decided_on: datetime.date
) -> AuditProgramme:
    """The certification decision starts the cycle: surveillance falls due from it (rule 10), and
    audits not yet staffed move into their due windows. Called by the decision, never by a page."""
    programme = (
        AuditProgramme.objects.select_for_update().select_related("certification_body").get(pk=programme.pk)
    )
    if programme.cycle_started_on == decided_on:
        return programme
    before = programme.cycle_started_on
    programme.cycle_started_on = decided_on
    programme.save(update_fields=["cycle_started_on"])
    transition_record(
        subject=programme, field="cycle_started_on", from_state=before, to_state=decided_on, actor=actor
    )
    planned = cycle.default_days(decided_on, cycle_policy(programme.certification_body))
    for audit in programme.audits.filter(kind__in=(*SURVEILLANCES, AuditKind.RECERTIFICATION)):
        window = due_window(programme, audit.kind)
        if audit.status == AuditStatus.PLANNED and window and audit.starts_on not in window:
            length = audit.ends_on - audit.starts_on
            before_on = audit.starts_on
            audit.starts_on = planned[audit.kind]
            audit.ends_on = audit.starts_on + length
            audit.save(update_fields=["starts_on", "ends_on"])
            transition_record(
                subject=audit,
                field="starts_on",
                from_state=before_on,
                to_state=audit.starts_on,
                actor=actor,
                reason=_("Moved into its due window after the certification decision."),
            )
            audits_changed(audits=[audit])
    return programme


def _carry_over_editions(programme: AuditProgramme, following: AuditProgramme) -> None:
    """Each edition with the inputs of its audit time: complexity, time entered by hand, adjustments."""
    for pe in programme.programme_editions.prefetch_related("adjustments"):
        copy = ProgrammeEdition.objects.create(
            programme=following,
            edition_id=pe.edition_id,
            complexity=pe.complexity,
            override_days=pe.override_days,
            override_justification=pe.override_justification,
        )
        TimeAdjustment.objects.bulk_create(
            TimeAdjustment(programme_edition=copy, reason=a.reason, percent=a.percent)
            for a in pe.adjustments.all()
        )


@transaction.atomic
def programme_next_cycle(
    *, actor: User, programme: AuditProgramme, decided_on: datetime.date
) -> AuditProgramme:
    """The recertification (or restoration) decision opens the next cycle's programme: the scope,
    active sites, IAF codes and editions with their audit-time inputs carried over, surveillance 1,
    surveillance 2 and recertification planned in their windows from the decision (no stage 1 or
    2). It is a draft, so the planner reviews and approves it. Returns the one already opened when
    called again.

    A consequence with no door of its own, like `programme_cycle_start`: called only by the
    certification decision, which checked its decider (the CB's deciders, rules 3 and 23); the
    actor is recorded as the one who opened it."""
    programme = (
        AuditProgramme.objects.select_for_update().select_related("certification_body").get(pk=programme.pk)
    )
    if (opened := programme.next_cycles.order_by("pk").first()) is not None:
        return opened
    following = AuditProgramme(
        certification_body=programme.certification_body,
        organisation_id=programme.organisation_id,
        previous=programme,
        cycle_started_on=decided_on,
        created_by=actor,
        **{name: getattr(programme, name) for name in SCOPE_FIELDS},
    )
    refuse_invalid(following, ProgrammeError)
    following.save()
    following.sites.set(programme.sites.filter(is_active=True))
    following.iaf_codes.set(programme.iaf_codes.all())
    _carry_over_editions(programme, following)
    _plan_cycle(following, cycle.default_days(decided_on, cycle_policy(programme.certification_body)))
    reason = _("Carried over from %(ref)s for review after the decision of %(day)s.") % {
        "ref": programme.reference,
        "day": decided_on,
    }
    transition_record(
        subject=following,
        field="status",
        from_state=None,
        to_state=following.status,
        actor=actor,
        reason=reason,
    )
    transition_record(
        subject=programme, field="next_cycle", from_state=None, to_state=following.reference, actor=actor
    )
    return following


# --- A headcount change the client notified (rule 38) ------------------------------------------


def _headcount_change(programme: AuditProgramme) -> str:
    change = f"{programme.headcount_change_from} → {programme.headcount_change_to}"
    return f"{change} ({programme.headcount_change_on})"


@transaction.atomic
def programme_headcount_flag(
    *,
    actor: User | None,
    programme: AuditProgramme,
    headcount_from: int,
    headcount_to: int,
    effective_on: datetime.date,
    reason: str,
) -> AuditProgramme:
    """Flag the programme's audit time for re-planning: the client notified a new headcount.

    A consequence with no door of its own: the change-notification service calls it after checking
    its own rule. A later notification replaces a flag not yet reviewed (the numbers go from the
    first headcount to the latest)."""
    programme = AuditProgramme.objects.select_for_update().get(pk=programme.pk)
    before = _headcount_change(programme) if programme.headcount_changed else ""
    if programme.headcount_changed:
        headcount_from = programme.headcount_change_from
    programme.headcount_change_from, programme.headcount_change_to = headcount_from, headcount_to
    programme.headcount_change_on = effective_on
    programme.save(update_fields=["headcount_change_from", "headcount_change_to", "headcount_change_on"])
    transition_record(
        subject=programme,
        field="headcount_change",
        from_state=before,
        to_state=_headcount_change(programme),
        actor=actor,
        reason=reason,
    )
    return programme


@transaction.atomic
def programme_headcount_reviewed(*, actor: User, programme: AuditProgramme) -> AuditProgramme:
    """The planner reviewed the audit time after a notified headcount change: the flag comes down
    (the programme's own headcount and times are changed through their own pages, recorded there).
    Saying so again is a no-op."""
    programme = AuditProgramme.objects.select_for_update().get(pk=programme.pk)
    _require_planner(actor, programme.certification_body)
    if not programme.headcount_changed:
        return programme
    before = _headcount_change(programme)
    programme.headcount_change_from = programme.headcount_change_to = programme.headcount_change_on = None
    programme.save(update_fields=["headcount_change_from", "headcount_change_to", "headcount_change_on"])
    transition_record(
        subject=programme,
        field="headcount_change",
        from_state=before,
        to_state="",
        actor=actor,
        reason=_("Audit time reviewed after the notified headcount change."),
    )
    return programme
