"""Reading and validating the catalogue files under standards/catalogue/.

Pure Python (no Django), so that a file can be checked on its own:
    python -m standards.catalogue standards/catalogue/iso-9001-2015.yaml
`standards.services.catalogue_load` writes what this module returns into the database.
"""

from __future__ import annotations

import datetime
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"

KINDS = frozenset({"requirements", "guidance", "vocabulary"})
STATUSES = frozenset({"current", "in_transition", "withdrawn"})
# The HS clauses an answer can be about. Chapters (4 to 10) are headings and carry no key. The HS
# splits 7.5, 9.2 and 9.3 itself; 9.2 and 9.3 keep a whole-clause key for the standards that keep
# them as one clause (ISO 9001:2015 9.2, ISO 14001:2015 9.3). Every standard splits 7.5.
HS_NUMBERS = """
4.1 4.2 4.3 4.4  5.1 5.2 5.3  6.1 6.2 6.3  7.1 7.2 7.3 7.4 7.5.1 7.5.2 7.5.3
8.1  9.1 9.2 9.2.1 9.2.2 9.3 9.3.1 9.3.2 9.3.3  10.1 10.2
"""
HS_KEYS = frozenset(f"HS-{number}" for number in HS_NUMBERS.split())
SUMMARY_MAX = 200
CODE_RE = re.compile(r"^ISO(/IEC)? (?P<number>\d+)(-\d+)?$")
NUMBER_RE = re.compile(r"^[A-Z0-9]+(\.[A-Za-z0-9]+)*$")

STANDARD_KEYS = {"code", "title", "discipline"}
EDITION_KEYS = {
    "year",
    "title",
    "kind",
    "certifiable",
    "status",
    "published_on",
    "transition_end_on",
    "last_initial_audit_on",
    "supersedes",
    "amendments",
    "notes",
}
CLAUSE_KEYS = {"number", "title", "summary", "hs", "assessable", "chapter", "children"}


class CatalogueError(Exception):
    """One or more catalogue files are invalid; `problems` lists each one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class ClauseSpec:
    number: str
    title: str
    summary: str
    hs_key: str
    assessable: bool
    is_chapter: bool
    parent_number: str | None
    position: int
    depth: int


@dataclass(frozen=True)
class EditionSpec:
    source: str
    standard_code: str
    standard_title: str
    discipline: str
    year: int
    title: str
    kind: str
    certifiable: bool
    status: str
    published_on: datetime.date
    transition_end_on: datetime.date | None
    last_initial_audit_on: datetime.date | None
    supersedes_year: int | None
    amendments: tuple[str, ...]
    notes: str
    clauses: tuple[ClauseSpec, ...] = field(repr=False)

    @property
    def label(self) -> str:
        return f"{self.standard_code}:{self.year}"

    @property
    def standard_number(self) -> int:
        """The number in the code ("ISO/IEC 20000-1" → 20000), for sorting."""
        return int(CODE_RE.match(self.standard_code).group("number"))


class _Reader:
    """Collects every problem of one file instead of stopping at the first."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{self.source}: {where}: {message}")

    def mapping(self, value: object, where: str, allowed: set[str], required: set[str]) -> dict:
        if not isinstance(value, dict):
            self.problem(where, "must be a mapping")
            return {}
        for key in sorted(set(value) - allowed):
            self.problem(where, f"unknown key '{key}'")
        for key in sorted(required - set(value)):
            self.problem(where, f"missing key '{key}'")
        return value

    def text(self, data: dict, key: str, where: str, *, max_length: int | None = None) -> str:
        value = data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(where, f"'{key}' must be non-empty text")
            return ""
        if max_length and len(value) > max_length:
            self.problem(where, f"'{key}' is longer than {max_length} characters")
        return value.strip()

    def date(self, data: dict, key: str, where: str, *, required: bool = False) -> datetime.date | None:
        value = data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
            self.problem(where, f"'{key}' must be a date written YYYY-MM-DD")
            return None
        return value

    def choice(self, data: dict, key: str, where: str, allowed: frozenset[str]) -> str:
        value = data.get(key)
        if value not in allowed:
            self.problem(where, f"'{key}' must be one of {', '.join(sorted(allowed))}, not {value!r}")
            return ""
        return value


