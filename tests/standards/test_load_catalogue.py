import pytest
from django.core.management import call_command
from django.db.models import Count, Q

from standards.models import AuditTimeTable, Clause, Edition, Standard
from standards.services import catalogue_load

pytestmark = pytest.mark.django_db

EDITIONS = {
    "ISO 9001:2015",
    "ISO 14001:2015",
    "ISO 14001:2026",
    "ISO 45001:2018",
    "ISO/IEC 27001:2022",
    "ISO/IEC 27001:2013",
    "ISO 22301:2019",
    "ISO/IEC 20000-1:2018",
    "ISO 31000:2018",
    "ISO 26000:2010",
    "ISO 56000:2020",
    "ISO 56001:2024",
    "ISO 56002:2019",
}
NOT_CERTIFIABLE = {"ISO 31000:2018", "ISO 26000:2010", "ISO 56000:2020", "ISO 56002:2019"}


def _snapshot() -> list[tuple]:
    return [
        *Standard.objects.order_by("pk").values_list(),
        *Edition.objects.order_by("pk").values_list(),
        *Clause.objects.order_by("pk").values_list(),
    ]


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The real catalogue, loaded once for the module's read-only checks."""
    with django_db_blocker.unblock():
        catalogue_load()
        yield
        AuditTimeTable.objects.all().delete()  # catalogue_load also loads the built-in time tables
        Clause.objects.update(parent=None)
        Clause.objects.all().delete()
        Edition.objects.update(supersedes=None)
        Edition.objects.all().delete()
        Standard.objects.all().delete()


def test_load_twice_leaves_database_unchanged(loaded):
    before = _snapshot()
    report = catalogue_load()
    assert not report.changed and report.retired == []
    assert _snapshot() == before


def test_command_second_run_says_up_to_date(loaded):
    from io import StringIO

    out = StringIO()
    call_command("load_catalogue", stdout=out)
    assert "clauses: 0 created, 0 updated" in out.getvalue()
    assert "Catalogue already up to date." in out.getvalue()


def test_catalogue_holds_every_edition(loaded):
    labels = {edition.label for edition in Edition.objects.select_related("standard")}
    assert labels == EDITIONS
    certifiable = {e.label for e in Edition.objects.select_related("standard").filter(certifiable=True)}
    assert certifiable == EDITIONS - NOT_CERTIFIABLE


def test_every_edition_has_an_assessable_clause_tree(loaded):
    """Requirements and guidance editions are assessed clause by clause; a vocabulary has little to assess."""
    editions = Edition.objects.annotate(n=Count("clauses", filter=Q(clauses__assessable=True)))
    assert {e.pk: e.n for e in editions if e.n < (1 if e.kind == "vocabulary" else 20)} == {}


def test_standards_sort_by_number(loaded):
    assert list(Standard.objects.values_list("code", flat=True)) == [
        "ISO 9001",
        "ISO 14001",
        "ISO/IEC 20000-1",
        "ISO 22301",
        "ISO 26000",
        "ISO/IEC 27001",
        "ISO 31000",
        "ISO 45001",
        "ISO 56000",
        "ISO 56001",
        "ISO 56002",
    ]


def test_iso_27001_2022_annex_a_has_93_controls_in_4_themes(loaded):
    edition = Edition.objects.get(standard__code="ISO/IEC 27001", year=2022)
    themes = edition.clauses.filter(parent__number="A").order_by("position")
    assert [(t.number, t.children.count()) for t in themes] == [
        ("A.5", 37),
        ("A.6", 8),
        ("A.7", 14),
        ("A.8", 34),
    ]
    assert edition.clauses.get(number="A.8.28").title == "Secure coding"


def test_iso_27001_2013_is_withdrawn_with_transition_dates(loaded):
    edition = Edition.objects.get(standard__code="ISO/IEC 27001", year=2013)
    assert edition.status == "withdrawn"
    assert str(edition.transition_end_on) == "2025-10-31"
    assert edition.superseded_by.get().year == 2022
    assert not edition.accepts_initial_audits_on(edition.published_on)


def test_harmonized_structure_keys_line_up_across_standards(loaded):
    """Keys sit on the clauses that get answers: whole or sub-clause, and both clause-10 orders."""

    def key_of(code, year, number):
        return Clause.objects.get(edition__standard__code=code, edition__year=year, number=number).hs_key

    assert key_of("ISO 9001", 2015, "5.1.1") == key_of("ISO 14001", 2015, "5.1") == "HS-5.1"
    assert key_of("ISO 9001", 2015, "6.1") == key_of("ISO 45001", 2018, "6.1.1") == "HS-6.1"
    assert key_of("ISO 9001", 2015, "9.2") == key_of("ISO/IEC 20000-1", 2018, "9.2") == "HS-9.2"
    assert key_of("ISO 14001", 2015, "9.2.1") == key_of("ISO/IEC 27001", 2022, "9.2.1") == "HS-9.2.1"
    assert key_of("ISO 14001", 2015, "9.2") == key_of("ISO 9001", 2015, "5") == ""
    assert key_of("ISO 9001", 2015, "10.2") == key_of("ISO 22301", 2019, "10.1") == "HS-10.2"
    assert key_of("ISO 45001", 2018, "10.3") == key_of("ISO/IEC 27001", 2022, "10.1") == "HS-10.1"
    shared = Clause.objects.filter(
        edition__standard__code__in=["ISO 9001", "ISO 14001", "ISO 45001"],
        edition__year__in=[2015, 2018],
        hs_key="HS-7.5.3",
    )
    assert shared.count() == 3


def test_14001_2026_renumbers_planning_action(loaded):
    def title(year, number):
        return Clause.objects.get(
            edition__standard__code="ISO 14001", edition__year=year, number=number
        ).title

    assert title(2015, "6.1.4") == "Planning action"
    assert title(2026, "6.1.4") == "Risks and opportunities"
    assert title(2026, "6.1.5") == "Planning action"
