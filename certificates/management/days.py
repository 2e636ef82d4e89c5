"""The `--date` option of the daily commands: a day as YYYY-MM-DD, or a clear error."""

import datetime
import re

from django.core.management.base import CommandError

DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def day_option(value: str) -> datetime.date:
    try:
        if DAY.fullmatch(value):
            return datetime.date.fromisoformat(value)
    except ValueError:
        pass
    raise CommandError(f"--date {value!r}: give a day as YYYY-MM-DD.")
