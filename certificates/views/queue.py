"""The CB's work queue and its tasks (DOMAIN.md §1.10; rules 10, 14, 21).

The queue is the CB staff's page (others get 403): the open tasks of their CBs and the
nonconformities waiting for their review. A task is read by its CB's staff (and platform staff);
its CB's certification managers take it and, for rule 10, decide not to suspend (others who see it
get 403, everyone else 404). The actions that resolve a task (suspend, withdraw, reduce the scope,
reinstate) are the certificate's own pages, which close it.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certificates import access
from certificates.enums import TaskStatus
from certificates.forms.queue import NotSuspendForm, QueueFilterForm
from certificates.models import Task
from certificates.selectors import queue as selectors
from certificates.selectors import steps
from certificates.services import tasks as services
from core.forms import call_action, call_service
from core.listing import page_of, query_without
from core.transitions import transitions_of
from organisations import access as tenancy


def _task(request: HttpRequest, pk: int) -> Task:
    tasks = selectors.with_current_revision(access.tasks_for(request.user).select_related("closed_by"))
    return get_object_or_404(tasks, pk=pk)


def _actionable(request: HttpRequest, pk: int) -> Task:
    task = _task(request, pk)
    if not access.can_act_on_task(request.user, task):
        raise PermissionDenied(access.TASK_MANAGERS_ONLY)
    return task


def _not_suspend_form(data=None) -> NotSuspendForm:
    return NotSuspendForm(data, auto_id="not-suspend-%s")


@login_required
@require_GET
def work_queue(request: HttpRequest) -> HttpResponse:
    if not tenancy.request_memberships(request).is_cb_staff:
        raise PermissionDenied(access.QUEUE_STAFF_ONLY)
    form = QueueFilterForm(request.GET)
    filters = form.filters()
    today = timezone.localdate()
    queue = selectors.work_queue(request.user, filters=filters, today=today)
    context = {
        "form": form,
        "filtered": bool(filters.kind or filters.mine),
        "queue": queue,
        # the rows come from several sources merged by due date, so the page is cut from the list
        "page_obj": page_of(queue.rows, request),
        "query": query_without(request, "page"),
        "review_days": steps.REVIEW_DAYS,
        "planning_days": settings.QUEUE_PLANNING_DAYS,
        "report_days": settings.REPORT_ISSUE_DAYS,
        "decision_days": settings.DECISION_DAYS,
        "issue_days": settings.CERTIFICATE_ISSUE_DAYS,
        "today": today,
    }
    return render(request, "certificates/calendar/queue.html", context)


@login_required
@require_GET
def queue_next(request: HttpRequest) -> HttpResponse:
    """The dashboard's "next steps": the first rows of the work queue, loaded after the page
    (htmx), so the dashboard stays as fast without them; without JavaScript, a page of its own."""
    if not tenancy.request_memberships(request).is_cb_staff:
        raise PermissionDenied(access.QUEUE_STAFF_ONLY)
    context = {"next": selectors.next_steps(request.user, today=timezone.localdate())}
    template = "_queue_next.html" if request.htmx else "queue_next.html"
    return render(request, f"certificates/calendar/{template}", context)


@login_required
@require_GET
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    acts = task.status == TaskStatus.OPEN and access.can_act_on_task(request.user, task)
    context = {
        "task": task,
        "history": list(transitions_of(task).order_by("at", "pk")),
        "acts": acts,
        "actions": selectors.task_actions(task) if acts else (),
    }
    return render(request, "certificates/calendar/task_detail.html", context)


@login_required
@require_POST
def task_take(request: HttpRequest, pk: int) -> HttpResponse:
    task = _actionable(request, pk)
    call_action(
        request, lambda: services.task_take(actor=request.user, task=task), _("The task is yours now.")
    )
    return redirect(task)


@login_required
@require_http_methods(["GET", "POST"])
def task_not_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    task = _actionable(request, pk)
    form = _not_suspend_form(request.POST if request.method == "POST" else None)
    decided = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.task_not_suspend(
                actor=request.user, task=task, reason=form.cleaned_data["reason"]
            ),
        )
    )
    if decided:
        messages.success(request, _("Recorded: the certificate is not suspended, and the task is closed."))
        return redirect(task)
    return render(request, "certificates/calendar/task_not_suspend.html", {"task": task, "form": form})