def parse_file(path: Path) -> EditionSpec:
    """Parse and validate one edition file; raise CatalogueError listing every problem."""
    reader = _Reader(path.name)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CatalogueError([f"{path.name}: not valid YAML: {error}"]) from error
    top = reader.mapping(
        document, "file", {"standard", "edition", "clauses"}, {"standard", "edition", "clauses"}
    )
    standard = reader.mapping(top.get("standard", {}), "standard", STANDARD_KEYS, STANDARD_KEYS)
    if not CODE_RE.match(str(standard.get("code", ""))):
        reader.problem("standard", "'code' must look like ISO 9001, ISO/IEC 27001 or ISO/IEC 20000-1")
    edition = reader.mapping(
        top.get("edition", {}), "edition", EDITION_KEYS, EDITION_KEYS - {"notes", "amendments"}
    )
    spec = _edition_spec(reader, path.name, standard, edition)
    clauses = _clause_specs(reader, top.get("clauses"), spec)
    if reader.problems:
        raise CatalogueError(reader.problems)
    return EditionSpec(**{**spec, "clauses": tuple(clauses)})


def _edition_spec(reader: _Reader, source: str, standard: dict, edition: dict) -> dict:
    kind = reader.choice(edition, "kind", "edition", KINDS)
    certifiable = edition.get("certifiable")
    if not isinstance(certifiable, bool):
        reader.problem("edition", "'certifiable' must be true or false")
    elif certifiable and kind != "requirements":
        reader.problem("edition", "only a requirements edition can be certifiable")
    year = edition.get("year")
    if not isinstance(year, int) or not 1940 <= year <= 2100:
        reader.problem("edition", "'year' must be a four-digit year")
    supersedes = edition.get("supersedes")
    if supersedes is not None and (not isinstance(supersedes, int) or supersedes == year):
        reader.problem("edition", "'supersedes' must be the year of another edition, or null")
    amendments = edition.get("amendments") or []
    if not isinstance(amendments, list) or not all(isinstance(a, str) for a in amendments):
        reader.problem("edition", "'amendments' must be a list of text")
        amendments = []
    notes = edition.get("notes") or ""
    return {
        "source": source,
        "standard_code": reader.text(standard, "code", "standard"),
        "standard_title": reader.text(standard, "title", "standard"),
        "discipline": reader.text(standard, "discipline", "standard"),
        "year": year,
        "title": reader.text(edition, "title", "edition"),
        "kind": kind,
        "certifiable": bool(certifiable),
        "status": reader.choice(edition, "status", "edition", STATUSES),
        "published_on": reader.date(edition, "published_on", "edition", required=True),
        "transition_end_on": reader.date(edition, "transition_end_on", "edition"),
        "last_initial_audit_on": reader.date(edition, "last_initial_audit_on", "edition"),
        "supersedes_year": supersedes,
        "amendments": tuple(amendments),
        "notes": notes.strip() if isinstance(notes, str) else "",
    }


def _clause_specs(reader: _Reader, nodes: object, edition: dict) -> list[ClauseSpec]:
    if not isinstance(nodes, list) or not nodes:
        reader.problem("clauses", "must be a non-empty list")
        return []
    specs: list[ClauseSpec] = []
    _walk(reader, nodes, None, 0, specs)
    _check_uniqueness(reader, specs, edition)
    return specs


