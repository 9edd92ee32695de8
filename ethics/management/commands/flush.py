"""manage.py flush, which also empties the audit table on SQLite.

A flush wipes every table; PostgreSQL does it with TRUNCATE, which the row trigger refusing
DELETE on audit events does not see. SQLite flushes with DELETE, so this command drops that
trigger for the length of its own transaction and creates it again before committing (the test
runner's transactional tests flush this way).
"""

from typing import Any

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from ethics.audit import GUARD_TRIGGER, SQLITE_GUARD_DELETE


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TRIGGER IF EXISTS {GUARD_TRIGGER}_delete")
            super().handle(**options)
            with connection.cursor() as cursor:
                if "ethics_auditevent" in connection.introspection.table_names(cursor):
                    cursor.execute(SQLITE_GUARD_DELETE)
        return None
