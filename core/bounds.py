"""The bounds of every input, in one place: which dates, how much text, how large a number.

Models put these on their fields (validators, `max_length`), so ModelForms, the admin and the
services' `full_clean` refuse what is out of bounds with a message naming the bound; plain forms
get them from `core.forms.BoundedForm`.

Dates live in an absolute window, 1 January 1980 to 31 December 2100, so that validators stay
static in migrations. 1980 comes before the first ISO management-system standard (ISO 9001, 1987),
so every real record fits: an old qualification, a client since the 1990s, an edition's publication.
2100 leaves room for any plan. Python's calendar ends in 9999, so whatever the rules add to a day
of the window (a 3-year cycle, the 6 months of restoration, surveillance windows) stays far inside
it: no date arithmetic can overflow on a date that passed these bounds.
"""

import datetime
import unicodedata
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = datetime.date(1980, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)

# Free text, in characters. One line: a name, a title, a short reason (what a list or a PDF
# heading can show). A paragraph (about 300 words): a justification, evidence notes, an action, a
# declaration, an objection, a scope statement (a certificate prints it); a gap analysis of 150
# clauses with all three texts of every answer full stays under 1 MB. Long: the notes an
# administrator keeps on a catalogue edition or an audit-time table, shown on one page each.
SHORT_TEXT_MAX = 200
TEXT_MAX = 2_000
LONG_TEXT_MAX = 10_000

# Numbers. People: more than the largest employer on earth (about 3 million). Days of one audit
# or of one table band: IAF MD 5 tables end at 10 700 people with a few dozen days, beyond them
# the progression stays well below this. A CB policy period in days, at most two years. Cycles
# and years of CB policy. A number on a form that names no bound of its own.
HEADCOUNT_MAX = 5_000_000
AUDIT_DAYS_MAX = Decimal(999)
POLICY_DAYS_MAX = 730
POLICY_CYCLES_MAX = 10
POLICY_YEARS_MAX = 30
NUMBER_MAX = 1_000_000_000
# An idle session ends after at most a working day (minutes).
SESSION_IDLE_MINUTES_MAX = 480

LINE_BREAKS = frozenset("\t\n\r")  # the control characters a multi-line text may hold


def _breaks_a_line(character: str) -> bool:
    """C0/C1 control characters (line breaks and tabs included), and Unicode's line and paragraph
    separators."""
    return unicodedata.category(character) in ("Cc", "Zl", "Zp")


def validate_date(value: datetime.date) -> None:
    """The day lies in the window (a datetime is judged by its day)."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            _("Enter a date from %(earliest)s to %(latest)s."),
            code="date_window",
            params={"earliest": date_format(EARLIEST_DATE), "latest": date_format(LATEST_DATE)},
        )


def validate_single_line(value: str) -> None:
    if any(_breaks_a_line(character) for character in value):
        raise ValidationError(
            _("Keep this on one line: line breaks, tabs and control characters are not allowed."),
            code="single_line",
        )


def validate_text(value: str) -> None:
    """Several lines are fine; other control characters (which no keyboard types) are not."""
    if any(unicodedata.category(character) == "Cc" and character not in LINE_BREAKS for character in value):
        raise ValidationError(_("Remove the control characters from this text."), code="control_characters")


def text_validators(limit: int) -> list:
    """The validators of a multi-line TextField: `full_clean` does not check a TextField's
    `max_length` (only its form field does), so the length is a validator too."""
    return [MaxLengthValidator(limit), validate_text]


def clamped_add(day: datetime.date, delta) -> datetime.date:
    """`day + delta` (a timedelta or a relativedelta), held at the ends of Python's calendar.

    Dates that passed the bounds never come near them; a date stored before the bounds existed
    may, and a page showing it must not fail.
    """
    try:
        return day + delta
    except (OverflowError, ValueError):
        return datetime.date.max if day.year > datetime.MAXYEAR // 2 else datetime.date.min
