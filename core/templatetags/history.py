"""`{{ history|readable_lines }}`: the transition log with readable labels
(`core.transitions.readable`), for `core/_history.html` (list items) and `core/_history_rows.html`
(table rows of when, what happened and why)."""

from django import template

from core.transitions import Readable, readable

register = template.Library()


@register.filter
def readable_lines(history) -> list[Readable]:
    """The lines of a history; none where the page has no record yet (a form to create one)."""
    return [readable(transition) for transition in history or ()]
