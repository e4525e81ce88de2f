"""Webhook deliveries on the task queue: queued on commit, retries scheduled with `run_after` where supported.

Backends without deferred tasks (the immediate one in tests, an RQ worker started without its scheduler) leave
retries to the sweep, `manage.py deliver_webhooks`, which also picks up deliveries a killed worker left behind.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django_tasks import task

from contacts.webhooks import delivery
from contacts.webhooks.models import DeliveryStatus

logger = logging.getLogger(__name__)

TASK_CHUNK = 100  # deliveries to one endpoint sent by one task, in order


@task()
def deliver_webhooks(delivery_ids: list[int]) -> dict:
    """Send these deliveries (each only if still due and free); schedule the retries of those that failed."""
    counts: dict[str, int] = defaultdict(int)
    for delivery_id in delivery_ids:
        result = delivery.deliver(delivery_id)
        if result is None:
            counts["skipped"] += 1
            continue
        counts[result.status] += 1
        if result.status == DeliveryStatus.RETRYING and result.next_attempt_at is not None:
            schedule_retry(delivery_id, result.next_attempt_at)
    return dict(counts)


def schedule_retry(delivery_id: int, at: datetime) -> None:
    if not deliver_webhooks.get_backend().supports_defer:
        return  # the sweep sends it when it is due
    try:
        deliver_webhooks.using(run_after=at).enqueue([delivery_id])
    except Exception:  # the queue is down: the delivery stays due and the sweep sends it
        logger.exception("could not schedule the retry of webhook delivery %s", delivery_id)


def enqueue_deliveries(pairs: Iterable[tuple[int, int]]) -> None:
    """Queue (delivery id, endpoint id) pairs once the transaction commits: one task per endpoint and chunk."""
    by_endpoint: dict[int, list[int]] = defaultdict(list)
    for delivery_id, endpoint_id in pairs:
        by_endpoint[endpoint_id].append(delivery_id)
    chunks = [ids[i:i + TASK_CHUNK] for ids in by_endpoint.values() for i in range(0, len(ids), TASK_CHUNK)]
    if chunks:
        transaction.on_commit(lambda: _enqueue(chunks))


def _enqueue(chunks: list[list[int]]) -> None:
    for chunk in chunks:
        try:
            deliver_webhooks.enqueue(chunk)
        except Exception:  # the rows are committed and due: the sweep delivers them
            logger.exception("could not queue %d webhook deliveries", len(chunk))
