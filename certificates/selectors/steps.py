"""The next steps of the certification cycle that wait for a CB's staff (DOMAIN §1, §10): a
programme to approve, an audit's team to confirm and notify, its plan to send, its report to finish
and issue, a certification decision to take, a certificate to issue, a suspension to resolve.

None of them is stored: each is read from the records that make it due (a programme still being
planned, an audit's status, a reported audit with no decision, a revision not issued, a suspended
certificate), so it leaves the work queue the moment the step is taken. Each source gives the
work queue its keys (`queue.KEY_FIELDS`, merged and sorted in SQL) and builds one page's rows.

When a step is due where no rule of DOMAIN.md sets a day, a setting does (CB policy):
`REPORT_ISSUE_DAYS` after the audit's last day, `DECISION_DAYS` after its report was issued,
`CERTIFICATE_ISSUE_DAYS` after the decision. A team is confirmed and notified by the CB's team
notice period before the audit (rule 25), a plan sent by the audit's first day, a suspension
resolved by its deadline (rule 14).
"""

import datetime
from functools import cached_property

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    DateField,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audits import access as audit_access
from audits.enums import (
    DECIDING_KINDS,
    REPORTED_STATUSES,
    AssignmentStatus,
    AuditKind,
    AuditStatus,
    ProgrammeStatus,
    TeamRole,
)
from audits.models import Audit, AuditProgramme, AuditReport, ProgrammeEdition, TeamAssignment
from certificates import access as certificate_access
from certificates.enums import CertificateStatus, DecisionKind, RevisionStatus, TaskStatus
from certificates.models import Certificate, CertificateRevision, Decision, Task
from core.expressions import DaysAfter, DaysBefore
from core.listing import labels_of
from organisations.models import User

PROGRAMME_APPROVE = "programme_approve"
TEAM_CONFIRM = "team_confirm"
TEAM_NOTIFY = "team_notify"
PLAN_SEND = "plan_send"
REPORT_ISSUE = "report_issue"
DECISION_TAKE = "decision_take"
CERTIFICATE_ISSUE = "certificate_issue"
SUSPENSION_RESOLVE = "suspension_resolve"
# In the order of the cycle (the work queue's order between steps due the same day)
STEP_KINDS = [
    (PROGRAMME_APPROVE, gettext_lazy("Programme to approve")),
    (TEAM_CONFIRM, gettext_lazy("Audit team to confirm")),
    (TEAM_NOTIFY, gettext_lazy("Audit team to notify to the client")),
    (PLAN_SEND, gettext_lazy("Audit plan to send")),
    (REPORT_ISSUE, gettext_lazy("Audit report to finish and issue")),
    (DECISION_TAKE, gettext_lazy("Certification decision to take")),
    (CERTIFICATE_ISSUE, gettext_lazy("Certificate to issue")),
    (SUSPENSION_RESOLVE, gettext_lazy("Suspension to resolve")),
]
STEP_RANK = {kind: position for position, (kind, _label) in enumerate(STEP_KINDS)}
AUDIT_STEPS = (TEAM_CONFIRM, TEAM_NOTIFY, PLAN_SEND, REPORT_ISSUE)
# The steps the audit's lead auditor takes (the others are the certification managers')
LEAD_STEPS = (PLAN_SEND, REPORT_ISSUE)
# The decision each audit a decision waits for (`audits.enums.DECIDING_KINDS`) asks for
DECIDED_BY = {
    AuditKind.STAGE2: DecisionKind.INITIAL,
    AuditKind.RECERTIFICATION: DecisionKind.RECERTIFICATION,
    AuditKind.SPECIAL_SCOPE_EXTENSION: DecisionKind.SCOPE_EXTENSION,
    AuditKind.TRANSITION: DecisionKind.TRANSITION,
}


def lead_of_audit(audit: str = "pk") -> Subquery:
    """The audit's active lead auditor (`audit`: the outer query's reference to the audit)."""
    lead = TeamAssignment.objects.filter(
        audit=OuterRef(audit), role=TeamRole.LEAD, status=AssignmentStatus.ACTIVE
    )
    return Subquery(lead.order_by("pk").values("user_id")[:1])


def _days(name: str) -> int:
    return int(getattr(settings, name))


