"""The Pythons the project supports: 3.11 to 3.13, the default Pythons of current Debian and
Ubuntu releases. CI runs the whole suite on the oldest and `make test-newest` on the newest."""

import sys
import tomllib
from pathlib import Path

from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[2]


def _requires_python() -> SpecifierSet:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return SpecifierSet(tomllib.load(file)["project"]["requires-python"])


def test_the_package_admits_python_3_11_to_3_13_and_no_other():
    supported = _requires_python()
    assert [version for version in ("3.10", "3.11", "3.12", "3.13", "3.14") if version in supported] == [
        "3.11",
        "3.12",
        "3.13",
    ]


def test_these_tests_run_on_a_supported_python():
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in _requires_python()


def test_ci_runs_the_newest_supported_python_too():
    makefile = (ROOT / "Makefile").read_text()
    assert "versions/3.13*/bin/python3.13" in makefile and "test-newest:" in makefile
    assert "make test-newest" in (ROOT / ".ci" / "run").read_text()
