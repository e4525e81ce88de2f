"""CSV export of a filtered set of contacts: streamed, constant memory, safe to open in a spreadsheet.

Formula injection: every text cell, header and custom field goes through `contacts.csvsafe.escape_cell`
(stored E.164 phone numbers come out unchanged and re-import as they are). Ids, statuses, dates and
counts are written by us and cannot start a formula.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from django.db import connections
from django.db.models import (
    Case,
    CharField,
    Count,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast

from contacts.contacts.selectors import grouped_by_contact
from contacts.csvsafe import escape_cell, escape_row
from contacts.imports.bulk import sqlite_cache_limited
from contacts.labels import column_headers
from contacts.lists.selectors import lists_by_contact_id
from contacts.models import Call, Contact, ContactPhone
from contacts.tags.selectors import tag_names_by_contact_id

FIELD_COLUMNS = ("phone", "first_name", "last_name", "email", "company", "title", "notes")
# Tags re-import as tags (names joined by "; "); the mapper ignores "Contact lists" like the derived columns.
GROUP_COLUMNS = ("tags", "contact_lists")
# Derived columns: the import mapper ignores these headers, so an export re-imports cleanly.
DERIVED_COLUMNS = ("contact_id", "contact_status", "dnc_since", "created_at", "calls_count", "last_called_at",
                   "last_call_outcome", "last_call_sentiment")
HEADER = (*FIELD_COLUMNS, *GROUP_COLUMNS, *DERIVED_COLUMNS)
MAX_CUSTOM_FIELDS = 200
MAX_EXTRA_NUMBERS = 9  # "Phone 2" ... "Phone 10": each re-imports as one more number of the contact
CHUNK = 2000


def _last_call(field: str) -> Case:
    latest = Call.objects.filter(contact=OuterRef("pk")).order_by("-created_at", "-id").values(field)[:1]
    # Most contacts were never called: skip the lookup for them.
    return Case(When(calls_count__gt=Cast(Value(0), IntegerField()), then=Subquery(latest)), default=Value(""))


def custom_field_keys(queryset: QuerySet[Contact]) -> list[str]:
    """The metadata keys used by the selected contacts (one SQL statement on SQLite and PostgreSQL)."""
    ids = queryset.order_by().values("pk")
    sub_sql, params = ids.query.sql_with_params()
    conn = connections[queryset.db]
    if conn.vendor == "sqlite":
        sql = ("SELECT DISTINCT je.key FROM contacts_contact c, json_each(c.metadata) je "  # noqa: S608 - fixed SQL
               f"WHERE c.metadata != '{{}}' AND c.id IN ({sub_sql}) LIMIT {MAX_CUSTOM_FIELDS}")
    elif conn.vendor == "postgresql":
        sql = ("SELECT DISTINCT k FROM contacts_contact c, jsonb_object_keys(c.metadata) k "  # noqa: S608
               f"WHERE c.metadata <> '{{}}'::jsonb AND c.id IN ({sub_sql}) LIMIT {MAX_CUSTOM_FIELDS}")
    else:
        keys: dict[str, None] = {}
        for metadata in queryset.order_by().values_list("metadata", flat=True).iterator(chunk_size=CHUNK):
            keys.update(dict.fromkeys(metadata or {}))
        return sorted(keys)[:MAX_CUSTOM_FIELDS]
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(str(row[0]) for row in cursor.fetchall())


def iso_utc(text: str | None) -> str:
    """'2026-01-05 12:00:00.123' (UTC, as SQLite and PostgreSQL cast it) -> '2026-01-05T12:00:00Z'."""
    if not text:
        return ""
    return f"{text[:10]}T{text[11:19]}Z"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def export_rows(queryset: QuerySet[Contact], *, stats: dict | None = None,
                defined: list[str] | None = None) -> Iterator[str]:
    """CSV text in chunks of rows for a StreamingHttpResponse. `stats["rows"]` counts rows written.

    `defined`: the workspace's typed custom fields, always exported as columns (first, in this order).
    """
    with sqlite_cache_limited(queryset.db, kib=8000):  # full scans would fill the 64 MB page cache
        yield from _export_rows(queryset, stats=stats, defined=defined or [])


def _extra_number_count(queryset: QuerySet[Contact]) -> int:
    """The most additional numbers any selected contact has (0 when none has any), capped."""
    extra = ContactPhone.objects.filter(is_primary=False, contact__in=queryset.order_by().values("pk"))
    top = extra.order_by().values("contact_id").annotate(n=Count("id")).order_by("-n").values_list("n", flat=True)
    return min(next(iter(top[:1]), 0), MAX_EXTRA_NUMBERS)


def _chunk_extras(ids: list[int], extra_numbers: int) -> tuple[dict, dict, dict]:
    """Tags, list names and additional numbers of one chunk of contacts: one query each (not one per row)."""
    numbers = grouped_by_contact(ContactPhone.objects.filter(contact_id__in=ids, is_primary=False)
                                 .order_by("contact_id", "position", "id").values_list("contact_id", "e164")
                                 ) if extra_numbers else {}
    return tag_names_by_contact_id(ids), lists_by_contact_id(ids, field="name"), numbers


def _export_rows(queryset: QuerySet[Contact], *, stats: dict | None = None, defined: list[str]) -> Iterator[str]:
    stats = stats if stats is not None else {}
    stats["rows"] = 0
    used = custom_field_keys(queryset)
    keys = [*defined, *(k for k in used if k not in defined)]
    extra_numbers = _extra_number_count(queryset)
    # Dates and metadata come back as text: no per-row datetime/JSON conversion for a million rows.
    rows = (
        queryset.order_by("pk")
        .annotate(_outcome=_last_call("outcome"), _sentiment=_last_call("sentiment"),
                  _dnc_at=Cast("dnc_at", CharField()), _created=Cast("created_at", CharField()),
                  _last_called=Cast("last_called_at", CharField()), _metadata=Cast("metadata", TextField()))
        .values_list("pk", "public_id", *FIELD_COLUMNS, "status", "_dnc_at", "_created", "calls_count",
                     "_last_called", "_outcome", "_sentiment", "_metadata")
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    phone_columns = [f"Phone {i}" for i in range(2, extra_numbers + 2)]
    writer.writerow(escape_row((*column_headers(FIELD_COLUMNS), *phone_columns,
                                *column_headers((*GROUP_COLUMNS, *DERIVED_COLUMNS)), *keys)))
    yield "\ufeff" + buffer.getvalue()  # the BOM makes Excel read UTF-8
    buffer.seek(0)
    buffer.truncate()
    n = 0
    write = writer.writerow
    blank = [""] * len(keys)
    no_numbers = [""] * extra_numbers
    for chunk in _chunks(rows.iterator(chunk_size=CHUNK)):
        tags, lists, numbers = _chunk_extras([r[0] for r in chunk], extra_numbers)
        for (pk, public_id, phone, first, last, email, company, title, notes, status, dnc_at, created, calls,
             last_called, outcome, sentiment, metadata) in chunk:
            row = [escape_cell(phone), escape_cell(first), escape_cell(last), escape_cell(email),
                   escape_cell(company), escape_cell(title), escape_cell(notes)]
            if extra_numbers:
                more = numbers.get(pk, [])[:extra_numbers]
                row.extend(more + no_numbers[len(more):])
            row += [escape_cell("; ".join(tags.get(pk, ()))), escape_cell("; ".join(lists.get(pk, ()))),
                    public_id, status, iso_utc(dnc_at), iso_utc(created), calls, iso_utc(last_called),
                    escape_cell(outcome), escape_cell(sentiment)]
            if keys:
                if metadata and metadata != "{}":
                    data = json.loads(metadata)
                    row.extend(escape_cell(_text(data.get(k))) for k in keys)
                else:
                    row.extend(blank)
            write(row)
            n += 1
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    stats["rows"] = n
    tail = buffer.getvalue()
    if tail:
        yield tail


def _chunks(rows: Iterator[tuple]) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
