"""Running an import: chunks through the evaluator and writer, batch start/finish/fail."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from itertools import islice
from typing import Any

from django.utils import timezone

from contacts import services
from contacts.compliance.audit import record_event
from contacts.imports.bulk import sqlite_cache_limited
from contacts.imports.parallel import PhoneParser
from contacts.models import (
    Campaign,
    ImportBatch,
    ImportStatus,
    Workspace,
)
from contacts.webhooks import events as webhook_events
from contacts.workspaces.permissions import Perm, require

from .verdicts import (  # noqa: F401 - re-exported
    DNC,
    DUPLICATE_IN_FILE,
    ERROR_CODES,
    EXISTS,
    INVALID_DATA,
    INVALID_PHONE,
    KEEP_ERRORS_IN_MEMORY,
    NEW,
    NO_PHONE,
    OVER_LIMIT,
    TEXT_FIELDS,
    TEXT_LIMITS,
    UNCHANGED,
    UPDATABLE_FIELDS,
    UPDATE,
    VERDICT_LABELS,
    Evaluator,
    ImportResult,
    Options,
    RowError,
    RowVerdict,
    chunked,
)
from .writer import ConcurrentRun, Writer  # noqa: F401 - re-exported

CHUNK_SIZE = 5000  # rows per transaction: fewer commits (and FTS segments), memory still flat
PROGRESS_CHUNK_MIN = 1000  # a chunk this small is written in well under a second, even on PostgreSQL


def progress_chunk_size(rows: int) -> int:
    """Rows per chunk for a batch someone watches: its checkpoint (the progress bar) moves every 1% of the file,
    or every PROGRESS_CHUNK_MIN rows (under a second) for smaller files, never more than CHUNK_SIZE rows."""
    return min(CHUNK_SIZE, max(PROGRESS_CHUNK_MIN, rows // 100))


def run_rows(
    *,
    workspace: Workspace,
    batch: ImportBatch,
    items: Iterable[tuple[int, Mapping[str, object], Any]],
    options: Options,
    actor: Any = None,
    progress: Callable[[ImportResult], None] | None = None,
    store_raw: bool = True,
    chunk_size: int | None = None,
) -> ImportResult:
    """Import (index, record, raw) items into a batch, resuming after its checkpoint."""
    result = ImportResult.from_batch(batch)
    done = batch.rows_processed
    evaluator = Evaluator(workspace, options, batch_id=batch.pk)
    writer = Writer(workspace, batch, options, actor, result, store_raw=store_raw)
    iterator = iter(items)
    if done:
        # Rows before the checkpoint were written by an earlier run (the database knows their numbers).
        for _ in islice(iterator, done):
            pass
    with PhoneParser(max(batch.rows - done, 0)) as parser, sqlite_cache_limited():
        # While chunk N is written, a helper process parses chunk N+1's numbers (when it pays off).
        pending = None
        for chunk in chunked(iterator, chunk_size or CHUNK_SIZE):
            future = parser.submit([evaluator.phone_job(record) for _, record, _ in chunk])
            if pending is not None:
                writer.write(evaluator, pending[0], parser.result(pending[1]))
                if progress is not None:
                    progress(result)
            pending = (chunk, future)
        if pending is not None:
            writer.write(evaluator, pending[0], parser.result(pending[1]))
            if progress is not None:
                progress(result)
    return result


def new_batch(*, workspace: Workspace, source: str, actor: Any = None, file_name: str = "",
              options: dict | None = None, rows: int = 0) -> ImportBatch:
    user = actor if getattr(actor, "is_authenticated", False) and not isinstance(actor, str) else None
    return ImportBatch.objects.create(workspace=workspace, source=source, uploaded_by=user, file_name=file_name,
                                      options=options or {}, rows=rows, status=ImportStatus.PENDING)


def import_records(
    *,
    workspace: Workspace,
    records: Iterable[Mapping[str, object]],
    skip_duplicates: bool = True,
    update_existing: bool = False,
    campaign: Campaign | None = None,
    actor: Any = None,
    source: str = "api",
    batch: ImportBatch | None = None,
    default_country: str | None = None,
) -> ImportResult:
    """Import contact records (dicts with phone, first_name, ... metadata, optional country).

    `phone` may be one value or a list of candidates (the first acceptable wins). Each import is
    an ImportBatch (created here unless given) so it is listed, reportable and revertible.
    RowError.index is the record's position in `records`, from 0.
    """
    require(actor, workspace, Perm.EDIT)
    records = list(records) if not isinstance(records, list) else records
    if campaign is not None and campaign.workspace_id != workspace.pk:
        raise services.NotFound("Campaign not found.", code="campaign_not_found")
    options = Options(skip_duplicates=skip_duplicates, update_existing=update_existing,
                      default_country=default_country, campaign=campaign)
    if batch is None:
        batch = new_batch(workspace=workspace, source=source, actor=actor, rows=len(records),
                          options=options_json(options))
    batch_start(batch)
    try:
        result = run_rows(workspace=workspace, batch=batch, options=options, actor=actor,
                          items=((i, r, r) for i, r in enumerate(records)))
    except Exception as exc:
        batch_fail(batch, exc)
        raise
    batch_finish(batch, result, actor)
    return result


def options_json(options: Options) -> dict:
    return {"skip_duplicates": options.skip_duplicates, "update_existing": options.update_existing,
            "default_country": options.default_country,
            "campaign_id": options.campaign.public_id if options.campaign else None}


def batch_start(batch: ImportBatch) -> None:
    now = timezone.now()
    batch.status = ImportStatus.PROCESSING
    batch.started_at = batch.started_at or now
    batch.heartbeat_at = now
    batch.error_message = ""
    ImportBatch.objects.filter(pk=batch.pk).update(status=batch.status, started_at=batch.started_at,
                                                   heartbeat_at=now, error_message="")


def batch_finish(batch: ImportBatch, result: ImportResult, actor: Any = None) -> None:
    batch.refresh_from_db()
    batch.status = ImportStatus.COMPLETED
    batch.finished_at = timezone.now()
    batch.rows = max(batch.rows, batch.rows_processed)
    batch.save(update_fields=["status", "finished_at", "rows"])
    result.batch = batch
    record_event(workspace=batch.workspace, actor=actor, action="import.complete", count=result.imported,
                 details={"batch": batch.public_id, **result.as_counts()})
    webhook_events.import_completed(batch, result.as_counts())


def batch_fail(batch: ImportBatch, exc: BaseException) -> None:
    message = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.FAILED, error_message=message[:2000],
                                                   finished_at=timezone.now())
    batch.refresh_from_db()
