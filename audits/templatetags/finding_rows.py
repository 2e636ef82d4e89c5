"""The row of a finding in an audit's findings list and on the audit page's panel.

Built in Python, as the gap analysis builds its rows (`gap_rows.py`): an audit can carry a hundred
findings and the template engine spent about a millisecond on each such row. This is the only place
the row's markup is written. Every value that comes from a user or the catalogue is escaped here.
"""

import datetime
from dataclasses import dataclass, field
from html import escape

from django import template
from django.urls import reverse
from django.utils.dateformat import format as format_date
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from audits.enums import FindingStatus, FindingType
from audits.finding_rules import status_label
from audits.models import Finding

register = template.Library()

PLACEHOLDER = 2_147_483_647  # stands for the finding's id in a reversed URL
STATEMENT_CHARS = 220


def _pattern(name: str) -> str:
    return reverse(name, args=[PLACEHOLDER]).replace(str(PLACEHOLDER), "{}")


@dataclass
class _Page:
    """What every row shares, worked out once per render: URL patterns, labels, dates."""

    detail_url: str
    edit_url: str | None
    types: dict[str, str]
    statuses: dict[str, str]
    words: dict[str, str]
    date_format: str
    dates: dict[datetime.date, str] = field(default_factory=dict)

    def day(self, value: datetime.date) -> str:
        if value not in self.dates:
            self.dates[value] = format_date(value, self.date_format)
        return self.dates[value]


def _page(can_edit: bool, reported: bool) -> _Page:
    statuses = {value: status_label(value, reported=reported) for value in FindingStatus.values}
    return _Page(
        detail_url=_pattern("audits:finding_detail"),
        edit_url=_pattern("audits:finding_edit") if can_edit else None,
        types={value: str(label) for value, label in FindingType.choices},
        statuses=statuses,
        words={
            "response": gettext("Response due %(day)s"),
            "closure": gettext("closure due %(day)s"),
            "raised": gettext("raised by %(name)s"),
            "edit": gettext("Edit"),
        },
        date_format=get_format("DATE_FORMAT"),
    )


def finding_row(finding: Finding, page: _Page) -> str:
    reference = escape(finding.reference)
    title = f'<a href="{page.detail_url.format(finding.pk)}">{escape(finding.name)}</a>'
    withdrawn = finding.status == FindingStatus.WITHDRAWN
    where = [finding.requirement]
    if finding.site_id:
        where.append(finding.site.name)
    if finding.process:
        where.append(finding.process)
    if getattr(finding, "edition_labels", None):
        where.append(", ".join(finding.edition_labels))
    dues = [
        f"<span>{escape(page.words[word] % {'day': page.day(day)})}</span>"
        for word, day in (("response", finding.response_due_on), ("closure", finding.close_due_on))
        if day
    ]
    raised = escape(page.words["raised"] % {"name": finding.raised_by.full_name})
    edit = (
        f'<a class="btn btn-outline-secondary ms-auto" href="{page.edit_url.format(finding.pk)}">'
        f'{escape(page.words["edit"])}<span class="visually-hidden"> {reference}</span></a>'
        if page.edit_url and not withdrawn
        else ""
    )
    muted = " text-body-secondary" if withdrawn else ""
    badge = f"text-bg-{finding.tone}"
    return (
        f'<li class="list-group-item py-3{muted}" id="finding-{finding.pk}">'
        '<div class="d-flex flex-wrap align-items-baseline gap-2">'
        f'<h3 class="h6 mb-0 me-auto">{title}</h3>'
        f'<span class="badge {badge}">{escape(page.types[finding.type])}</span>'
        f'<span class="badge text-bg-light border">{escape(page.statuses[finding.status])}</span></div>'
        f'<p class="mb-1 mt-1 small text-body-secondary text-break">{escape(" · ".join(where))}</p>'
        f'<p class="mb-1 text-break">{escape(Truncator(finding.statement).chars(STATEMENT_CHARS))}</p>'
        '<div class="d-flex flex-wrap align-items-center gap-2 small">'
        f'{"".join(dues)}<span class="text-body-secondary">{raised}</span>{edit}</div></li>'
    )


@register.simple_tag
def finding_rows(findings: list[Finding], can_edit: bool = False, reported: bool = True) -> SafeString:
    """The rows of `findings` (from `selectors.findings.finding_rows`, of one audit); with edit
    links for the team while the fieldwork runs; before the audit's report is `reported`, a
    nonconformity reads as logged, not as waiting for the client."""
    page = _page(can_edit, reported)
    return mark_safe("".join(finding_row(finding, page) for finding in findings))  # noqa: S308 (escaped above)