def _walk(reader: _Reader, nodes: list, parent: str | None, depth: int, out: list[ClauseSpec]) -> None:
    for node in nodes:
        where = f"clause {node.get('number', '?') if isinstance(node, dict) else '?'}"
        data = reader.mapping(node, where, CLAUSE_KEYS, {"number", "title", "summary"})
        number = str(data.get("number", "")).strip()
        if not NUMBER_RE.match(number):
            reader.problem(where, "'number' must look like 4, 4.1, A.5.12 or 4.a")
        elif parent is not None and not number.startswith(parent + "."):
            reader.problem(where, f"number must start with its parent's number '{parent}.'")
        children = data.get("children") or []
        if not isinstance(children, list):
            reader.problem(where, "'children' must be a list")
            children = []
        assessable = data.get("assessable", not children)
        if not isinstance(assessable, bool):
            reader.problem(where, "'assessable' must be true or false")
        is_chapter = data.get("chapter", parent is None)
        if not isinstance(is_chapter, bool):
            reader.problem(where, "'chapter' must be true or false")
        hs_key = data.get("hs") or ""
        if hs_key and hs_key not in HS_KEYS:
            reader.problem(where, f"'{hs_key}' is not a Harmonized Structure key (see README.md)")
        elif hs_key and assessable is False:
            reader.problem(
                where,
                f"'{hs_key}' sits on a clause that gets no answer: put it on the assessable "
                "sub-clause that carries the HS text (see README.md)",
            )
        out.append(
            ClauseSpec(
                number=number,
                title=reader.text(data, "title", where),
                summary=reader.text(data, "summary", where, max_length=SUMMARY_MAX),
                hs_key=hs_key,
                assessable=bool(assessable),
                is_chapter=bool(is_chapter),
                parent_number=parent,
                position=len(out) + 1,
                depth=depth,
            )
        )
        _walk(reader, children, number, depth + 1, out)


def _check_uniqueness(reader: _Reader, specs: list[ClauseSpec], edition: dict) -> None:
    seen_numbers: set[str] = set()
    seen_keys: set[str] = set()
    for spec in specs:
        if spec.number in seen_numbers:
            reader.problem(f"clause {spec.number}", "number used twice")
        seen_numbers.add(spec.number)
        if not spec.hs_key:
            continue
        if edition.get("kind") != "requirements":
            reader.problem(f"clause {spec.number}", "only requirements editions carry HS keys")
        if spec.hs_key in seen_keys:
            reader.problem(f"clause {spec.number}", f"HS key '{spec.hs_key}' used twice")
        seen_keys.add(spec.hs_key)
    if not any(spec.assessable for spec in specs):
        reader.problem("clauses", "no clause is assessable")


def read_catalogue(directory: Path = CATALOGUE_DIR) -> list[EditionSpec]:
    """Every edition file of the directory, validated together; raise CatalogueError if any is wrong."""
    problems: list[str] = []
    specs: list[EditionSpec] = []
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise CatalogueError([f"{directory}: no *.yaml catalogue file found"])
    for path in paths:
        try:
            specs.append(parse_file(path))
        except CatalogueError as error:
            problems.extend(error.problems)
    problems.extend(_cross_file_problems(specs))
    if problems:
        raise CatalogueError(problems)
    return specs


def _cross_file_problems(specs: list[EditionSpec]) -> list[str]:
    problems = []
    by_key = {}
    titles: dict[str, tuple[str, str]] = {}
    for spec in specs:
        if (spec.standard_code, spec.year) in by_key:
            problems.append(f"{spec.source}: {spec.label} is also in {by_key[spec.standard_code, spec.year]}")
        by_key[spec.standard_code, spec.year] = spec.source
        first = titles.setdefault(spec.standard_code, (spec.standard_title, spec.source))
        if first[0] != spec.standard_title:
            problems.append(f"{spec.source}: standard title differs from {first[1]}")
    for spec in specs:
        if spec.supersedes_year and (spec.standard_code, spec.supersedes_year) not in by_key:
            problems.append(
                f"{spec.source}: supersedes {spec.standard_code}:{spec.supersedes_year}, "
                "which no catalogue file holds"
            )
    return problems


def main(argv: list[str]) -> int:
    paths = [Path(arg) for arg in argv] or sorted(CATALOGUE_DIR.glob("*.yaml"))
    failed = False
    for path in paths:
        try:
            spec = parse_file(path)
        except CatalogueError as error:
            failed = True
            print("\n".join(error.problems))  # noqa: T201
            continue
        assessable = sum(clause.assessable for clause in spec.clauses)
        print(f"{path.name}: ok, {spec.label}, {len(spec.clauses)} clauses, {assessable} assessable")  # noqa: T201
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
