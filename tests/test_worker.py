"""The task worker's health: heartbeat, /healthz "no worker", a worker that survives `database is locked`, tasks of
dead workers marked failed (and their import resumable at once), no orphan phone-parsing helper after a kill -9,
queued imports flagged when no worker lives, drafts that expire."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.management.commands import db_worker as library
from django_tasks_db.models import DBTaskResult

from contacts.imports import batch_can_resume, drafts_expire
from contacts.models import Contact, ImportBatch, WorkerHeartbeat
from contacts.tasks import run_import_batch
from contacts.worker import health
from contacts.worker.runner import ResilientWorker
from tests.test_import_task import configured_batch, make_csv

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
PROJECT = Path(__file__).resolve().parent.parent


def make_worker(**overrides) -> ResilientWorker:
    options = {"queue_names": ["default"], "interval": 0, "batch": True, "backend_name": "default",
               "startup_delay": False, "max_tasks": None, "worker_id": "test-worker", "excluded_queue_names": []}
    return ResilientWorker(**{**options, **overrides})


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS)
def test_healthz_says_no_worker_until_one_beats(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "tasks": "no worker"}
    health.beat("w1", started_at=timezone.now())
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "tasks": "ok"}
    # A worker silent for over a minute is dead.
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(seconds=61))
    assert client.get("/healthz").json()["tasks"] == "no worker"


@pytest.mark.django_db
def test_healthz_with_rq_counts_registered_workers(client, monkeypatch):
    import django_rq
    from rq import Worker

    class FakeRedis:
        def ping(self):
            return True

    monkeypatch.setattr(django_rq, "get_connection", lambda name: FakeRedis())
    rq_tasks = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    with override_settings(TASKS=rq_tasks):
        monkeypatch.setattr(Worker, "count", classmethod(lambda cls, connection=None, **kw: 0))
        assert client.get("/healthz").json()["tasks"] == "no worker"
        monkeypatch.setattr(Worker, "count", classmethod(lambda cls, connection=None, **kw: 2))
        assert client.get("/healthz").status_code == 200


@contextmanager
def locked_database(times: int):
    """The library worker's claim transaction fails `times` times with SQLite's lock error, then works."""
    real = library.exclusive_transaction
    calls = {"n": 0}

    @contextmanager
    def flaky(using=None):
        calls["n"] += 1
        if calls["n"] <= times:
            raise OperationalError("database is locked")
        with real(using):
            yield

    library.exclusive_transaction = flaky
    try:
        yield calls
    finally:
        library.exclusive_transaction = real


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_worker_survives_database_is_locked_and_finishes_the_import(workspace, user, monkeypatch, caplog):
    monkeypatch.setattr("contacts.worker.runner.BACKOFF_FIRST", 0.01)
    batch = configured_batch(workspace, user, make_csv(30))
    run_import_batch.enqueue(batch.public_id)
    worker = make_worker()
    with locked_database(times=3) as calls:
        worker.run()  # the library's worker would have died on the first lock
    assert calls["n"] >= 4
    batch.refresh_from_db()
    assert (batch.status, batch.imported) == ("completed", 27)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert sum("database is locked" in r.getMessage() for r in caplog.records) == 3  # logged, never silent
    assert not WorkerHeartbeat.objects.exists()  # a clean stop removes its heartbeat at once


def _read(query):
    # The test database is SQLite's shared in-memory cache, where a read beside the worker thread's write gets
    # "database table is locked" at once (no busy timeout there; a file database waits). Ask again.
    from django.db import OperationalError

    for _ in range(50):
        try:
            return query()
        except OperationalError:
            time.sleep(0.02)
    return query()


def _worker_alive() -> bool:
    return _read(health.worker_alive)


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_worker_beats_while_it_runs():
    worker = make_worker(batch=False, interval=0.05)
    import threading

    thread = threading.Thread(target=worker.run)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not _worker_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _worker_alive()
        beat = _read(lambda: WorkerHeartbeat.objects.get(worker_id="test-worker"))
        assert beat.pid == os.getpid()
    finally:
        worker.running = False
        thread.join(10)
    assert not _worker_alive()


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS)
def test_task_of_a_dead_worker_is_marked_failed_and_its_import_resumable(workspace, user):
    batch = configured_batch(workspace, user, make_csv(20))
    ImportBatch.objects.filter(pk=batch.pk).update(status="processing", rows=20, rows_processed=0,
                                                   heartbeat_at=timezone.now())
    run_import_batch.enqueue(batch.public_id)
    long_ago = timezone.now() - timedelta(minutes=5)
    DBTaskResult.objects.update(status="RUNNING", started_at=long_ago, worker_ids=["killed-worker"])
    health.beat("alive-worker", started_at=timezone.now())  # another worker is fine; the task's own is gone

    assert health.reap_lost_tasks() == 1
    result = DBTaskResult.objects.get()
    assert result.status == "FAILED" and result.exception_class_path.endswith("WorkerLost")
    assert "stopped while running this task" in result.traceback
    batch.refresh_from_db()
    assert batch.status == "failed" and "worker running this import stopped" in batch.error_message
    assert batch_can_resume(batch)
    assert health.reap_lost_tasks() == 0  # once


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS)
def test_a_task_claimed_by_a_live_worker_is_left_alone(workspace, user):
    run_import_batch.enqueue("import_x")
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now() - timedelta(minutes=5),
                                worker_ids=["busy"])
    health.beat("busy", started_at=timezone.now())
    assert health.reap_lost_tasks() == 0
    assert DBTaskResult.objects.get().status == "RUNNING"


HELPER_SCRIPT = textwrap.dedent("""
    import sys, time
    from contacts.imports.parallel import PhoneParser
    parser = PhoneParser(10**6)
    assert parser.pool is not None
    parser.result(parser.submit([(["+14155550100"], "US", "strict")]))  # the helper is up and working
    print(" ".join(str(pid) for pid in parser.pool._processes), flush=True)
    time.sleep(120)
