"""What a user may see and do in the organisation's own management system (DOMAIN §13).

Built on the tenancy of `organisations.access`: members of the organisation read; its quality
managers and contributors write; the staff of a CB serving it read only what the client shared
with it (rules 24 and 43); platform staff are not a party to it. Views get records only through
the `*_for(user)` querysets (another tenant's record is a 404) and check the named predicates
before a change (a read-only role gets 403).
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from improvement.enums import SoaStatus
from improvement.models import (
    Action,
    AuditorTraining,
    GapAnalysis,
    InternalAudit,
    InternalAuditProgramme,
    ManagementReview,
    Process,
    Readiness,
    StatementOfApplicability,
)
from organisations import access as tenancy
from organisations.enums import OrganisationRole
from organisations.models import Organisation

GAP_WRITERS_ONLY = _("Only the organisation's quality managers and contributors write its gap analyses.")
GAP_MANAGERS_ONLY = tenancy.MANAGERS_ONLY


# --- Gap analyses (rule 24): the client's own; CB staff read only what the client shared ----------


def gap_analyses_for(user) -> QuerySet[GapAnalysis]:
    """Members of the organisation see all of its analyses; staff of a CB serving it see those the
    client shared with its CB; platform staff see none (they are not a party to it)."""
    analyses = GapAnalysis.objects.select_related("organisation")
    if not tenancy.signed_in(user):
        return analyses.none()
    return analyses.filter(
        Q(organisation__in=tenancy.member_organisation_ids(user))
        | Q(shared_with_cb=True, organisation__in=tenancy.served_organisation_ids(user))
    )


def gap_analyses_rw_for(user) -> QuerySet[GapAnalysis]:
    """The analyses the user may still write: open ones of organisations they contribute to."""
    return gap_analyses_for(user).filter(
        organisation__in=tenancy.member_organisation_ids(user, tenancy.CONTRIBUTING_ROLES),
        completed_at__isnull=True,
    )


def can_write_gap_analysis(user, organisation: Organisation) -> bool:
    """Start, answer and attach evidence: client users who contribute; never CB staff (rule 24)."""
    return tenancy.can_contribute(user, organisation)


def can_conclude_gap_analysis(user, organisation: Organisation) -> bool:
    """Complete an analysis and decide whether the CB may read it: the quality manager."""
    return tenancy.can_manage_organisation(user, organisation)


# --- The action register and internal audits (rule 43): the client's own; no CB account reads or
# writes them (a shared readiness pack shows the CB what it holds of them, read-only) ---------------

ACTION_WRITERS_ONLY = _(
    "Only the organisation's quality managers, and contributors for the actions they own, change actions."
)
ACTION_RAISERS_ONLY = _("Only the organisation's quality managers and contributors raise actions.")
REVIEWERS_ONLY = _("Only a quality manager of the organisation records the effectiveness review.")
INTERNAL_AUDIT_MANAGERS_ONLY = _("Only a quality manager of the organisation plans its internal audits.")


def actions_for(user) -> QuerySet[Action]:
    """Every member of the organisation reads its register; nobody else (rule 43)."""
    actions = Action.objects.select_related("organisation", "owner")
    if not tenancy.signed_in(user):
        return actions.none()
    return actions.filter(organisation__in=tenancy.member_organisation_ids(user))


def can_raise_action(user, organisation: Organisation) -> bool:
    """Enter an action by hand: quality managers and contributors."""
    return tenancy.can_contribute(user, organisation)


def can_write_action(user, action: Action) -> bool:
    """Edit it and move it along: its organisation's quality managers, and a contributor who owns it."""
    role = tenancy.organisation_role(user, action.organisation)
    if role == OrganisationRole.QUALITY_MANAGER:
        return True
    return role == OrganisationRole.CONTRIBUTOR and action.owner_id == user.pk


def can_review_action(user, action: Action) -> bool:
    """Record the effectiveness review (rule 42): a quality manager of the organisation."""
    return tenancy.can_manage_organisation(user, action.organisation)


def internal_programmes_for(user) -> QuerySet[InternalAuditProgramme]:
    programmes = InternalAuditProgramme.objects.select_related("organisation")
    if not tenancy.signed_in(user):
        return programmes.none()
    return programmes.filter(organisation__in=tenancy.member_organisation_ids(user))


def internal_audits_for(user) -> QuerySet[InternalAudit]:
    audits = InternalAudit.objects.select_related("programme__organisation")
    if not tenancy.signed_in(user):
        return audits.none()
    return audits.filter(programme__organisation__in=tenancy.member_organisation_ids(user))


def can_plan_internal_audits(user, organisation: Organisation) -> bool:
    """Programmes, audits, processes and the internal auditors' training: quality managers."""
    return tenancy.can_manage_organisation(user, organisation)


# --- Internal audits: who audits, who reports -----------------------------------------------

INTERNAL_AUDITORS_ONLY = _(
    "Only the organisation's quality managers, and contributors who are auditors of this audit, "
    "write its checklist and findings."
)
INTERNAL_REPORTERS_ONLY = _(
    "Only a quality manager of the organisation or the lead auditor writes the report."
)


