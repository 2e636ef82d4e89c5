"""The next steps of the certification cycle that wait for a CB's staff (DOMAIN §1, §10): a
programme to approve, an audit's team to confirm and notify, its plan to send, its report to finish
and issue, a certification decision to take, a certificate to issue, a suspension to resolve.

Each is derived here from the records that make it due (a programme still being planned, an
audit's status, a reported audit with no decision, a revision not issued, a suspended certificate:
`derived_steps`), and kept as a `CycleStep` row by `certificates.services.steps`, which the services
that take a step call, so that it leaves the work queue the moment the step is taken. The work
queue reads the rows (`step_keys`) and builds one page's rows from their records (`*_rows`).

When a step is due where no rule of DOMAIN.md sets a day, a setting does (CB policy):
`REPORT_ISSUE_DAYS` after the audit's last day, `DECISION_DAYS` after its report was issued,
`CERTIFICATE_ISSUE_DAYS` after the decision. A team is confirmed and notified by the CB's team
notice period before the audit (rule 25), a plan sent by the audit's first day, a suspension
resolved by its deadline (rule 14).
"""

import datetime
from functools import cached_property
from typing import NamedTuple

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
from django.db.models.functions import Coalesce, Least, TruncDate
from django.urls import reverse
from django.utils.translation import gettext as _

from audits import access as audit_access
from audits.enums import (
    DECIDING_KINDS,
    NC_TYPES,
    REPORTED_STATUSES,
    AssignmentStatus,
    AuditKind,
    AuditStatus,
    FindingStatus,
    ProgrammeStatus,
    ReviewOutcome,
    TeamRole,
)
from audits.finding_rules import AWAITING_REVIEW
from audits.models import (
    Audit,
    AuditProgramme,
    AuditReport,
    Finding,
    FindingResponse,
    ProgrammeEdition,
    TeamAssignment,
)
from certificates import access as certificate_access
from certificates.enums import (
    REVIEW_STEPS,
    CertificateStatus,
    DecisionKind,
    RevisionStatus,
    StepKind,
    TaskStatus,
)
from certificates.models import Certificate, CertificateRevision, CycleStep, Decision, Task
from core.expressions import DaysAfter, DaysBefore
from core.listing import labels_of
from organisations import access as tenancy
from organisations.models import User

PROGRAMME_APPROVE = StepKind.PROGRAMME_APPROVE.value
TEAM_CONFIRM = StepKind.TEAM_CONFIRM.value
TEAM_NOTIFY = StepKind.TEAM_NOTIFY.value
PLAN_SEND = StepKind.PLAN_SEND.value
REPORT_ISSUE = StepKind.REPORT_ISSUE.value
DECISION_TAKE = StepKind.DECISION_TAKE.value
CERTIFICATE_ISSUE = StepKind.CERTIFICATE_ISSUE.value
SUSPENSION_RESOLVE = StepKind.SUSPENSION_RESOLVE.value
NC_PLAN = StepKind.NC_PLAN.value
NC_CLOSURE = StepKind.NC_CLOSURE.value
# The cycle's steps, in its order (the work queue's order between steps due the same day); the
# nonconformities to review come after the daily job's tasks
STEP_KINDS = [(kind, label) for kind, label in StepKind.choices if kind not in REVIEW_STEPS]
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


PLANNING = (AuditStatus.PLANNED, AuditStatus.TEAM_ASSIGNED)


class StepRow(NamedTuple):
    """A step as `CycleStep` keeps it."""

    # what `object_id` is: programme, audit, decision (an audit), draft (revision), suspension (certificate)
    source: str
    object_id: int
    kind: str
    certification_body_id: int
    organisation_id: int
    programme_id: int | None
    owner_id: int | None
    due_on: datetime.date
    listed_from: datetime.date | None

    @property
    def key(self) -> str:
        return f"{self.source}:{self.object_id}"


def _within(records: QuerySet, organisations: QuerySet | None, path: str = "organisation") -> QuerySet:
    """The records of these organisations (None: of all)."""
    return records if organisations is None else records.filter(**{f"{path}__in": organisations})


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


def _programme_steps(organisations) -> list[StepRow]:
    """Programmes still being planned, due by their first audit's first day (by the day they were
    opened when no audit is planned yet), the step of who opened them."""
    programmes = _within(AuditProgramme.objects.filter(status=ProgrammeStatus.DRAFT), organisations)
    first_audit = (
        Audit.objects.filter(programme=OuterRef("pk"))
        .exclude(status=AuditStatus.CANCELLED)
        .order_by()
        .values("programme")
        .annotate(first=Min("starts_on"))
        .values("first")
    )
    found = programmes.annotate(
        due=Coalesce(Subquery(first_audit), TruncDate("created_at"), output_field=DateField())
    ).values_list("pk", "certification_body_id", "organisation_id", "created_by_id", "due")
    return [
        StepRow("programme", pk, PROGRAMME_APPROVE, body, organisation, pk, owner, due, None)
        for pk, body, organisation, owner, due in found
    ]


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


