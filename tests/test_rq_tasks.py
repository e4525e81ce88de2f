"""TASKS_BACKEND=rq: an import runs through a real RQ worker on the local Redis (db 15, flushed)."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from contacts.imports import Options, batch_configure, batch_mapping, upload_create
from contacts.models import Contact
from contacts.tasks import enqueue_import

REDIS = "redis://127.0.0.1:6379/15"
RQ_SETTINGS = {"TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
               "RQ_QUEUES": {"default": {"URL": REDIS, "DEFAULT_TIMEOUT": 300}}}


@pytest.fixture
def redis_queue():
    import redis

    connection = redis.Redis.from_url(REDIS)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    connection.flushdb()
    yield connection
    connection.flushdb()


@pytest.mark.django_db
def test_an_import_runs_through_a_real_rq_worker(redis_queue, workspace, user, django_capture_on_commit_callbacks):
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    rows = ["First Name,Mobile Phone"] + [f"P{n},+1 415 2{n:06d}" for n in range(1, 40)] + ["Bad,12"]
    with override_settings(**RQ_SETTINGS):
        batch, opened = upload_create(workspace=workspace, upload=SimpleUploadedFile("l.csv", "\n".join(rows).encode()),
                                      actor=user)
        batch = batch_configure(batch, mapping=batch_mapping(batch, opened.table.headers), options=Options())
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_import(batch)
        queue = django_rq.get_queue("default", job_class=Job)
        assert queue.count == 1  # queued in Redis, not run inline
        batch.refresh_from_db()
        assert batch.status == "pending"
        SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)
    batch.refresh_from_db()
    assert (batch.status, batch.imported, batch.invalid_skipped) == ("completed", 39, 1)
    assert Contact.objects.filter(workspace=workspace).count() == 39
