"""State changes of internal audits (HS 9.2, ISO 19011, DOMAIN §13.1, rules 39, 40 and 43): the
organisation's programmes, and the audits, auditors, checklists, findings and reports in them (its
processes and its internal auditors' training: `improvement.services.processes`). Views call these;
each guards its rule first."""

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.records import refuse_invalid
from core.transitions import transition_record
from improvement import access
from improvement.enums import (
    ActionSource,
    ActionStatus,
    ChecklistResult,
    InternalAuditStatus,
)
from improvement.internal_audit_rules import (
    INDEPENDENCE_NEEDS_JUSTIFICATION,
    independence_refused,
    own_areas,
    untrained_standards,
)
from improvement.models import (
    Action,
    AuditorTraining,
    ChecklistItem,
    InternalAudit,
    InternalAuditor,
    InternalAuditProgramme,
    InternalFinding,
    Process,
)
from improvement.services.actions import action_create
from organisations import access as tenancy
from organisations.access import require
from organisations.enums import OrganisationRole
from organisations.models import Organisation, Site, User
from standards.models import Clause, Edition


class InternalAuditError(DomainError):
    pass


def guard_planner(actor: User, organisation: Organisation) -> None:
    require(access.can_plan_internal_audits(actor, organisation), access.INTERNAL_AUDIT_MANAGERS_ONLY)


def _status(audit: InternalAudit, to_state: str, actor: User, reason: str = "") -> None:
    previous = audit.status
    audit.status = to_state
    transition_record(
        subject=audit, field="status", from_state=previous, to_state=to_state, actor=actor, reason=reason
    )


def sites_guard(organisation: Organisation, sites: list[Site]) -> None:
    if any(site.organisation_id != organisation.pk or not site.is_active for site in sites):
        raise InternalAuditError(_("Choose active sites of this organisation only."))


def member_guard(user: User | None, organisation: Organisation, what: str) -> None:
    if user is not None and tenancy.organisation_role(user, organisation) is None:
        raise InternalAuditError(_("The %(what)s must be a member of the organisation.") % {"what": what})


# --- Programmes --------------------------------------------------------------------------------


def _period_guard(starts_on: datetime.date, ends_on: datetime.date) -> None:
    if ends_on < starts_on:
        raise InternalAuditError(_("The programme's period must end on or after its first day."))


@transaction.atomic
def internal_programme_create(
    *,
    actor: User,
    organisation: Organisation,
    title: str,
    editions: list[Edition],
    starts_on: datetime.date,
    ends_on: datetime.date,
    objectives: str = "",
) -> InternalAuditProgramme:
    guard_planner(actor, organisation)
    if not editions:
        raise InternalAuditError(_("Choose at least one edition."))
    _period_guard(starts_on, ends_on)
    programme = InternalAuditProgramme(
        organisation=organisation,
        title=title.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        objectives=objectives.strip(),
        created_by=actor,
    )
    refuse_invalid(programme, InternalAuditError, exclude=("organisation", "created_by"))
    programme.save()
    programme.editions.set(editions)
    return programme


@transaction.atomic
def internal_programme_update(
    *,
    actor: User,
    programme: InternalAuditProgramme,
    title: str,
    editions: list[Edition],
    starts_on: datetime.date,
    ends_on: datetime.date,
    objectives: str = "",
) -> InternalAuditProgramme:
    """Change the programme. Its editions may grow, never lose one its audits draw clauses from, and
    its period must keep every audit's days."""
    programme = (
        InternalAuditProgramme.objects.select_for_update().select_related("organisation").get(pk=programme.pk)
    )
    guard_planner(actor, programme.organisation)
    if not editions:
        raise InternalAuditError(_("Choose at least one edition."))
    _period_guard(starts_on, ends_on)
    audits = programme.audits.exclude(status=InternalAuditStatus.CANCELLED)
    used = set(Clause.objects.filter(pk__in=audits.values("clauses")).values_list("edition_id", flat=True))
    used |= set(programme.audits.values_list("findings__clause__edition_id", flat=True)) - {None}
    if used - {e.pk for e in editions}:
        raise InternalAuditError(
            _("An edition its audits or findings use cannot be taken out of the programme.")
        )
    if audits.filter(starts_on__lt=starts_on).exists() or audits.filter(ends_on__gt=ends_on).exists():
        raise InternalAuditError(_("The period must include the days of every audit of the programme."))
    programme.title, programme.starts_on, programme.ends_on = title.strip(), starts_on, ends_on
    programme.objectives = objectives.strip()
    refuse_invalid(programme, InternalAuditError, exclude=("organisation", "created_by"))
    programme.save()
    programme.editions.set(editions)
    return programme


