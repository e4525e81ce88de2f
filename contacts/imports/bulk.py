"""A lean bulk INSERT (one executemany) for the import's hot path.

`Model.objects.bulk_create` builds a model instance per row and runs every value through the field's
`get_db_prep_save` (about 60% of an import's time at 100,000 rows). Here each row is a dict of the
values that vary; every other column gets its field default, prepared once per call. Columns come
from the model's concrete fields, so a field added later is filled with its default, not forgotten.
No signals are sent and no ids come back (callers that need ids look them up by a unique key).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from django.db import connections, models


class FastInserter:
    def __init__(self, model: type[models.Model], varying: Sequence[str], using: str = "default",
                 per_row_defaults: Mapping[str, Callable[[], Any]] | None = None, convert: Sequence[str] = ()):
        self.model = model
        self.connection = connections[using]
        fields = [f for f in model._meta.concrete_fields if not f.primary_key or not isinstance(
            f, models.AutoField | models.BigAutoField | models.SmallAutoField)]
        self.columns = [f.column for f in fields]
        self.fields = fields
        by_attname = {f.attname: f for f in fields}
        unknown = [name for name in varying if name not in by_attname]
        if unknown:
            raise ValueError(f"{model.__name__} has no column(s) {unknown}")
        self.varying = [(i, by_attname[name]) for i, f in enumerate(fields) for name in varying if f.attname == name]
        per_row_defaults = dict(per_row_defaults or {})
        self.per_row: list[tuple[int, Callable[[], Any], models.Field]] = []
        template: list[Any] = []
        for i, f in enumerate(fields):
            if f.attname in varying:
                template.append(None)
            elif f.attname in per_row_defaults:
                template.append(None)
                self.per_row.append((i, per_row_defaults[f.attname], f))
            elif f.has_default() and callable(f.default) and f.default not in (dict, list, str, int):
                template.append(None)
                self.per_row.append((i, f.get_default, f))
            else:
                template.append(f.get_db_prep_save(f.get_default(), connection=self.connection))
        self.template = template
        self.convert = {f.attname: f for _, f in self.varying if f.attname in set(convert)}
        # Parameters per row: the varying values (picked from the row dict in C by itemgetter), then the per-row
        # defaults, then the constants as one tuple: a tuple concatenation per row instead of a Python loop.
        self.varying_names = [f.attname for _, f in self.varying]
        per_row_columns = [fields[i].column for i, _, _ in self.per_row]
        constant_at = [i for i in range(len(fields)) if fields[i].attname not in varying
                       and i not in {j for j, _, _ in self.per_row}]
        self.constants = tuple(template[i] for i in constant_at)
        ordered = [f.column for _, f in self.varying] + per_row_columns + [fields[i].column for i in constant_at]
        quote = self.connection.ops.quote_name
        table = quote(model._meta.db_table)
        columns = ", ".join(quote(c) for c in ordered)
        marks = ", ".join(["%s"] * len(ordered))
        # Quoted model metadata only; every value is a parameter.
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608

    def prep(self, name: str, value: Any) -> Any:
        """A value as the database driver takes it (do it once for a value shared by many rows)."""
        field = next(f for f in self.fields if f.attname == name)
        return field.get_db_prep_save(value, connection=self.connection)

    def insert(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert rows (dicts keyed by attname, e.g. `workspace_id`) with one executemany; returns how many.

        Values go to the driver as given, except for the `convert` columns (e.g. JSON), which are prepared
        per row: pass datetimes prepared with `prep`.
        """
        names = self.varying_names
        connection = self.connection
        pick = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
        converted = [(j, name, self.convert[name]) for j, name in enumerate(names) if name in self.convert]
        # A text default (a public id) goes to the driver as made; others through the field's preparation.
        per_row = [make if isinstance(field, models.CharField) else
                   (lambda make=make, field=field: field.get_db_prep_save(make(), connection=connection))
                   for _, make, field in self.per_row]
        one = per_row[0] if len(per_row) == 1 else None
        constants = self.constants
        count = 0
        empty = {name: field.get_db_prep_save(field.get_default(), connection=connection)
                 for name, field in self.convert.items() if field.get_default() in ({}, [])}

        def values() -> Iterable[tuple[Any, ...]]:
            nonlocal count
            for row in rows:
                picked = pick(row)
                if converted:
                    picked = list(picked)
                    for j, name, field in converted:
                        value = picked[j]
                        # Empty JSON values repeat on most rows: prepare them once.
                        picked[j] = empty[name] if not value and name in empty else \
                            field.get_db_prep_save(value, connection=connection)
                    picked = tuple(picked)
                if one is not None:
                    picked += (one(),)
                elif per_row:
                    picked += tuple(make() for make in per_row)
                count += 1
                yield picked + constants

        with connection.cursor() as cursor:
            cursor.executemany(self.sql, values())
        return count


