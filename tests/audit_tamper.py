"""What an attacker with database access does to the audit table (tests only).

`guard_off()` takes the append-only trigger away for the length of a block: on PostgreSQL as the
table owner (`ALTER TABLE ... DISABLE TRIGGER`), on SQLite by dropping the triggers and creating
them again afterwards.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from ethics.audit import GUARD_TRIGGER

SQLITE_TRIGGERS = {
    f"{GUARD_TRIGGER}_update": "BEFORE UPDATE",
    f"{GUARD_TRIGGER}_delete": "BEFORE DELETE",
}


@contextmanager
def guard_off() -> Iterator[None]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE needs the deferred foreign-key checks of the test's transaction done.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE ethics_auditevent DISABLE TRIGGER {GUARD_TRIGGER}")
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s)",
                list(SQLITE_TRIGGERS),
            )
            saved = cursor.fetchall()
            for name, _ in saved:
                cursor.execute(f"DROP TRIGGER {name}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"ALTER TABLE ethics_auditevent ENABLE TRIGGER {GUARD_TRIGGER}")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            else:
                for _, sql in saved:
                    cursor.execute(sql)
