"""Sending webhooks: sign, POST, record the attempt, schedule the retry, disable an endpoint that keeps failing.

A delivery is claimed with a lease before the request and released when the attempt is recorded; a worker killed
in between leaves the lease to run out, and `deliver_due` (the sweep) sends it again with the same `webhook-id`.
`now` is the clock for scheduling (what is due, when to retry, how long an endpoint has failed); tests pass a
fake one. The `webhook-timestamp` header is always the real time of the request, as receivers check it.
"""
from __future__ import annotations

import base64
import contextlib
import heapq
import http.client
import itertools
import json
import logging
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from standardwebhooks import Webhook

from contacts.observability import log_event
from contacts.webhooks import destinations
from contacts.webhooks.models import (
    OPEN_STATUSES,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

# Delay before each retry (after attempt 1, 2, ...): 7 attempts over about 10 h 40 min, then the delivery fails.
RETRY_SCHEDULE = (
    timedelta(seconds=5), timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
    timedelta(hours=8),
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
JITTER = 0.1  # up to +10% on each delay, so retries after an outage do not all land at once
DISABLE_AFTER = timedelta(hours=24)  # an endpoint failing without a single success this long is disabled
LEASE = timedelta(seconds=60)  # longer than any request (the timeout is enforced as a deadline)
EXCERPT_BYTES = 1024
EXCERPT_CHARS = 500
USER_AGENT = "SmartAlex-Webhooks/1.0"
SWEEP_BATCH = 200


def timeout_seconds() -> float:
    return float(getattr(settings, "WEBHOOKS_TIMEOUT", 10))


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def body_of(event: WebhookEvent) -> str:
    """The JSON body: `{"type", "timestamp", "data"}`, minified; the same bytes on every retry."""
    return json.dumps({"type": event.type, "timestamp": iso(event.created_at), "data": event.payload},
                      separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)


def signing_secrets(endpoint: WebhookEndpoint, at: datetime) -> list[str]:
    keys = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > at:
        keys.append(endpoint.previous_secret)
    return keys


def signed_headers(endpoint: WebhookEndpoint, event: WebhookEvent, body: str, at: datetime) -> dict[str, str]:
    """Standard Webhooks headers; during a secret rotation both secrets sign (space-delimited)."""
    at = at.astimezone(UTC)
    signature = " ".join(Webhook(key).sign(event.public_id, at, body) for key in signing_secrets(endpoint, at))
    return {
        "webhook-id": event.public_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


@dataclass(frozen=True)
class Outcome:
    status_code: int | None = None
    latency_ms: int | None = None
    excerpt: str = ""
    error: str = ""
    retry_after: int | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _connection(target: destinations.Destination, timeout: float) -> http.client.HTTPConnection:
    cls = http.client.HTTPSConnection if target.scheme == "https" else http.client.HTTPConnection
    conn = cls(target.host, target.port, timeout=timeout)
    # Connect to the address that was checked (TLS still verifies the host name), never to a fresh lookup.
    conn._create_connection = lambda addr, timeout=None, source=None: socket.create_connection(
        (target.address, addr[1]), timeout, source)
    return conn


class Deadlines:
    """One thread that cuts off requests running past their deadline (a timer thread per request costs more)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int]] = []
        self._actions: dict[int, Callable[[], None]] = {}
        self._keys = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, seconds: float, action: Callable[[], None]) -> int:
        with self._cond:
            key = next(self._keys)
            self._actions[key] = action
            heapq.heappush(self._heap, (time.monotonic() + seconds, key))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="webhook-deadlines", daemon=True)
                self._thread.start()
            self._cond.notify()
            return key

    def cancel(self, key: int) -> None:
        with self._cond:
            self._actions.pop(key, None)

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][1] not in self._actions:
                    heapq.heappop(self._heap)  # cancelled
                if not self._heap:
                    self._cond.wait(timeout=60)
                    continue
                deadline, key = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._cond.wait(timeout=wait)
                    continue
                heapq.heappop(self._heap)
                action = self._actions.pop(key)
            with contextlib.suppress(Exception):
                action()


deadlines = Deadlines()


def _retry_after(response: http.client.HTTPResponse) -> int | None:
    value = (response.getheader("retry-after") or "").strip()
    return int(value) if value.isdigit() else None


def post(url: str, body: str, headers: dict[str, str], *, timeout: float | None = None) -> Outcome:
    """One POST, no redirects followed (http.client never follows them), the whole request within `timeout`."""
    timeout = timeout_seconds() if timeout is None else timeout
    try:
        target = destinations.resolve(url)
    except destinations.UnsafeDestination as exc:
        return Outcome(error=str(exc)[:500])
    headers = dict(headers)
    if target.username is not None:
        credentials = f"{target.username}:{target.password or ''}".encode()
        headers["authorization"] = "Basic " + base64.b64encode(credentials).decode()
    conn = _connection(target, timeout)
    # A deadline for the whole exchange: a server that trickles its answer is cut off, not waited on per read.
    expired = threading.Event()

    def cut_off() -> None:
        expired.set()
        sock = conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    started = time.monotonic()
    watch = deadlines.add(timeout, cut_off)
    try:
        conn.request("POST", target.path, body=body.encode(), headers=headers)
        response = conn.getresponse()
        excerpt = response.read(EXCERPT_BYTES).decode("utf-8", "replace")[:EXCERPT_CHARS]
        latency = int((time.monotonic() - started) * 1000)
        if expired.is_set():
            return Outcome(latency_ms=latency, error=f"Timed out after {timeout:g} s.")
        return Outcome(status_code=response.status, latency_ms=latency, excerpt=excerpt,
                       retry_after=_retry_after(response))
    except (OSError, http.client.HTTPException) as exc:
        latency = int((time.monotonic() - started) * 1000)
        if expired.is_set() or isinstance(exc, TimeoutError | socket.timeout):
            return Outcome(latency_ms=latency, error=f"Timed out after {timeout:g} s.")
        return Outcome(latency_ms=latency, error=f"{exc.__class__.__name__}: {exc}"[:500])
    finally:
        deadlines.cancel(watch)
        conn.close()


def retry_delay(attempts: int, retry_after: int | None = None) -> timedelta | None:
    """The wait before the next attempt after `attempts` failed ones, or None when the schedule is used up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay = RETRY_SCHEDULE[attempts - 1] * (1 + random.uniform(0, JITTER))
    if retry_after:  # the receiver asked for more time (429/503 with Retry-After)
        delay = max(delay, min(timedelta(seconds=retry_after), RETRY_SCHEDULE[-1]))
    return delay


def claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Take the delivery if it is open, due and not leased to a live worker; counts the attempt up front."""
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    taken = (WebhookDelivery.objects.filter(pk=delivery_id, status__in=OPEN_STATUSES, next_attempt_at__lte=now)
             .filter(free).update(locked_until=now + LEASE, attempts=F("attempts") + 1, updated_at=now))
    if not taken:
        return None
    return (WebhookDelivery.objects.select_related("event", "endpoint", "endpoint__workspace")
            .filter(pk=delivery_id).first())  # None if its endpoint was deleted meanwhile


def disable_endpoint(endpoint: WebhookEndpoint, reason: str, now: datetime) -> None:
    """Stop sending to the endpoint; its open deliveries fail (Resend brings any of them back)."""
    updated = WebhookEndpoint.objects.filter(pk=endpoint.pk, enabled=True).update(
        enabled=False, disabled_reason=reason[:500], updated_at=now)
    WebhookDelivery.objects.filter(endpoint=endpoint, status__in=OPEN_STATUSES).update(
        status=DeliveryStatus.FAILED, next_attempt_at=None, locked_until=None, updated_at=now,
        last_error=f"Not sent: the endpoint was disabled. {reason}"[:500])
    if updated:
        log_event("webhook.endpoint_disabled", workspace=endpoint.workspace, endpoint=endpoint.public_id,
                  reason=reason)


@dataclass(frozen=True)
class Result:
    delivery_id: int
    status: str
    next_attempt_at: datetime | None = None


def record(delivery: WebhookDelivery, outcome: Outcome, now: datetime) -> Result | None:
    """Log the attempt, settle the delivery (succeeded, retrying or failed) and track the endpoint's failures.

    None when the endpoint (and so the delivery) was deleted during the request.
    """
    endpoint = delivery.endpoint
    with transaction.atomic():
        if WebhookDelivery.objects.select_for_update().filter(pk=delivery.pk).values_list("pk").first() is None:
            return None
        WebhookAttempt.objects.create(
            delivery=delivery, attempted_at=now, succeeded=outcome.ok, status_code=outcome.status_code,
            latency_ms=outcome.latency_ms, response_excerpt=outcome.excerpt, error=outcome.error)
        fields = {"locked_until": None, "last_status_code": outcome.status_code, "updated_at": now,
                  "last_latency_ms": outcome.latency_ms, "response_excerpt": outcome.excerpt,
                  "last_error": outcome.error or ("" if outcome.ok else f"HTTP {outcome.status_code}")}
        if outcome.ok:
            fields.update(status=DeliveryStatus.SUCCEEDED, next_attempt_at=None)
            if endpoint.failing_since is not None:  # as read at the claim; a later success clears a newer streak
                WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        else:
            delay = retry_delay(delivery.attempts, outcome.retry_after)
            fields.update(status=DeliveryStatus.RETRYING if delay else DeliveryStatus.FAILED,
                          next_attempt_at=now + delay if delay else None)
            WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
        if not outcome.ok:
            endpoint.refresh_from_db(fields=["enabled", "failing_since"])
            if endpoint.enabled and outcome.status_code == 410:
                disable_endpoint(endpoint, "The endpoint answered 410 Gone.", now)
            elif endpoint.enabled and endpoint.failing_since and endpoint.failing_since <= now - DISABLE_AFTER:
                disable_endpoint(endpoint, f"Every delivery failed for 24 hours (since "
                                           f"{endpoint.failing_since:%Y-%m-%d %H:%M} UTC); last error: "
                                           f"{fields['last_error']}", now)
    log_event("webhook.attempt", workspace=endpoint.workspace, endpoint=endpoint.public_id,
              delivery=delivery.public_id, webhook_id=delivery.event.public_id, attempt=delivery.attempts,
              status_code=outcome.status_code, latency_ms=outcome.latency_ms, ok=outcome.ok, error=outcome.error)
    return Result(delivery.pk, fields["status"], fields["next_attempt_at"])


def deliver(delivery_id: int, now: datetime | None = None) -> Result | None:
    """Make the next attempt of one delivery if it is due and free; None when there is nothing to do."""
    now = now or timezone.now()
    delivery = claim(delivery_id, now)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    if not endpoint.enabled:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, locked_until=None, next_attempt_at=None, updated_at=now,
            last_error="Not sent: the endpoint is disabled.")
        return Result(delivery.pk, DeliveryStatus.FAILED)
    body = body_of(delivery.event)
    headers = signed_headers(endpoint, delivery.event, body, timezone.now())
    return record(delivery, post(endpoint.url, body, headers), now)


def due_ids(now: datetime, *, endpoint_id: int | None = None, limit: int = SWEEP_BATCH) -> list[int]:
    """Open deliveries due at `now` and not leased, oldest first (of one endpoint, or all)."""
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    due = WebhookDelivery.objects.filter(status__in=OPEN_STATUSES, next_attempt_at__lte=now).filter(free)
    if endpoint_id is not None:
        due = due.filter(endpoint_id=endpoint_id)
    return list(due.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])


def concurrency() -> int:
    return max(1, int(getattr(settings, "WEBHOOKS_CONCURRENCY", 4)))


def deliver_many(ids: list[int], now: datetime | None = None, *, threads: int = 1) -> list[Result]:
    """Make the next attempt of each delivery (those still due and free), `threads` requests at a time.

    Each thread has its own database connection, closed when the batch is done; the caller's transaction is not
    visible to them, so tests (one transaction) send with one thread.
    """
    if threads <= 1 or len(ids) <= 1:
        return [r for r in (deliver(pk, now) for pk in ids) if r is not None]
    work = iter(ids)
    lock = threading.Lock()
    results: list[Result] = []

    def run() -> None:
        try:
            while True:
                with lock:
                    pk = next(work, None)
                if pk is None:
                    return
                result = deliver(pk, now)
                if result is not None:
                    with lock:
                        results.append(result)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, name=f"webhook-send-{n}") for n in range(min(threads, len(ids)))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def deliver_due(now: datetime | None = None, *, threads: int = 1) -> list[Result]:
    """The sweep: send every delivery that is due (new, retrying, or left behind by a killed worker).

    Without a fake `now`, each claim reads the clock afresh: a long sweep must not lease with a stale time.
    """
    results: list[Result] = []
    while True:
        ids = due_ids(now or timezone.now())
        if not ids:
            return results
        done = deliver_many(ids, now, threads=threads)
        results.extend(done)
        if not done:  # everything due was taken by other workers meanwhile
            return results
