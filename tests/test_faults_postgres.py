"""Fault tests on PostgreSQL (CI's second pass): concurrent overlapping imports, a worker SIGKILLed mid-import."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections

from contacts.imports import (
    Options,
    batch_can_resume,
    batch_configure,
    batch_is_stale,
    batch_mapping,
    import_records,
    upload_create,
)
from contacts.models import Contact, ImportBatch, ImportRow, Workspace
from contacts.tasks import run_import_batch
from tests.factories import make_workspace

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="fault tests run on PostgreSQL (CI's second pass)"),
    pytest.mark.django_db(transaction=True),
]
ROOT = Path(__file__).resolve().parent.parent


def numbers(start: int, stop: int) -> list[dict]:
    return [{"phone": f"+1415{2_000_000 + n:07d}", "first_name": f"P{n}"} for n in range(start, stop)]


def test_two_overlapping_imports_at_once_never_duplicate_and_counts_add_up():
    workspace = make_workspace("race")
    a, b = numbers(0, 3000), numbers(1500, 4500)  # 1,500 numbers in both
    results: dict[str, object] = {}
    barrier = threading.Barrier(2)

    def run(name: str, records: list[dict]) -> None:
        try:
            barrier.wait()
            results[name] = import_records(workspace=workspace, records=records, source="api")
        except Exception as exc:  # surfaced by the asserts below
            results[name] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=("a", a)), threading.Thread(target=run, args=("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    ra, rb = results["a"], results["b"]
    assert not isinstance(ra, Exception), ra
    assert not isinstance(rb, Exception), rb
    distinct = 4500
    assert Contact.objects.filter(workspace=workspace).count() == distinct
    assert Contact.objects.filter(workspace=workspace).values("phone").distinct().count() == distinct
    assert ra.imported + rb.imported == distinct
    assert ra.duplicates_skipped + rb.duplicates_skipped == 1500
    assert ra.rows == 3000 and rb.rows == 3000
    for batch in ImportBatch.objects.filter(workspace=workspace):
        assert batch.status == "completed"
        assert batch.imported == Contact.objects.filter(import_batch=batch).count()


def csv_bytes(rows: int) -> bytes:
    lines = ["First Name,Last Name,Mobile Phone,Email"]
    for n in range(rows):  # every 20th number invalid, every 50th repeats an earlier one
        phone = "12" if n % 20 == 7 else f"+1 415 {2_000_000 + (n - 1 if n % 50 == 49 else n):07d}"
        lines.append(f"Person,{n},{phone},p{n}@example.com")
    return ("\n".join(lines) + "\n").encode()


def configured(workspace: Workspace, data: bytes) -> ImportBatch:
    batch, opened = upload_create(workspace=workspace, upload=SimpleUploadedFile("big.csv", data))
    return batch_configure(batch, mapping=batch_mapping(batch, opened.table.headers), options=Options())


def test_worker_sigkilled_mid_import_is_detected_and_resumes_to_the_same_result():
    data = csv_bytes(60_000)
    reference_ws, workspace = make_workspace("reference"), make_workspace("victim")
    reference = configured(reference_ws, data)
    run_import_batch.call(reference.public_id)
    reference.refresh_from_db()
    assert reference.status == "completed"

    batch = configured(workspace, data)
    db = settings.DATABASES["default"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "smartalex.settings.test", "MEDIA_ROOT": str(settings.MEDIA_ROOT),
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"}
    code = f"from contacts.tasks import run_import_batch; run_import_batch.call({batch.public_id!r})"
    worker = subprocess.Popen([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.rows_processed > 0 or worker.poll() is not None:
            break
        time.sleep(0.02)
    assert worker.poll() is None, f"the worker ended before it could be killed: {worker.stderr.read()[-2000:]}"
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    batch.refresh_from_db()
    assert batch.status == "processing" and 0 < batch.rows_processed < reference.rows
    # Counts in the batch match the database at the moment of death.
    assert batch.imported == Contact.objects.filter(workspace=workspace).count()
    assert not batch_is_stale(batch)  # a live-looking heartbeat: not yet taken for dead

    # No checkpoint for longer than the stale window: the worker is declared dead and the batch resumable.
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=batch.heartbeat_at.replace(year=2000))
    batch.refresh_from_db()
    assert batch_is_stale(batch) and batch_can_resume(batch)
    run_import_batch.call(batch.public_id)
    batch.refresh_from_db()
    fields = ("status", "rows", "rows_processed", "imported", "duplicates_skipped", "invalid_skipped")
    assert [getattr(batch, f) for f in fields] == [getattr(reference, f) for f in fields]
    assert Contact.objects.filter(workspace=workspace).count() == reference.imported
    assert sorted(Contact.objects.filter(workspace=workspace).values_list("phone", flat=True)) == sorted(
        Contact.objects.filter(workspace=reference_ws).values_list("phone", flat=True))
    assert ImportRow.objects.filter(batch=batch).count() == ImportRow.objects.filter(batch=reference).count()
