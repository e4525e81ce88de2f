"""The database side of the append-only DNC audit log: which triggers guard it, and the flush-only bypass.

Migration 0007 creates the triggers. On SQLite a flush deletes row by row, so the DELETE trigger lets rows go
only inside `flush_window` (used by contacts' `flush` command, in the flush's own transaction, so no other
connection ever sees the window open). PostgreSQL flushes with TRUNCATE, which row triggers do not see.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

AUDIT_TABLE = "contacts_dncauditlog"
MAINTENANCE_TABLE = "contacts_audit_maintenance"
TRIGGERS = {
    "sqlite": ("contacts_dncauditlog_no_update", "contacts_dncauditlog_no_delete"),
    "postgresql": ("contacts_dncauditlog_append_only",),
}


def installed_triggers(connection: BaseDatabaseWrapper) -> set[str]:
    """The guard triggers present on the audit table (a SQLite table rebuild would silently drop them)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [AUDIT_TABLE])
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                           [AUDIT_TABLE])
        else:
            return set()
        return {row[0] for row in cursor.fetchall()}


@contextmanager
def flush_window(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Let a whole-database flush delete audit rows on SQLite; closed again before the transaction commits."""
    if connection.vendor != "sqlite" or MAINTENANCE_TABLE not in connection.introspection.table_names():
        yield
        return
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {MAINTENANCE_TABLE} SET allow_delete = 1 WHERE id = 1")  # noqa: S608 - constant
        yield
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {MAINTENANCE_TABLE} SET allow_delete = 0 WHERE id = 1")  # noqa: S608
