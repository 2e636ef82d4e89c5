"""What stands between a programme (or an audit team) and its approval: the DOMAIN §11 rules
that apply at planning, each problem in words a certification manager can act on."""

import datetime

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from audits import audit_time, cycle, team_rules
from audits.enums import (
    CYCLE_KINDS,
    INITIAL_KINDS,
    MANDATORY_SURVEILLANCE_KEYS,
    SURVEILLANCES,
    AssignmentStatus,
    AuditKind,
    AuditStatus,
    Declaration,
)
from audits.models import Audit, AuditProgramme
from audits.selectors.programmes import TimeSheet, consultancy_ends, time_sheet
from organisations.enums import ExpiryConvention, QualificationKind
from organisations.models import AuditorQualification, CertificationBody
from standards.models import Clause, Edition

AUDITING_KINDS = (QualificationKind.AUDITOR, QualificationKind.TECHNICAL_EXPERT)


def cycle_audits(audits) -> dict[str, Audit]:
    """The audit of each cycle kind that counts: the latest that is not cancelled (a repeated
    stage replaces the earlier one). Special, follow-up, transfer and transition audits are not
    part of the planned cycle. `audits` come ordered by their first day."""
    return {
        audit.kind: audit
        for audit in audits
        if audit.kind in CYCLE_KINDS and audit.status != AuditStatus.CANCELLED
    }


def planned_kinds(programme: AuditProgramme) -> tuple[str, ...]:
    """The audits the programme's cycle plans: a first cycle from stage 1; a cycle continuing a
    previous one (opened by its recertification decision) from surveillance 1."""
    if programme.previous_id is None:
        return CYCLE_KINDS
    return (*SURVEILLANCES, AuditKind.RECERTIFICATION)


def decision_day(programme: AuditProgramme, audits: dict[str, Audit]) -> tuple[datetime.date | None, bool]:
    """The decision that starts the cycle, or (provisionally) the last day of stage 2."""
    if programme.cycle_started_on:
        return programme.cycle_started_on, False
    stage2 = audits.get(AuditKind.STAGE2)
    return (stage2.ends_on, True) if stage2 else (None, True)


def cycle_policy(body: CertificationBody) -> cycle.CyclePolicy:
    """The CB's settings that cycle dates depend on."""
    return cycle.CyclePolicy(
        expiry_day_before=body.expiry_convention == ExpiryConvention.DAY_BEFORE,
        surveillance_months_before=body.surveillance_window_before_months,
        surveillance_months_after=body.surveillance_window_after_months,
    )


def due_window(
    programme: AuditProgramme, kind: str, audits: dict[str, Audit] | None = None
) -> cycle.Window | None:
    """When an audit of this kind falls due in the programme's cycle (none for stage 1 and 2)."""
    if kind not in (*SURVEILLANCES, AuditKind.RECERTIFICATION):
        return None
    audits = audits if audits is not None else cycle_audits(programme.audits.all())
    decided_on, _provisional = decision_day(programme, audits)
    if decided_on is None:
        return None
    return cycle.due_windows(decided_on, cycle_policy(programme.certification_body)).get(kind)


def edition_refusal(edition: Edition, day: datetime.date) -> str:
    """Rules 31 and 32: why no initial or recertification audit may be held against the edition
    on that day, or "" when it may."""
    if not edition.certifiable:
        return _("%(edition)s gives guidance only: it can be used in a gap analysis, never certified.") % {
            "edition": edition.label
        }
    if not edition.accepts_initial_audits_on(day):
        return _("%(edition)s no longer accepts initial or recertification audits (last day %(last)s).") % {
            "edition": edition.label,
            "last": edition.last_initial_audit_on or _("passed"),
        }
    return ""


def _stage_gap_problems(programme: AuditProgramme, audits: dict[str, Audit]) -> list[str]:
    stage1, stage2 = audits[AuditKind.STAGE1], audits[AuditKind.STAGE2]
    gap = (stage2.starts_on - stage1.ends_on).days
    body = programme.certification_body
    if gap < max(body.stage2_min_gap_days, 0) or stage2.starts_on < stage1.ends_on:
        return [_("Stage 2 must start after stage 1 ends.")]
    if gap > body.stage2_max_gap_days:
        return [
            _(
                "Stage 2 starts %(gap)s days after stage 1, beyond the CB's %(max)s: "
                "plan it sooner or repeat stage 1."
            )
            % {"gap": gap, "max": body.stage2_max_gap_days}
        ]
    return []


