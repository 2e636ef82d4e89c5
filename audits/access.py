"""What a user may see and do in audits: programmes, audits, their teams and findings.

Built on the tenancy of `organisations.access`. Views get records only through the `*_for(user)`
querysets (another tenant's record is a 404) and check the named predicates before a change (a
read-only role gets 403). Services re-check the same predicates for their actor with `require`
(see docs/architecture.md, "Access").
"""

import functools
import operator
from dataclasses import dataclass

from django.db.models import BooleanField, CharField, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.utils.translation import gettext_lazy as _

from audits.enums import AssignmentStatus, TeamRole
from audits.models import Audit, AuditProgramme, Finding, TeamAssignment
from organisations import access as tenancy
from organisations.enums import CBRole
from organisations.models import CBMembership, CertificationBody, Organisation

# CB staff who see every audit of their CB; auditors see only the audits they are on (need to know)
OVERSIGHT_ROLES = (*tenancy.PLANNING_ROLES, CBRole.REVIEWER)
# CB staff who accept or reject the client's responses and close nonconformities (rule 21),
# besides the audit's own lead auditor
REVIEWING_ROLES = (CBRole.CERTIFICATION_MANAGER, CBRole.REVIEWER)
# Team members who raise findings
FINDING_ROLES = (TeamRole.LEAD, TeamRole.AUDITOR)

PLANNERS_ONLY = _("Only the certification body's certification managers plan its programmes.")
OBJECTORS_ONLY = _("Only the client's quality manager may object to a team member.")
DECLARANT_ONLY = _("Only the team member declares their own conflicts of interest.")
LEAD_ONLY = _("Only the audit's lead auditor does this.")
TEAM_ONLY = _("Only the audit's lead auditor and auditors log findings.")
RESPONDERS_ONLY = _("Only the client's quality managers and contributors answer nonconformities.")
REVIEWERS_ONLY = _(
    "Only the CB's reviewers and the audit's lead auditor accept, reject and close nonconformities (rule 21)."
)
CLIENT_NEVER_REVIEWS = _(
    "Rule 21: a member of the client organisation never reviews its answers, even one who also works "
    "for the CB. Ask another reviewer of the CB."
)
OWN_ANSWER = _(
    "Rule 21: nobody reviews or verifies an answer they submitted. Ask another reviewer of the CB."
)
ACKNOWLEDGERS_ONLY = _("Only the client's quality manager acknowledges the audit plan.")


# --- Audit programmes and audits: the CB's records, read by its staff and by the client ------


def programmes_for(user) -> QuerySet[AuditProgramme]:
    """The CB's certification managers, administrators and reviewers, the auditors on one of its
    audits (need to know), the members of the client organisation (read-only: the audit time and
    its justification are theirs to see, DOMAIN §3.1) and platform staff."""
    programmes = AuditProgramme.objects.select_related("organisation", "certification_body")
    if not tenancy.signed_in(user):
        return programmes.none()
    kinds = tenancy.memberships_of(user)
    programmes = programmes.annotate(
        user_plans=_plans(user, "certification_body") if kinds.is_cb_staff else Value(False)
    )
    if user.is_staff:
        return programmes
    return programmes.filter(
        _seen_by(
            user,
            kinds,
            body="certification_body",
            organisation="organisation",
            team=Q(pk__in=_teams_of(user).values("audit__programme_id")),
        )
    )


def _seen_by(user, kinds: tenancy.Memberships, *, body: str, organisation: str, team: Q) -> Q:
    """Who sees a programme or an audit: the CB's overseers, the client's members, the team. Only
    the conditions that can hold for the user's kinds of membership go into the query: compiling
    the others costs more than the query itself on a page."""
    seen = []
    if kinds.is_cb_staff:
        seen += [Q(**{f"{body}__in": oversight_bodies(user).order_by().values("pk")}), team]
    if kinds.is_client:
        seen.append(Q(**{f"{organisation}__in": tenancy.member_organisation_ids(user).order_by()}))
    return functools.reduce(operator.or_, seen) if seen else Q(pk__in=[])


def programmes_rw_for(user) -> QuerySet[AuditProgramme]:
    """The programmes the user plans: those of the CBs where they are a planner."""
    return programmes_for(user).filter(certification_body__in=planning_bodies(user))


