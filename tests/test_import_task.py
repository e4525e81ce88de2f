"""The background import task: runs a configured batch, and resumes a batch whose worker died."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contacts.imports import (
    Options,
    batch_can_resume,
    batch_configure,
    batch_mapping,
    batch_run,
    batch_table,
    parallel,
    pipeline,
    upload_create,
)
from contacts.models import Contact, ImportBatch, ImportRow
from contacts.tasks import enqueue_import, run_import_batch

pytestmark = pytest.mark.django_db


def make_csv(rows: int) -> bytes:
    lines = ["First Name,Mobile Phone,Email"]
    for n in range(rows):  # every tenth number is invalid
        lines.append(f"Person {n},+1 415 2{n:06d},p{n}@example.com" if n % 10 else f"Person {n},12,")
    return ("\n".join(lines) + "\n").encode()


def configured_batch(workspace, user, data: bytes, name: str = "leads.csv") -> ImportBatch:
    batch, opened = upload_create(workspace=workspace, upload=SimpleUploadedFile(name, data), actor=user)
    return batch_configure(batch, mapping=batch_mapping(batch, opened.table.headers), options=Options())


def test_enqueue_runs_the_batch_after_commit(workspace, user, django_capture_on_commit_callbacks):
    batch = configured_batch(workspace, user, make_csv(50))
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_import(batch)
    batch.refresh_from_db()
    assert (batch.status, batch.rows, batch.rows_processed, batch.imported, batch.invalid_skipped) == \
        ("completed", 50, 50, 45, 5)
    assert Contact.objects.for_workspace(workspace).count() == 45


def test_task_reports_a_missing_batch_and_skips_finished_ones(workspace, user):
    assert run_import_batch.call("import_missing") == {"status": "missing"}
    batch = configured_batch(workspace, user, make_csv(5))
    assert run_import_batch.call(batch.public_id)["imported"] == 4
    assert run_import_batch.call(batch.public_id) == {"status": "completed"}
    assert Contact.objects.for_workspace(workspace).count() == 4


@pytest.mark.parametrize("parallel_min", [0, 10**9], ids=["helper-process", "in-process"])
def test_worker_killed_mid_import_resumes_to_the_same_result(workspace, user, monkeypatch, parallel_min):
    data = make_csv(5000)
    reference_ws = type(workspace).objects.create(name="Ref", slug="ref")
    reference_ws.memberships.create(user=user, role="member")
    reference = configured_batch(reference_ws, user, data)
    run_import_batch.call(reference.public_id)
    reference.refresh_from_db()

    batch = configured_batch(workspace, user, data)
    monkeypatch.setattr(pipeline.run, "CHUNK_SIZE", 1000)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_ROWS", parallel_min)  # with and without the helper process
    real_write = pipeline.Writer.write
    calls = {"n": 0}

    def dying_write(self, evaluator, chunk, parsed=None):
        calls["n"] += 1
        if calls["n"] == 3:
            raise SystemExit("worker killed")  # like SIGTERM mid-chunk: the chunk's transaction rolls back
        return real_write(self, evaluator, chunk, parsed)

    monkeypatch.setattr(pipeline.Writer, "write", dying_write)
    with pytest.raises(SystemExit):
        batch_run(batch)
    batch.refresh_from_db()
    # Counts match the database: two chunks written, the third rolled back.
    assert batch.rows_processed == 2000
    assert Contact.objects.for_workspace(workspace).count() == batch.imported
    assert batch.status == "processing"
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=batch.heartbeat_at.replace(year=2000))
    batch.refresh_from_db()
    assert batch_can_resume(batch)

    monkeypatch.setattr(pipeline.Writer, "write", real_write)
    run_import_batch.call(batch.public_id)
    run_import_batch.call(batch.public_id)  # a second run (e.g. a retried task) changes nothing
    batch.refresh_from_db()
    fields = ("status", "rows", "rows_processed", "imported", "duplicates_skipped", "invalid_skipped")
    assert [getattr(batch, f) for f in fields] == [getattr(reference, f) for f in fields]
    assert Contact.objects.for_workspace(workspace).count() == reference.imported
    assert ImportRow.objects.filter(batch=batch).count() == ImportRow.objects.filter(batch=reference).count()


def test_stored_file_survives_for_another_process(workspace, user):
    batch = configured_batch(workspace, user, make_csv(3))
    assert Path(batch.file.path).exists()
    # A fresh read from storage, as the worker process does.
    assert batch_table(ImportBatch.objects.get(pk=batch.pk)).count_rows() == 3


def test_a_transient_database_lock_mid_import_is_retried_to_the_same_result(workspace, user, monkeypatch):
    from django.db import OperationalError

    from contacts import tasks

    monkeypatch.setattr(tasks, "RETRY_PAUSE", 0)
    monkeypatch.setattr(pipeline.run, "CHUNK_SIZE", 100)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_ROWS", 10**9)
    batch = configured_batch(workspace, user, make_csv(500))
    real_write = pipeline.Writer.write
    calls = {"n": 0}

    def locked_once(self, evaluator, chunk, parsed=None):
        calls["n"] += 1
        if calls["n"] == 3:  # the third chunk meets a writer holding the SQLite file
            raise OperationalError("database table is locked")
        return real_write(self, evaluator, chunk, parsed)

    monkeypatch.setattr(pipeline.Writer, "write", locked_once)
    result = run_import_batch.call(batch.public_id)
    batch.refresh_from_db()
    assert result["status"] == "completed" and batch.status == "completed" and batch.error_message == ""
    assert (batch.rows_processed, batch.imported, batch.invalid_skipped) == (500, 450, 50)
    assert Contact.objects.for_workspace(workspace).count() == 450


def test_a_lock_that_never_clears_fails_the_import_with_its_reason(workspace, user, monkeypatch):
    from django.db import OperationalError

    from contacts import tasks

    monkeypatch.setattr(tasks, "RETRY_PAUSE", 0)
    batch = configured_batch(workspace, user, make_csv(20))

    def always_locked(self, evaluator, chunk, parsed=None):
        raise OperationalError("database is locked")

    monkeypatch.setattr(pipeline.Writer, "write", always_locked)
    with pytest.raises(OperationalError):
        run_import_batch.call(batch.public_id)
    batch.refresh_from_db()
    assert batch.status == "failed" and "database is locked" in batch.error_message
    assert Contact.objects.for_workspace(workspace).count() == 0
