"""The action register's filters (django-filter): status (with "open, any"), owner, source (with
the certification body's audits, whose nonconformities the register reads without copying them),
standard and clause, site, overdue, a search, and the order. Every choice is scoped to the
organisation; a value that is not valid is said on the page and the register shows unfiltered."""

import re

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.listing import FilterForm
from improvement.enums import OPEN_ACTION_STATUSES, ActionSource, ActionStatus
from improvement.models import Action
from organisations.models import Organisation, User
from standards.models import Edition

OPEN_ANY = "open_any"
CB_AUDIT = "cb_audit"  # the CB's nonconformities: not actions, read from the audit records
STATUS_CHOICES = [(OPEN_ANY, _("Open (any)")), *ActionStatus.choices]
SOURCE_CHOICES = [*ActionSource.choices, (CB_AUDIT, _("Certification body audit"))]
SORT_CHOICES = [
    ("due", _("Due date, soonest first")),
    ("-due", _("Due date, latest first")),
    ("-number", _("Newest first")),
    ("number", _("Oldest first")),
]
NUMBER = re.compile(r"^\s*(?:A-?)?(\d{1,9})\s*$", re.IGNORECASE)
SEARCHED = ("title", "description", "correction", "root_cause", "corrective_action", "source_reference")


class ActionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=200)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=STATUS_CHOICES, method="by_status")
    owner = django_filters.ModelChoiceFilter(
        label=_("Owner"), queryset=User.objects.none(), field_name="owner"
    )
    source = django_filters.ChoiceFilter(label=_("Source"), choices=SOURCE_CHOICES, method="by_source")
    edition = django_filters.ModelChoiceFilter(
        label=_("Standard"), queryset=Edition.objects.none(), field_name="clause__edition"
    )
    clause = django_filters.CharFilter(
        label=_("Clause"),
        method="by_clause",
        max_length=20,
        help_text=_("A number: 7.5 finds 7.5 and 7.5.1."),
    )
    site = django_filters.ModelChoiceFilter(label=_("Site"), queryset=None, field_name="site")
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"), method="by_overdue", widget=forms.CheckboxInput
    )
    sort = django_filters.ChoiceFilter(
        label=_("Order"), choices=SORT_CHOICES, method="by_sort", empty_label=None
    )

    class Meta:
        model = Action
        fields = []
        form = FilterForm

    def __init__(self, data=None, *args, organisation: Organisation, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.organisation = organisation
        self.filters["owner"].queryset = User.objects.filter(
            organisation_memberships__organisation=organisation, organisation_memberships__is_active=True
        ).order_by("full_name", "email")
        self.filters["site"].queryset = organisation.sites.order_by("name")
        self.filters["edition"].queryset = Edition.objects.select_related("standard").order_by(
            "standard__code", "-year"
        )

    @property
    def qs(self) -> QuerySet[Action]:
        queryset = super().qs
        if not self.is_bound or not self.form.is_valid() or not self.form.cleaned_data.get("sort"):
            queryset = self.by_sort(queryset, "sort", "due")
        return queryset

    def filter_queryset(self, queryset):
        # the order is applied last, whatever the order of the fields
        data = dict(self.form.cleaned_data)
        sort = data.pop("sort", None)
        for name, value in data.items():
            queryset = self.filters[name].filter(queryset, value)
        return self.by_sort(queryset, "sort", sort) if sort else queryset

    # --- the filters' methods ---

    def search(self, queryset: QuerySet[Action], name: str, value: str) -> QuerySet[Action]:
        value = value.strip()
        if not value:
            return queryset
        found = Q()
        for field in SEARCHED:
            found |= Q(**{f"{field}__icontains": value})
        if number := NUMBER.match(value):
            found |= Q(number=int(number.group(1)))
        return queryset.filter(found)

    def by_status(self, queryset, name, value):
        if value == OPEN_ANY:
            return queryset.filter(status__in=OPEN_ACTION_STATUSES)
        return queryset.filter(status=value) if value else queryset

    def by_source(self, queryset, name, value):
        if value == CB_AUDIT:
            return queryset.none()  # the CB's nonconformities are shown in their own section
        return queryset.filter(source=value) if value else queryset

    def by_clause(self, queryset, name, value):
        value = value.strip().rstrip(".")
        if not value:
            return queryset
        return queryset.filter(Q(clause__number=value) | Q(clause__number__startswith=f"{value}."))

    def by_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            due_on__lt=timezone.localdate(), status__in=(ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
        )

    def by_sort(self, queryset, name, value):
        if value in ("number", "-number"):
            return queryset.order_by(value)
        due = F("due_on").desc(nulls_last=True) if value == "-due" else F("due_on").asc(nulls_last=True)
        return queryset.order_by(due, "-number")

    # --- what the CB's section reads of the same filters ---

    def external(self) -> dict:
        """The filters as the providers of the register's other sections read them."""
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        return {
            "q": (data.get("q") or "").strip(),
            "status_open": data.get("status") == OPEN_ANY,
            "edition": data.get("edition"),
            "clause": (data.get("clause") or "").strip().rstrip("."),
            "site": data.get("site"),
            "overdue": bool(data.get("overdue")),
            "hidden": bool(
                (data.get("source") and data.get("source") != CB_AUDIT)
                or (data.get("status") and data.get("status") != OPEN_ANY)
                or data.get("owner")
            ),
        }
