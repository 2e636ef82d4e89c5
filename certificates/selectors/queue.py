"""The CB's work queue (DOMAIN.md §1.10, §2.3; rules 10, 14, 21): the next steps of the cycle
(`steps`, kept as rows: a programme to approve, a team, a plan, a report, a decision, a certificate,
a suspension, and for those who review nonconformities the answers waiting for the CB: a plan to
review, a closure to verify), the open tasks the daily job opened for the CBs the user works for,
and the changes clients notified that the user's CBs review (rule 38), read from the reviews.

Each row says what is to be done, on what, for whom, by whom, by when, and links the action that
resolves it. A fixed number of queries whatever the number of rows.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Case, Exists, F, OuterRef, QuerySet, Subquery, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audits import access as audit_access
from audits.enums import FindingStatus
from audits.models import Finding
from audits.models.fieldwork import TITLE_SQL
from certificates.enums import (
    REVIEW_STEPS,
    ChangeReviewStatus,
    DecisionKind,
    RevisionStatus,
    StepKind,
    TaskKind,
    TaskStatus,
)
from certificates.models import CertificateRevision, ChangeReview, Task
from certificates.selectors import steps
from core.listing import path_of
from organisations import access as tenancy

RECENTLY_CLOSED = 10
NC_PLAN, NC_CLOSURE = steps.NC_PLAN, steps.NC_CLOSURE
CHANGE_REVIEW = "change_review"
# The cycle's steps first, in its order; the kinds' order sorts the rows due the same day
QUEUE_KINDS = [
    *steps.STEP_KINDS,
    *TaskKind.choices,
    *((kind, StepKind(kind).label) for kind in REVIEW_STEPS),
    (CHANGE_REVIEW, gettext_lazy("Change notified by the client: to review")),
]
KIND_LABELS = dict(QUEUE_KINDS)


@dataclass(frozen=True)
class Action:
    label: str
    url: str


@dataclass(frozen=True)
class QueueRow:
    kind: str
    subject: str  # the certificate's number, or the finding's audit and number
    url: str  # the task's page, or the finding's
    organisation: str
    owner: str
    owner_id: int | None
    due_on: datetime.date
    overdue: bool
    actions: tuple[Action, ...] = ()

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])


@dataclass(frozen=True)
class QueueFilters:
    kind: str = ""
    mine: bool = False
    # one programme's steps and tasks, however far ahead (its page's next step)
    programme: int | None = None


@dataclass(frozen=True)
class Queue:
    rows: "QueueRows"
    closed: list[Task]
    reviews: bool  # the user reviews nonconformities at a CB (the page says how they fall due)


def _name(user) -> str:
    return (user.full_name or user.email) if user else ""


def with_current_revision(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """Each task with its certificate's current revision's programme and edition (`programme_pk`,
    `edition_pk`), which a reduction of scope is decided on: in the same query."""
    current = CertificateRevision.objects.filter(
        certificate=OuterRef("certificate"), status=RevisionStatus.CURRENT
    ).order_by()
    return tasks.annotate(
        programme_pk=Subquery(current.values("decision__programme_id")[:1]),
        edition_pk=Subquery(current.values("edition_id")[:1]),
    )


def task_actions(task: Task) -> tuple[Action, ...]:
    """The actions that resolve an open task (for a task read `with_current_revision`)."""
    certificate_pk = task.certificate_id
    if task.kind == TaskKind.OVERDUE_SURVEILLANCE:
        return (
            Action(_("Suspend"), reverse("certificates:certificate_suspend", args=[certificate_pk])),
            Action(_("Decide not to suspend"), reverse("calendar:task_not_suspend", args=[task.pk])),
        )
    actions = [Action(_("Withdraw"), reverse("certificates:certificate_withdraw", args=[certificate_pk]))]
    if task.programme_pk:
        decide = reverse("certificates:decision_add", args=[task.programme_pk])
        query = f"?kind={DecisionKind.SCOPE_REDUCTION.value}&edition={task.edition_pk}"
        actions.append(Action(_("Reduce the scope"), decide + query))
    actions.append(
        Action(_("Reinstate"), reverse("certificates:certificate_reinstate", args=[certificate_pk]))
    )
    return tuple(actions)


KIND_ORDER = {kind: position for position, (kind, _label) in enumerate(QUEUE_KINDS)}
KEY_FIELDS = ("queue_source", "queue_key", "due", "queue_rank", "organisation_name")


def _open_tasks(user, filters: QueueFilters) -> QuerySet[Task]:
    tasks = Task.objects.filter(
        status=TaskStatus.OPEN, certificate__certification_body__in=tenancy.cb_ids(user)
    )
    if filters.kind:
        tasks = tasks.filter(kind=filters.kind)
    if filters.mine:
        tasks = tasks.filter(owner=user)
    if filters.programme:
        made_here = CertificateRevision.objects.filter(
            certificate=OuterRef("certificate"), decision__programme=filters.programme
        )
        tasks = tasks.filter(Exists(made_here))
    return tasks


def _task_keys(user, filters: QueueFilters, today: datetime.date) -> QuerySet[Task]:
    return _open_tasks(user, filters).annotate(
        queue_source=Value("task"),
        queue_key=F("pk"),
        due=F("due_on"),
        queue_rank=Case(*(When(kind=kind, then=Value(KIND_ORDER[kind])) for kind in TaskKind.values)),
        organisation_name=F("certificate__organisation__name"),
    )


def _task_rows(pks: list[int], today: datetime.date, managed: set[int]) -> dict[int, QueueRow]:
    tasks = with_current_revision(
        Task.objects.filter(pk__in=pks).select_related("certificate__organisation", "owner")
    )
    return {
        task.pk: QueueRow(
            kind=task.kind,
            subject=task.certificate.number,
            url=task.get_absolute_url(),
            organisation=task.certificate.organisation.name,
            owner=_name(task.owner),
            owner_id=task.owner_id,
            due_on=task.due_on,
            overdue=task.due_on < today,
            actions=task_actions(task) if task.certificate.certification_body_id in managed else (),
        )
        for task in tasks
    }


def _finding_rows(pks: list[int], reader: steps.Reader) -> dict[int, dict]:
    """A page's nonconformities to review, read as plain values: one query, and one for the names
    of their lead auditors."""
    found = list(
        Finding.objects.filter(pk__in=pks)
        .annotate(lead_pk=steps.lead_of_audit("audit"), title=TITLE_SQL)
        .values_list(
            "pk", "audit_id", "number", "title", "status", "audit__programme__organisation__name", "lead_pk"
        )
    )
    leads = reader.names({row[-1] for row in found if row[-1]})
    finding_path = path_of("audits:finding_detail")
    verbs = {NC_PLAN: _("Review the plan"), NC_CLOSURE: _("Verify the closure")}
    rows = {}
    for pk, audit_id, number, title, status, organisation, lead_pk in found:
        kind = NC_PLAN if status == FindingStatus.RESPONSE_SUBMITTED else NC_CLOSURE
        rows[pk] = {
            "kind": kind,
            "subject": Finding.name_of(audit_id, number, title),
            "url": finding_path(pk),
            "organisation": organisation,
            "owner": leads.get(lead_pk, ""),
            "owner_id": lead_pk,
            "action": verbs[kind],
        }
    return rows


def _change_keys(user, filters: QueueFilters, today: datetime.date) -> QuerySet[ChangeReview]:
    """The changes the clients notified, waiting for the review of one of the user's CBs (rule
    38). A review has no owner: "mine only" leaves them out."""
    reviews = ChangeReview.objects.filter(
        status=ChangeReviewStatus.OPEN, certification_body__in=tenancy.cb_ids(user)
    )
    if filters.mine:
        reviews = reviews.none()
    return reviews.annotate(
        queue_source=Value("change"),
        queue_key=F("pk"),
        due=F("due_on"),
        queue_rank=Value(KIND_ORDER[CHANGE_REVIEW]),
        organisation_name=F("notification__organisation__name"),
    )


def _change_rows(pks: list[int], today: datetime.date, managed: set[int]) -> dict[int, QueueRow]:
    rows = {}
    for review in ChangeReview.objects.filter(pk__in=pks).select_related("notification__organisation"):
        notification = review.notification
        decide = reverse("certificates:change_review_decide", args=[review.pk])
        rows[review.pk] = QueueRow(
            kind=CHANGE_REVIEW,
            subject=f"{notification.reference} {notification.get_kind_display()}",
            url=review.get_absolute_url(),
            organisation=notification.organisation.name,
            owner="",
            owner_id=None,
            due_on=review.due_on,
            overdue=review.due_on < today,
            actions=(Action(_("Review the change"), decide),)
            if review.certification_body_id in managed
            else (),
        )
    return rows


def _step_row(values: dict, due_on: datetime.date, today: datetime.date) -> QueueRow:
    """A row of a step of the cycle (`steps`), due on the day its key carries."""
    action, action_url = values.pop("action"), values.pop("action_url", values["url"])
    actions = (Action(action, action_url),) if action else ()
    return QueueRow(**values, due_on=due_on, overdue=due_on < today, actions=actions)


STEP_ROWS = {
    "finding": _finding_rows,
    "programme": steps.programme_rows,
    "audit": steps.audit_rows,
    "decision": steps.decision_rows,
    "draft": steps.draft_rows,
    "suspension": steps.suspension_rows,
}


def _key_parts(user, filters: QueueFilters, today: datetime.date) -> list[QuerySet]:
    """The sources the filter asks for, each as its keys (`KEY_FIELDS`). The cycle's steps (kept
    as rows, `steps.step_keys`) are read by those who oversee their CB's programmes (certification
    managers, administrators, reviewers: who see them all, `audits.access.programmes_for`), and by
    an audit's lead for its plan and report."""
    kind, programme = filters.kind, filters.programme
    # a few ids, read once: each source then filters on constants the planner knows
    overseen = list(audit_access.oversight_bodies(user).values_list("pk", flat=True))

    def wanted(*kinds: str) -> bool:
        return kind in ("", *kinds)

    parts = []
    # a programme's answers are reviewed from its audits
    step_kinds = tuple(step for step in StepKind.values if not (programme and step in REVIEW_STEPS))
    if kinds := tuple(step for step in step_kinds if wanted(step)):
        found = steps.step_keys(
            user, overseen=overseen, today=today, programme=programme, kinds=kinds, mine=filters.mine
        )
        parts.append(
            found.annotate(
                queue_source=F("source"),
                queue_key=F("object_id"),
                due=F("due_on"),
                queue_rank=Case(*(When(kind=step, then=Value(KIND_ORDER[step])) for step in kinds)),
                organisation_name=F("organisation__name"),
            )
        )
    if wanted(*TaskKind.values):
        parts.append(_task_keys(user, filters, today))
    if wanted(CHANGE_REVIEW) and not filters.mine and not programme:
        parts.append(_change_keys(user, filters, today))
    return [part.order_by().values_list(*KEY_FIELDS) for part in parts]


