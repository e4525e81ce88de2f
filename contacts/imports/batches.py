"""File imports as batches: store the upload, suggest a mapping, preview, run/resume, report errors, revert."""
from __future__ import annotations

import hashlib
import io
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import OperationalError, transaction
from django.utils import timezone

from contacts import csvsafe
from contacts.compliance.audit import record_event
from contacts.contacts.numbers import NUMBERS_ADDED, contacts_sync_dnc
from contacts.fields.models import CustomField
from contacts.fields.services import definitions
from contacts.labels import label
from contacts.models import (
    Campaign,
    Contact,
    ContactPhone,
    ImportBatch,
    ImportMappingMemory,
    ImportRow,
    ImportRowOutcome,
    ImportStatus,
    Workspace,
)
from contacts.workspaces.permissions import Perm, require
from contacts.workspaces.rules import plan_room

from .mapping import (
    COUNTRY,
    IGNORE,
    TARGETS,
    ColumnMapping,
    field_targets,
    header_signature,
    is_known_header,
)
from .pipeline import (
    CHUNK_SIZE,
    NEW,
    OVER_LIMIT,
    VERDICT_LABELS,
    ConcurrentRun,
    Evaluator,
    ImportResult,
    Options,
    RowVerdict,
    batch_fail,
    batch_finish,
    batch_start,
    chunked,
    new_batch,
    options_json,
    progress_chunk_size,
    run_rows,
)
from .reader import FileProblem, OpenedTable, TableSource, open_table

PREVIEW_ROWS = 50
STALE_AFTER = timedelta(minutes=2)  # a processing batch without a checkpoint this long lost its worker
DRAFTS_KEPT = timedelta(days=7)  # an upload never imported is deleted (with its file) after this


def max_upload_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_UPLOAD_BYTES", 50 * 1024 * 1024))


def read_source(source: TableSource) -> OpenedTable:
    """Open and check a file (raises FileProblem with a clear message)."""
    return open_table(source, recognise=is_known_header)


def batch_source(batch: ImportBatch) -> TableSource:
    return TableSource.from_storage(default_storage, batch.file.name, batch.file_name)


def batch_table(batch: ImportBatch) -> OpenedTable:
    return read_source(batch_source(batch))


def upload_create(*, workspace: Workspace, upload: File, actor: Any = None) -> tuple[ImportBatch, OpenedTable]:
    """Store an upload in default storage as a pending batch, after checking it can be read.

    Nothing is kept when the file is unreadable: the stored copy is deleted and FileProblem raised.
    """
    require(actor, workspace, Perm.EDIT)
    size = getattr(upload, "size", None)
    if size is not None and size > max_upload_bytes():
        raise FileProblem("file_too_large", f"The file is {size / 1_048_576:.1f} MB; the limit is "
                          f"{max_upload_bytes() / 1_048_576:.0f} MB. Split it into smaller files.")
    name = os.path.basename(getattr(upload, "name", "") or "contacts.csv").replace("\x00", "")[:200] or "contacts.csv"
    stored = default_storage.save(f"imports/{workspace.pk}/{timezone.now():%Y/%m}/{name}", upload)
    try:
        opened = read_source(TableSource.from_storage(default_storage, stored, name))
    except FileProblem:
        default_storage.delete(stored)
        raise
    except Exception as exc:  # anything unexpected in a hostile file is still a clear refusal
        default_storage.delete(stored)
        raise FileProblem("unreadable", "The file could not be read as CSV or XLSX.") from exc
    batch = new_batch(workspace=workspace, source="upload", actor=actor, file_name=name)
    batch.file.name = stored
    mapping = suggest_mapping(workspace, opened.table.headers)
    batch.column_mapping = mapping.to_json()
    batch.save(update_fields=["file", "column_mapping"])
    return batch, opened