# --- Audits ------------------------------------------------------------------------------------


def _scope_guard(
    programme: InternalAuditProgramme,
    starts_on: datetime.date,
    ends_on: datetime.date,
    processes: list[Process],
    sites: list[Site],
    clauses: list[Clause],
) -> None:
    if ends_on < starts_on:
        raise InternalAuditError(_("The audit's last day must be on or after its first day."))
    if starts_on < programme.starts_on or ends_on > programme.ends_on:
        raise InternalAuditError(
            _("The audit's days must lie within the programme's period (%(start)s to %(end)s).")
            % {"start": programme.starts_on.isoformat(), "end": programme.ends_on.isoformat()}
        )
    if any(p.organisation_id != programme.organisation_id or not p.is_active for p in processes):
        raise InternalAuditError(_("Choose active processes of this organisation only."))
    sites_guard(programme.organisation, sites)
    editions = set(programme.editions.values_list("pk", flat=True))
    if any(c.edition_id not in editions or not c.assessable for c in clauses):
        raise InternalAuditError(_("Choose clauses of the programme's editions only."))
    if not clauses:
        raise InternalAuditError(_("Choose the clauses in the audit's scope (at least one)."))


@transaction.atomic
def internal_audit_create(
    *,
    actor: User,
    programme: InternalAuditProgramme,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    clauses: list[Clause],
    criteria: str = "",
    processes: list[Process] | None = None,
    sites: list[Site] | None = None,
) -> InternalAudit:
    programme = (
        InternalAuditProgramme.objects.select_for_update().select_related("organisation").get(pk=programme.pk)
    )
    guard_planner(actor, programme.organisation)
    _scope_guard(programme, starts_on, ends_on, processes or [], sites or [], clauses)
    last = programme.audits.aggregate(last=Max("number"))["last"]
    audit = InternalAudit(
        programme=programme,
        number=(last or 0) + 1,
        title=title.strip(),
        criteria=criteria.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
    )
    refuse_invalid(audit, InternalAuditError, exclude=("programme", "created_by"))
    audit.save()
    audit.processes.set(processes or [])
    audit.sites.set(sites or [])
    audit.clauses.set(clauses)
    transition_record(subject=audit, field="status", from_state="", to_state=audit.status, actor=actor)
    return audit


def _locked(audit: InternalAudit) -> InternalAudit:
    return (
        InternalAudit.objects.select_for_update(of=("self",))
        .select_related("programme__organisation")
        .get(pk=audit.pk)
    )


@transaction.atomic
def internal_audit_update(
    *,
    actor: User,
    audit: InternalAudit,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    clauses: list[Clause],
    criteria: str = "",
    processes: list[Process] | None = None,
    sites: list[Site] | None = None,
) -> InternalAudit:
    """The scope and days change while the audit is planned; its checklist is drawn when it starts."""
    audit = _locked(audit)
    guard_planner(actor, audit.programme.organisation)
    if audit.status != InternalAuditStatus.PLANNED:
        raise InternalAuditError(_("Only a planned audit changes its scope and days."))
    _scope_guard(audit.programme, starts_on, ends_on, processes or [], sites or [], clauses)
    owners = responsible_for(processes or [], sites or [])
    for auditor in audit.auditors.filter(removed_at__isnull=True, user__isnull=False).select_related("user"):
        if independence_refused(auditor.user_id, owners, auditor.independence_justification):
            raise InternalAuditError(
                str(INDEPENDENCE_NEEDS_JUSTIFICATION)
                % {"name": auditor.user, "areas": ", ".join(own_areas(auditor.user_id, owners))}
            )
    audit.title, audit.criteria, audit.starts_on, audit.ends_on = (
        title.strip(),
        criteria.strip(),
        starts_on,
        ends_on,
    )
    refuse_invalid(audit, InternalAuditError, exclude=("programme", "created_by"))
    audit.save()
    audit.processes.set(processes or [])
    audit.sites.set(sites or [])
    audit.clauses.set(clauses)
    return audit