def _active_auditor(user, audit: InternalAudit, *, lead: bool = False) -> bool:
    auditors = audit.auditors.filter(user=user, removed_at__isnull=True)
    return (auditors.filter(is_lead=True) if lead else auditors).exists()


def can_audit_internally(user, audit: InternalAudit) -> bool:
    """Start the audit, write its checklist and findings: quality managers, and a contributor who is
    one of its auditors."""
    role = tenancy.organisation_role(user, audit.programme.organisation)
    if role == OrganisationRole.QUALITY_MANAGER:
        return True
    return role == OrganisationRole.CONTRIBUTOR and _active_auditor(user, audit)


def can_report_internal_audit(user, audit: InternalAudit) -> bool:
    """Write and issue the report: quality managers, and the lead auditor if a contributor."""
    role = tenancy.organisation_role(user, audit.programme.organisation)
    if role == OrganisationRole.QUALITY_MANAGER:
        return True
    return role == OrganisationRole.CONTRIBUTOR and _active_auditor(user, audit, lead=True)


def member_organisations(user) -> QuerySet[Organisation]:
    """The organisations whose own management system the user reads: theirs only; a CB serving
    one sees none of it (rule 43)."""
    return Organisation.objects.filter(pk__in=tenancy.member_organisation_ids(user))


def processes_for(user) -> QuerySet[Process]:
    return Process.objects.select_related("organisation").filter(
        organisation__in=tenancy.member_organisation_ids(user)
    )


def trainings_for(user) -> QuerySet[AuditorTraining]:
    return AuditorTraining.objects.select_related("membership__organisation").filter(
        membership__organisation__in=tenancy.member_organisation_ids(user)
    )


# --- Management reviews (HS 9.3, rules 41, 43): the client's own; no CB account reads them except
# through a shared readiness pack (`readiness_for`), which shows them itself ----------------------

REVIEW_MANAGERS_ONLY = _(
    "Only a quality manager of the organisation plans, holds and approves its management reviews."
)
REVIEW_WRITERS_ONLY = _(
    "Only the organisation's quality managers and contributors prepare its management reviews."
)


def reviews_for(user) -> QuerySet[ManagementReview]:
    reviews = ManagementReview.objects.select_related("organisation")
    if not tenancy.signed_in(user):
        return reviews.none()
    return reviews.filter(organisation__in=tenancy.member_organisation_ids(user))


def can_plan_reviews(user, organisation: Organisation) -> bool:
    """Plan a review, set its attendees, mark it held, approve its minutes, cancel it, and turn a
    decision into an action: quality managers."""
    return tenancy.can_manage_organisation(user, organisation)


def can_prepare_review(user, organisation: Organisation) -> bool:
    """Address the inputs and note the decisions: quality managers and contributors."""
    return tenancy.can_contribute(user, organisation)


# --- The Statement of Applicability (rule 8, rule 43): members read every version; the staff of a
# CB serving the organisation read its approved versions that are shared, by themselves or through
# the shared readiness pack of their edition --------------------------------------------------------

SOA_WRITERS_ONLY = _(
    "Only the organisation's quality managers and contributors write its Statement of Applicability."
)
SOA_MANAGERS_ONLY = _(
    "Only a quality manager of the organisation approves and shares its Statement of Applicability."
)


def soas_for(user) -> QuerySet[StatementOfApplicability]:
    soas = StatementOfApplicability.objects.select_related("organisation", "edition__standard")
    if not tenancy.signed_in(user):
        return soas.none()
    pack_shared = Exists(
        Readiness.objects.filter(
            organisation=OuterRef("organisation"), edition=OuterRef("edition"), shared_with_cb=True
        )
    )
    return soas.filter(
        Q(organisation__in=tenancy.member_organisation_ids(user))
        | (
            Q(status=SoaStatus.APPROVED, organisation__in=tenancy.served_organisation_ids(user))
            & (Q(shared_with_cb=True) | Q(pack_shared))
        )
    )


def can_write_soa(user, organisation: Organisation) -> bool:
    """Draft a version (by hand or from a gap analysis) and fill in its controls."""
    return tenancy.can_contribute(user, organisation)


def can_approve_soa(user, organisation: Organisation) -> bool:
    """Record the approval, start a new version, share a version with the CB: quality managers."""
    return tenancy.can_manage_organisation(user, organisation)


# --- Readiness for stage 1 (DOMAIN §13.5, rule 43): members read the task list; the staff of a CB
# serving the organisation read a pack only while it is shared ---------------------------------------

READINESS_MANAGERS_ONLY = _(
    "Only a quality manager of the organisation writes its scope and shares its readiness pack."
)


def readiness_for(user) -> QuerySet[Readiness]:
    rows = Readiness.objects.select_related("organisation", "edition__standard")
    if not tenancy.signed_in(user):
        return rows.none()
    return rows.filter(
        Q(organisation__in=tenancy.member_organisation_ids(user))
        | Q(shared_with_cb=True, organisation__in=tenancy.served_organisation_ids(user))
    )


def can_manage_readiness(user, organisation: Organisation) -> bool:
    """Write the scope, choose its sites and processes, share and un-share the pack."""
    return tenancy.can_manage_organisation(user, organisation)