def suggest_mapping(workspace: Workspace, headers: list[str]) -> ColumnMapping:
    """The mapping remembered for files with these headers, else the auto-detected one (custom fields included)."""
    known = list(definitions(workspace).values())
    memory = ImportMappingMemory.objects.for_workspace(workspace).filter(
        header_signature=header_signature(headers)).first()
    if memory is not None:
        return ColumnMapping.from_json(memory.mapping, headers, known).restricted_to(d.key for d in known)
    return ColumnMapping.auto(headers, known)


def remember_mapping(workspace: Workspace, mapping: ColumnMapping) -> None:
    ImportMappingMemory.objects.update_or_create(
        workspace=workspace, header_signature=header_signature(mapping.headers),
        defaults={"mapping": mapping.to_json()},
    )


def batch_mapping(batch: ImportBatch, headers: list[str]) -> ColumnMapping:
    """The batch's mapping; a column mapped to a custom field deleted since is kept as plain custom data."""
    known = list(CustomField.objects.filter(workspace_id=batch.workspace_id))  # without loading the workspace
    mapping = ColumnMapping.from_json(batch.column_mapping or {}, headers, known) if batch.column_mapping else \
        ColumnMapping.auto(headers, known)
    return mapping.restricted_to(d.key for d in known)


def mapping_targets(workspace: Workspace) -> dict[str, str]:
    """Every target a column can be mapped to: the contact fields, then one per custom field of the workspace."""
    targets = dict(TARGETS)
    targets.pop(IGNORE)
    return {**targets, **field_targets(definitions(workspace).values()), IGNORE: TARGETS[IGNORE]}


def file_items(opened: OpenedTable, mapping: ColumnMapping) -> Iterator[tuple[int, dict, list[str]]]:
    build = mapping.compile()
    for number, cells in opened.data_rows():
        yield number, build(cells), cells


def batch_options(batch: ImportBatch) -> Options:
    data = batch.options or {}
    campaign = None
    if data.get("campaign_id"):
        campaign = Campaign.objects.for_workspace(batch.workspace).filter(public_id=data["campaign_id"]).first()
    return Options(skip_duplicates=data.get("skip_duplicates", True), update_existing=bool(data.get("update_existing")),
                   default_country=data.get("default_country") or None, campaign=campaign)


# The preview's filter chips: which verdicts each one shows (over the whole file).
PREVIEW_GROUPS = {"invalid_phone": "invalid", "no_phone": "invalid", "validation_error": "invalid",
                  "duplicate_in_file": "duplicate", "exists": "exists", "unchanged": "exists", "update": "exists"}


@dataclass
class Preview:
    """Verdicts of the first rows and counts over the whole file, before anything is written."""

    rows: list[RowVerdict] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    total: int = 0
    result: ImportResult = field(default_factory=ImportResult)
    samples: dict[str, list[RowVerdict]] = field(default_factory=dict)  # first rows of each chip's group
    group_counts: Counter = field(default_factory=Counter)

    @property
    def labelled_counts(self) -> list[tuple[str, str, int]]:
        return [(key, VERDICT_LABELS[key], self.counts[key]) for key in VERDICT_LABELS if self.counts[key]]


def _apply_plan_room(row: RowVerdict, remaining: int | None, limit: int | None) -> int | None:
    """The preview's view of the plan limit: rows past the room left become over_limit."""
    if row.verdict in (NEW, "dnc") and remaining is not None:
        if remaining <= 0:
            row.verdict, row.message = OVER_LIMIT, f"Past the plan's limit of {limit:,} contacts."
        else:
            remaining -= 1
    return remaining


