"""The transition log becomes append-only in the database itself (rule 36): UPDATE and DELETE of
its rows are refused by triggers on PostgreSQL and SQLite, TRUNCATE too on PostgreSQL. Only
`manage.py flush` (Django's test runner resets the database with it after each transactional
test: TRUNCATE on PostgreSQL, DELETE on SQLite) lifts the guard, for its own transaction; see
core/append_only.py. A document keeps the content version of its subject it was rendered from."""

from django.db import migrations, models

from core.append_only import AppendOnly


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_audit_fieldwork"),
    ]

    operations = [
        AppendOnly("core_transition"),
        migrations.AddField(
            model_name="document",
            name="version",
            field=models.CharField(
                blank=True,
                help_text="Empty: the subject could still change.",
                max_length=64,
                verbose_name="content version",
            ),
        ),
    ]