def _audit_steps(organisations) -> list[StepRow]:
    """The audits of approved programmes whose team, plan or report waits: a team or plan listed
    `QUEUE_PLANNING_DAYS` before the audit starts, a report once the audit's last day has passed or
    its fieldwork is done. The plan and report are the audit's lead auditor's."""
    audits = Audit.objects.filter(
        status__in=(*PLANNING, AuditStatus.IN_PROGRESS, AuditStatus.FIELDWORK_DONE),
        programme__status=ProgrammeStatus.APPROVED,
    )
    found = (
        _within(audits, organisations, "programme__organisation")
        .annotate(audit_step=_audit_step(), lead_pk=lead_of_audit())
        .annotate(due=_audit_due())
        .values_list(
            "pk",
            "audit_step",
            "status",
            "programme__certification_body_id",
            "programme__organisation_id",
            "programme_id",
            "lead_pk",
            "due",
            "starts_on",
            "ends_on",
        )
    )
    ahead = datetime.timedelta(days=_days("QUEUE_PLANNING_DAYS"))
    rows = []
    for pk, step, status, body, organisation, programme, lead_pk, due, starts_on, ends_on in found:
        if status in PLANNING:
            listed_from = starts_on - ahead
        elif status == AuditStatus.IN_PROGRESS:
            listed_from = ends_on + datetime.timedelta(days=1)
        else:
            listed_from = None
        owner = lead_pk if step in LEAD_STEPS else None
        rows.append(StepRow("audit", pk, step, body, organisation, programme, owner, due, listed_from))
    return rows


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


def _decision_steps(organisations) -> list[StepRow]:
    """The reported audits a decision waits for: a standard of their programme that no decision
    fed by the audit has decided yet (rule 29: one decision per standard). Due `DECISION_DAYS`
    after the report was issued."""
    decided = Decision.objects.filter(audits=OuterRef(OuterRef("pk")), edition_id=OuterRef("edition_id"))
    undecided = ProgrammeEdition.objects.filter(programme=OuterRef("programme")).exclude(Exists(decided))
    audits = Audit.objects.filter(Exists(undecided), kind__in=DECIDING_KINDS, status__in=REPORTED_STATUSES)
    # the report's day read for the audits found only (a join would read every report first)
    report_day = AuditReport.objects.filter(audit=OuterRef("pk")).values(day=TruncDate("issued_at"))
    issued = Coalesce(Subquery(report_day), F("ends_on"), output_field=DateField())
    found = (
        _within(audits, organisations, "programme__organisation")
        .annotate(due=DaysAfter(issued, Value(_days("DECISION_DAYS"))))
        .values_list(
            "pk", "programme__certification_body_id", "programme__organisation_id", "programme_id", "due"
        )
    )
    return [
        StepRow("decision", pk, DECISION_TAKE, body, organisation, programme, None, due, None)
        for pk, body, organisation, programme, due in found
    ]


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


def _draft_steps(organisations) -> list[StepRow]:
    """Revisions a granting decision drafted and nobody issued yet."""
    drafts = _within(
        CertificateRevision.objects.filter(status=RevisionStatus.DRAFT),
        organisations,
        "certificate__organisation",
    )
    found = drafts.annotate(
        due=DaysAfter(F("decision__decided_on"), Value(_days("CERTIFICATE_ISSUE_DAYS")))
    ).values_list(
        "pk",
        "certificate__certification_body_id",
        "certificate__organisation_id",
        "decision__programme_id",
        "due",
    )
    return [
        StepRow("draft", pk, CERTIFICATE_ISSUE, body, organisation, programme, None, due, None)
        for pk, body, organisation, programme, due in found
    ]


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


