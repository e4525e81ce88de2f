"""`manage.py db_worker`: django-tasks-db's worker command running the project's resilient worker (heartbeat,
lock tolerance, lost tasks marked failed). `contacts` is listed before `django_tasks_db` so this one wins."""
from __future__ import annotations

from django_tasks_db.management.commands import db_worker

from contacts.worker.runner import ResilientWorker


class Command(db_worker.Command):
    help = "Run the background task worker (database backend) with a heartbeat for /healthz"

    def handle(self, **options):
        original = db_worker.Worker
        db_worker.Worker = ResilientWorker  # the base command builds `Worker(...)` from its module
        try:
            return super().handle(**options)
        finally:
            db_worker.Worker = original