def _rank(kind: str) -> Value:
    return Value(STEP_RANK[kind])


class Reader:
    """Who reads the steps: which of their CBs they plan for and decide for, read once a page,
    and the names of the people a page's rows name."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def planning(self) -> set[int]:
        return set(audit_access.planning_bodies(self.user).values_list("pk", flat=True))

    @cached_property
    def deciding(self) -> set[int]:
        return set(certificate_access.deciding_bodies(self.user).values_list("pk", flat=True))

    @staticmethod
    def names(pks: set[int]) -> dict[int, str]:
        people = User.objects.filter(pk__in=pks).values_list("pk", "full_name", "email")
        return {pk: name or email for pk, name, email in people}


# --- a programme to approve --------------------------------------------------------------------


def programme_keys(bodies: list[int], *, programme: int | None, mine_of=None) -> QuerySet[AuditProgramme]:
    """Programmes still being planned, due by their first audit's first day (by the day they were
    opened when no audit is planned yet)."""
    programmes = AuditProgramme.objects.filter(status=ProgrammeStatus.DRAFT, certification_body__in=bodies)
    if programme:
        programmes = programmes.filter(pk=programme)
    if mine_of is not None:
        programmes = programmes.filter(created_by=mine_of)
    first_audit = (
        Audit.objects.filter(programme=OuterRef("pk"))
        .exclude(status=AuditStatus.CANCELLED)
        .order_by()
        .values("programme")
        .annotate(first=Min("starts_on"))
        .values("first")
    )
    return programmes.annotate(
        queue_source=Value("programme"),
        queue_key=F("pk"),
        queue_rank=_rank(PROGRAMME_APPROVE),
        due=Coalesce(Subquery(first_audit), TruncDate("created_at"), output_field=DateField()),
        organisation_name=F("organisation__name"),
    )


def programme_rows(pks: list[int], reader) -> dict[int, dict]:
    found = AuditProgramme.objects.filter(pk__in=pks).values_list(
        "pk", "organisation__name", "certification_body_id", "created_by_id"
    )
    found = list(found)
    owners = reader.names({owner_id for *_rest, owner_id in found})
    return {
        pk: {
            "kind": PROGRAMME_APPROVE,
            "subject": AuditProgramme.reference_of(pk),
            "url": reverse("audits:programme_detail", args=[pk]),
            "organisation": organisation,
            "owner": owners.get(owner_id, ""),
            "owner_id": owner_id,
            "action": _("Approve the programme") if body in reader.planning else "",
        }
        for pk, organisation, body, owner_id in found
    }


# --- an audit's team, plan and report ---------------------------------------------------------


def _audit_subject(kind: str, pk: int, programme_id: int) -> str:
    return f"{kind} {Audit.reference_of(pk)} — {AuditProgramme.reference_of(programme_id)}"


def _audit_step():
    """The audit's next step, by its status (a team confirmed but not yet notified to the client
    is notified before the plan is sent; a short-notice audit is exempt from the notice)."""
    return Case(
        When(status=AuditStatus.PLANNED, then=Value(TEAM_CONFIRM)),
        When(
            status=AuditStatus.TEAM_ASSIGNED,
            team_notified_on__isnull=True,
            short_notice=False,
            then=Value(TEAM_NOTIFY),
        ),
        When(status=AuditStatus.TEAM_ASSIGNED, then=Value(PLAN_SEND)),
        default=Value(REPORT_ISSUE),
        output_field=CharField(),
    )


def _audit_due():
    notice = DaysBefore(F("starts_on"), F("programme__certification_body__team_notice_days"))
    return Case(
        When(audit_step__in=(TEAM_CONFIRM, TEAM_NOTIFY), short_notice=False, then=notice),
        When(audit_step__in=(TEAM_CONFIRM, TEAM_NOTIFY, PLAN_SEND), then=F("starts_on")),
        default=DaysAfter(F("ends_on"), Value(_days("REPORT_ISSUE_DAYS"))),
        output_field=DateField(),
    )


def audit_keys(
    bodies: list[int],
    user,
    *,
    today: datetime.date,
    programme: int | None,
    kinds: tuple[str, ...],
    mine: bool,
) -> QuerySet[Audit]:
    """The audits of approved programmes whose team, plan or report waits: a team or plan for an
    audit that starts within `QUEUE_PLANNING_DAYS` (any when a programme is read alone), a report
    once the audit's last day has passed or its fieldwork is done. Those of the CBs in `bodies`,
    and the plans and reports of the audits `user` leads (all of them, and only them, if `mine`)."""
    planning = Q(status__in=(AuditStatus.PLANNED, AuditStatus.TEAM_ASSIGNED))
    if not programme:
        planning &= Q(starts_on__lte=today + datetime.timedelta(days=_days("QUEUE_PLANNING_DAYS")))
    reporting = Q(status=AuditStatus.IN_PROGRESS, ends_on__lt=today) | Q(status=AuditStatus.FIELDWORK_DONE)
    audits = Audit.objects.filter(planning | reporting, programme__status=ProgrammeStatus.APPROVED)
    if programme:
        audits = audits.filter(programme=programme)
    audits = audits.annotate(audit_step=_audit_step(), lead_pk=lead_of_audit())
    if set(kinds) != set(AUDIT_STEPS):
        audits = audits.filter(audit_step__in=kinds)
    led = Q(audit_step__in=LEAD_STEPS, lead_pk=user.pk)
    audits = audits.filter(led if mine else led | Q(programme__certification_body__in=bodies))
    return audits.annotate(
        queue_source=Value("audit"),
        queue_key=F("pk"),
        queue_rank=Case(*(When(audit_step=step, then=_rank(step)) for step in AUDIT_STEPS)),
        due=_audit_due(),
        organisation_name=F("programme__organisation__name"),
    )


def audit_rows(pks: list[int], reader) -> dict[int, dict]:
    found = list(
        Audit.objects.filter(pk__in=pks)
        .annotate(audit_step=_audit_step(), lead_pk=lead_of_audit())
        .values_list(
            "pk",
            "audit_step",
            "kind",
            "programme_id",
            "programme__organisation__name",
            "programme__certification_body_id",
            "lead_pk",
        )
    )
    leads = reader.names({row[-1] for row in found if row[-1]})
    kinds = labels_of(AuditKind)
    verbs = {
        TEAM_CONFIRM: _("Confirm the team"),
        TEAM_NOTIFY: _("Notify the team to the client"),
        PLAN_SEND: _("Send the plan"),
        REPORT_ISSUE: _("Finish and issue the report"),
    }
    rows = {}
    for pk, step, kind, programme_id, organisation, body, lead_pk in found:
        acts = lead_pk == reader.user.pk if step in LEAD_STEPS else body in reader.planning
        rows[pk] = {
            "kind": step,
            "subject": _audit_subject(kinds[kind], pk, programme_id),
            "url": reverse("audits:audit_detail", args=[pk]),
            "organisation": organisation,
            "owner": leads.get(lead_pk, "") if step in LEAD_STEPS else "",
            "owner_id": lead_pk if step in LEAD_STEPS else None,
            "action": verbs[step] if acts else "",
        }
    return rows


# --- a certification decision to take ----------------------------------------------------------


def decision_keys(bodies: list[int], *, programme: int | None) -> QuerySet[Audit]:
    """The reported audits a decision waits for: a standard of their programme that no decision
    fed by the audit has decided yet (rule 29: one decision per standard). Due `DECISION_DAYS`
    after the report was issued."""
    decided = Decision.objects.filter(audits=OuterRef(OuterRef("pk")), edition_id=OuterRef("edition_id"))
    undecided = ProgrammeEdition.objects.filter(programme=OuterRef("programme")).exclude(Exists(decided))
    audits = Audit.objects.filter(
        Exists(undecided),
        kind__in=DECIDING_KINDS,
        status__in=REPORTED_STATUSES,
        programme__certification_body__in=bodies,
    )
    if programme:
        audits = audits.filter(programme=programme)
    # the report's day read for the audits found only (a join would read every report first)
    report_day = AuditReport.objects.filter(audit=OuterRef("pk")).values(day=TruncDate("issued_at"))
    issued = Coalesce(Subquery(report_day), F("ends_on"), output_field=DateField())
    return audits.annotate(
        queue_source=Value("decision"),
        queue_key=F("pk"),
        queue_rank=_rank(DECISION_TAKE),
        due=DaysAfter(issued, Value(_days("DECISION_DAYS"))),
        organisation_name=F("programme__organisation__name"),
    )


def decision_rows(pks: list[int], reader) -> dict[int, dict]:
    found = Audit.objects.filter(pk__in=pks).values_list(
        "pk", "kind", "programme_id", "programme__organisation__name", "programme__certification_body_id"
    )
    kinds = labels_of(AuditKind)
    rows = {}
    for pk, kind, programme_id, organisation, body in found:
        decide = reverse("certificates:decision_add", args=[programme_id]) + f"?kind={DECIDED_BY[kind].value}"
        rows[pk] = {
            "kind": DECISION_TAKE,
            "subject": _audit_subject(kinds[kind], pk, programme_id),
            "url": reverse("audits:audit_detail", args=[pk]),
            "action_url": decide,
            "organisation": organisation,
            "owner": "",
            "owner_id": None,
            "action": _("Record the decision") if body in reader.deciding else "",
        }
    return rows


# --- a certificate to issue --------------------------------------------------------------------


def draft_keys(bodies: list[int], *, programme: int | None) -> QuerySet[CertificateRevision]:
    """Revisions a granting decision drafted and nobody issued yet."""
    drafts = CertificateRevision.objects.filter(
        status=RevisionStatus.DRAFT, certificate__certification_body__in=bodies
    )
    if programme:
        drafts = drafts.filter(decision__programme=programme)
    return drafts.annotate(
        queue_source=Value("draft"),
        queue_key=F("pk"),
        queue_rank=_rank(CERTIFICATE_ISSUE),
        due=DaysAfter(F("decision__decided_on"), Value(_days("CERTIFICATE_ISSUE_DAYS"))),
        organisation_name=F("certificate__organisation__name"),
    )


def draft_rows(pks: list[int], reader) -> dict[int, dict]:
    found = CertificateRevision.objects.filter(pk__in=pks).values_list(
        "pk",
        "revision",
        "certificate_id",
        "certificate__number",
        "certificate__organisation__name",
        "certificate__certification_body_id",
    )
    return {
        pk: {
            "kind": CERTIFICATE_ISSUE,
            "subject": _("%(number)s, revision %(revision)s") % {"number": number, "revision": revision},
            "url": reverse("certificates:certificate_detail", args=[certificate_id]),
            "organisation": organisation,
            "owner": "",
            "owner_id": None,
            "action": _("Issue the certificate") if body in reader.deciding else "",
        }
        for pk, revision, certificate_id, number, organisation, body in found
    }


# --- a suspension to resolve -------------------------------------------------------------------


def suspension_keys(bodies: list[int], *, programme: int | None) -> QuerySet[Certificate]:
    """Suspended certificates, due by their resolution deadline (rule 14). Once it has passed, the
    daily job's task (a suspension past its deadline) stands for the step instead."""
    open_task = Task.objects.filter(certificate=OuterRef("pk"), status=TaskStatus.OPEN)
    certificates = Certificate.objects.filter(
        status=CertificateStatus.SUSPENDED, certification_body__in=bodies
    ).exclude(Exists(open_task))
    if programme:
        made_here = CertificateRevision.objects.filter(
            certificate=OuterRef("pk"), decision__programme=programme
        )
        certificates = certificates.filter(Exists(made_here))
    return certificates.annotate(
        queue_source=Value("suspension"),
        queue_key=F("pk"),
        queue_rank=_rank(SUSPENSION_RESOLVE),
        due=F("suspension_ends_on"),
        organisation_name=F("organisation__name"),
    )


def suspension_rows(pks: list[int], reader) -> dict[int, dict]:
    found = Certificate.objects.filter(pk__in=pks).values_list(
        "pk", "number", "organisation__name", "certification_body_id"
    )
    return {
        pk: {
            "kind": SUSPENSION_RESOLVE,
            "subject": number,
            "url": reverse("certificates:certificate_detail", args=[pk]),
            "organisation": organisation,
            "owner": "",
            "owner_id": None,
            "action": _("Reinstate, reduce the scope or withdraw") if body in reader.deciding else "",
        }
        for pk, number, organisation, body in found
    }
