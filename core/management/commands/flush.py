"""`manage.py flush`, as Django's, emptying the append-only tables too: the one door that lifts
their guard, for its own transaction (core/append_only.py). Django's test runner flushes the
database after each transactional test through this command."""

from django.core.management.commands import flush
from django.db import connections

from core.append_only import guard_lifted


class Command(flush.Command):
    def handle(self, **options) -> None:
        with guard_lifted(connections[options["database"]]):
            super().handle(**options)
