"""Sign-in records become append-only in the database itself, as the transition log is: UPDATE and
DELETE of their rows are refused by triggers (core/append_only.py), so not even the admin or a
bug can rewrite who signed in when."""

from django.db import migrations

from core.append_only import AppendOnly


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_append_only_transitions_document_version"),
        ("organisations", "0008_invitations"),
    ]

    operations = [AppendOnly("organisations_signinevent")]
