"""Is a task worker alive? Heartbeats in, "no worker" out; and the tasks of workers that died, marked failed."""
from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import OperationalError
from django.utils import timezone

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

BEAT_EVERY = 5.0  # seconds between heartbeats
ALIVE_WITHIN = timedelta(seconds=60)  # a worker silent this long is dead (or wedged)
NO_WORKER = "no worker"
# Called with (task_path, args, kwargs) for each task whose worker died, so its domain can react.
_lost_task_hooks: list[Callable[[str, list, dict], None]] = []


class WorkerLost(Exception):
    """The worker running a task stopped (killed, crashed, machine restarted) before the task finished."""


def on_task_lost(hook: Callable[[str, list, dict], None]) -> Callable[[str, list, dict], None]:
    _lost_task_hooks.append(hook)
    return hook


def backend_kind() -> str:
    from django_tasks import task_backends

    return type(task_backends["default"]).__name__


def live_heartbeats(now: datetime | None = None):
    return WorkerHeartbeat.objects.filter(beat_at__gte=(now or timezone.now()) - ALIVE_WITHIN)


def worker_alive() -> bool:
    """True when some worker will pick up a queued task: a fresh heartbeat (database backend), a registered
    RQ worker (RQ), or a backend that runs tasks inline (tests, the immediate backend)."""
    kind = backend_kind()
    if kind == "DatabaseBackend":
        return live_heartbeats().exists()
    if kind == "RQBackend":
        import django_rq
        from rq import Worker

        return Worker.count(connection=django_rq.get_connection("default")) > 0
    return True


def tasks_status() -> str:
    """'ok' or 'no worker'; raises when the backend itself does not answer (Redis down, table missing)."""
    kind = backend_kind()
    if kind == "RQBackend":
        import django_rq

        django_rq.get_connection("default").ping()
    elif kind == "DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.order_by().values_list("pk").first()
    return "ok" if worker_alive() else NO_WORKER


def beat(worker_id: str, *, started_at: datetime, queues: str = "", task_id: str = "") -> None:
    """Record that this worker is alive (and what it runs)."""
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=now, task_id=task_id)
    if not updated:
        WorkerHeartbeat.objects.create(worker_id=worker_id, hostname=socket.gethostname()[:255], pid=os.getpid(),
                                       queues=queues[:255], started_at=started_at, beat_at=now, task_id=task_id)


def forget(worker_id: str) -> None:
    """A worker that stops cleanly says so at once (the health check need not wait a minute)."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def reap_lost_tasks(now: datetime | None = None) -> int:
    """Mark failed every running task whose worker has no fresh heartbeat; returns how many.

    A task claimed less than ALIVE_WITHIN ago is left alone (its worker may not have beaten yet).
    """
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    alive = set(live_heartbeats(now).values_list("worker_id", flat=True))
    WorkerHeartbeat.objects.filter(beat_at__lt=now - ALIVE_WITHIN * 10).delete()  # long-dead workers
    lost = 0
    for result in DBTaskResult.objects.running().filter(started_at__lt=now - ALIVE_WITHIN).order_by():
        owner = result.worker_ids[-1] if result.worker_ids else ""
        if owner in alive:
            continue
        error = WorkerLost(f"The worker {owner or '(unknown)'} stopped while running this task "
                           "(killed, crashed or its machine restarted).")
        moved = DBTaskResult.objects.filter(pk=result.pk, status=result.status).update(
            status="FAILED", finished_at=now, return_value=None,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=f"{WorkerLost.__qualname__}: {error}\n")
        if not moved:
            continue
        lost += 1
        logger.warning("task %s (%s) lost its worker %s; marked failed", result.pk, result.task_path, owner)
        args = (result.args_kwargs or {}).get("args") or []
        kwargs = (result.args_kwargs or {}).get("kwargs") or {}
        for hook in _lost_task_hooks:
            try:
                hook(result.task_path, args, kwargs)
            except OperationalError:
                raise
            except Exception:  # one domain's hook never stops the others
                logger.exception("lost-task hook %r failed", hook)
    return lost