def _date_problems(programme: AuditProgramme, audits: dict[str, Audit]) -> list[str]:
    """Stage 2 after stage 1 (a first cycle only), each surveillance and the recertification in
    its window, and a surveillance in every calendar year of the cycle (rule 11)."""
    problems = _stage_gap_problems(programme, audits) if programme.previous_id is None else []
    decided_on, provisional = decision_day(programme, audits)
    if decided_on is None:
        return problems
    when = _(" (counted from the end of stage 2 until the decision is taken)") if provisional else ""
    for kind in (*SURVEILLANCES, AuditKind.RECERTIFICATION):
        window = due_window(programme, kind, audits)
        audit = audits[kind]
        if window and not (audit.starts_on in window and audit.ends_on in window):
            problems.append(
                _("%(audit)s must take place between %(opens)s and %(closes)s%(when)s.")
                % {
                    "audit": audit.get_kind_display(),
                    "opens": window.opens,
                    "closes": window.closes,
                    "when": when,
                }
            )
    recert_year = audits[AuditKind.RECERTIFICATION].starts_on.year
    missing = cycle.years_missing_surveillance(
        decided_on, [audits[k].starts_on for k in SURVEILLANCES], recertification_year=recert_year
    )
    problems += [
        _("No surveillance audit is planned in %(year)s: every calendar year of the cycle needs one.")
        % {"year": y}
        for y in missing
    ]
    return problems


def days_problem(audit: Audit, sheet: TimeSheet) -> str:
    """An audit planned off the suggestion needs a justification (rule 26), or ""."""
    suggested = sheet.unjustified(audit)
    if suggested is None:
        return ""
    return _("%(audit)s: %(days)s days planned, %(suggested)s suggested; justify the difference.") % {
        "audit": audit.get_kind_display(),
        "days": audit.planned_days,
        "suggested": suggested,
    }


def _time_problems(programme: AuditProgramme, audits: dict[str, Audit], sheet: TimeSheet) -> list[str]:
    problems = [item.error for item in sheet.editions if item.error]
    problems += [f"{site.name}: {problem}" for site, _days, problem in sheet.sites if problem]
    for audit in audits.values():
        if problem := audit_time.on_site_problem(audit.planned_days, audit.on_site_days):
            problems.append(f"{audit.get_kind_display()}: {problem}")
        if problem := days_problem(audit, sheet):
            problems.append(problem)
    if programme.previous_id is not None:  # no stage 1 and 2: each audit against its suggestion only
        return problems
    initial = audits[AuditKind.STAGE1].planned_days + audits[AuditKind.STAGE2].planned_days
    if sheet.cycle and initial < sheet.cycle.initial * audit_time.MIN_TABLE_SHARE:
        problems.append(
            _(
                "Stage 1 and stage 2 together plan %(days)s days, "
                "below %(share)s of the %(initial)s calculated."
            )
            % {"days": initial, "share": f"{audit_time.MIN_TABLE_SHARE:.0%}", "initial": sheet.cycle.initial}
        )
    return problems


def _coverage_problems(editions: list[Edition], audits: dict[str, Audit]) -> list[str]:
    """Between them the surveillances cover every clause, and each covers the mandatory ones.

    One query: each assessable clause with whether each surveillance covers it."""
    through = Audit.clauses.through.objects.filter(clause_id=OuterRef("pk"))
    covers = {kind: f"in_{kind}" for kind in SURVEILLANCES}
    labels = {edition.pk: edition.label for edition in editions}
    clauses = list(
        Clause.objects.filter(edition__in=editions, assessable=True)
        .annotate(
            **{column: Exists(through.filter(audit_id=audits[kind].pk)) for kind, column in covers.items()}
        )
        .order_by("edition__standard__number", "position")
        .values("edition_id", "number", "hs_key", *covers.values())
    )
    for clause in clauses:
        clause["label"] = f"{labels[clause['edition_id']]} {clause['number']}"
    missing = [c["label"] for c in clauses if not any(c[column] for column in covers.values())]
    problems = []
    if missing:
        listed = ", ".join(missing[:8])
        more = _(" and %(n)s more") % {"n": len(missing) - 8} if len(missing) > 8 else ""
        problems.append(_("No surveillance covers %(clauses)s%(more)s.") % {"clauses": listed, "more": more})
    for kind, column in covers.items():
        absent = [
            c["label"]
            for c in clauses
            if c["hs_key"].startswith(MANDATORY_SURVEILLANCE_KEYS) and not c[column]
        ]
        if absent:
            problems.append(
                _(
                    "%(audit)s must look at internal audit, management review and corrective action "
                    "(%(clauses)s)."
                )
                % {"audit": audits[kind].get_kind_display(), "clauses": ", ".join(absent)}
            )
    return problems


def _site_problems(sheet: TimeSheet, audits: dict[str, Audit]) -> list[str]:
    """Multi-site programmes (the sheet lists sites only when there are several): every audit's
    sites are drawn, and only among the sites in scope now."""
    in_scope = {site.pk for site, _days, _problem in sheet.sites}
    if not in_scope:
        return []
    problems = []
    for audit in audits.values():
        drawn = {audit_site.site_id for audit_site in audit.audit_sites.all()}
        if not audit.sampled_at:
            problems.append(_("Draw the sites of %(audit)s.") % {"audit": audit.get_kind_display()})
        elif not drawn <= in_scope:
            problems.append(
                _("Some sites drawn for %(audit)s are no longer in scope: draw again.")
                % {"audit": audit.get_kind_display()}
            )
    return problems


