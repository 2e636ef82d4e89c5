"""The organisations list's filters (django-filter): a search by name, the kind of public body,
archived or not."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.listing import FilterForm
from organisations.enums import OrganisationKind
from organisations.models import Organisation


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name"), field_name="name", lookup_expr="icontains", max_length=200)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=OrganisationKind.choices)
    is_active = django_filters.BooleanFilter(label=_("Active (not archived)"))

    class Meta:
        model = Organisation
        fields = []
        form = FilterForm
