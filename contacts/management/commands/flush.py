"""Django's `flush`, able to empty the append-only DNC audit log on SQLite (the test runner flushes too).

SQLite has no TRUNCATE: a flush deletes row by row, which the audit table's DELETE trigger refuses. This
command opens the trigger's maintenance window around the flush statements only, in their transaction.
"""
from __future__ import annotations

from django.core.management.commands import flush
from django.db import connections

from contacts.compliance.append_only import flush_window


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        ops = connection.ops
        execute = ops.execute_sql_flush

        def execute_in_window(sql_list):
            with flush_window(connection):
                execute(sql_list)

        ops.execute_sql_flush = execute_in_window  # this call only; the prompt runs outside the window
        try:
            return super().handle(**options)
        finally:
            del ops.execute_sql_flush