def audits_for(user) -> QuerySet[Audit]:
    """Like `programmes_for`, except that an auditor sees only the audits whose team includes them.
    Each audit carries `user_plans` and `user_role` (the user's role on its team, or None)."""
    audits = Audit.objects.select_related("programme__organisation", "programme__certification_body")
    if not tenancy.signed_in(user):
        return audits.none()
    kinds = tenancy.memberships_of(user)
    if kinds.is_cb_staff:
        audits = audits.annotate(
            user_plans=_plans(user, "programme__certification_body"),
            user_role=Subquery(_teams_of(user).filter(audit=OuterRef("pk")).values("role")[:1]),
        )
    else:
        audits = audits.annotate(user_plans=Value(False), user_role=Value(None, output_field=CharField()))
    if user.is_staff:
        return audits
    return audits.filter(
        _seen_by(
            user,
            kinds,
            body="programme__certification_body",
            organisation="programme__organisation",
            team=Q(pk__in=_teams_of(user).values("audit_id")),
        )
    )


def programme_audits(user, programme: AuditProgramme) -> QuerySet[Audit]:
    """The programme's audits the user sees. Its planners see them all, read without the
    per-user columns of `audits_for` (a planner plans every audit of the programme)."""
    if can_plan_record(user, programme):
        return programme.audits.annotate(user_plans=Value(True))
    return audits_for(user).filter(programme=programme)


def team_audits(user, role: str | None = None) -> QuerySet[Audit]:
    """The audits whose team includes the user (in this role): a part of `audits_for` that needs
    none of its per-user columns (the user's own work lists)."""
    teams = _teams_of(user) if role is None else _teams_of(user).filter(role=role)
    return Audit.objects.filter(pk__in=teams.values("audit_id"))


@dataclass(frozen=True)
class Reach:
    """What a user's memberships reach, read once as ids: a page that filters several tables by
    them (the calendar) compiles plain lists instead of nested subqueries. The same rules as
    `audits_for` (tests/audits/test_access.py holds them equal for every persona)."""

    everything: bool = False  # platform staff
    bodies: frozenset[int] = frozenset()  # the CBs the user works for, in any role
    oversight_bodies: frozenset[int] = frozenset()  # active CBs whose every audit the user sees
    organisations: frozenset[int] = frozenset()  # the organisations the user is a member of
    team_audits: frozenset[int] = frozenset()  # the audits whose team includes the user

    def audits_q(self, prefix: str = "") -> Q:
        """The audits (or, with a prefix such as "audit__", the records of audits) the user sees."""
        if self.everything:
            return Q()
        return (
            Q(**{f"{prefix}programme__certification_body_id__in": self.oversight_bodies})
            | Q(**{f"{prefix}pk__in" if not prefix else f"{prefix}id__in": self.team_audits})
            | Q(**{f"{prefix}programme__organisation_id__in": self.organisations})
        )


def reach_of(user) -> Reach:
    """One query (the user's CB memberships, organisation memberships and teams, as one list);
    none for the signed out or platform staff."""
    if not tenancy.signed_in(user):
        return Reach()
    if user.is_staff:
        return Reach(everything=True)
    flag, text = BooleanField(), CharField()
    rows = (
        CBMembership.objects.filter(user=user, is_active=True)
        .order_by()
        .values_list(Value("cb", text), "certification_body_id", "role", "certification_body__is_active")
        .union(
            tenancy.member_organisation_ids(user)
            .order_by()
            .values_list(Value("organisation", text), "organisation_id", Value("", text), Value(True, flag)),
            _teams_of(user).values_list(Value("team", text), "audit_id", Value("", text), Value(True, flag)),
            all=True,
        )
    )
    found: dict[str, set[int]] = {"cb": set(), "oversight": set(), "organisation": set(), "team": set()}
    for kind, pk, role, body_active in rows:
        found[kind].add(pk)
        if kind == "cb" and body_active and role in OVERSIGHT_ROLES:
            found["oversight"].add(pk)
    return Reach(
        bodies=frozenset(found["cb"]),
        oversight_bodies=frozenset(found["oversight"]),
        organisations=frozenset(found["organisation"]),
        team_audits=frozenset(found["team"]),
    )