class QueueRows:
    """The queue's rows as a paginator reads them: its count, then one page. The sources (the
    cycle's steps, tasks, nonconformities, changes) are merged and sorted in SQL and read as keys
    (source, id, due day, kind, organisation): one query, whose count is the queue's; then only
    the page's rows are built, one query a source. A large CB has 1,500 rows: their keys are
    small, the rows built are the page's 50."""

    def __init__(self, user, filters: QueueFilters, today: datetime.date):
        self.user, self.today = user, today
        self.parts = _key_parts(user, filters, today)
        self._keys = None

    @property
    def keys(self) -> list[tuple]:
        if self._keys is None:
            merged = self.parts[0].union(*self.parts[1:], all=True) if self.parts else None
            order = ("due", "queue_rank", "organisation_name", "queue_key")
            self._keys = list(merged.order_by(*order)) if merged is not None else []
        return self._keys

    def count(self) -> int:
        return len(self.keys)

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self[:])

    def __getitem__(self, index: slice | int) -> list[QueueRow] | QueueRow:
        if isinstance(index, int):
            return self[index : index + 1 or None][0]
        keys = self.keys[index]
        wanted: dict[str, list[int]] = {}
        for source, pk, *_rest in keys:
            wanted.setdefault(source, []).append(pk)
        reader, today = steps.Reader(self.user), self.today
        built = {}
        for source, pks in wanted.items():
            if source == "task":
                built[source] = _task_rows(pks, today, reader.deciding)
            elif source == "change":
                built[source] = _change_rows(pks, today, reader.deciding)
            else:
                built[source] = STEP_ROWS[source](pks, reader)
        return [
            _step_row(built[source][pk], due, today) if source in STEP_ROWS else built[source][pk]
            for source, pk, due, *_rest in keys
        ]


