"""`{% history_items history %}`: the transition log as list items, built in Python (a page's
history can hold many rows; the template loop cost more than the rest of the page's panels)."""

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def history_items(history) -> SafeString:
    system = _("system")
    rows = [
        (
            date_format(localtime(t.at), "SHORT_DATETIME_FORMAT"),
            t.actor or system,
            t.field,
            t.from_state or "—",
            t.to_state,
            f" ({t.reason})" if t.reason else "",
        )
        for t in history
    ]
    if not rows:
        return mark_safe("<li>—</li>")
    return format_html_join("", "<li>{} — {}: {} {} → {}{}</li>", rows)