def findings_for(user) -> QuerySet[Finding]:
    """The findings of the audits the user sees."""
    return Finding.objects.filter(audit__in=audits_for(user).values("pk"))


def oversight_bodies(user) -> QuerySet[CertificationBody]:
    return tenancy.bodies_with_role(user, OVERSIGHT_ROLES)


def _teams_of(user) -> QuerySet[TeamAssignment]:
    """The user's places on teams, unordered: as a subquery, the model's ordering would join the
    users table for nothing."""
    return TeamAssignment.objects.filter(user=user, status=AssignmentStatus.ACTIVE).order_by()


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
        tenancy.cb_memberships(user, tenancy.PLANNING_ROLES)
        .filter(certification_body=OuterRef(certification_body))
        .order_by()
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


# --- The audit itself: plan, findings, responses, report ------------------------------------------


def team_role(user, audit: Audit) -> str | None:
    """The user's role on the audit's team (active assignments), from `user_role` when the audit
    came from `audits_for`."""
    if not tenancy.signed_in(user):
        return None
    if hasattr(audit, "user_role"):
        return audit.user_role
    return _teams_of(user).filter(audit=audit).values_list("role", flat=True).first()


def can_lead(user, audit: Audit) -> bool:
    """Draft and send the plan, start and end the fieldwork, write and issue the report."""
    return team_role(user, audit) == TeamRole.LEAD


def can_log_findings(user, audit: Audit) -> bool:
    return team_role(user, audit) in FINDING_ROLES


def can_respond(user, organisation: Organisation) -> bool:
    """Answer nonconformities with cause, correction, action and evidence: client contributors."""
    return tenancy.can_contribute(user, organisation)


def can_acknowledge_plan(user, organisation: Organisation) -> bool:
    return tenancy.can_manage_organisation(user, organisation)


def reviewable_q(user, prefix: str = "") -> Q:
    """`can_review` as a filter of findings (with `prefix`, of what points to them): those of the
    CBs where the user is a reviewer or certification manager, and those of the audits they lead,
    never those of a client the user is a member of."""
    leads = _teams_of(user).filter(role=TeamRole.LEAD)
    bodies = tenancy.bodies_with_role(user, REVIEWING_ROLES)
    clients = tenancy.member_organisation_ids(user).order_by()
    return (
        Q(**{f"{prefix}audit__programme__certification_body__in": bodies})
        | Q(**{f"{prefix}audit__in": leads.values("audit_id")})
    ) & ~Q(**{f"{prefix}audit__programme__organisation__in": clients})


def review_refusal(user, audit: Audit) -> str | None:
    """Why the user may not accept or reject responses nor verify closure (rule 21), or None: the
    CB's reviewers and certification managers and the audit's lead auditor review, and never one
    who is also a member of the client (organisations.independence keeps such people out; this
    holds even if one slipped through)."""
    body = audit.programme.certification_body
    if not (can_lead(user, audit) or tenancy.has_cb_role(user, body, REVIEWING_ROLES)):
        return REVIEWERS_ONLY
    organisation = audit.programme.organisation
    if tenancy.memberships_of(user).is_client and tenancy.organisation_role(user, organisation):
        return CLIENT_NEVER_REVIEWS
    return None


def can_review(user, audit: Audit) -> bool:
    """Accept or reject responses and verify closure (rule 21): see `review_refusal`."""
    return review_refusal(user, audit) is None


# --- Drafts of the plan and the report: the team and the CB's staff read them while written; the
# client reads the plan once it is sent and the report once it is issued ---------------------------


def reads_drafts(user, audit: Audit) -> bool:
    """For an audit read through `audits_for` (its `user_role` and `user_plans` came with it): no
    query unless the user belongs to some client organisation. `client_only` is its SQL twin."""
    if user.is_staff or getattr(audit, "user_role", None) is not None or getattr(audit, "user_plans", False):
        return True
    if not tenancy.memberships_of(user).is_client:
        return True
    return tenancy.organisation_role(user, audit.programme.organisation) is None


def client_only(user) -> Q:
    """Audits the user sees only as a member of the client (not on the team, not planning): the
    ones whose drafts they do not read (`reads_drafts`). Applies to `audits_for(user)`."""
    return Q(programme__organisation__in=tenancy.member_organisation_ids(user), user_role__isnull=True) & ~Q(
        user_plans=True
    )