def responsible_for(processes, sites) -> dict[str, int | None]:
    """Rule 39's areas of an audit's scope and who is responsible for each: a process's owner, a
    site's manager."""
    owners = {str(_("process %(name)s") % {"name": p.name}): p.owner_id for p in processes}
    return owners | {str(_("site %(name)s") % {"name": s.name}): s.manager_id for s in sites}


def auditor_owned_areas(audit: InternalAudit, user: User | None) -> list[str]:
    """The processes in the audit's scope the user owns and its sites the user manages (rule 39)."""
    owners = responsible_for(audit.processes.all(), audit.sites.all())
    return own_areas(user.pk if user else None, owners)


def auditor_training_gaps(audit: InternalAudit, user: User | None) -> list[str]:
    """The standards of the programme the member has no internal-auditor training for."""
    if user is None:
        return []
    required = audit.programme.editions.values_list("standard__code", flat=True)
    trained = AuditorTraining.objects.filter(
        membership__user=user,
        membership__organisation=audit.programme.organisation,
        membership__is_active=True,
        removed_at__isnull=True,
    ).values_list("standard__code", flat=True)
    return untrained_standards(required, trained)


@transaction.atomic
def internal_auditor_add(
    *,
    actor: User,
    audit: InternalAudit,
    user: User | None = None,
    external_name: str = "",
    external_organisation: str = "",
    is_lead: bool = False,
    independence_justification: str = "",
) -> tuple[InternalAuditor, list[str]]:
    """Put a member, or an external person by name, on the audit. Returns the auditor and the
    standards they have no training for (a warning to show)."""
    audit = _locked(audit)
    organisation = audit.programme.organisation
    guard_planner(actor, organisation)
    if audit.status not in (InternalAuditStatus.PLANNED, InternalAuditStatus.IN_PROGRESS):
        raise InternalAuditError(_("Auditors are chosen while the audit is planned or in progress."))
    if user is None and not external_name.strip():
        raise InternalAuditError(_("Choose a member, or give the name of the external auditor."))
    if user is not None and external_name.strip():
        raise InternalAuditError(_("Choose a member or name an external auditor, not both."))
    member_guard(user, organisation, _("auditor"))
    if user is not None and audit.auditors.filter(user=user, removed_at__isnull=True).exists():
        raise InternalAuditError(_("This person is already an auditor of this audit."))
    owners = responsible_for(audit.processes.all(), audit.sites.all())
    if independence_refused(user.pk if user else None, owners, independence_justification):
        raise InternalAuditError(
            str(INDEPENDENCE_NEEDS_JUSTIFICATION)
            % {"name": user, "areas": ", ".join(own_areas(user.pk, owners))}
        )
    if is_lead:
        audit.auditors.filter(is_lead=True, removed_at__isnull=True).update(is_lead=False)
    auditor = InternalAuditor(
        audit=audit,
        user=user,
        external_name="" if user else external_name.strip(),
        external_organisation="" if user else external_organisation.strip(),
        is_lead=is_lead,
        independence_justification=independence_justification.strip(),
    )
    refuse_invalid(auditor, InternalAuditError, exclude=("audit", "user"))
    auditor.save()
    transition_record(subject=auditor, field="removed", from_state=None, to_state=False, actor=actor)
    return auditor, auditor_training_gaps(audit, user)


@transaction.atomic
def internal_auditor_remove(*, actor: User, auditor: InternalAuditor) -> InternalAuditor:
    auditor = InternalAuditor.objects.select_for_update().get(pk=auditor.pk)
    audit = _locked(auditor.audit)
    guard_planner(actor, audit.programme.organisation)
    if audit.status not in (InternalAuditStatus.PLANNED, InternalAuditStatus.IN_PROGRESS):
        raise InternalAuditError(_("Auditors change while the audit is planned or in progress."))
    if auditor.removed_at is None:
        auditor.removed_at = timezone.now()
        auditor.save(update_fields=["removed_at"])
        transition_record(subject=auditor, field="removed", from_state=False, to_state=True, actor=actor)
    return auditor


