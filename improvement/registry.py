"""The other records the action register shows beside its own actions, never copied into it.

The certification body's nonconformities are answered on the finding's page and live in the audit
records; the register reads them from there, so a change to the finding shows at once. The audits
app is a higher app: it registers a provider in its `AppConfig.ready` (`audits.apps`), so this app
never imports it (as `organisations.locks` does for certificates).

A provider is a callable `(organisation_ids, filters) -> Section | None`: `organisation_ids` a
queryset or list of the organisations whose register is read, `filters` the register's filters as
`improvement.filters.ActionFilter.external()` gives them. A `Section`'s rows are read a page at a
time (its `rows` supports `count()` and slicing, as a Paginator needs), so its query count does not
grow with the rows.
"""

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ExternalItem:
    """One row of another record shown in the register (a CB's nonconformity)."""

    reference: str
    title: str
    kind: str
    clause: str
    site: str
    status: str
    due_on: datetime.date | None
    overdue: bool
    url: str


class MappedRows(Sequence):
    """A queryset read a slice at a time, each record turned into an `ExternalItem`."""

    def __init__(self, queryset, to_item: Callable[[Any], ExternalItem]):
        self.queryset, self.to_item = queryset, to_item

    def count(self, value=None) -> int:  # what Paginator calls
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            if index.start is not None and index.start == index.stop:
                return []  # an empty page: no query
            return [self.to_item(record) for record in self.queryset[index]]
        return self.to_item(self.queryset[index])


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    explanation: str
    rows: MappedRows


Provider = Callable[[Iterable[int], dict], Section | None]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    """Add a provider of a section of the register (called once per app, in its `ready`)."""
    if provider not in _providers:
        _providers.append(provider)


def sections(organisation_ids, filters: dict) -> list[Section]:
    """The other sections of the register of these organisations, filtered as the register is."""
    return [section for provider in _providers if (section := provider(organisation_ids, filters))]


# --- A management review's prepared inputs from the higher apps (HS 9.3.2, DOMAIN §13.2) ------------
#
# The CB's audit results and open nonconformities (audits) and the certificates with the next
# external audits (certificates) live in higher apps. Each registers a provider in its
# `AppConfig.ready`: a callable `(organisation, since, until) -> ReviewSection | None`, `since` the
# day of the previous review (None: there was none), `until` this review's day. A section is plain
# data (strings and numbers), so a held review keeps it as JSON and shows it again as it was.


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str | int]]


@dataclass
class ReviewSection:
    key: str
    title: str
    explanation: str = ""
    tables: list[Table] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def as_data(self) -> dict:
        return asdict(self)

    @classmethod
    def from_data(cls, data: dict) -> "ReviewSection":
        tables = [Table(**table) for table in data.get("tables", [])]
        return cls(
            key=data["key"],
            title=data["title"],
            explanation=data.get("explanation", ""),
            tables=tables,
            lines=list(data.get("lines", [])),
        )


ReviewProvider = Callable[[Any, datetime.date | None, datetime.date], ReviewSection | None]
_review_providers: list[ReviewProvider] = []


def register_review_section(provider: ReviewProvider) -> None:
    """Add a provider of a section of the review's prepared inputs (once per app, in its `ready`)."""
    if provider not in _review_providers:
        _review_providers.append(provider)


def review_sections(organisation, since: datetime.date | None, until: datetime.date) -> list[ReviewSection]:
    """The sections the higher apps give for the organisation's review, in registration order."""
    return [s for provider in _review_providers if (s := provider(organisation, since, until))]


# --- The editions an organisation works towards, as the higher apps know them -------------------
# Readiness for stage 1 (`improvement.selectors.readiness.target_editions`) lists the editions the
# organisation's own records name and those of the CB's audit programmes of it. The audits app
# registers a provider in its `ready`: a callable `(organisation_id) -> queryset of edition ids`
# (a `values("edition_id")` queryset, read as a subquery, so it costs no query of its own).

EditionProvider = Callable[[int], Any]
_edition_providers: list[EditionProvider] = []


def register_editions(provider: EditionProvider) -> None:
    if provider not in _edition_providers:
        _edition_providers.append(provider)


def provided_editions(organisation_id: int) -> list:
    """The subqueries of edition ids the registered providers give for the organisation."""
    return [provider(organisation_id) for provider in _edition_providers]
