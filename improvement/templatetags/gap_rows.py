"""The compact row of a gap-analysis answer, and the lines of the open-actions table.

Built in Python, as Django's admin builds its changelist rows: the analysis page lists every answer
(150 and more for an integrated analysis) and the template engine spends about 60 µs on each such
row where this spends about 12. This is the only place the row's markup is written; the page,
the htmx swaps (`_answer_row.html`) and the tests all go through `answer_row`. Every value that
comes from a user or the catalogue is escaped here.
"""

import datetime
from dataclasses import dataclass, field
from html import escape  # the standard library's: the page calls it thousands of times

from django import template
from django.urls import reverse
from django.utils.dateformat import format as format_date
from django.utils.formats import get_format, number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from improvement.enums import ActionStatus, AnswerStatus
from improvement.models import Action, GapAnalysis
from improvement.selectors.gap import ChapterBlock, Row

register = template.Library()

PLACEHOLDER = 2_147_483_647  # stands for the answer's id in a reversed URL


@dataclass
class _Page:
    """What every row of one page shares: URL patterns and labels, worked out once per render."""

    edit_url: str
    action_url: str
    next_url: str
    can_write: bool
    filter_query: str
    labels: dict[str, str]
    statuses: dict[str, str]
    action_statuses: dict[str, str]
    date_format: str
    dates: dict[datetime.date, str] = field(default_factory=dict)

    def day(self, value: datetime.date) -> str:
        """The date in the short format; due dates repeat, so each is formatted once."""
        if value not in self.dates:
            self.dates[value] = format_date(value, self.date_format)
        return self.dates[value]


def _page(context: template.Context, analysis: GapAnalysis) -> _Page:
    cache = context.render_context
    page = cache.get(("gap_rows", analysis.pk))
    if page is None:
        edit = reverse("improvement:gap_answer_edit", args=[analysis.pk, PLACEHOLDER])
        page = cache[("gap_rows", analysis.pk)] = _Page(
            edit_url=edit.replace(str(PLACEHOLDER), "{}"),
            action_url=reverse("improvement:action_detail", args=[PLACEHOLDER]).replace(
                str(PLACEHOLDER), "{}"
            ),
            next_url=reverse("improvement:gap_next_unanswered", args=[analysis.pk]),
            can_write=bool(context.get("can_write")),
            filter_query=context.get("filter_query") or "",
            labels={
                "edit": gettext("Edit"),
                "details": gettext("Details"),
                "counts": gettext("Counts for"),
                "justification": gettext("Justification"),
                "action": gettext("Action"),
                "due": gettext("due"),
                "saved": gettext("Saved"),
                "next": gettext("Next unanswered clause"),
            },
            statuses={status.value: escape(str(status.label)) for status in AnswerStatus},
            action_statuses={status.value: str(status.label) for status in ActionStatus},
            date_format=get_format("SHORT_DATE_FORMAT"),
        )
    return page


