"""Background tasks (django-tasks; `make run` starts `manage.py db_worker`).

An import runs as a task so the wizard answers at once and the user can leave and come back; the
batch's checkpoint makes a rerun of the same task (after a crash or a Resume) continue, never
duplicate.
"""
from __future__ import annotations

import logging
import time

from django.db import OperationalError, transaction
from django_tasks import task

from contacts.imports import FileProblem, batch_run, batch_worker_lost, drafts_expire, preview_counts_run
from contacts.imports.batches import transient
from contacts.imports.pipeline import ConcurrentRun
from contacts.models import ImportBatch, ImportStatus
from contacts.worker import runner
from contacts.worker.health import on_task_lost

logger = logging.getLogger(__name__)


@task()
def run_import_batch(batch_id: str) -> dict:
    """Run (or resume) the import batch with this public id; returns its counts."""
    batch = ImportBatch.objects.filter(public_id=batch_id).first()
    if batch is None:
        logger.warning("import task: batch %s no longer exists", batch_id)
        return {"status": "missing"}
    if batch.status in (ImportStatus.COMPLETED, ImportStatus.REVERTED):
        return {"status": batch.status}
    try:
        result = _run_with_retries(batch)
    except FileProblem as exc:
        # The batch is already marked failed with this message; nothing for the worker to retry.
        logger.info("import %s failed: %s", batch_id, exc.message)
        return {"status": ImportStatus.FAILED, "error": exc.message}
    except ConcurrentRun as exc:
        logger.info("import %s: %s", batch_id, exc)
        return {"status": "concurrent"}
    return {"status": ImportStatus.COMPLETED, **result.as_counts()}


RUN_ATTEMPTS = 4
RETRY_PAUSE = 0.5  # seconds, times the attempt number


def _run_with_retries(batch: ImportBatch):
    """batch_run, again after a transient lock (a busy SQLite file, a PostgreSQL deadlock): the run resumes from its
    last committed chunk, so a retry never writes a row twice. The last attempt marks the batch failed."""
    for attempt in range(1, RUN_ATTEMPTS + 1):
        try:
            return batch_run(batch, retrying=attempt < RUN_ATTEMPTS)
        except OperationalError as exc:
            if attempt == RUN_ATTEMPTS or not transient(exc):
                raise
            logger.warning("import %s: %s; attempt %d of %d", batch.public_id, exc, attempt + 1, RUN_ATTEMPTS)
            time.sleep(RETRY_PAUSE * attempt)
    raise AssertionError("unreachable")


@task()
def scan_duplicates(workspace_id: int) -> dict:
    """Group a large workspace's possible duplicates (the duplicates page shows the stored result)."""
    from contacts.contacts.duplicates import duplicate_scan_run

    return {"groups": duplicate_scan_run(workspace_id)}


@task()
def count_import_preview(batch_id: str, signature: str) -> dict:
    """The wizard's whole-file preview counts for one mapping + options signature (read only, no writes)."""
    batch = ImportBatch.objects.filter(public_id=batch_id).first()
    if batch is None:
        return {"status": "missing"}
    state = preview_counts_run(batch, signature)
    return {"status": "done" if state else "superseded", "rows": (state or {}).get("total")}


def enqueue_preview_counts(batch: ImportBatch, signature: str) -> None:
    count_import_preview.enqueue(batch.public_id, signature)


def enqueue_import(batch: ImportBatch) -> None:
    """Queue the batch once the surrounding transaction has committed (the worker must see it)."""
    public_id = batch.public_id
    transaction.on_commit(lambda: run_import_batch.enqueue(public_id))


@on_task_lost
def _import_lost(task_path: str, args: list, kwargs: dict) -> None:
    """A worker died running an import: the batch fails at once (Resume continues it)."""
    if task_path == run_import_batch.module_path:
        batch_worker_lost(args[0] if args else kwargs.get("batch_id", ""))


runner.housekeeping.append(drafts_expire)  # uploads never imported go after a week
