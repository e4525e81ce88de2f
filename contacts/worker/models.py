"""One row per running task worker, touched every few seconds: no fresh row means no worker."""
from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    queues = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)
    task_id = models.CharField(max_length=64, blank=True, help_text="The task it is running, if any")

    class Meta:
        ordering = ["-beat_at"]

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.hostname}:{self.pid}"
