"""The calendar of what falls due (DOMAIN §1.6–1.8, §9.2): a month as a grid of weeks, and an
agenda of the days ahead, each with what is overdue first. Every signed-in user sees only what
they may see (`scope_for`); both pages run the same number of queries whatever they list."""

import datetime
from calendar import Calendar
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.views.decorators.http import require_GET

from certificates.enums import CLIENT_DUE_KINDS, OWN_DUE_KINDS, DueKind
from certificates.forms.calendar import AGENDA, MONTH, MONTH_FORMAT, CalendarFilterForm
from certificates.selectors import calendar as selectors
from certificates.selectors.calendar import ONE_DAY
from core import bounds
from core.listing import page_of, query_without
from organisations import access as tenancy

DueItem = selectors.DueItem
WEEK = Calendar(firstweekday=0)  # weeks run from Monday to Sunday
DAY_ITEMS_SHOWN = 5  # a day of the month grid lists five items; its agenda lists the rest
OVERDUE_PER_PAGE = 20  # what is overdue, a page at a time above the month or the agenda
AGENDA_PER_PAGE = 100  # the agenda's items a page at a time, grouped by their day


@dataclass(frozen=True)
class Day:
    day: datetime.date
    items: list[DueItem]
    in_month: bool
    is_today: bool
    more: int = 0  # items of the day not shown in its cell: the agenda of the day lists them
    more_url: str = ""


def month_weeks(
    first: datetime.date,
    items: list[DueItem],
    today: datetime.date,
    *,
    per_day: int | None = None,
    day_url: Callable[[datetime.date], str] | None = None,
) -> list[list[Day]]:
    """The month's weeks, Monday to Sunday, each day with its items (the days of the weeks around
    the month included, so the grid is whole); with `per_day`, a cell shows that many and links
    the rest to the day's agenda (`day_url`)."""
    grid = WEEK.monthdatescalendar(first.year, first.month)
    by_day: dict[datetime.date, list[DueItem]] = {}
    for item in items:  # an item of several days (an audit's) is in the cell of each, in the grid
        day = max(item.due_on, grid[0][0])
        while day <= min(item.last_day, grid[-1][-1]):
            by_day.setdefault(day, []).append(item)
            day += ONE_DAY
    weeks = []
    for week in grid:
        days = []
        for day in week:
            found = by_day.get(day, [])
            more = max(len(found) - per_day, 0) if per_day is not None else 0
            shown = found[: len(found) - more]
            url = day_url(day) if more and day_url else ""
            days.append(Day(day, shown, day.month == first.month, day == today, more, url))
        weeks.append(days)
    return weeks


def agenda_days(items: list[DueItem]) -> list[tuple[datetime.date, list[DueItem]]]:
    """The items (soonest first) grouped by their day."""
    return [(day, list(group)) for day, group in groupby(items, key=lambda item: item.due_on)]


def _form(request: HttpRequest, page: str) -> CalendarFilterForm:
    organisations, standards = selectors.filter_choices(request.user)
    memberships = tenancy.request_memberships(request)
    sees_planning = request.user.is_staff or memberships.is_cb_staff
    kinds = [
        (kind.value, kind.label)
        for kind in (DueKind if sees_planning else CLIENT_DUE_KINDS)
        if memberships.is_client or kind not in OWN_DUE_KINDS  # members' own work only (rule 43)
    ]
    return CalendarFilterForm(
        request.GET, page=page, organisations=organisations, standards=standards, kinds=kinds
    )


def _link(name: str, form: CalendarFilterForm, **params) -> str:
    """A calendar page's address keeping the valid filters."""
    query = urlencode([*params.items(), *form.kept()])
    return f"{reverse(name)}?{query}" if query else reverse(name)


def _month_link(form: CalendarFilterForm, first: datetime.date) -> str | None:
    if not bounds.EARLIEST_DATE <= first <= bounds.LATEST_DATE:
        return None
    return _link("calendar:month", form, month=first.strftime(MONTH_FORMAT))


def _agenda_from(first: datetime.date, today: datetime.date) -> dict:
    """The agenda of this month starts today, that of another month on its first day."""
    return {} if first == today.replace(day=1) else {"from": first}


def _page(request: HttpRequest, template: str, form: CalendarFilterForm, shown, **context) -> HttpResponse:
    return render(
        request,
        template,
        {
            "form": form,
            "overdue": page_of(shown.overdue, request, per_page=OVERDUE_PER_PAGE, param="overdue_page"),
            "overdue_query": query_without(request, "overdue_page"),
            "today": timezone.localdate(),
            "filtered": bool(form.kept()),
            **context,
        },
    )


@login_required
@require_GET
def calendar_month(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = _form(request, MONTH)
    first = form.first_of_month(today)
    weeks = WEEK.monthdatescalendar(first.year, first.month)
    shown = selectors.window_with_overdue(
        selectors.scope_for(request.user),
        start=weeks[0][0],
        end=weeks[-1][-1],
        today=today,
        filters=form.filters(),
    )
    return _page(
        request,
        "certificates/calendar/month.html",
        form,
        shown,
        first=first,
        weeks=month_weeks(
            first,
            shown.items,
            today,
            per_day=DAY_ITEMS_SHOWN,
            day_url=lambda day: _link("calendar:agenda", form, **{"from": day, "days": 1}),
        ),
        weekdays=[(WEEKDAYS[number], WEEKDAYS_ABBR[number]) for number in range(7)],
        previous_url=_month_link(form, first - relativedelta(months=1)),
        next_url=_month_link(form, first + relativedelta(months=1)),
        today_url=_link("calendar:month", form),
        agenda_url=_link("calendar:agenda", form, **_agenda_from(first, today)),
    )


@login_required
@require_GET
def calendar_agenda(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = _form(request, AGENDA)
    start, end = form.agenda_range(today)
    shown = selectors.window_with_overdue(
        selectors.scope_for(request.user), start=start, end=end, today=today, filters=form.filters()
    )
    page = page_of(shown.items, request, per_page=AGENDA_PER_PAGE)
    return _page(
        request,
        "certificates/calendar/agenda.html",
        form,
        shown,
        start=start,
        end=end,
        days=agenda_days(list(page)),
        page=page,
        page_query=query_without(request, "page"),
        month_url=_link("calendar:month", form, month=start.strftime(MONTH_FORMAT)),
    )


@login_required
@require_GET
def calendar_due(request: HttpRequest) -> HttpResponse:
    """What is overdue and what falls due in the next 90 days: the dashboard loads it after the
    page (htmx), so the dashboard stays as fast as it was; without JavaScript, a page of its own."""
    due = selectors.dashboard_due(request.user, timezone.localdate())
    if request.htmx:
        return render(request, "certificates/calendar/_dashboard.html", {"due": due})
    return render(request, "certificates/calendar/due.html", {"due": due})
