"""A CB's certificate number pattern (organisations/numbers.py): pure, table-driven."""

import pytest
from django.core.exceptions import ValidationError

from organisations.numbers import certificate_number, pattern_problem, sequence_key, validate_number_pattern


@pytest.mark.parametrize(
    "pattern",
    [
        "{seq}",
        "{seq:5}",
        "{year}-{seq:5}",
        "CB/{standard}/{year}/{seq:4}",
        "Q_{year}.{seq:9}",
        "{standard}-{seq}-{year}",
        "abc-XYZ-0123-{seq:1}",
    ],
)
def test_valid_patterns(pattern):
    assert pattern_problem(pattern) is None
    validate_number_pattern(pattern)


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("", "exactly once"),
        ("{year}-00001", "exactly once"),  # no {seq}
        ("CB-{standard}", "exactly once"),
        ("{seq}-{seq:5}", "exactly once"),  # two {seq}
        ("{seq:3}{seq:3}", "exactly once"),
        ("CB {seq}", "Use only"),  # a space
        (" {seq}", "Use only"),
        ("{seq}\t", "Use only"),
        ("CB#{seq}", "Use only"),  # forbidden characters
        ("CB:{seq}", "Use only"),
        ("CÉ-{seq}", "Use only"),
        ("<b>{seq}</b>", "Use only"),
        ("{seq:0}", "Use only"),  # width 1-9 only
        ("{seq:10}", "Use only"),
        ("{SEQ}", "Use only"),  # unknown token
        ("{month}-{seq}", "Use only"),
        ("{seq", "Use only"),
    ],
)
def test_invalid_patterns(pattern, problem):
    assert problem in pattern_problem(pattern)
    with pytest.raises(ValidationError) as error:
        validate_number_pattern(pattern)
    assert error.value.code == "number_pattern"


@pytest.mark.parametrize(
    ("pattern", "standard", "seq", "number"),
    [
        ("{seq}", "ISO 9001", 7, "7"),
        ("{seq:5}", "ISO 9001", 7, "00007"),
        ("{seq:5}", "ISO 9001", 123456, "123456"),  # padding never truncates
        ("{seq:1}", "ISO 9001", 42, "42"),
        ("{year}-{seq:5}", "ISO 9001", 1, "2026-00001"),
        ("CB/{standard}/{year}/{seq:4}", "ISO/IEC 27001", 12, "CB/27001/2026/0012"),
        ("{standard}-{seq:3}", "ISO 9001", 5, "9001-005"),
        ("{standard}-{seq:3}", "ISO 45001", 5, "45001-005"),
        ("{standard}-{seq:3}", "ISO/IEC 20000-1", 5, "20000-1-005"),  # the part number stays readable
    ],
)
def test_certificate_number(pattern, standard, seq, number):
    assert certificate_number(pattern, year=2026, standard=standard, seq=seq) == number


@pytest.mark.parametrize(
    ("pattern", "key_2026", "key_2027"),
    [
        ("{year}-{seq:5}", "2026-{seq}", "2027-{seq}"),  # a new running number each year
        ("CB-{seq:5}", "CB-{seq}", "CB-{seq}"),  # one running number for ever
        ("{standard}/{year}/{seq}", "27001/2026/{seq}", "27001/2027/{seq}"),
    ],
)
def test_sequence_key(pattern, key_2026, key_2027):
    assert sequence_key(pattern, year=2026, standard="ISO/IEC 27001") == key_2026
    assert sequence_key(pattern, year=2027, standard="ISO/IEC 27001") == key_2027


def test_sequence_key_differs_per_standard_only_with_the_standard_token():
    assert sequence_key("{standard}-{seq}", year=2026, standard="ISO 9001") != sequence_key(
        "{standard}-{seq}", year=2026, standard="ISO 14001"
    )
    assert sequence_key("{year}-{seq}", year=2026, standard="ISO 9001") == sequence_key(
        "{year}-{seq}", year=2026, standard="ISO 14001"
    )
