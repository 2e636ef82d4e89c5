"""What a user may see and do in audits: gap analyses, programmes, audits and their teams.

Built on the tenancy of `organisations.access`. Views get records only through the `*_for(user)`
querysets (another tenant's record is a 404) and check the named predicates before a change (a
read-only role gets 403). Services re-check the same predicates for their actor with `require`
(see docs/architecture.md, "Access").
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from audits.enums import AssignmentStatus
from audits.models import Audit, AuditProgramme, GapAnalysis, TeamAssignment
from organisations import access as tenancy
from organisations.models import CertificationBody, Organisation

GAP_WRITERS_ONLY = _("Only the organisation's quality managers and contributors write its gap analyses.")
GAP_MANAGERS_ONLY = tenancy.MANAGERS_ONLY
PLANNERS_ONLY = _("Only the certification body's certification managers plan its programmes.")
OBJECTORS_ONLY = _("Only the client's quality manager may object to a team member.")
DECLARANT_ONLY = _("Only the team member declares their own conflicts of interest.")


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


# --- Audit programmes and audits: the CB's records, read by its staff and by the client ------


def programmes_for(user) -> QuerySet[AuditProgramme]:
    """The staff of the programme's CB, the members of the client organisation (read-only: the
    audit time and its justification are theirs to see, DOMAIN §3.1) and platform staff."""
    programmes = AuditProgramme.objects.select_related("organisation", "certification_body")
    if not tenancy.signed_in(user):
        return programmes.none()
    programmes = programmes.annotate(user_plans=_plans(user, "certification_body"))
    if user.is_staff:
        return programmes
    return programmes.filter(
        Q(certification_body__in=tenancy.cb_ids(user))
        | Q(organisation__in=tenancy.member_organisation_ids(user))
    )


def programmes_rw_for(user) -> QuerySet[AuditProgramme]:
    """The programmes the user plans: those of the CBs where they are a planner."""
    return programmes_for(user).filter(certification_body__in=planning_bodies(user))


def audits_for(user) -> QuerySet[Audit]:
    audits = Audit.objects.filter(programme__in=programmes_for(user)).select_related(
        "programme__organisation", "programme__certification_body"
    )
    return (
        audits.annotate(user_plans=_plans(user, "programme__certification_body"))
        if tenancy.signed_in(user)
        else audits
    )


def audits_rw_for(user) -> QuerySet[Audit]:
    return audits_for(user).filter(programme__certification_body__in=planning_bodies(user))


def planning_bodies(user) -> QuerySet[CertificationBody]:
    """The CBs for which the user plans programmes: certification managers and CB administrators."""
    return tenancy.bodies_with_role(user, tenancy.PLANNING_ROLES)


def plannable_clients(user) -> QuerySet[Organisation]:
    """The organisations the user may open a programme for."""
    return tenancy.clients_of(planning_bodies(user))


def can_plan(user, certification_body: CertificationBody) -> bool:
    """Open and change programmes, plan audits and compose teams for the CB."""
    return tenancy.has_cb_role(user, certification_body, tenancy.PLANNING_ROLES)


def _plans(user, certification_body: str) -> Exists:
    """`can_plan` as a column of a query (`user_plans`), so a page reads it with its record."""
    return Exists(
        tenancy.cb_memberships(user, tenancy.PLANNING_ROLES).filter(
            certification_body=OuterRef(certification_body)
        )
    )


def can_plan_record(user, record: AuditProgramme | Audit) -> bool:
    """`can_plan` for the record's CB, from the `user_plans` column of `programmes_for` and
    `audits_for` when the record came from them."""
    known = getattr(record, "user_plans", None)
    if known is not None:
        return known
    programme = record.programme if isinstance(record, Audit) else record
    return can_plan(user, programme.certification_body)


def can_object_to_team(user, organisation: Organisation) -> bool:
    """Object to a member of an audit team: the client's quality manager (DOMAIN §9.5)."""
    return tenancy.can_manage_organisation(user, organisation)


def can_declare(user, assignment: TeamAssignment) -> bool:
    """Declare conflicts of interest: the team member themself, while on the team."""
    return assignment.user_id == user.pk and assignment.status == AssignmentStatus.ACTIVE
