"""What the package declares: the Pythons it supports (3.11 to 3.13, the default Pythons of current
Debian and Ubuntu releases; CI runs the whole suite on the oldest and `make test-newest` on the
newest) and its licence, the EUPL-1.2, the European Union's public licence."""

import hashlib
import sys
import tomllib
from pathlib import Path

from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[2]
LICENSE_SHA256 = "57fb42fbcd0b037ce528ed8f72f1ec095d67bc6825ecf1448ff39be1fe68a4b4"


def _project() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)["project"]


def _requires_python() -> SpecifierSet:
    return SpecifierSet(_project()["requires-python"])


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


def test_the_licence_is_the_eupl_1_2_named_in_the_package_and_held_whole_in_license():
    project = _project()
    assert project["license"] == "EUPL-1.2" and project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("EUROPEAN UNION PUBLIC LICENCE v. 1.2\nEUPL © the European Union 2007, 2016")
    # the whole text (spdx-license-list's licenses/EUPL-1.2.json), its appendix of compatible licences
    assert hashlib.sha256(text.encode()).hexdigest() == LICENSE_SHA256
    assert "Appendix" in text
