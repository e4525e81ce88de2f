"""Webhook deliveries on the task queue: one drain task per endpoint sends its due deliveries, oldest first.

A commit that adds deliveries requests a drain; the request is a timestamp on the endpoint, so a burst of events
queues a few drain tasks rather than one task per event (the queue's own bookkeeping would cost more than the
POST). A drain clears the request before each look for due deliveries, so a delivery committed meanwhile is either
seen by that look or requests a new drain: none is left behind. After draining, a drain schedules the next one
for the endpoint's earliest retry (`run_after`). Backends without deferred tasks (the immediate one in tests, an
RQ worker without its scheduler) leave retries to the sweep, `manage.py deliver_webhooks`, which also sends what a
killed worker left in flight.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone
from django_tasks import task

from contacts.webhooks import delivery
from contacts.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

DRAIN_BUDGET_SECONDS = 30  # then hand over to a fresh task, so other endpoints get a worker too
DRAIN_BATCH = 50
STALE_REQUEST = timedelta(minutes=2)  # a request older than this (its task lost) no longer blocks a new one
PARALLEL_DRAINS = 4  # a bulk emit of many events is sent by up to this many drains at once
DELIVERIES_PER_DRAIN = 200


@task()
def drain_webhook_endpoint(endpoint_id: int) -> dict:
    """Send the endpoint's due deliveries until none is left (or the time budget is spent)."""
    counts: Counter[str] = Counter()
    stop = time.monotonic() + DRAIN_BUDGET_SECONDS
    while True:
        WebhookEndpoint.objects.filter(pk=endpoint_id).update(drain_requested_at=None)
        ids = delivery.due_ids(timezone.now(), endpoint_id=endpoint_id, limit=DRAIN_BATCH)
        if not ids:
            break
        counts.update(r.status for r in delivery.deliver_many(ids, threads=delivery.concurrency()))
        if time.monotonic() > stop:
            request_drain(endpoint_id)
            break
    schedule_next_retry(endpoint_id)
    return dict(counts)


def request_drain(endpoint_id: int, *, extra: int = 0) -> None:
    """Queue a drain unless one is already requested (and fresh); `extra` more for a big batch."""
    now = timezone.now()
    free = Q(drain_requested_at__isnull=True) | Q(drain_requested_at__lt=now - STALE_REQUEST)
    wanted = WebhookEndpoint.objects.filter(pk=endpoint_id).filter(free).update(drain_requested_at=now) + extra
    for _ in range(wanted):
        try:
            drain_webhook_endpoint.enqueue(endpoint_id)
        except Exception:  # the rows are committed and due: the sweep delivers them
            logger.exception("could not queue a webhook drain for endpoint %s", endpoint_id)
            return


def schedule_next_retry(endpoint_id: int) -> None:
    """A drain at the endpoint's earliest retry, on backends that run deferred tasks."""
    if not drain_webhook_endpoint.get_backend().supports_defer:
        return
    at = (WebhookDelivery.objects.filter(endpoint_id=endpoint_id, status=DeliveryStatus.RETRYING,
                                         next_attempt_at__gt=timezone.now())
          .aggregate(at=Min("next_attempt_at"))["at"])
    if at is None:
        return
    try:
        drain_webhook_endpoint.using(run_after=at).enqueue(endpoint_id)
    except Exception:  # the sweep sends it when it is due
        logger.exception("could not schedule the next webhook retry for endpoint %s", endpoint_id)


def enqueue_deliveries(endpoint_counts: Iterable[tuple[int, int]]) -> None:
    """Once the transaction commits, request drains for these (endpoint id, new deliveries) pairs."""
    pairs = [(endpoint_id, count) for endpoint_id, count in endpoint_counts if count]
    if not pairs:
        return

    def request() -> None:
        for endpoint_id, count in pairs:
            request_drain(endpoint_id, extra=min(PARALLEL_DRAINS - 1, count // DELIVERIES_PER_DRAIN))

    transaction.on_commit(request)