def _short(text: str, limit: int) -> str:
    """The text on one line, cut at `limit` characters (the editor shows it whole)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _summary(row: Row, page: _Page) -> str:
    answer, labels = row.answer, page.labels
    parts = []
    if answer.justification:
        parts.append(f"{labels['justification']}: {_short(answer.justification, 120)}")
    if answer.notes:
        parts.append(_short(answer.notes, 160))
    for action in answer.actions.all():  # prefetched by gap_sheet
        parts.append(_action(action, page))
    if row.evidence:
        count = len(row.evidence)
        parts.append(
            ngettext("%(count)d evidence file", "%(count)d evidence files", count) % {"count": count}
        )
    return "".join(f"<span>{escape(part)}</span>" for part in parts)


def _action(action: Action, page: _Page) -> str:
    """ "Action A-3: Title (Open) — owner, due 30/06/2027", as text (escaped by the caller)."""
    labels = page.labels
    text = f"{labels['action']} {action.reference}: {_short(action.title, 100)}"
    text += f" ({page.action_statuses[action.status]}) — {action.owner}"
    if action.due_on:
        text += f", {labels['due']} {page.day(action.due_on)}"
    return text


def _next_link(page: _Page, pk: int) -> str:
    query = f"after={pk}" + (f"&{page.filter_query}" if page.filter_query else "")
    url = escape(f"{page.next_url}?{query}")
    return (
        f'<a href="{url}" hx-get="{url}" hx-target="#answer-{pk}" hx-swap="outerHTML">'
        f"{escape(page.labels['next'])}</a>"
    )


@register.simple_tag(takes_context=True)
def answer_row(context: template.Context, row: Row, saved: bool = False, closed: bool = False) -> SafeString:
    """One answer as a compact, read-only row with the link that opens its editor (or details)."""
    return mark_safe(_row(_page(context, context["analysis"]), row, saved, closed))  # noqa: S308 - escaped


@register.simple_tag(takes_context=True)
def answer_rows(context: template.Context, rows: list[Row]) -> SafeString:
    """The compact rows of a list, in one call."""
    page = _page(context, context["analysis"])
    return mark_safe("".join(_row(page, row) for row in rows))  # noqa: S308 - escaped in _row


def _row(page: _Page, row: Row, saved: bool = False, closed: bool = False) -> str:
    labels, answer, pk = page.labels, row.answer, row.answer.pk
    number = escape(row.number)
    if answer.hs_key:
        lead = f'<span class="hs-key">{number}</span>'
    else:
        lead = f'<span class="clause-number">{number}</span>'
    url = escape(page.edit_url.format(pk))
    if page.can_write:
        query = f"?{page.filter_query}" if page.filter_query else ""
        link = (
            f'<a class="answer-open" href="{url}" hx-get="{url}{escape(query)}" '
            f'hx-target="#answer-{pk}" hx-swap="outerHTML">{escape(labels["edit"])}'
        )
    else:
        link = f'<a class="answer-open" href="{url}">{escape(labels["details"])}'
    counts = (
        f'<p class="answer-counts">{escape(labels["counts"])} {escape(row.counts_for)}</p>'
        if answer.hs_key
        else ""
    )
    summary = _summary(row, page)
    summary = f'<p class="answer-summary">{summary}</p>' if summary else ""
    done = f'<p class="answer-saved">{escape(labels["saved"])} · {_next_link(page, pk)}</p>' if saved else ""
    # ticked, the answer is among those the page's bulk form sets at once (#gap-bulk)
    pick = (
        f'<input class="form-check-input answer-pick" type="checkbox" name="answers" value="{pk}" '
        f'form="gap-bulk" aria-labelledby="answer-{pk}-title">'
        if page.can_write
        else ""
    )
    return (
        f'<article class="answer" id="answer-{pk}" aria-labelledby="answer-{pk}-title">'
        f'<div class="answer-head">{pick}<h4 class="answer-title" id="answer-{pk}-title" tabindex="-1"'
        f"{' data-focus-here' if saved or closed else ''}>{lead} {escape(answer.clause.title)}</h4>"
        f'<span class="status status-{escape(answer.status)}">{page.statuses[answer.status]}</span>'
        f'{link}<span class="visually-hidden"> {number}</span></a></div>'
        f"{counts}{summary}{done}</article>"
    )


@register.simple_tag(takes_context=True)
def open_action_lines(context: template.Context, actions: list[Action]) -> SafeString:
    """The lines of the open-actions table (soonest due first), an overdue one marked in words;
    each action links to its page in the register."""
    page = _page(context, context["analysis"])
    today = context["today"]
    due, clause, title, status, owner = (
        escape(gettext(h)) for h in ("Due", "Clause", "Action", "Status", "Owner")
    )
    overdue = f'<span class="badge text-bg-danger">{escape(gettext("overdue"))}</span>'
    lines = []
    for action in actions:
        answer = action.gap_answer
        late = action.is_overdue(today)
        day = page.day(action.due_on) if action.due_on else "—"
        number = escape(answer.hs_key or answer.clause.number)
        url = escape(page.action_url.format(action.pk))
        lines.append(
            ('<tr class="table-danger">' if late else "<tr>")
            + f'<td data-label="{due}">{day}{" " + overdue if late else ""}</td>'
            + f'<td data-label="{clause}"><a href="#answer-{answer.pk}">{number}</a></td>'
            + f'<td data-label="{title}"><a href="{url}">{escape(action.reference)}</a> '
            + f"{escape(action.title)}</td>"
            + f'<td data-label="{status}">{escape(page.action_statuses[action.status])}</td>'
            + f'<td data-label="{owner}">{escape(str(action.owner))}</td></tr>'
        )
    return mark_safe("".join(lines))  # noqa: S308 - every value above is escaped


@register.simple_tag
def chapter_score(block: ChapterBlock, oob: bool = False) -> SafeString:
    """A chapter's readiness beside its heading; out of band, it replaces the one on the page."""
    score = block.readiness.score if block.readiness else None
    text = "—" if score is None else f"{number_format(score)} %"
    swap = ' hx-swap-oob="true"' if oob else ""
    return mark_safe(  # noqa: S308 - ids and a number
        f'<span class="chapter-score" id="score-{block.edition.pk}-{block.chapter.pk}"{swap}>{text}</span>'
    )
