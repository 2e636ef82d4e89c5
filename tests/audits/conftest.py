import pytest

from standards.services import built_in_time_tables_load
from tests import factories


def make_edition(code: str, year: int, clauses: list[tuple[str, str, str]], **kwargs):
    """An edition with chapters and leaf clauses: (number, title, hs_key); chapters are the top numbers."""
    edition = factories.EditionFactory(
        standard__code=code, standard__slug=code.lower().replace(" ", "-"), year=year, **kwargs
    )
    built_in_time_tables_load(standards=[edition.standard])  # the IAF MD 5 / 27006-1 table, if any
    chapters = {}
    for position, (number, title, hs_key) in enumerate(clauses, start=1):
        top = number.split(".")[0]
        is_top = number == top
        clause = factories.ClauseFactory(
            edition=edition,
            number=number,
            title=title,
            hs_key=hs_key,
            position=position,
            parent=None if is_top else chapters[top],
            depth=0 if is_top else 1,
            assessable=not is_top,
            is_chapter=is_top,
        )
        if is_top:
            chapters[top] = clause
    return edition


@pytest.fixture
def qms(db):
    return make_edition(
        "ISO 9001",
        2015,
        [
            ("4", "Context", "HS-4"),
            ("4.1", "Context of the organisation", "HS-4.1"),
            ("4.2", "Interested parties", "HS-4.2"),
            ("8", "Operation", "HS-8"),
            ("8.3", "Design and development", ""),
            ("9", "Performance evaluation", "HS-9"),
            ("9.2", "Internal audit", "HS-9.2"),
        ],
    )


@pytest.fixture
def ems(db):
    return make_edition(
        "ISO 14001",
        2015,
        [
            ("4", "Context", "HS-4"),
            ("4.1", "Context of the organisation", "HS-4.1"),
            ("4.2", "Interested parties", "HS-4.2"),
            ("6", "Planning", "HS-6"),
            ("6.1", "Environmental aspects", ""),
            ("9", "Performance evaluation", "HS-9"),
            ("9.2", "Internal audit", "HS-9.2"),
        ],
    )


@pytest.fixture
def isms(db):
    """ISO/IEC 27001:2022 with two HS clauses and six Annex A controls under two themes (the
    chapter "A" and its themes are not assessable, as in the catalogue)."""
    edition = make_edition(
        "ISO/IEC 27001",
        2022,
        [
            ("4", "Context", "HS-4"),
            ("4.1", "Context of the organisation", "HS-4.1"),
            ("9", "Performance evaluation", "HS-9"),
            ("9.2", "Internal audit", "HS-9.2"),
        ],
    )
    annex = factories.ClauseFactory(
        edition=edition, number="A", title="Annex A", position=10, depth=0, assessable=False, is_chapter=True
    )
    position = 11
    for theme, controls in (("A.5", ("A.5.1", "A.5.2", "A.5.3")), ("A.8", ("A.8.1", "A.8.2", "A.8.3"))):
        parent = factories.ClauseFactory(
            edition=edition,
            number=theme,
            title=f"Theme {theme}",
            parent=annex,
            position=position,
            depth=1,
            assessable=False,
        )
        position += 1
        for number in controls:
            factories.ClauseFactory(
                edition=edition,
                number=number,
                title=f"Control {number}",
                parent=parent,
                position=position,
                depth=2,
                assessable=True,
            )
            position += 1
    return edition
