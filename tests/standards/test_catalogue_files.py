"""The catalogue file reader and validator (pure Python, no database)."""

import textwrap
from pathlib import Path

import pytest

from standards import catalogue
from standards.catalogue import CatalogueError, parse_file, read_catalogue
from standards.enums import EditionKind, EditionStatus

GOOD = """
standard: {code: "ISO 9999", title: "Test systems", discipline: TMS}
edition:
  year: 2020
  title: "Test systems — Requirements"
  kind: requirements
  certifiable: true
  status: current
  published_on: 2020-05-01
  transition_end_on: null
  last_initial_audit_on: null
  supersedes: null
clauses:
  - {number: "1", title: "Scope", summary: "What the standard covers.", assessable: false}
  - number: "4"
    title: "Context of the organization"
    summary: "Know the organisation."
    children:
      - {number: "4.1", title: "Context", summary: "Issues.", hs: HS-4.1}
      - number: "4.2"
        title: "Interested parties"
        summary: "Stakeholders."
        children:
          - {number: "4.2.1", title: "General", summary: "General."}
"""


def _write(tmp_path: Path, text: str, name: str = "iso-9999-2020.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_parse_good_file_gives_tree_in_order(tmp_path):
    spec = parse_file(_write(tmp_path, GOOD))
    assert (spec.label, spec.standard_number) == ("ISO 9999:2020", 9999)
    assert [(c.number, c.parent_number, c.depth, c.position) for c in spec.clauses] == [
        ("1", None, 0, 1),
        ("4", None, 0, 2),
        ("4.1", "4", 1, 3),
        ("4.2", "4", 1, 4),
        ("4.2.1", "4.2", 2, 5),
    ]
    assert [c.number for c in spec.clauses if c.assessable] == ["4.1", "4.2.1"]
    assert spec.clauses[2].hs_key == "HS-4.1"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('number: "4.1"', 'number: "5.1"'), "must start with its parent's number '4.'"),
        (("hs: HS-4.1", "hs: HS-4.9"), "'HS-4.9' is not a Harmonized Structure key"),
        (('summary: "General."}', 'summary: "General.", hs: HS-4.1}'), "HS key 'HS-4.1' used twice"),
        (("hs: HS-4.1", "hs: HS-4"), "'HS-4' is not a Harmonized Structure key"),
        (
            ('summary: "Stakeholders."', 'summary: "Stakeholders."\n        hs: HS-4.2'),
            "'HS-4.2' sits on a clause that gets no answer",
        ),
        (('number: "4.2.1"', 'number: "4.1"'), "must start with its parent's number '4.2.'"),
        (("kind: requirements", "kind: guidance"), "only a requirements edition can be certifiable"),
        (("kind: requirements", "kind: norm"), "'kind' must be one of"),
        (("published_on: 2020-05-01", "published_on: May 2020"), "'published_on' must be a date"),
        (('summary: "Issues."', 'summary: "' + "x" * 201 + '"'), "longer than 200 characters"),
        (('title: "Scope"', 'titel: "Scope"'), "unknown key 'titel'"),
        (("status: current", "status: active"), "'status' must be one of"),
        (('code: "ISO 9999"', 'code: "ISO-9999"'), "'code' must look like ISO 9001"),
    ],
)
def test_parse_bad_file_names_the_problem(tmp_path, change, message):
    with pytest.raises(CatalogueError) as error:
        parse_file(_write(tmp_path, GOOD.replace(*change)))
    assert any(message in problem for problem in error.value.problems), error.value.problems
    assert all(problem.startswith("iso-9999-2020.yaml: ") for problem in error.value.problems)


def test_duplicate_numbers_are_reported(tmp_path):
    text = GOOD.replace(
        '{number: "4.2.1", title: "General"',
        '{number: "4.2.1", title: "General"}\n          - {number: "4.2.1", title: "Again"',
    )
    with pytest.raises(CatalogueError, match="number used twice"):
        parse_file(_write(tmp_path, text))


def test_invalid_yaml_is_reported(tmp_path):
    with pytest.raises(CatalogueError, match="not valid YAML"):
        parse_file(_write(tmp_path, "standard: [unclosed"))


def test_guidance_edition_may_not_carry_hs_keys(tmp_path):
    text = GOOD.replace("kind: requirements", "kind: guidance").replace(
        "certifiable: true", "certifiable: false"
    )
    with pytest.raises(CatalogueError, match="only requirements editions carry HS keys"):
        parse_file(_write(tmp_path, text))


def test_read_catalogue_checks_supersedes_and_duplicates_across_files(tmp_path):
    _write(tmp_path, GOOD.replace("supersedes: null", "supersedes: 2010"))
    _write(tmp_path, GOOD, name="copy.yaml")
    with pytest.raises(CatalogueError) as error:
        read_catalogue(tmp_path)
    problems = "\n".join(error.value.problems)
    assert "supersedes ISO 9999:2010, which no catalogue file holds" in problems
    assert "ISO 9999:2020 is also in" in problems


def test_read_catalogue_of_empty_folder_fails(tmp_path):
    with pytest.raises(CatalogueError, match=r"no \*\.yaml catalogue file"):
        read_catalogue(tmp_path)


def test_validator_choices_match_model_choices():
    assert set(EditionKind.values) == catalogue.KINDS
    assert set(EditionStatus.values) == catalogue.STATUSES


def test_command_line_reports_ok_and_problems(tmp_path, capsys):
    good = _write(tmp_path, GOOD)
    bad = _write(tmp_path, GOOD.replace("hs: HS-4.1", "hs: HS-99"), name="bad.yaml")
    assert catalogue.main([str(good)]) == 0
    assert "ok, ISO 9999:2020, 5 clauses, 2 assessable" in capsys.readouterr().out
    assert catalogue.main([str(bad)]) == 1
    assert "'HS-99' is not a Harmonized Structure key" in capsys.readouterr().out