def _suspension_steps(organisations) -> list[StepRow]:
    """Suspended certificates, due by their resolution deadline (rule 14), on the page of the
    programme that made their current revision. Once the deadline has passed, the daily job's
    task (a suspension past its deadline) stands for the step instead."""
    open_task = Task.objects.filter(certificate=OuterRef("pk"), status=TaskStatus.OPEN)
    certificates = Certificate.objects.filter(status=CertificateStatus.SUSPENDED).exclude(Exists(open_task))
    current = CertificateRevision.objects.filter(certificate=OuterRef("pk"), status=RevisionStatus.CURRENT)
    found = (
        _within(certificates, organisations)
        .annotate(programme_pk=Subquery(current.order_by().values("decision__programme_id")[:1]))
        .values_list(
            "pk",
            "certification_body_id",
            "organisation_id",
            "programme_pk",
            "suspension_ends_on",
            "status_since",
        )
    )
    return [
        StepRow(
            "suspension", pk, SUSPENSION_RESOLVE, body, organisation, programme, None, ends_on or since, None
        )
        for pk, body, organisation, programme, ends_on, since in found
    ]


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


# --- a client's answer to review -----------------------------------------------------------------

# The CB's time to review a client's answer; a closure is verified by its deadline if that is sooner
REVIEW_DAYS = 14


def _review_steps(organisations) -> list[StepRow]:
    """The nonconformities whose plan or closure waits for the CB's review (rule 21), the step of
    the audit's lead (who may review it, with the CB's reviewers and certification managers): due
    `REVIEW_DAYS` after the answer was submitted (in the site's time zone) or by the finding's
    closure deadline if that comes first (rule 20)."""
    pending = FindingResponse.objects.filter(finding=OuterRef("pk"), outcome=ReviewOutcome.PENDING)
    submitted = Subquery(pending.order_by("-submitted_at").values(day=TruncDate("submitted_at"))[:1])
    review_by = DaysAfter(F("pending_since"), Value(REVIEW_DAYS))
    findings = Finding.objects.filter(status__in=AWAITING_REVIEW, type__in=NC_TYPES)
    found = (
        _within(findings, organisations, "audit__programme__organisation")
        .annotate(pending_since=submitted, lead_pk=lead_of_audit("audit"))
        .annotate(
            due=Coalesce(
                Least(review_by, F("close_due_on")),
                review_by,
                F("close_due_on"),
                TruncDate("updated_at"),
                output_field=DateField(),
            )
        )
        .values_list(
            "pk",
            "status",
            "audit__programme__certification_body_id",
            "audit__programme__organisation_id",
            "audit__programme_id",
            "lead_pk",
            "due",
        )
    )
    return [
        StepRow("finding", pk, kind, body, organisation, programme, lead_pk, due, None)
        for pk, status, body, organisation, programme, lead_pk, due in found
        for kind in [NC_PLAN if status == FindingStatus.RESPONSE_SUBMITTED else NC_CLOSURE]
    ]


# --- all of them, and the work queue's read of the rows kept -----------------------------------


def derived_steps(organisations: QuerySet | None = None) -> dict[str, StepRow]:
    """key -> every step waiting for the CBs of these organisations (None: of all): six queries,
    whatever their number."""
    found = (
        *_programme_steps(organisations),
        *_audit_steps(organisations),
        *_decision_steps(organisations),
        *_draft_steps(organisations),
        *_suspension_steps(organisations),
        *_review_steps(organisations),
    )
    return {row.key: row for row in found}


def step_keys(
    user,
    *,
    overseen: list[int],
    today: datetime.date,
    programme: int | None,
    kinds: tuple[str, ...],
    mine: bool,
) -> QuerySet[CycleStep]:
    """The kept steps of these kinds the user sees, listed by `today` (a programme's, however far
    ahead its audits are): the cycle's steps of the CBs they oversee (`overseen`: they see them
    all), the plans and reports of the audits they lead, and the answers they review (rule 21: as
    a reviewer or certification manager of the CB or as the audit's lead, never as a member of the
    client). `mine`: the user's own, the programmes they opened and the audits they lead."""
    steps = CycleStep.objects.filter(kind__in=kinds)
    if programme:
        steps = steps.filter(programme=programme)
    else:
        steps = steps.filter(Q(listed_from__isnull=True) | Q(listed_from__lte=today))
    led = Q(kind__in=(*LEAD_STEPS, *REVIEW_STEPS), owner=user)
    if mine:
        seen = led | Q(kind=PROGRAMME_APPROVE, owner=user, certification_body__in=overseen)
    else:
        reviewing = tenancy.bodies_with_role(user, audit_access.REVIEWING_ROLES)
        seen = (
            led
            | (~Q(kind__in=REVIEW_STEPS) & Q(certification_body__in=overseen))
            | Q(kind__in=REVIEW_STEPS, certification_body__in=reviewing)
        )
    if set(kinds) & set(REVIEW_STEPS):  # never the answers of a client the user is a member of
        seen &= ~Q(kind__in=REVIEW_STEPS, organisation__in=tenancy.member_organisation_ids(user).order_by())
    return steps.filter(seen)