@transaction.atomic
def internal_audit_start(*, actor: User, audit: InternalAudit) -> InternalAudit:
    """planned → in progress; the checklist is drawn from the clauses in scope."""
    audit = _locked(audit)
    require(access.can_audit_internally(actor, audit), access.INTERNAL_AUDITORS_ONLY)
    if audit.status == InternalAuditStatus.IN_PROGRESS:
        return audit
    if audit.status != InternalAuditStatus.PLANNED:
        raise InternalAuditError(_("Only a planned audit starts."))
    if not audit.auditors.filter(removed_at__isnull=True).exists():
        raise InternalAuditError(_("Name at least one auditor before the audit starts."))
    ChecklistItem.objects.bulk_create(
        [ChecklistItem(audit=audit, clause=clause) for clause in audit.clauses.all()], ignore_conflicts=True
    )
    _status(audit, InternalAuditStatus.IN_PROGRESS, actor)
    audit.save(update_fields=["status"])
    return audit


@transaction.atomic
def checklist_item_save(*, actor: User, item: ChecklistItem, result: str, notes: str = "") -> ChecklistItem:
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    audit = InternalAudit.objects.select_related("programme__organisation").get(pk=item.audit_id)
    require(access.can_audit_internally(actor, audit), access.INTERNAL_AUDITORS_ONLY)
    if audit.status != InternalAuditStatus.IN_PROGRESS:
        raise InternalAuditError(_("The checklist is written while the audit is in progress."))
    previous = item.result
    item.result, item.notes = result, notes.strip()
    item.updated_by, item.updated_at = actor, timezone.now()
    refuse_invalid(item, InternalAuditError, exclude=("audit", "clause", "updated_by"), fields_only=True)
    item.save(update_fields=["result", "notes", "updated_by", "updated_at"])
    if previous != item.result:
        transition_record(
            subject=item, field="result", from_state=previous, to_state=item.result, actor=actor
        )
    return item


# --- Findings ----------------------------------------------------------------------------------


def _finding_guard(audit: InternalAudit, clause: Clause, process: Process | None, site: Site | None) -> None:
    if not clause.assessable or not audit.programme.editions.filter(pk=clause.edition_id).exists():
        raise InternalAuditError(_("Choose a clause of the programme's editions."))
    if process is not None and process.organisation_id != audit.programme.organisation_id:
        raise InternalAuditError(_("Choose a process of this organisation."))
    if site is not None and site.organisation_id != audit.programme.organisation_id:
        raise InternalAuditError(_("Choose a site of this organisation."))


