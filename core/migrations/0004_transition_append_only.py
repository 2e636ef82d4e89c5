"""The transition log is append-only in the database itself (rule 36): UPDATE and DELETE of its
rows are refused by triggers on PostgreSQL and SQLite, TRUNCATE too on PostgreSQL; only
`manage.py flush` (the test runner's reset between transactional tests) lifts the guard for its
own transaction. See core/append_only.py."""

from django.db import migrations

from core.append_only import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_fieldwork")]

    operations = [AppendOnly("core_transition")]
