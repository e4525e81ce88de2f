"""The database task worker `manage.py db_worker` runs: django-tasks-db's worker plus a heartbeat, lock tolerance
and the failing of tasks whose worker died.

The library's worker dies on the first `database is locked` it meets outside its claim (a busy SQLite file while
`bootstrap_demo` writes, for example), leaving queued imports waiting forever. This one backs off and carries on,
logs every problem, beats every few seconds so /healthz and the import pages know it is there, and marks failed
the running tasks of workers that stopped beating.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import wraps
from importlib import import_module
from typing import Any

from django.db import OperationalError, close_old_connections, connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker

from . import health

logger = logging.getLogger("contacts.worker")

BACKOFF_FIRST, BACKOFF_MAX = 0.5, 30.0  # seconds
PATIENCE = 120.0  # how long a finished task's result keeps retrying a locked database
HOUSEKEEPING_EVERY = 30.0
# Run by the heartbeat thread every HOUSEKEEPING_EVERY seconds (expire drafts, ...).
housekeeping: list[Callable[[], Any]] = []


def _patient(method: Callable[..., Any]) -> Callable[..., Any]:
    """Retry a write of the task's result while the database is locked, with backoff, up to PATIENCE."""

    @wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        delay, waited = BACKOFF_FIRST, 0.0
        while True:
            try:
                return method(*args, **kwargs)
            except OperationalError as exc:
                if waited >= PATIENCE:
                    raise
                logger.warning("worker: saving a task result failed (%s); retrying in %.1f s", exc, delay)
                time.sleep(delay)
                waited += delay
                delay = min(delay * 2, BACKOFF_MAX)

    return call


class ResilientWorker(Worker):
    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.started_at = timezone.now()
        self.current_task_id = ""
        self._stopped = threading.Event()
        self._beat_soon = threading.Event()
        self._beater: threading.Thread | None = None

    # --- the loop -----------------------------------------------------------------------------------------
    def run(self) -> None:
        import_module("contacts.tasks")  # registers the tasks' lost-task and housekeeping hooks
        self._start_heartbeat()
        delay = BACKOFF_FIRST
        try:
            while True:
                try:
                    super().run()
                    return
                except OperationalError as exc:
                    # Locked or briefly unreachable database: wait and carry on, never die silently.
                    logger.warning("worker %s: database error (%s); retrying in %.1f s", self.worker_id, exc, delay)
                    self._close_connection()
                    if not self.running:
                        return
                    time.sleep(delay)
                    delay = min(delay * 2, BACKOFF_MAX)
                    self.startup_delay = False
        except BaseException as exc:
            if not isinstance(exc, SystemExit | KeyboardInterrupt):
                logger.exception("worker %s stopped on an unexpected error", self.worker_id)
            raise
        finally:
            self._stop_heartbeat()

    def run_task(self, db_task_result: Any) -> None:
        self.current_task_id = str(db_task_result.id)
        self._beat_soon.set()
        db_task_result.set_successful = _patient(db_task_result.set_successful)
        db_task_result.set_failed = _patient(db_task_result.set_failed)
        try:
            super().run_task(db_task_result)
        finally:
            self.current_task_id = ""
            self._beat_soon.set()

    @staticmethod
    def _close_connection() -> None:
        try:
            connections["default"].close()
        except Exception:  # a broken connection may fail to close; the next query opens a new one
            logger.debug("worker: closing the connection failed", exc_info=True)

    # --- heartbeat ----------------------------------------------------------------------------------------
    def _start_heartbeat(self) -> None:
        self._beat_once()  # before the first task: the health check sees the worker at once
        self._beater = threading.Thread(target=self._heartbeat_loop, name="worker-heartbeat", daemon=True)
        self._beater.start()

    def _stop_heartbeat(self) -> None:
        self._stopped.set()
        self._beat_soon.set()
        if self._beater is not None:
            self._beater.join(timeout=10)
        try:
            health.forget(self.worker_id)
        except Exception as exc:  # stopping anyway; the row goes stale within a minute
            logger.warning("worker %s: could not remove its heartbeat (%s)", self.worker_id, exc)
        finally:
            close_old_connections()

    def _beat_once(self) -> bool:
        try:
            health.beat(self.worker_id, started_at=self.started_at, queues=",".join(self.queue_names),
                        task_id=self.current_task_id)
            return True
        except Exception as exc:  # a locked database delays one beat; the next one retries
            logger.warning("worker %s: heartbeat failed (%s)", self.worker_id, exc)
            self._close_connection()
            return False

    def _heartbeat_loop(self) -> None:
        last_housekeeping = 0.0
        try:
            while not self._stopped.is_set():
                self._beat_soon.wait(health.BEAT_EVERY)
                self._beat_soon.clear()
                if self._stopped.is_set():
                    return
                if not self._beat_once():
                    continue
                if time.monotonic() - last_housekeeping >= HOUSEKEEPING_EVERY:
                    last_housekeeping = time.monotonic()
                    self._housekeeping()
        finally:
            connections.close_all()  # this thread's own connection

    def _housekeeping(self) -> None:
        for job in [health.reap_lost_tasks, *housekeeping]:
            try:
                job()
            except Exception as exc:
                logger.warning("worker %s: %s failed (%s)", self.worker_id, getattr(job, "__name__", job), exc)
                self._close_connection()