def action_owner_for(finding: InternalFinding, audit: InternalAudit) -> User:
    """Who answers a nonconformity: the process owner if they may write actions; else the quality
    manager who planned the audit; else any active quality manager of the organisation."""
    organisation = audit.programme.organisation
    for candidate in (finding.process.owner if finding.process else None, audit.created_by):
        if (
            candidate is not None
            and tenancy.organisation_role(candidate, organisation) in tenancy.CONTRIBUTING_ROLES
        ):
            return candidate
    membership = (
        organisation.memberships.filter(is_active=True, role=OrganisationRole.QUALITY_MANAGER)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise InternalAuditError(
            _("The organisation has no quality manager to own the nonconformity's action.")
        )
    return membership.user


@transaction.atomic
def internal_finding_raise(
    *,
    actor: User,
    audit: InternalAudit,
    grade: str,
    clause: Clause,
    title: str,
    statement: str = "",
    evidence: str = "",
    process: Process | None = None,
    site: Site | None = None,
) -> InternalFinding:
    """Log a finding; a nonconformity opens its action in the register in the same transaction."""
    audit = _locked(audit)
    require(access.can_audit_internally(actor, audit), access.INTERNAL_AUDITORS_ONLY)
    if audit.status != InternalAuditStatus.IN_PROGRESS:
        raise InternalAuditError(_("Findings are logged while the audit is in progress."))
    _finding_guard(audit, clause, process, site)
    last = audit.findings.aggregate(last=Max("number"))["last"]
    finding = InternalFinding(
        audit=audit,
        number=(last or 0) + 1,
        grade=grade,
        clause=clause,
        process=process,
        site=site,
        title=title.strip(),
        statement=statement.strip(),
        evidence=evidence.strip(),
        created_by=actor,
    )
    refuse_invalid(finding, InternalAuditError, exclude=("audit", "clause", "process", "site", "created_by"))
    finding.save()
    if finding.is_nonconformity:
        action_create(
            actor=actor,
            organisation=audit.programme.organisation,
            source=ActionSource.INTERNAL_AUDIT,
            internal_finding=finding,
            clause=clause,
            site=site,
            title=f"{finding.reference} {finding.title}"[:200],
            description=finding.statement,
            owner=action_owner_for(finding, audit),
            due_on=None,
        )
    return finding


@transaction.atomic
def internal_finding_update(
    *,
    actor: User,
    finding: InternalFinding,
    grade: str,
    clause: Clause,
    title: str,
    statement: str = "",
    evidence: str = "",
    process: Process | None = None,
    site: Site | None = None,
) -> InternalFinding:
    """Until the report is issued. A grade may not move between nonconformity and not: withdraw the
    finding and log a new one (its action would otherwise be orphaned or missing)."""
    finding = InternalFinding.objects.select_for_update().get(pk=finding.pk)
    audit = _locked(finding.audit)
    require(access.can_audit_internally(actor, audit), access.INTERNAL_AUDITORS_ONLY)
    if audit.status != InternalAuditStatus.IN_PROGRESS or finding.withdrawn_at:
        raise InternalAuditError(_("A finding changes until the report is issued, unless withdrawn."))
    _finding_guard(audit, clause, process, site)
    was_nc = finding.is_nonconformity
    finding.grade, finding.clause, finding.process, finding.site = grade, clause, process, site
    if finding.is_nonconformity != was_nc:
        raise InternalAuditError(
            _(
                "A nonconformity stays a nonconformity, and another grade stays not one: "
                "withdraw the finding and log a new one."
            )
        )
    finding.title, finding.statement, finding.evidence = title.strip(), statement.strip(), evidence.strip()
    refuse_invalid(finding, InternalAuditError, exclude=("audit", "clause", "process", "site", "created_by"))
    finding.save()
    return finding


def _action_untouched(action: Action) -> bool:
    return action.status == ActionStatus.OPEN and not (
        action.correction or action.root_cause or action.corrective_action
    )


@transaction.atomic
def internal_finding_withdraw(*, actor: User, finding: InternalFinding, reason: str) -> InternalFinding:
    """Withdraw a finding logged in error, with a reason. Its action, still open and untouched, is
    cancelled with the same reason; once someone has worked on the action the finding stays."""
    finding = InternalFinding.objects.select_for_update().get(pk=finding.pk)
    audit = _locked(finding.audit)
    require(access.can_audit_internally(actor, audit), access.INTERNAL_AUDITORS_ONLY)
    if finding.withdrawn_at:
        return finding
    if audit.status != InternalAuditStatus.IN_PROGRESS:
        raise InternalAuditError(_("A finding is withdrawn until the report is issued."))
    if not reason.strip():
        raise InternalAuditError(_("Say why the finding is withdrawn."))
    action = Action.objects.select_for_update().filter(internal_finding=finding).first()
    if action is not None and not _action_untouched(action):
        raise InternalAuditError(
            _("Its action %(ref)s is already being worked on: the finding stays.") % {"ref": action.reference}
        )
    finding.withdrawn_at, finding.withdrawn_reason = timezone.now(), reason.strip()
    refuse_invalid(
        finding,
        InternalAuditError,
        exclude=("audit", "clause", "process", "site", "created_by"),
        fields_only=True,
    )
    finding.save(update_fields=["withdrawn_at", "withdrawn_reason"])
    transition_record(
        subject=finding, field="withdrawn", from_state=False, to_state=True, actor=actor, reason=reason
    )
    if action is not None:
        action.status, action.cancel_reason = ActionStatus.CANCELLED, finding.withdrawn_reason
        action.save(update_fields=["status", "cancel_reason"])
        transition_record(
            subject=action,
            field="status",
            from_state=ActionStatus.OPEN,
            to_state=ActionStatus.CANCELLED,
            actor=actor,
            reason=finding.withdrawn_reason,
        )
    return finding


# --- Report, close, cancel ---------------------------------------------------------------------


@transaction.atomic
def internal_audit_report_save(
    *, actor: User, audit: InternalAudit, conclusions: str, distribution: str
) -> InternalAudit:
    audit = _locked(audit)
    require(access.can_report_internal_audit(actor, audit), access.INTERNAL_REPORTERS_ONLY)
    if audit.status != InternalAuditStatus.IN_PROGRESS:
        raise InternalAuditError(
            _("The report is written while the audit is in progress; an issued one never changes.")
        )
    audit.conclusions, audit.distribution = conclusions.strip(), distribution.strip()
    refuse_invalid(audit, InternalAuditError, exclude=("programme", "created_by"), fields_only=True)
    audit.save(update_fields=["conclusions", "distribution"])
    return audit


def report_problems(audit: InternalAudit) -> list[str]:
    """What keeps the report from being issued, in words."""
    problems = []
    if not audit.conclusions.strip():
        problems.append(_("Write the conclusions."))
    if not audit.distribution.strip():
        problems.append(_("Name the managers the report goes to."))
    unchecked = audit.checklist.filter(result=ChecklistResult.NOT_CHECKED).count()
    if unchecked:
        problems.append(
            _("Check every clause of the checklist or mark it not applicable (%(n)d left).")
            % {"n": unchecked}
        )
    return problems


@transaction.atomic
def internal_audit_report_issue(*, actor: User, audit: InternalAudit) -> InternalAudit:
    """in progress → reported: the report is final (its PDF never changes)."""
    audit = _locked(audit)
    require(access.can_report_internal_audit(actor, audit), access.INTERNAL_REPORTERS_ONLY)
    if audit.status in (InternalAuditStatus.REPORTED, InternalAuditStatus.CLOSED):
        return audit
    if audit.status != InternalAuditStatus.IN_PROGRESS:
        raise InternalAuditError(_("Only an audit in progress issues its report."))
    problems = report_problems(audit)
    if problems:
        raise InternalAuditError(" ".join(problems))
    audit.reported_at = timezone.now()
    _status(audit, InternalAuditStatus.REPORTED, actor)
    audit.save(update_fields=["status", "reported_at"])
    return audit


def close_problems(audit: InternalAudit) -> list[str]:
    """DOMAIN §13.5: no nonconformity without a correction and a planned corrective action."""
    lacking = [
        f"{a.internal_finding.reference} ({a.reference})"
        for a in Action.objects.filter(
            internal_finding__audit=audit, internal_finding__withdrawn_at__isnull=True
        )
        .exclude(status=ActionStatus.CANCELLED)
        .select_related("internal_finding__audit")
        .order_by("internal_finding__number")
        if not (a.correction.strip() and a.corrective_action.strip())
    ]
    if lacking:
        return [
            _(
                "Each nonconformity's action needs a correction and a planned corrective action "
                "first: %(list)s."
            )
            % {"list": ", ".join(lacking)}
        ]
    return []


@transaction.atomic
def internal_audit_close(*, actor: User, audit: InternalAudit) -> InternalAudit:
    audit = _locked(audit)
    guard_planner(actor, audit.programme.organisation)
    if audit.status == InternalAuditStatus.CLOSED:
        return audit
    if audit.status != InternalAuditStatus.REPORTED:
        raise InternalAuditError(_("Only a reported audit closes."))
    problems = close_problems(audit)
    if problems:
        raise InternalAuditError(" ".join(problems))
    audit.closed_at = timezone.now()
    _status(audit, InternalAuditStatus.CLOSED, actor)
    audit.save(update_fields=["status", "closed_at"])
    return audit


@transaction.atomic
def internal_audit_cancel(*, actor: User, audit: InternalAudit, reason: str) -> InternalAudit:
    audit = _locked(audit)
    guard_planner(actor, audit.programme.organisation)
    if audit.status == InternalAuditStatus.CANCELLED:
        return audit
    if audit.status != InternalAuditStatus.PLANNED:
        raise InternalAuditError(_("Only a planned audit is cancelled; one under way is reported."))
    if not reason.strip():
        raise InternalAuditError(_("Say why the audit is cancelled."))
    _status(audit, InternalAuditStatus.CANCELLED, actor, reason=reason.strip())
    audit.save(update_fields=["status"])
    return audit