def preview_file(workspace: Workspace, opened: OpenedTable, mapping: ColumnMapping, options: Options,
                 sample: int = PREVIEW_ROWS, on_chunk: Callable[[Preview], bool] | None = None) -> Preview:
    """Every row's verdict (shown for the first `sample`), as the import would decide it, with no writes.

    Reads the whole file: only the task worker calls it (preview_counts_run). `on_chunk` is called after
    each chunk with the preview so far; returning False stops early.
    """
    evaluator = Evaluator(workspace, options)
    preview = Preview()
    limit = workspace.contact_limit
    remaining = plan_room(workspace)
    for chunk in chunked(file_items(opened, mapping), CHUNK_SIZE):
        for row in evaluator.evaluate(chunk):
            remaining = _apply_plan_room(row, remaining, limit)
            preview.counts[row.verdict] += 1
            preview.result.add(row.verdict)
            if row.written and row.on_dnc:
                preview.result.dnc += 1
            preview.total += 1
            if len(preview.rows) < sample:
                preview.rows.append(row)
            _keep_sample(preview, row, sample)
        if on_chunk is not None and on_chunk(preview) is False:
            break
    return preview


def preview_sample(workspace: Workspace, opened: OpenedTable, mapping: ColumnMapping, options: Options,
                   sample: int = PREVIEW_ROWS) -> list[RowVerdict]:
    """Verdicts of the first `sample` rows only: what the preview request may read of a file."""
    evaluator = Evaluator(workspace, options)
    chunk = list(islice(file_items(opened, mapping), sample))
    remaining = plan_room(workspace)
    rows = evaluator.evaluate(chunk) if chunk else []
    for row in rows:
        remaining = _apply_plan_room(row, remaining, workspace.contact_limit)
    return rows


# --- whole-file preview counts, computed by the task worker --------------------------------------

PREVIEW_PROGRESS_EVERY = 0.5  # seconds between progress writes while counting
SAMPLE_CELL_CHARS = 200  # stored sample rows keep this much of each cell (they are only shown)


def preview_signature(batch: ImportBatch) -> str:
    """What the counts depend on: the mapping and the options (not when the batch was queued)."""
    options = {k: v for k, v in (batch.options or {}).items() if k != "queued_at"}
    text = json.dumps([batch.column_mapping or {}, options], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def preview_state(batch: ImportBatch) -> dict[str, Any] | None:
    """The stored counts (or their progress) for the batch's current mapping and options, if any."""
    state = batch.preview_state or {}
    return state if state.get("signature") == preview_signature(batch) else None


def preview_counts_request(batch: ImportBatch, enqueue: Callable[[ImportBatch, str], None]) -> dict[str, Any]:
    """Ask the worker to count the whole file for the current mapping and options (once per signature)."""
    state = preview_state(batch)
    if state is not None:
        return state  # queued, running, done or failed (a broken file: counting it again cannot help)
    signature = preview_signature(batch)
    with transaction.atomic():
        # Locked, so two tabs (or a double click) queue one count, not two.
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        current = preview_state(locked)
        queue = locked.status == ImportStatus.PENDING and current is None
        if queue:
            locked.preview_state = {"signature": signature, "status": "queued", "rows_done": 0,
                                    "total": locked.rows or None, "requested_at": timezone.now().isoformat()}
            locked.save(update_fields=["preview_state"])
    if queue:
        # A small text file is counted here (milliseconds, and the page is whole with no worker running); anything
        # larger, and every workbook, by the task worker, after the commit so it sees the request.
        (preview_counts_run if _counted_inline(locked) else enqueue)(locked, signature)
    batch.refresh_from_db(fields=["preview_state", "rows"])
    return preview_state(batch) or locked.preview_state


def _counted_inline(batch: ImportBatch) -> bool:
    try:
        size = batch.file.size if batch.file else None
    except OSError:
        return False
    return (size is not None and size <= settings.IMPORT_PREVIEW_INLINE_BYTES
            and not batch.file.name.lower().endswith((".xlsx", ".xlsm")))


def _stored_row(row: RowVerdict) -> list[Any]:
    cells = row.raw if isinstance(row.raw, list) else []
    return [row.index, row.verdict, row.phone or "", (row.message or "")[:300], (row.raw_phone or "")[:100],
            [str(c)[:SAMPLE_CELL_CHARS] for c in cells]]


def stored_rows(rows: list[list[Any]]) -> list[RowVerdict]:
    """Sample rows kept in preview_state, back as verdicts for the preview table."""
    return [RowVerdict(index, verdict, phone or None, message, raw=cells, raw_phone=raw_phone)
            for index, verdict, phone, message, raw_phone, cells in rows]


def preview_counts_run(batch: ImportBatch, signature: str) -> dict[str, Any] | None:
    """In the task worker: count every row's verdict, saving progress; stops when the mapping changed."""
    def save(state: dict[str, Any]) -> bool:
        return bool(ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PENDING,
                                               preview_state__signature=signature).update(preview_state=state))

    if preview_signature(batch) != signature or batch.status != ImportStatus.PENDING:
        return None
    base = {"signature": signature, "requested_at": (batch.preview_state or {}).get("requested_at")}
    last = [0.0]

    def progress(preview: Preview) -> bool:
        now = time.monotonic()
        if now - last[0] < PREVIEW_PROGRESS_EVERY:
            return True
        last[0] = now
        return save({**base, "status": "running", "rows_done": preview.total, "total": batch.rows or None})

    try:
        opened = batch_table(batch)
        mapping = batch_mapping(batch, opened.table.headers)
        preview = preview_file(batch.workspace, opened, mapping, batch_options(batch), on_chunk=progress)
    except FileProblem as exc:
        save({**base, "status": "failed", "error": exc.message})
        return None
    state = {
        **base, "status": "done", "rows_done": preview.total, "total": preview.total,
        "counts": dict(preview.counts), "group_counts": dict(preview.group_counts),
        "result": {**preview.result.as_counts(), "no_phone": preview.result.no_phone},
        "samples": {group: [_stored_row(r) for r in rows] for group, rows in preview.samples.items()},
        "finished_at": timezone.now().isoformat(),
    }
    if not save(state):
        return None  # the mapping or options changed meanwhile: a newer count is on its way
    ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PENDING).update(rows=preview.total)
    return state


