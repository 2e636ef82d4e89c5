"""`{% due_item item today %}`: one item of the calendar (its kind, what it is about and whose it
is, linked), built in Python: a month or an agenda lists many, and so does the dashboard.

An overdue item says so in words beside its badge, never by colour alone."""

import datetime

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from certificates.due_rules import DueItem

register = template.Library()


def _state(item: DueItem, today: datetime.date) -> SafeString:
    if item.is_overdue(today):
        late = (today - item.due_on).days
        return format_html(
            ' <span class="badge text-bg-danger">{}</span> <span class="small text-danger">{}</span>',
            _("Overdue"),
            ngettext("%(days)s day late", "%(days)s days late", late) % {"days": late},
        )
    if item.done:
        return format_html(' <span class="badge text-bg-secondary">{}</span>', _("Done"))
    return SafeString("")


@register.simple_tag
def due_item(item: DueItem, today: datetime.date, with_day: bool = False) -> SafeString:
    day = (
        format_html('<time datetime="{}">{}</time>: ', item.due_on.isoformat(), date_format(item.due_on))
        if with_day
        else ""
    )
    return format_html(
        '{}<a href="{}"><span class="fw-semibold">{}</span>: {}</a> '
        '<span class="text-body-secondary">{}</span>{}',
        day,
        item.path,
        item.label,
        item.subject,
        item.organisation_name,
        _state(item, today),
    )


@register.simple_tag
def month_rows(weeks, today: datetime.date) -> SafeString:
    """The month grid's rows, a week a row (`certificates.views.calendar.month_weeks`), written in
    Python as the admin writes its changelist: a month has 35 to 42 cells, each listing at most
    `DAY_ITEMS_SHOWN` items and a link to the day's agenda for the others."""
    today_badge = format_html(' <span class="badge text-bg-primary">{}</span>', _("Today"))
    rows = []
    for week in weeks:
        cells = []
        for cell in week:
            classes = "align-top"
            if not cell.in_month:
                classes += " bg-body-tertiary text-body-secondary"
            if cell.is_today:
                classes += " border-primary border-2"
            more = (
                format_html(
                    '<li><a href="{}">{}</a></li>',
                    cell.more_url,
                    ngettext("%(n)s more", "%(n)s more", cell.more) % {"n": cell.more},
                )
                if cell.more
                else ""
            )
            items = (
                format_html(
                    '<ul class="list-unstyled small mb-0">{}{}</ul>',
                    SafeString(
                        "".join(
                            format_html('<li class="mb-1">{}</li>', due_item(i, today)) for i in cell.items
                        )
                    ),
                    more,
                )
                if cell.items or cell.more
                else ""
            )
            cells.append(
                format_html(
                    '<td class="{}"{}><div class="fw-semibold"><time datetime="{}">{}</time>{}</div>{}</td>',
                    classes,
                    SafeString(' aria-current="date"') if cell.is_today else "",
                    cell.day.isoformat(),
                    cell.day.day,
                    today_badge if cell.is_today else "",
                    items,
                )
            )
        rows.append(format_html("<tr>{}</tr>", SafeString("".join(cells))))
    return SafeString("".join(rows))
