"""The CB's work queue (DOMAIN.md §1.10; rules 10, 14): the daily job opens a task when a rule says
someone must decide, and the action that resolves it closes it.

- Rule 10: an active certificate whose first surveillance date passed with no surveillance 1 held
  is flagged OVERDUE_SURVEILLANCE; its task asks whether to suspend it.
- Rule 14: a suspended certificate whose resolution deadline passed; its task asks to withdraw the
  certificate or reduce its scope.

Each task is opened once (the `task_once` constraint on certificate, kind and missed date): a
second run the same day, or the next, opens nothing again, and a task closed by a decision not to
suspend stays closed. Every opening and closing is in the task's transition log; the rule-10 flag
is in the certificate's too, so its history shows it.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates import access
from certificates.enums import (
    CertificateStatus,
    DueKind,
    RevisionStatus,
    TaskKind,
    TaskResolution,
    TaskStatus,
)
from certificates.models import Certificate, CertificateDueDate, Decision, Task
from certificates.services.steps import cycle_steps_refresh
from core import bounds
from core.errors import DomainError
from core.transitions import transition_record
from organisations.access import require
from organisations.enums import CBRole
from organisations.models import CBMembership, User

S = CertificateStatus
K = TaskKind
R = TaskResolution
FLAG = "flag"  # the certificate's rule-10 flag, in its transition log
OWNER_MAX = 60  # a transition's state holds 60 characters


class TaskError(DomainError):
    pass


@dataclass(frozen=True)
class TaskSync:
    """What one run of the daily job did to the queue."""

    opened: list[Task] = field(default_factory=list)
    closed: list[Task] = field(default_factory=list)


def _reason_to_open(kind: str, due_on: datetime.date) -> str:
    if kind == K.OVERDUE_SURVEILLANCE:
        return _("The first surveillance was due by %(day)s and none was held (rule 10): suspend or not.") % {
            "day": due_on
        }
    return _("The suspension was to be resolved by %(day)s (rule 14): withdraw or reduce the scope.") % {
        "day": due_on
    }


def _name(user: User | None) -> str:
    return (user.full_name or user.email)[:OWNER_MAX] if user else ""


# --- Opening and closing ------------------------------------------------------------------------


def _open(certificate: Certificate, kind: str, due_on: datetime.date, owner_id: int | None) -> Task | None:
    """Open the task and record it (on the certificate too for rule 10's flag); None when it was
    there already."""
    task, created = Task.objects.get_or_create(
        certificate=certificate, kind=kind, due_on=due_on, defaults={"owner_id": owner_id}
    )
    if not created:
        return None
    reason = _reason_to_open(kind, due_on)
    transition_record(subject=task, field="status", from_state="", to_state=TaskStatus.OPEN, reason=reason)
    if kind == K.OVERDUE_SURVEILLANCE:
        transition_record(subject=certificate, field=FLAG, from_state="", to_state=kind, reason=reason)
    return task


def _close(task: Task, resolution: str, *, actor: User | None, note: str = "") -> Task:
    """Close an open task (read with its certificate, locked) and record it; a rule-10 task takes
    the certificate's flag down with it."""
    task.status, task.resolution, task.resolution_note = TaskStatus.DONE, resolution, note
    task.closed_at, task.closed_by = timezone.now(), actor
    task.save(update_fields=["status", "resolution", "resolution_note", "closed_at", "closed_by"])
    reason = f"{TaskResolution(resolution).label}. {note}".strip()
    transition_record(
        subject=task,
        field="status",
        from_state=TaskStatus.OPEN,
        to_state=TaskStatus.DONE,
        actor=actor,
        reason=reason,
    )
    if task.kind == K.OVERDUE_SURVEILLANCE:
        transition_record(
            subject=task.certificate,
            field=FLAG,
            from_state=task.kind,
            to_state="",
            actor=actor,
            reason=reason,
        )
    return task


def _steps_changed(tasks: list[Task], why: str) -> None:
    """A suspension with an open task is the task's to resolve, no longer a step of the cycle: the
    steps of the tasks' organisations follow (one recalculation for them all)."""
    if tasks:
        organisations = Certificate.objects.filter(pk__in={task.certificate_id for task in tasks})
        cycle_steps_refresh(organisations=organisations.values("organisation_id"), reason=why)


def _locked(task: Task) -> Task:
    return (
        Task.objects.select_for_update(of=("self",))
        .select_related("certificate__certification_body", "owner")
        .get(pk=task.pk)
    )


def _require_open(task: Task) -> None:
    if task.status != TaskStatus.OPEN:
        raise TaskError(
            _("This task was closed on %(day)s (%(resolution)s): nothing more is done with it.")
            % {"day": timezone.localdate(task.closed_at), "resolution": task.get_resolution_display().lower()}
        )


@transaction.atomic
def task_close(*, task: Task, resolution: str, actor: User | None = None, note: str = "") -> Task:
    """Close one task with its resolution. A consequence with no door of its own: called by the
    services whose action resolves the task (they checked their actor) and by the daily job."""
    task = _locked(task)
    _require_open(task)
    if resolution not in TaskResolution.values:
        raise TaskError(_("Choose how the task was resolved from the list."))
    _close(task, resolution, actor=actor, note=note)
    _steps_changed([task], "task closed")
    return task


def tasks_close_for(
    *,
    certificate: Certificate,
    resolution: str,
    kinds: Iterable[str] = tuple(TaskKind),
    actor: User | None = None,
) -> list[Task]:
    """Close the certificate's open tasks of these kinds: the certificate and decision services call
    it in their own transaction when their action resolves them (suspend, withdraw, reinstate,
    reduce the scope, cancel, expire)."""
    tasks = list(
        Task.objects.select_for_update()
        .filter(certificate=certificate, status=TaskStatus.OPEN, kind__in=list(kinds))
        .order_by("pk")
    )
    for task in tasks:
        task.certificate = certificate  # read and locked by the caller: no query per task
        _close(task, resolution, actor=actor)
    return tasks


# --- What the certification managers do with a task ---------------------------------------------


@transaction.atomic
def task_take(*, actor: User, task: Task) -> Task:
    """A certification manager of the task's CB becomes its owner (taking it again is a no-op)."""
    task = _locked(task)
    require(access.can_act_on_task(actor, task), access.TASK_MANAGERS_ONLY)
    _require_open(task)
    if task.owner_id == actor.pk:
        return task
    before = task.owner
    task.owner = actor
    task.save(update_fields=["owner"])
    transition_record(
        subject=task,
        field="owner",
        from_state=_name(before),
        to_state=_name(actor),
        actor=actor,
        reason=_("Taken from %(name)s.") % {"name": _name(before)} if before else _("Taken."),
    )
    return task


def _required_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise TaskError(_("Say why the certificate is not suspended: it is kept in the task's history."))
    try:
        bounds.validate_text(reason)
        MaxLengthValidator(bounds.TEXT_MAX)(reason)
    except ValidationError as invalid:
        raise TaskError(" ".join(invalid.messages)) from invalid
    return reason


@transaction.atomic
def task_not_suspend(*, actor: User, task: Task, reason: str) -> Task:
    """Rule 10's other answer: the certificate stays valid although its first surveillance is
    overdue (the audit is booked, the client asked for a new date in time...). The reason is
    kept; the task closes and the certificate's flag comes down."""
    task = _locked(task)
    require(access.can_act_on_task(actor, task), access.TASK_MANAGERS_ONLY)
    _require_open(task)
    if task.kind != K.OVERDUE_SURVEILLANCE:
        raise TaskError(_("Only an overdue first surveillance is decided “not to suspend” (rule 10)."))
    return _close(task, R.NOT_SUSPENDED, actor=actor, note=_required_reason(reason))


# --- The daily job ----------------------------------------------------------------------------------


def _due(today: datetime.date) -> dict[tuple[int, str], datetime.date]:
    """(certificate, kind) -> the missed date, for every task a rule asks for today: the active
    certificates whose first surveillance is overdue (rule 10: its stored due date, not held, the
    calendar's), and the suspended ones past their deadline (rule 14). Two queries."""
    missed = CertificateDueDate.objects.filter(
        kind=DueKind.SURVEILLANCE_1,
        done=False,
        due_on__lt=today,
        revision__status=RevisionStatus.CURRENT,
        revision__certificate__status=S.ACTIVE,
    ).values_list("revision__certificate_id", "due_on")
    due = {(certificate_id, K.OVERDUE_SURVEILLANCE.value): due_on for certificate_id, due_on in missed}
    past_deadline = Certificate.objects.filter(status=S.SUSPENDED, suspension_ends_on__lt=today).values_list(
        "pk", "suspension_ends_on"
    )
    due.update({(pk, K.SUSPENSION_EXPIRED.value): ends_on for pk, ends_on in past_deadline})
    return due


def _cause_gone(task: Task, due: dict[tuple[int, str], datetime.date]) -> str | None:
    """How an open task ended if its cause went away, None while it holds."""
    status = task.certificate.status
    if status not in (S.ACTIVE, S.SUSPENDED):
        return R.WITHDRAWN if status == S.WITHDRAWN else R.CERTIFICATE_ENDED
    if task.kind == K.SUSPENSION_EXPIRED:
        return R.REINSTATED if status == S.ACTIVE else None
    if status == S.SUSPENDED:
        return R.SUSPENDED
    return None if due.get((task.certificate_id, task.kind)) == task.due_on else R.AUDIT_HELD


def _owners(certificate_ids: Iterable[int]) -> dict[int, Certificate]:
    """The certificates, each with `task_owner_id`: who took its latest decision, if they are still an
    active certification manager of its CB. One query."""
    latest = Decision.objects.filter(certificate=OuterRef("pk")).order_by(
        "-decided_on", "-recorded_at", "-pk"
    )
    managing = CBMembership.objects.filter(
        certification_body=OuterRef("certification_body"),
        user=OuterRef("decider"),
        user__is_active=True,
        role=CBRole.CERTIFICATION_MANAGER,
        is_active=True,
        certification_body__is_active=True,
    )
    certificates = Certificate.objects.filter(pk__in=list(certificate_ids)).annotate(
        decider=Subquery(latest.values("decided_by")[:1]), manages=Exists(managing)
    )
    found = {}
    for certificate in certificates:
        certificate.task_owner_id = certificate.decider if certificate.manages else None
        found[certificate.pk] = certificate
    return found


@transaction.atomic
def tasks_sync(*, today: datetime.date) -> TaskSync:
    """The daily job's step: close the open tasks whose cause went away (the surveillance was held,
    the suspension lifted, the certificate ended), then open the tasks rules 10 and 14 ask for
    today, each once. A second run the same day changes nothing."""
    due = _due(today)
    closed = []
    open_tasks = (
        Task.objects.select_for_update(of=("self",))
        .select_related("certificate")
        .filter(status=TaskStatus.OPEN)
        .order_by("pk")
    )
    for task in open_tasks:
        if resolution := _cause_gone(task, due):
            closed.append(_close(task, resolution, actor=None))
    existing = set(
        Task.objects.filter(certificate_id__in={c for c, _kind in due}).values_list(
            "certificate_id", "kind", "due_on"
        )
    )
    missing = sorted((c, kind, day) for (c, kind), day in due.items() if (c, kind, day) not in existing)
    certificates = _owners({c for c, _kind, _day in missing}) if missing else {}
    opened = []
    for certificate_id, kind, day in missing:
        certificate = certificates[certificate_id]
        if task := _open(certificate, kind, day, certificate.task_owner_id):
            opened.append(task)
    _steps_changed([*opened, *closed], "tasks opened or closed by the daily job")
    return TaskSync(opened=opened, closed=closed)