def _keep_sample(preview: Preview, row: RowVerdict, sample: int) -> None:
    group = PREVIEW_GROUPS.get(row.verdict)
    if group is None:
        return
    preview.group_counts[group] += 1
    kept = preview.samples.setdefault(group, [])
    if len(kept) < sample:
        kept.append(row)


def batch_configure(batch: ImportBatch, *, mapping: ColumnMapping, options: Options,
                    actor: Any = None) -> ImportBatch:
    require(actor, batch.workspace, Perm.EDIT)
    batch.column_mapping = mapping.to_json()
    batch.options = options_json(options)
    batch.save(update_fields=["column_mapping", "options"])
    remember_mapping(batch.workspace, mapping)
    return batch


TRANSIENT_ERRORS = ("database is locked", "database table is locked", "deadlock detected",
                    "could not serialize access")


def transient(exc: BaseException) -> bool:
    """A database error that a second attempt can get past: SQLite's lock, PostgreSQL's deadlock or serialization
    failure."""
    return isinstance(exc, OperationalError) and any(text in str(exc).lower() for text in TRANSIENT_ERRORS)


def batch_run(batch: ImportBatch, *, actor: Any = None, progress: Callable[[ImportResult], None] | None = None,
              retrying: bool = False) -> ImportResult:
    """Run (or resume) a file batch from its stored file, mapping and options.

    `retrying`: the caller runs it again after a transient database error (a lock), so such an error leaves the
    batch processing (its checkpoint says where to resume) instead of marking it failed."""
    batch.refresh_from_db()
    if batch.status in (ImportStatus.COMPLETED, ImportStatus.REVERTED):
        return ImportResult.from_batch(batch)
    batch_start(batch)
    try:
        opened = batch_table(batch)
        if not batch.rows:
            batch.rows = opened.count_rows()
            ImportBatch.objects.filter(pk=batch.pk).update(rows=batch.rows)
        mapping = batch_mapping(batch, opened.table.headers)
        if not mapping.has_phone:
            raise FileProblem("no_phone_column", "No column is mapped to the phone number.")
        result = run_rows(workspace=batch.workspace, batch=batch, items=file_items(opened, mapping),
                          options=batch_options(batch), actor=actor or batch.uploaded_by, progress=progress,
                          chunk_size=progress_chunk_size(batch.rows))
    except ConcurrentRun:
        raise  # another worker owns the batch now: leave its status alone
    except Exception as exc:
        if not (retrying and transient(exc)):
            batch_fail(batch, exc)
        raise
    batch_finish(batch, result, actor or batch.uploaded_by)
    return result


