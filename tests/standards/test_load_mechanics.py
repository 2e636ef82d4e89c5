"""Loading mechanics on small catalogues written to a temporary folder."""

import textwrap

import pytest
from django.core.management import CommandError, call_command

from standards.catalogue import CatalogueError
from standards.models import Clause, Standard
from standards.services import catalogue_load
from tests.standards.test_catalogue_files import GOOD

pytestmark = pytest.mark.django_db


def _tmp_catalogue(tmp_path, text=GOOD):
    (tmp_path / "iso-9999-2020.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def test_load_updates_changed_clause_and_keeps_removed_ones(tmp_path):
    directory = _tmp_catalogue(tmp_path)
    first = catalogue_load(directory=directory)
    assert first.created == {"standards": 1, "editions": 1, "clauses": 5}
    _tmp_catalogue(
        tmp_path,
        GOOD.replace('title: "Context",', 'title: "Context renamed",').replace(
            '          - {number: "4.2.1", title: "General", summary: "General."}\n', ""
        ),
    )
    second = catalogue_load(directory=directory)
    assert second.updated["clauses"] == 2  # 4.1 renamed; 4.2 became a leaf and so assessable
    assert second.retired == ["ISO 9999:2020 4.2.1"]
    assert Clause.objects.get(number="4.1").title == "Context renamed"
    assert Clause.objects.filter(number="4.2.1").exists()


def test_load_moves_hs_key_between_clauses(tmp_path):
    directory = _tmp_catalogue(tmp_path)
    catalogue_load(directory=directory)
    _tmp_catalogue(
        tmp_path,
        GOOD.replace("hs: HS-4.1", "").replace('summary: "General."}', 'summary: "General.", hs: HS-4.1}'),
    )
    catalogue_load(directory=directory)
    assert Clause.objects.get(hs_key="HS-4.1").number == "4.2.1"


def test_invalid_file_loads_nothing(tmp_path):
    directory = _tmp_catalogue(tmp_path, GOOD.replace("hs: HS-4.1", "hs: HS-42"))
    with pytest.raises(CatalogueError):
        catalogue_load(directory=directory)
    assert not Standard.objects.exists()


def test_command_reports_problems_clearly(tmp_path):
    directory = _tmp_catalogue(tmp_path, GOOD.replace("hs: HS-4.1", "hs: HS-42"))
    with pytest.raises(CommandError, match=r"(?s)1 problem\(s\).*'HS-42' is not a Harmonized Structure key"):
        call_command("load_catalogue", directory=directory)
