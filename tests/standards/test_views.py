import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def edition(db):
    edition = factories.EditionFactory(standard__code="ISO 9999", standard__slug="iso-9999")
    chapter = factories.ClauseFactory(
        edition=edition, number="9", title="Performance evaluation", assessable=False, hs_key="HS-9"
    )
    factories.ClauseFactory(
        edition=edition,
        number="9.1",
        title="Monitoring and measurement",
        parent=chapter,
        depth=1,
        hs_key="HS-9.1",
    )
    factories.ClauseFactory(
        edition=edition,
        number="9.2",
        title="Internal audit",
        parent=chapter,
        depth=1,
        hs_key="HS-9.2",
        summary="Plan and run audits of the system.",
    )
    return edition


def test_edition_page_shows_clause_tree(client, world, edition):
    client.force_login(world.viewer_a)
    page = client.get(edition.get_absolute_url()).content.decode()
    assert "ISO 9999:2015" in page
    page = page[page.index("<main") :]  # the tree, not the menu's "Internal audits"
    assert (
        page.index("Performance evaluation")
        < page.index("Monitoring and measurement")
        < page.index("Internal audit")
    )
    assert "HS-9.2" in page and "Plan and run audits of the system." in page


def test_edition_search_keeps_matches_and_their_ancestors(client, world, edition):
    client.force_login(world.auditor)
    response = client.get(edition.get_absolute_url(), {"q": "internal"})
    tree = response.context["tree"]
    assert [node.clause.number for node in tree] == ["9"]
    assert [(child.clause.number, child.matches) for child in tree[0].children] == [("9.2", True)]
    assert tree[0].matches is False
    assert "Monitoring and measurement" not in response.content.decode()


def test_edition_search_by_number(client, world, edition):
    client.force_login(world.auditor)
    tree = client.get(edition.get_absolute_url(), {"q": "9.1"}).context["tree"]
    assert [child.clause.number for child in tree[0].children] == ["9.1"]


def test_edition_search_without_match_says_so(client, world, edition):
    client.force_login(world.auditor)
    page = client.get(edition.get_absolute_url(), {"q": "zebra"}).content.decode()
    assert "No clause of this edition matches “zebra”" in page


def test_catalogue_search_lists_clauses_of_every_edition(client, world, edition):
    other = factories.EditionFactory(standard__code="ISO 8888", standard__slug="iso-8888", year=2018)
    factories.ClauseFactory(edition=other, number="9.2", title="Internal audit")
    client.force_login(world.qm_b)
    response = client.get(reverse("standards:catalogue"), {"q": "Internal audit"})
    assert sorted(c.edition.label for c in response.context["clauses"]) == ["ISO 8888:2018", "ISO 9999:2015"]
    assert "2 clauses match" in response.content.decode()


def test_catalogue_search_long_query_is_cut_not_refused(client, world, edition):
    client.force_login(world.qm_b)
    response = client.get(reverse("standards:catalogue"), {"q": "x" * 5000})
    assert response.status_code == 200 and len(response.context["query"]) == 100


def test_unknown_edition_is_404(client, world, edition):
    client.force_login(world.qm_a)
    assert client.get(reverse("standards:edition_detail", args=["iso-9999", 1999])).status_code == 404


@pytest.mark.parametrize("rows", [1, 3])
def test_edition_page_query_count(client, world, django_assert_num_queries, rows):
    edition = factories.EditionFactory()
    factories.ClauseFactory.create_batch(rows, edition=edition)
    client.force_login(world.qm_a)
    with django_assert_num_queries(5):
        client.get(edition.get_absolute_url())


@pytest.mark.parametrize("rows", [1, 3])
def test_catalogue_page_query_count(client, world, django_assert_num_queries, rows):
    for _ in range(rows):
        factories.ClauseFactory(edition=factories.EditionFactory())
    client.force_login(world.qm_a)
    with django_assert_num_queries(5):
        client.get(reverse("standards:catalogue"), {"q": "Clause"})