def import_file(*, workspace: Workspace, source: TableSource, options: Options, actor: Any = None,
                source_label: str = "command", mapping: ColumnMapping | None = None,
                progress: Callable[[ImportResult], None] | None = None,
                on_start: Callable[[ImportBatch], None] | None = None,
                ignore_country_column: bool = False) -> ImportResult:
    """Read, check (the whole file, before writing) and import a file in one go: the command's path.

    `ignore_country_column` parses every number with the default country, not the row's country column.
    """
    require(actor, workspace, Perm.EDIT)
    opened = read_source(source)
    total = opened.count_rows()
    mapping = mapping or suggest_mapping(workspace, opened.table.headers)
    if ignore_country_column:
        mapping = mapping.with_fields([IGNORE if f == COUNTRY else f for f in mapping.fields], mapping.phone_order)
    if not mapping.has_phone:
        raise FileProblem("no_phone_column", "No column looks like a phone number. Columns: "
                          + ", ".join(opened.table.headers[:30]))
    batch = new_batch(workspace=workspace, source=source_label, actor=actor, rows=total,
                      file_name=os.path.basename(source.name)[:255], options=options_json(options))
    batch.column_mapping = mapping.to_json()
    batch.save(update_fields=["column_mapping"])
    if on_start is not None:
        on_start(batch)
    batch_start(batch)
    try:
        result = run_rows(workspace=workspace, batch=batch, items=file_items(opened, mapping), options=options,
                          actor=actor, progress=progress)
    except Exception as exc:
        batch_fail(batch, exc)
        raise
    batch_finish(batch, result, actor)
    return result


def draft_expires_at(batch: ImportBatch):
    return batch.created_at + DRAFTS_KEPT


def drafts_expire(now=None, workspace: Workspace | None = None) -> int:
    """Delete uploads that were never imported (not queued) after DRAFTS_KEPT, files included; returns how many."""
    cutoff = (now or timezone.now()) - DRAFTS_KEPT
    old = ImportBatch.objects.filter(status=ImportStatus.PENDING, created_at__lt=cutoff).exclude(
        options__has_key="queued_at")
    if workspace is not None:
        old = old.filter(workspace=workspace)
    deleted = 0
    for batch in old.only("pk", "file").order_by("pk")[:1000]:
        if batch.file:
            batch.file.delete(save=False)
        if ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PENDING).delete()[0]:
            deleted += 1
    return deleted


def batch_worker_lost(batch_id: str) -> None:
    """The worker running this batch died: fail it at once, so the page offers Resume without waiting."""
    batch = ImportBatch.objects.filter(public_id=batch_id, status=ImportStatus.PROCESSING).first()
    if batch is not None:
        batch_fail(batch, RuntimeError(
            f"The task worker running this import stopped (killed or crashed) after {batch.rows_processed:,} rows."))


def batch_is_stale(batch: ImportBatch) -> bool:
    """Processing, but no checkpoint for a while: its worker died and it can be resumed."""
    if batch.status != ImportStatus.PROCESSING:
        return False
    last = batch.heartbeat_at or batch.started_at or batch.created_at
    return last < timezone.now() - STALE_AFTER


def batch_can_resume(batch: ImportBatch) -> bool:
    return bool(batch.file) and (batch.status == ImportStatus.FAILED or batch_is_stale(batch)) and \
        batch.rows_processed < max(batch.rows, 1)