_INSERT_TRIGGER = re.compile(
    r"^CREATE\s+TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>[\w\"]+)\s+AFTER\s+INSERT\s+ON\s+[\w\"]+\s+"
    r"(?:FOR\s+EACH\s+ROW\s+)?BEGIN\s+(?P<body>.*?)\s*END$", re.IGNORECASE | re.DOTALL)
_INSERT_VALUES = re.compile(r"^INSERT\s+INTO\s+(?P<target>[\w\"]+)\s*\((?P<columns>[^()]*)\)\s*VALUES\s*"
                            r"\((?P<values>.*)\)$", re.IGNORECASE | re.DOTALL)


@contextmanager
def insert_triggers_deferred(model: type[models.Model], using: str = "default") -> Iterator[None]:
    """Inside a transaction on SQLite: run the table's AFTER INSERT triggers once, set-based, after a bulk insert.

    A per-row trigger feeding an FTS5 index costs ~80 µs a row; the same INSERT ... SELECT over the new
    rows costs ~13 µs. The triggers are dropped and re-created inside the caller's transaction, so no
    other connection ever sees the table without them (SQLite DDL is transactional and we hold the write
    lock), and a failure rolls the drop back. Triggers of any other shape are left alone (still correct).
    """
    connection = connections[using]
    if connection.vendor != "sqlite" or not connection.in_atomic_block:
        yield
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
        triggers = cursor.fetchall()
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        last_id = cursor.fetchone()[0]
    plans = []
    for _name, sql in triggers:
        match = _INSERT_TRIGGER.match((sql or "").strip())
        if not match or "%" in sql:
            continue
        statements = []
        for statement in filter(None, (s.strip() for s in match["body"].split(";"))):
            insert = _INSERT_VALUES.match(statement)
            if insert is None:
                statements = []
                break
            source = f"FROM {connection.ops.quote_name(table)} AS new WHERE new.id > %s"
            head = f"INSERT INTO {insert['target']} ({insert['columns']})"
            statements.append(f"{head} SELECT {insert['values']} {source}")  # noqa: S608 - the trigger's own SQL
        if statements:
            plans.append((match["name"], sql, statements))
    with connection.cursor() as cursor:
        for name, _, _ in plans:
            cursor.execute(f"DROP TRIGGER {name}")
    yield
    with connection.cursor() as cursor:
        for _, sql, statements in plans:
            for statement in statements:
                cursor.execute(statement, [last_id])
            cursor.execute(sql)


IMPORT_SQLITE_CACHE_KIB = 32_000


@contextmanager
def sqlite_cache_limited(using: str = "default", kib: int = IMPORT_SQLITE_CACHE_KIB) -> Iterator[None]:
    """Cap SQLite's page cache (per connection) during a bulk import, then restore it.

    The project's SQLite settings give every connection a 64 MB cache, which a million-row import fills;
    32 MB keeps the import (with its parsing helper) under 200 MB at a small cost in speed.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-abs(int(kib))}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")

