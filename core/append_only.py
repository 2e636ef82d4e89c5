"""Append-only tables, guarded by the database itself (rule 36).

`AppendOnly(table)` is a migration operation that makes the database refuse every UPDATE and
DELETE of the table's rows (and, on PostgreSQL, TRUNCATE of the table), whoever sends them: a bug,
a raw SQL statement, the admin, a shell. Rows are only ever inserted. It is written for both
vendors the project runs on: PostgreSQL (production, CI) gets a plpgsql function and two triggers,
SQLite (`make run`, tests without PostgreSQL) gets two `RAISE(ABORT)` triggers. The operation is
reversible (it drops what it made).

What it guards against is the application and the people using it, not the database's owner, who
can always drop a trigger; production should run the app with a role that does not own its tables
if that matters too.

One door lifts the guard: `manage.py flush`, which empties every table of the database at once
(Django's test runner flushes the database after each transactional test: TRUNCATE on PostgreSQL,
DELETE on SQLite). `core/management/commands/flush.py` runs Django's flush inside `guard_lifted()`,
which disables the triggers for that one transaction (PostgreSQL: `ALTER TABLE ... DISABLE
TRIGGER`; SQLite: the triggers are dropped and created again from their stored SQL) and restores
them before it commits; no other code calls it.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection as default_connection
from django.db import transaction
from django.db.migrations.operations.base import Operation

PREFIX = "append_only_"
MESSAGE = "%s is append-only: its rows are never changed or deleted."
POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {PREFIX}refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE % "%"}', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$
"""


def _postgres_create(table: str) -> list[str]:
    return [
        POSTGRES_FUNCTION,
        f'CREATE TRIGGER {PREFIX}rows BEFORE UPDATE OR DELETE ON "{table}" '
        f"FOR EACH ROW EXECUTE FUNCTION {PREFIX}refuse()",
        f'CREATE TRIGGER {PREFIX}truncate BEFORE TRUNCATE ON "{table}" '
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PREFIX}refuse()",
    ]


def _postgres_drop(table: str) -> list[str]:
    # The function stays: other append-only tables may use it, and it is harmless alone.
    return [f'DROP TRIGGER {PREFIX}rows ON "{table}"', f'DROP TRIGGER {PREFIX}truncate ON "{table}"']


def _sqlite_create(table: str) -> list[str]:
    raise_ = f"SELECT RAISE(ABORT, '{MESSAGE % table}')"
    return [
        f'CREATE TRIGGER {PREFIX}{table}_{event.lower()} BEFORE {event} ON "{table}" BEGIN {raise_}; END'
        for event in ("UPDATE", "DELETE")
    ]


def _sqlite_drop(table: str) -> list[str]:
    return [f"DROP TRIGGER {PREFIX}{table}_{event}" for event in ("update", "delete")]


SQL = {
    "postgresql": (_postgres_create, _postgres_drop),
    "sqlite": (_sqlite_create, _sqlite_drop),
}


def _statements(vendor: str, table: str, *, create: bool) -> list[str]:
    if vendor not in SQL:
        raise NotImplementedError(f"AppendOnly has no triggers for {vendor}.")
    return SQL[vendor][0 if create else 1](table)


class AppendOnly(Operation):
    """Refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) of `table`'s rows in the database."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, table: str):
        self.table = table

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.table], {})

    def state_forwards(self, app_label, state) -> None:
        pass  # the models do not change, only the database

    def _run(self, schema_editor, *, create: bool) -> None:
        for statement in _statements(schema_editor.connection.vendor, self.table, create=create):
            schema_editor.execute(statement, params=None)  # no placeholders: `%` is plpgsql's

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        self._run(schema_editor, create=True)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        self._run(schema_editor, create=False)

    def describe(self) -> str:
        return f"Make {self.table} append-only"

    @property
    def migration_name_fragment(self) -> str:
        return f"append_only_{self.table}"


@contextmanager
def guard_lifted(connection=default_connection) -> Iterator[None]:
    """Inside one transaction, the append-only triggers are off; they are back before it commits.
    Only `manage.py flush` uses it (see the module's docstring)."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE tgname LIKE %s",
                [f"{PREFIX}%"],
            )
            triggers = cursor.fetchall()
            for table, name in triggers:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
            yield
            for table, name in triggers:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {name}")
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"{PREFIX}%"],
            )
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            yield
            for _name, sql in triggers:
                cursor.execute(sql)
        else:
            yield
