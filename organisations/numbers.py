"""A CB's certificate number pattern: checking it and making numbers from it (pure functions).

Tokens: `{seq}` or `{seq:N}` (the running number, zero-padded to N digits, required once),
`{year}` (the decision year) and `{standard}` (the standard's number, e.g. 9001, 27001 or 20000-1).
Everything else is literal: letters, digits and - / . _
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

TOKEN = re.compile(r"\{(seq(?::([1-9]))?|year|standard)\}")
LITERAL = re.compile(r"[A-Za-z0-9\-/._]*")
NUMBER_MAX_LENGTH = 60


def pattern_problem(pattern: str) -> str | None:
    sequences = [match for match in TOKEN.finditer(pattern) if match.group(1).startswith("seq")]
    literal = TOKEN.sub("", pattern)
    if not LITERAL.fullmatch(literal):
        return str(
            _("Use only letters, digits, - / . _ and the tokens {seq}, {seq:5}, {year} and {standard}.")
        )
    if len(sequences) != 1:
        return str(_("Put the running number {seq} (or {seq:5}, padded) in the pattern exactly once."))
    return None


def validate_number_pattern(pattern: str) -> None:
    if problem := pattern_problem(pattern):
        raise ValidationError(problem, code="number_pattern")


def _render(pattern: str, *, year: int, standard: str, seq: str) -> str:
    def token(match: re.Match) -> str:
        name = match.group(1)
        if name == "year":
            return str(year)
        if name == "standard":
            # "ISO/IEC 27001" → "27001"; a part number stays readable: "ISO/IEC 20000-1" → "20000-1"
            return re.sub(r"[^A-Za-z0-9\-]", "", standard.rsplit(" ", 1)[-1])
        width = int(match.group(2) or 1)
        return seq if seq == "{seq}" else seq.zfill(width)

    return TOKEN.sub(token, pattern)


def sequence_key(pattern: str, *, year: int, standard: str) -> str:
    """What shares one running number: the pattern with every token but the sequence filled in."""
    return _render(pattern, year=year, standard=standard, seq="{seq}")


def certificate_number(pattern: str, *, year: int, standard: str, seq: int) -> str:
    return _render(pattern, year=year, standard=standard, seq=str(seq))