@transaction.atomic
def batch_revert(*, batch: ImportBatch, actor: Any = None) -> dict[str, int]:
    """Delete the contacts the batch created and restore the fields it updated."""
    require(actor, batch.workspace, Perm.DESTROY)
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status == ImportStatus.REVERTED:
        return {"deleted": 0, "restored": 0}
    if locked.status in (ImportStatus.PENDING, ImportStatus.PROCESSING) and not batch_is_stale(locked):
        raise RevertRefused("This import is still running; revert it when it has finished.")
    restored = 0
    updates = ImportRow.objects.filter(batch=locked, outcome=ImportRowOutcome.UPDATED, contact__isnull=False)
    for rows in chunked(updates.only("contact_id", "previous").iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        contacts = {c.pk: c for c in Contact.objects.filter(workspace=locked.workspace,
                                                             pk__in=[r.contact_id for r in rows])}
        fields: set[str] = set()
        added: list[str] = []
        for row in rows:
            contact = contacts.get(row.contact_id)
            if contact is None or not row.previous:
                continue
            previous = dict(row.previous)
            added.extend(previous.pop(NUMBERS_ADDED, None) or ())
            for name, value in previous.items():
                setattr(contact, name, value)
                fields.add(name)
            contact.updated_at = timezone.now()
            restored += 1
        if fields:
            Contact.objects.bulk_update(list(contacts.values()), [*sorted(fields), "updated_at"], batch_size=500)
        if added:  # numbers the import added to existing contacts go again, and their DNC status follows
            ContactPhone.objects.filter(workspace=locked.workspace, e164__in=added, is_primary=False,
                                        contact_id__in=list(contacts)).delete()
            contacts_sync_dnc(Contact.objects.filter(pk__in=list(contacts)))
    deleted = 0
    created = Contact.objects.filter(workspace=locked.workspace, import_batch=locked).values_list("pk", flat=True)
    while ids := list(created.order_by("pk")[:CHUNK_SIZE]):
        count, _ = Contact.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
        if not count:
            break
    locked.status = ImportStatus.REVERTED
    locked.finished_at = locked.finished_at or timezone.now()
    locked.save(update_fields=["status", "finished_at"])
    record_event(workspace=locked.workspace, actor=actor, action="import.revert", count=deleted,
                 details={"batch": locked.public_id, "deleted": deleted, "restored": restored})
    batch.refresh_from_db()
    return {"deleted": deleted, "restored": restored}


class RevertRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def error_report_rows(batch: ImportBatch) -> Iterator[list[str]]:
    """The original rows that were not imported, each with its row number and why: the reason in words ("No phone
    number"), its code and the detailed message (cells as read)."""
    skipped = ImportRow.objects.filter(batch=batch, outcome=ImportRowOutcome.SKIPPED).order_by("index")
    headers: list[str] = list((batch.column_mapping or {}).get("headers") or [])
    keys: list[str] = []
    if not headers:
        # API batches store records: their keys are the columns.
        seen: dict[str, None] = {}
        for data in skipped.values_list("data", flat=True).iterator(chunk_size=CHUNK_SIZE):
            if isinstance(data, dict):
                seen.update(dict.fromkeys(map(str, data)))
        keys = list(seen)
        headers = keys
    yield ["row", *headers, "reason", "error_code", "error"]
    for row in skipped.values_list("index", "data", "code", "message").iterator(chunk_size=CHUNK_SIZE):
        index, data, code, message = row
        if isinstance(data, dict):
            cells = [data.get(k, "") for k in keys]
        else:
            cells = list(data or []) + [""] * max(0, len(headers) - len(data or []))
        yield [str(index), *("" if c is None else str(c) for c in cells), label(code, "reason"), code, message]


def error_report_csv(batch: ImportBatch) -> Iterator[str]:
    """errors.csv: every cell, the file's own header row included, escaped against formula injection."""
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)
    yield "\ufeff"  # Excel opens UTF-8 correctly only with a BOM
    for row in error_report_rows(batch):
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