""")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


def test_a_killed_import_leaves_no_orphan_helper():
    process = subprocess.Popen([sys.executable, "-c", HELPER_SCRIPT], cwd=PROJECT, stdout=subprocess.PIPE, text=True)
    try:
        helpers = [int(pid) for pid in process.stdout.readline().split()]
        assert helpers and all(_alive(pid) for pid in helpers)
        process.send_signal(signal.SIGKILL)  # the worker killed mid-import: no cleanup code runs
        process.wait(10)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in helpers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in helpers), "the phone-parsing helper outlived its worker"
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS)
def test_queued_import_without_a_worker_says_what_to_do(client_logged_in, workspace, user):
    batch = configured_batch(workspace, user, make_csv(12))
    ImportBatch.objects.filter(pk=batch.pk).update(
        rows=12, options={**batch.options, "queued_at": (timezone.now() - timedelta(seconds=30)).isoformat()})
    page = client_logged_in.get(f"/imports/{batch.public_id}/").content.decode()
    assert "Queued" in page and "No task worker is running" not in page  # within the first minute: just queued
    assert "of <span data-field=\"rows\">12</span> rows" in page  # the count known from the preview

    ImportBatch.objects.filter(pk=batch.pk).update(
        options={**batch.options, "queued_at": (timezone.now() - timedelta(seconds=90)).isoformat()})
    page = client_logged_in.get(f"/imports/{batch.public_id}/").content.decode()
    assert "No task worker is running, so this import has not started" in page
    assert "make run" in page and "manage.py db_worker" in page
    listing = client_logged_in.get("/imports/").content.decode()
    assert "Waiting for a worker" in listing and "manage.py db_worker" in listing
    assert client_logged_in.get(f"/imports/{batch.public_id}/progress/").json()["status"] == "no_worker"

    health.beat("w", started_at=timezone.now())  # a worker starts: the batch is just queued again
    assert client_logged_in.get(f"/imports/{batch.public_id}/progress/").json()["status"] == "queued"


@pytest.mark.django_db
def test_drafts_expire_after_seven_days_with_their_file(workspace, user):
    old = configured_batch(workspace, user, make_csv(3), name="old.csv")
    fresh = configured_batch(workspace, user, make_csv(3), name="fresh.csv")
    queued = configured_batch(workspace, user, make_csv(3), name="queued.csv")
    eight_days = timezone.now() - timedelta(days=8)
    ImportBatch.objects.filter(pk__in=[old.pk, queued.pk]).update(created_at=eight_days)
    ImportBatch.objects.filter(pk=queued.pk).update(options={"queued_at": eight_days.isoformat()})
    path = Path(old.file.path)
    assert drafts_expire() == 1
    assert not path.exists()
    assert set(ImportBatch.objects.values_list("file_name", flat=True)) == {"fresh.csv", "queued.csv"}
    assert Contact.objects.count() == 0
    assert fresh.file_name  # untouched
