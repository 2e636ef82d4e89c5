"""Query expressions several apps need that Django has for PostgreSQL only."""

import json

from django.db import models


class ListOf(models.Subquery):
    """The values of a one-column subquery, selected as `item` (`.values(item=...)`), as one list
    per row: ARRAY(...) on PostgreSQL; on SQLite, the zero-setup database of `make run`, a JSON
    array. `as_list` reads either."""

    template = "ARRAY(%(subquery)s)"
    output_field = models.TextField()  # no converter: PostgreSQL's list, SQLite's JSON text

    def as_sqlite(self, compiler, connection, **extra_context):
        template = '(SELECT json_group_array("item") FROM (%(subquery)s))'
        return super().as_sql(compiler, connection, template=template, **extra_context)


def as_list(value) -> list:
    """A `ListOf` value as a list, whichever database read it."""
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else list(value)


class _ShiftDays(models.Func):
    """A date moved by a number of days, as a date, in SQL: PostgreSQL adds an integer to a date,
    SQLite shifts with date()."""

    output_field = models.DateField()
    arity = 2
    sign = "+"

    def _compiled(self, compiler):
        (day, day_params), (days, days_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return day, days, [*day_params, *days_params]

    def as_sql(self, compiler, connection, **extra_context):
        day, days, params = self._compiled(compiler)
        return f"({day} {self.sign} {days})", params

    def as_sqlite(self, compiler, connection, **extra_context):
        day, days, params = self._compiled(compiler)
        return f"date({day}, '{self.sign}' || {days} || ' days')", params


class DaysBefore(_ShiftDays):
    """`DaysBefore(day, days)`: the date `days` days before `day`."""

    sign = "-"


class DaysAfter(_ShiftDays):
    """`DaysAfter(day, days)`: the date `days` days after `day`."""

    sign = "+"


def prefixed(condition: models.Q, prefix: str) -> models.Q:
    """The condition on a model as one on what points to it through `prefix` (e.g. a Q on
    certificates as one on their due dates, "revision__certificate__"): a join, where a subquery
    of the model's ids would have the database hash all of them first."""
    moved = models.Q()
    moved.connector, moved.negated = condition.connector, condition.negated
    moved.children = [
        prefixed(child, prefix) if isinstance(child, models.Q) else (f"{prefix}{child[0]}", child[1])
        for child in condition.children
    ]
    return moved
