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
from dataclasses import dataclass
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
