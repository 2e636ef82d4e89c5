"""CSV files that a spreadsheet opens as they are.

UTF-8 with a byte-order mark, so that Excel reads the accents of names and notes right instead
of guessing a legacy code page; and every cell that a spreadsheet would take for a formula is
neutralised (CSV injection, OWASP).
"""

from typing import Protocol

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Writable(Protocol):
    def write(self, text: str, /) -> object: ...


def csv_safe(value: object) -> str:
    """Neutralise spreadsheet formulas in user text: a leading quote makes the cell plain text."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