def recently_closed(user) -> list[Task]:
    """The tasks of the user's CBs closed last, newest first."""
    return list(
        Task.objects.filter(status=TaskStatus.DONE, certificate__certification_body__in=tenancy.cb_ids(user))
        .select_related("certificate__organisation", "closed_by")
        .order_by("-closed_at", "-pk")[:RECENTLY_CLOSED]
    )


def work_queue(user, *, filters: QueueFilters, today: datetime.date) -> Queue:
    """The user's CBs' open tasks and the nonconformities waiting for the user's review (as a
    reviewer or certification manager of the CB, or as the audit's lead auditor, rule 21), and the
    changes clients notified for the user's CBs to review: soonest due first, then by kind and
    organisation. The rows are read a page at a time (`QueueRows`); a fixed number of queries,
    whatever the number of rows."""
    reviews = tenancy.bodies_with_role(user, audit_access.REVIEWING_ROLES).exists()
    return Queue(rows=QueueRows(user, filters, today), closed=recently_closed(user), reviews=reviews)


NEXT_SHOWN = 8


@dataclass(frozen=True)
class NextSteps:
    """The dashboard's first rows of the queue: all of them for those who oversee one of their CBs'
    programmes (certification managers, administrators, reviewers), their own (as an audit's lead)
    for the others."""

    rows: list[QueueRow]
    count: int
    mine: bool


def next_steps(user, *, today: datetime.date) -> NextSteps:
    mine = not audit_access.oversight_bodies(user).exists()
    rows = QueueRows(user, QueueFilters(mine=mine), today)
    return NextSteps(rows=rows[:NEXT_SHOWN], count=rows.count(), mine=mine)
