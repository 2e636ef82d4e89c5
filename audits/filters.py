"""The filters of the audits app's long lists (django-filter): the programmes by a search (the
reference P-00012, or the client's name) and status; the clients a planner may open a programme
for, by name (the type-ahead picker)."""

import re

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from audits.enums import ProgrammeStatus
from audits.models import Audit, AuditProgramme
from core.listing import FilterForm

REFERENCE = re.compile(r"^\s*(?:P-?)?(\d{1,9})\s*$", re.IGNORECASE)
CLIENTS_SHOWN = 20  # matches offered by the client picker; a longer name narrows them


class ProgrammeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="search", max_length=200, help_text=_("A reference or the client's name.")
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ProgrammeStatus.choices)

    class Meta:
        model = AuditProgramme
        fields = []
        form = FilterForm

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        found = Q(organisation__name__icontains=value)
        if reference := REFERENCE.match(value):
            found |= Q(pk=int(reference.group(1)))
        return queryset.filter(found)


def clients_matching(clients: QuerySet, text: str) -> list:
    """The first CLIENTS_SHOWN clients whose name holds `text` (all of them, alphabetically, when
    there are no more than that), and whether there are more."""
    text = " ".join(text.split())[:200]
    if text:
        clients = clients.filter(name__icontains=text)
    found = list(clients.order_by("name")[: CLIENTS_SHOWN + 1])
    return found[:CLIENTS_SHOWN], len(found) > CLIENTS_SHOWN


class MyAuditsFilter(django_filters.FilterSet):
    """An auditor's audits: those still ahead or under way first (the default), the past ones, or
    all; searched by client or programme."""

    CURRENT, PAST, ALL = "current", "past", "all"
    q = django_filters.CharFilter(
        label=_("Search"), method="search", max_length=200, help_text=_("A programme or the client's name.")
    )
    period = django_filters.ChoiceFilter(
        label=_("Audits"),
        choices=[(CURRENT, _("Ahead and under way")), (PAST, _("Past")), (ALL, _("All"))],
        method="by_period",
        empty_label=None,
    )

    class Meta:
        model = Audit
        fields = []
        form = FilterForm

    def __init__(self, data=None, *args, today, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.today = today

    @property
    def qs(self) -> QuerySet:
        queryset = super().qs
        if not self.is_bound or not self.form.is_valid() or not self.form.cleaned_data.get("period"):
            queryset = self.by_period(queryset, "period", self.CURRENT)
        return queryset

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        found = Q(programme__organisation__name__icontains=value)
        if reference := REFERENCE.match(value):
            found |= Q(programme_id=int(reference.group(1)))
        return queryset.filter(found)

    def by_period(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == self.PAST:
            return queryset.filter(ends_on__lt=self.today).order_by("-starts_on", "-pk")
        if value == self.ALL:
            return queryset.order_by("-starts_on", "-pk")
        return queryset.filter(ends_on__gte=self.today).order_by("starts_on", "pk")
