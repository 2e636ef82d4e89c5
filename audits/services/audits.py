"""Planning one audit of a programme: its dates and time, its sites, the clauses it covers."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audits import access, audit_time, sampling
from audits.changes import audits_changed
from audits.enums import INITIAL_KINDS, PLANNING_STATUSES, SURVEILLANCES, AuditKind, SiteSelection
from audits.models import Audit, AuditProgramme, AuditSite
from audits.selectors.programme_checks import edition_refusal
from audits.selectors.programmes import time_sheet
from audits.services.programmes import ProgrammeError, programme_reopen
from audits.services.teams import team_unconfirm
from core.records import assign_changes, refuse_invalid
from core.transitions import transition_record
from organisations.access import require
from organisations.models import Site, User
from standards.models import Clause

SAMPLING_KIND = {
    AuditKind.STAGE1: sampling.SampleKind.INITIAL,
    AuditKind.STAGE2: sampling.SampleKind.INITIAL,
    AuditKind.SURVEILLANCE_1: sampling.SampleKind.SURVEILLANCE,
    AuditKind.SURVEILLANCE_2: sampling.SampleKind.SURVEILLANCE,
    AuditKind.RECERTIFICATION: sampling.SampleKind.RECERTIFICATION,
}


def _locked(audit: Audit) -> Audit:
    return Audit.objects.select_for_update().select_related("programme__certification_body").get(pk=audit.pk)


@transaction.atomic
def audit_plan(
    *,
    actor: User,
    audit: Audit,
    starts_on: datetime.date,
    ends_on: datetime.date,
    planned_days: Decimal,
    on_site_days: Decimal,
    days_justification: str,
    short_notice: bool,
) -> Audit:
    """Dates and time of one audit (rules 26, 27, 31); new dates need the team confirmed again."""
    audit = _locked(audit)
    programme = audit.programme
    require(access.can_plan(actor, programme.certification_body), access.PLANNERS_ONLY)
    if audit.status not in PLANNING_STATUSES:
        raise ProgrammeError(
            _("The audit is “%(status)s”: its dates and time change only before it starts.")
            % {"status": audit.get_status_display()}
        )
    if problem := audit_time.on_site_problem(planned_days, on_site_days):
        raise ProgrammeError(problem)
    suggested = time_sheet(programme).suggested_days(audit.kind)
    if audit_time.needs_justification(planned_days, suggested, days_justification):
        raise ProgrammeError(
            _("The suggested time is %(days)s days: justify planning another.") % {"days": suggested}
        )
    if audit.kind in INITIAL_KINDS:
        for edition in programme.editions.select_related("standard"):
            if refusal := edition_refusal(edition, starts_on):
                raise ProgrammeError(refusal)
    dates_changed = (audit.starts_on, audit.ends_on) != (starts_on, ends_on)
    before = {"starts_on": audit.starts_on, "planned_days": audit.planned_days}
    changed = assign_changes(
        audit,
        {
            "starts_on": starts_on,
            "ends_on": ends_on,
            "planned_days": planned_days,
            "on_site_days": on_site_days,
            "days_justification": days_justification,
            "short_notice": short_notice,
        },
    )
    if not changed:
        return audit
    refuse_invalid(audit, ProgrammeError)
    audit.save(update_fields=changed)
    for field, was in before.items():
        if field in changed:
            transition_record(
                subject=audit, field=field, from_state=was, to_state=getattr(audit, field), actor=actor
            )
    audits_changed(audits=[audit])
    if dates_changed:  # a confirmed team, and a sent plan, no longer hold
        team_unconfirm(actor=actor, audit=audit, reason=_("The audit dates changed."))
    programme_reopen(
        actor=actor,
        programme=programme,
        reason=_("%(audit)s was re-planned.") % {"audit": audit.get_kind_display()},
    )
    return audit


@transaction.atomic
def programme_coverage_set(
    *, actor: User, programme: AuditProgramme, coverage: dict[int, set[int]]
) -> AuditProgramme:
    """Which clauses each surveillance covers ({audit pk: clause pks}); the whole-system audits
    keep every clause."""
    require(access.can_plan(actor, programme.certification_body), access.PLANNERS_ONLY)
    allowed = set(
        Clause.objects.filter(edition__in=programme.editions.all(), assessable=True).values_list(
            "pk", flat=True
        )
    )
    surveillances = {a.pk: a for a in programme.audits.filter(kind__in=SURVEILLANCES)}
    if set(coverage) - set(surveillances) or any(ids - allowed for ids in coverage.values()):
        raise ProgrammeError(_("Choose clauses of the programme's editions for its surveillance audits."))
    changed = False
    for pk, ids in coverage.items():
        audit = surveillances[pk]
        before = set(audit.clauses.values_list("pk", flat=True))
        if before != ids:
            audit.clauses.set(ids)
            transition_record(
                subject=audit,
                field="clauses",
                from_state=_("%(n)s clauses") % {"n": len(before)},
                to_state=_("%(n)s clauses") % {"n": len(ids)},
                actor=actor,
            )
            changed = True
    if changed:
        programme_reopen(actor=actor, programme=programme, reason=_("The clause coverage changed."))
    return programme


@transaction.atomic
def audit_sites_draw(
    *, actor: User, audit: Audit, chosen_on_risk: list[Site], seed: int | None = None
) -> Audit:
    """Choose the sites the audit visits (IAF MD 1): the central function, the sites chosen on
    risk, and at least a quarter of the sample drawn at random, the draw recorded by its seed."""
    audit = _locked(audit)
    programme = audit.programme
    require(access.can_plan(actor, programme.certification_body), access.PLANNERS_ONLY)
    sites = list(programme.sites.all())
    central = [site for site in sites if site.is_central_function]
    candidates = [site for site in sites if not site.is_central_function]
    # special, follow-up, transfer and transition audits: at least a surveillance's sample
    kind = SAMPLING_KIND.get(audit.kind, sampling.SampleKind.SURVEILLANCE)
    if not programme.sampling_appropriate and kind != sampling.SampleKind.SURVEILLANCE:
        chosen = {site.pk: SiteSelection.ALL_SITES for site in candidates}
        seed = None
    else:
        size = sampling.sample_size(
            len(candidates), kind, sampling_appropriate=programme.sampling_appropriate
        )
        pool = _fresh_candidates(audit, candidates, size)
        try:
            draw = sampling.draw_sample(
                [site.pk for site in pool],
                size,
                chosen_on_risk=[site.pk for site in chosen_on_risk],
                seed=seed,
            )
        except ValueError as error:
            raise ProgrammeError(str(error)) from error
        chosen = dict.fromkeys(draw.chosen_on_risk, SiteSelection.RISK)
        chosen |= dict.fromkeys(draw.drawn_at_random, SiteSelection.RANDOM)
        seed = draw.seed
    chosen |= {site.pk: SiteSelection.CENTRAL_FUNCTION for site in central}
    if len(sites) == 1:
        chosen = {sites[0].pk: SiteSelection.CENTRAL_FUNCTION if central else SiteSelection.ALL_SITES}
    before = audit.audit_sites.count()
    audit.audit_sites.all().delete()  # the previous draw stays in the transition log below
    AuditSite.objects.bulk_create(
        AuditSite(audit=audit, site_id=pk, selection=how) for pk, how in chosen.items()
    )
    audit.sample_seed, audit.sampled_at, audit.sampled_by = seed, timezone.now(), actor
    audit.save(update_fields=["sample_seed", "sampled_at", "sampled_by"])
    names = "; ".join(str(s) for s in audit.audit_sites.select_related("site"))
    transition_record(
        subject=audit,
        field="sites",
        from_state=_("%(n)s sites") % {"n": before},
        to_state=_("%(n)s sites") % {"n": len(chosen)},
        actor=actor,
        reason=_("seed %(seed)s: %(sites)s") % {"seed": seed, "sites": names},
    )
    programme_reopen(
        actor=actor,
        programme=programme,
        reason=_("The sites of %(audit)s were drawn.") % {"audit": audit.get_kind_display()},
    )
    return audit


def _fresh_candidates(audit: Audit, candidates: list[Site], size: int) -> list[Site]:
    """The second surveillance prefers sites the first did not visit, when there are enough."""
    if audit.kind != AuditKind.SURVEILLANCE_2:
        return candidates
    visited = set(
        AuditSite.objects.filter(
            audit__programme=audit.programme, audit__kind=AuditKind.SURVEILLANCE_1
        ).values_list("site_id", flat=True)
    )
    fresh = [site for site in candidates if site.pk not in visited]
    return fresh if len(fresh) >= size else candidates