def _edition_problems(editions: list[Edition], audits: dict[str, Audit]) -> list[str]:
    """Rule 31: no initial or recertification audit against an edition past its last day."""
    problems = []
    for edition in editions:
        for kind in (k for k in INITIAL_KINDS if k in audits):
            if refusal := edition_refusal(edition, audits[kind].starts_on):
                problems.append(f"{audits[kind].get_kind_display()}: {refusal}")
    return problems


def programme_problems(
    programme: AuditProgramme, *, sheet: TimeSheet | None = None, audits: list[Audit] | None = None
) -> list[str]:
    """Everything that stands between the programme and its approval (an empty list: nothing).

    A page that has already read the time sheet (with its sites) and the audits (with their
    `audit_sites`) passes them in, so the checks read nothing twice."""
    if sheet is None or not sheet.with_sites:
        sheet = time_sheet(programme, with_sites=True)
    if audits is None:
        audits = list(programme.audits.prefetch_related("audit_sites"))
    by_kind = cycle_audits(audits)
    if missing := [
        kind for kind in planned_kinds(programme) if kind not in by_kind
    ]:  # cancelled, not replaced
        return [
            _("%(audit)s is cancelled: add its repeat, or plan the cycle again.")
            % {"audit": AuditKind(kind).label}
            for kind in missing
        ]
    editions = [item.programme_edition.edition for item in sheet.editions]
    return [
        *_edition_problems(editions, by_kind),
        *_date_problems(programme, by_kind),
        *_time_problems(programme, by_kind, sheet),
        *_coverage_problems(editions, by_kind),
        *_site_problems(sheet, by_kind),
    ]


# --- Audit teams (rules 22, 23, 25) -----------------------------------------------------------


def _qualifications(audit: Audit, user_ids: list[int]) -> dict[int, list[team_rules.Qualification]]:
    programme = audit.programme
    found: dict[int, list[team_rules.Qualification]] = {pk: [] for pk in user_ids}
    rows = (
        AuditorQualification.objects.filter(
            user_id__in=user_ids,
            certification_body_id=programme.certification_body_id,
            kind__in=AUDITING_KINDS,
            standard__in=[e.standard_id for e in programme.editions.all()],
        )
        .select_related("standard")
        .prefetch_related("iaf_codes")
    )
    for q in rows:
        found[q.user_id].append(
            team_rules.Qualification(
                standard=q.standard.code,
                iaf_codes=frozenset(code.pk for code in q.iaf_codes.all()),
                valid_from=q.valid_from,
                valid_until=q.valid_until,
                is_lead=q.is_lead_auditor,
            )
        )
    return found


def audit_facts(audit: Audit, *, with_scope: bool = True) -> team_rules.AuditFacts:
    """What the team rules need of the audit; the standards and IAF codes only when asked."""
    programme = audit.programme
    return team_rules.AuditFacts(
        standards=frozenset(e.standard.code for e in programme.editions.select_related("standard"))
        if with_scope
        else frozenset(),
        scope_codes=frozenset(programme.iaf_codes.values_list("pk", flat=True))
        if with_scope
        else frozenset(),
        starts_on=audit.starts_on,
        ends_on=audit.ends_on,
        notified_on=audit.team_notified_on,
        notice_days=programme.certification_body.team_notice_days,
        short_notice=audit.short_notice,
    )


def team_members(audit: Audit) -> list[team_rules.Member]:
    assignments = list(audit.assignments.filter(status=AssignmentStatus.ACTIVE).select_related("user"))
    user_ids = [a.user_id for a in assignments]
    qualifications = _qualifications(audit, user_ids)
    ends = consultancy_ends(user_ids, audit.programme.organisation)
    return [
        team_rules.Member(
            name=str(a.user),
            role=a.role,
            qualifications=tuple(qualifications[a.user_id]),
            coi_declared=a.declaration != Declaration.PENDING,
            conflict_declared=a.declaration == Declaration.CONFLICT,
            consultancy_ended_on=ends.get(a.user_id),
        )
        for a in assignments
    ]


def team_problems(audit: Audit) -> list[str]:
    """What stops the team from being confirmed (the notice to the client comes after)."""
    team, facts = team_members(audit), audit_facts(audit)
    if not team:
        return [_("Nobody is on the team yet.")]
    return [
        *team_rules.lead_problems(team, facts),
        *team_rules.competence_problems(team, facts),
        *team_rules.impartiality_problems(team, facts),
    ]


def notice_problems(audit: Audit) -> list[str]:
    """Rule 25, once the team is confirmed: tell the client in time (short-notice audits exempt)."""
    return team_rules.notice_problems(audit_facts(audit, with_scope=False))
