"""`core.expressions.ListOf`: a one-column subquery's values as one list per row, on PostgreSQL
(ARRAY) and on SQLite (a JSON array, for `make run`), read by `as_list` either way."""

import pytest
from django.db import connection
from django.db.models import F, OuterRef

from core.expressions import ListOf, as_list
from organisations.models import Organisation, Site
from tests import factories

pytestmark = pytest.mark.django_db


def test_as_list_reads_both_databases_answers():
    assert as_list([3, 1]) == [3, 1]  # PostgreSQL's array
    assert as_list('["ISO 9001", "ISO/IEC 27001"]') == ["ISO 9001", "ISO/IEC 27001"]  # SQLite's JSON
    assert as_list("[]") == [] and as_list(None) == []


def test_each_row_gets_the_values_of_its_subquery_in_order():
    first, second = factories.OrganisationFactory(name="A"), factories.OrganisationFactory(name="B")
    for name in ("Zeta", "Alpha"):
        factories.SiteFactory(organisation=first, name=name)
    names = Site.objects.filter(organisation=OuterRef("pk")).order_by("name").values(item=F("name"))
    rows = dict(
        Organisation.objects.filter(pk__in=[first.pk, second.pk])
        .annotate(site_names=ListOf(names))
        .values_list("name", "site_names")
    )
    assert {name: as_list(sites) for name, sites in rows.items()} == {"A": ["Alpha", "Zeta"], "B": []}
    assert connection.vendor in ("postgresql", "sqlite")
