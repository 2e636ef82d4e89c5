"""`{% history_items history %}` (list items) and `{% history_rows history %}` (table rows of
when, who, what, from, to, why): the transition log with readable labels
(`core.transitions.readable`), built in Python (a page's history can hold many rows; the
template loop cost more than the rest of the page's panels)."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core.transitions import readable

register = template.Library()
ROW = "<tr>" + "<td>{}</td>" * 5 + '<td class="text-break">{}</td></tr>'


@register.simple_tag
def history_items(history) -> SafeString:
    lines = [readable(t) for t in history]
    if not lines:
        return mark_safe("<li>—</li>")
    return format_html_join(
        "",
        "<li>{} — {}: {}: {} → {}{}</li>",
        (
            (r.at, r.actor, r.field, r.from_state, r.to_state, f" ({r.reason})" if r.reason else "")
            for r in lines
        ),
    )


@register.simple_tag
def history_rows(history) -> SafeString:
    lines = [readable(t) for t in history]
    if not lines:
        return format_html('<tr><td colspan="6">{}</td></tr>', _("Nothing recorded yet."))
    return format_html_join(
        "", ROW, ((r.at, r.actor, r.field, r.from_state, r.to_state, r.reason or "—") for r in lines)
    )
