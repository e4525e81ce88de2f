"""Webhook endpoints (create, change, rotate the secret, delete, resend) and `webhook_emit`, which queues an event.

Every domain service that changes something a receiver cares about calls `webhook_emit` (through `events`) inside
its transaction: the event and its deliveries commit with the change, and the sending is queued on commit.
"""
from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Iterable, Iterator
from datetime import timedelta
from itertools import islice
from typing import Any

from django.db import transaction
from django.utils import timezone

from contacts.compliance.audit import Actor, actor_fields, record_event
from contacts.errors import ServiceError, ValidationFailed
from contacts.webhooks import destinations
from contacts.webhooks.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from contacts.webhooks.tasks import enqueue_deliveries
from contacts.workspaces.models import Workspace
from contacts.workspaces.permissions import Perm, require

# The event catalogue: what an endpoint can subscribe to (an empty list means every type).
EVENT_TYPES: dict[str, str] = {
    "contact.created": "A contact was created",
    "contact.updated": "A contact was changed",
    "contact.deleted": "A contact was deleted",
    "contact.dnc_added": "A number was put on the Do-Not-Call list",
    "contact.dnc_removed": "A number was taken off the Do-Not-Call list",
    "contact.event": "A named event was posted for a contact",
    "call.queued": "An outbound call was queued",
    "call.completed": "A call ended (completed, no answer, busy, voicemail, failed or canceled)",
    "campaign.started": "A campaign started",
    "import.completed": "An import finished",
}
MAX_ENDPOINTS = 20
SECRET_BYTES = 32
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format prefix, not a secret
PREVIOUS_SECRET_VALID = timedelta(hours=24)  # after a rotation the old secret keeps signing this long
EMIT_CHUNK = 500
EVENT_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


class EndpointDisabled(ServiceError):
    code = "webhook_endpoint_disabled"
    status = 409


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _clean_url(url: Any) -> str:
    try:
        return destinations.check_url(str(url or ""))
    except destinations.UnsafeDestination as exc:
        raise ValidationFailed(f"url: {exc}", details={"url": [str(exc)]}) from exc


def _clean_events(events: Any) -> list[str]:
    if events in (None, ""):
        return []
    if not isinstance(events, list | tuple) or not all(isinstance(e, str) for e in events):
        raise ValidationFailed("events must be a list of event types.", details={"events": ["Must be a list."]})
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise ValidationFailed(f"events: unknown event type {unknown[0]!r}.",
                               details={"events": [f"Unknown event type {e!r}." for e in unknown]})
    return [e for e in EVENT_TYPES if e in set(events)]  # catalogue order, no repeats


def _clean_description(description: Any) -> str:
    description = str(description or "").strip()
    if len(description) > 200:
        raise ValidationFailed("description: at most 200 characters.", details={"description": ["Too long."]})
    return description


@transaction.atomic
def webhook_endpoint_create(
    *, workspace: Workspace, url: str, events: list[str] | None = None, description: str = "",
    enabled: bool = True, actor: Actor = None,
) -> tuple[WebhookEndpoint, str]:
    """Add an endpoint; returns it with its signing secret, which is shown this once."""
    require(actor, workspace, Perm.MANAGE)
    url, events, description = _clean_url(url), _clean_events(events), _clean_description(description)
    if WebhookEndpoint.objects.for_workspace(workspace).count() >= MAX_ENDPOINTS:
        raise ValidationFailed(f"A workspace has at most {MAX_ENDPOINTS} webhook endpoints.",
                               code="webhook_limit_reached", details={"max": MAX_ENDPOINTS})
    secret = new_secret()
    endpoint = WebhookEndpoint.objects.create(
        workspace=workspace, url=url, events=events, description=description, enabled=bool(enabled),
        secret=secret, created_by=actor_fields(actor)["actor"])
    record_event(workspace=workspace, actor=actor, action="webhook.create", count=1,
                 details={"id": endpoint.public_id, "url": url, "events": events})
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(*, endpoint: WebhookEndpoint, data: dict[str, Any], actor: Actor = None
                            ) -> WebhookEndpoint:
    """Partial update of url, events, description, enabled. Enabling again forgets the failure streak."""
    require(actor, endpoint.workspace, Perm.MANAGE)
    unknown = set(data) - {"url", "events", "description", "enabled"}
    if unknown:
        raise ValidationFailed(f"Unknown field(s): {', '.join(sorted(unknown))}.",
                               details={name: ["Unknown field."] for name in sorted(unknown)})
    if "url" in data:
        endpoint.url = _clean_url(data["url"])
    if "events" in data:
        endpoint.events = _clean_events(data["events"])
    if "description" in data:
        endpoint.description = _clean_description(data["description"])
    if "enabled" in data:
        enabled = bool(data["enabled"])
        if enabled and not endpoint.enabled:
            endpoint.failing_since, endpoint.disabled_reason = None, ""
        endpoint.enabled = enabled
    endpoint.save()
    record_event(workspace=endpoint.workspace, actor=actor, action="webhook.update", count=1,
                 details={"id": endpoint.public_id, "changed": sorted(data)})
    return endpoint


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, actor: Actor = None) -> str:
    """A new signing secret, returned this once; the old one keeps signing beside it for 24 hours."""
    require(actor, endpoint.workspace, Perm.MANAGE)
    now = timezone.now()
    endpoint.previous_secret, endpoint.previous_secret_expires_at = endpoint.secret, now + PREVIOUS_SECRET_VALID
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    record_event(workspace=endpoint.workspace, actor=actor, action="webhook.rotate_secret", count=1,
                 details={"id": endpoint.public_id})
    return endpoint.secret


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor: Actor = None) -> str:
    """Delete the endpoint with its delivery log; events stay for the other endpoints."""
    require(actor, endpoint.workspace, Perm.MANAGE)
    public_id = endpoint.public_id
    record_event(workspace=endpoint.workspace, actor=actor, action="webhook.delete", count=1,
                 details={"id": public_id, "url": endpoint.url})
    endpoint.delete()
    return public_id


@transaction.atomic
def webhook_delivery_resend(*, delivery: WebhookDelivery, actor: Actor = None) -> WebhookDelivery:
    """Send the event to the endpoint again, as a new delivery with the same `webhook-id`."""
    endpoint = delivery.endpoint
    require(actor, endpoint.workspace, Perm.MANAGE)
    if not endpoint.enabled:
        raise EndpointDisabled("The endpoint is disabled; enable it before resending.",
                               details={"id": endpoint.public_id})
    again = WebhookDelivery.objects.create(event=delivery.event, endpoint=endpoint, status=DeliveryStatus.PENDING,
                                           next_attempt_at=timezone.now())
    record_event(workspace=endpoint.workspace, actor=actor, action="webhook.resend", count=1,
                 details={"delivery": delivery.public_id, "new_delivery": again.public_id,
                          "webhook_id": delivery.event.public_id})
    enqueue_deliveries([(endpoint.pk, 1)])
    return again


def subscribers(workspace: Workspace, event_type: str) -> list[WebhookEndpoint]:
    """Enabled endpoints of the workspace that want this type (one query; endpoints per workspace are few)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown webhook event type {event_type!r}; add it to EVENT_TYPES.")
    endpoints = WebhookEndpoint.objects.filter(workspace=workspace, enabled=True).only("id", "events")
    return [e for e in endpoints if e.wants(event_type)]


def _chunks(items: Iterable[dict], size: int) -> Iterator[list[dict]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@transaction.atomic
def webhook_emit_many(*, workspace: Workspace, event_type: str, items: Iterable[dict[str, Any]],
                      endpoints: list[WebhookEndpoint] | None = None) -> int:
    """One event per item and one delivery per (event, subscribed endpoint), set-based; sent after commit.

    Returns the number of deliveries queued. Nothing is written when no endpoint wants the type.
    """
    endpoints = subscribers(workspace, event_type) if endpoints is None else endpoints
    if not endpoints:
        return 0
    now = timezone.now()
    events_count = 0
    for chunk in _chunks(items, EMIT_CHUNK):
        events = WebhookEvent.objects.bulk_create(
            [WebhookEvent(workspace=workspace, type=event_type, payload=data) for data in chunk])
        WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=now)
             for event in events for endpoint in endpoints])
        events_count += len(events)
    enqueue_deliveries((endpoint.pk, events_count) for endpoint in endpoints)
    return events_count * len(endpoints)


def webhook_emit(*, workspace: Workspace, event_type: str, data: dict[str, Any]) -> None:
    """Queue one event for every enabled endpoint subscribed to `event_type` (sent once the transaction commits).

    `data` is the event's payload, the same object the API returns for the thing that changed.
    """
    webhook_emit_many(workspace=workspace, event_type=event_type, items=[data])


@transaction.atomic
def contact_event_emit(*, contact, name: str, actor: Actor = None) -> int:
    """A named event for a contact (an agent booked a meeting...), sent as `contact.event`; returns deliveries."""
    require(actor, contact.workspace, Perm.EDIT)
    name = str(name or "").strip()
    if not EVENT_NAME.match(name):
        raise ValidationFailed("name: use 1-100 letters, digits and _ . : - (e.g. appointment_booked).",
                               details={"name": ["Use 1-100 letters, digits and _ . : -."]})
    return webhook_emit_many(workspace=contact.workspace, event_type="contact.event",
                             items=[{"name": name, "contact": _contact_summary(contact)}])


def _contact_summary(contact) -> dict[str, Any]:
    # Imported when used: the API serializers pull in DRF, which commands that send no webhook never need.
    from contacts.api.serializers import contact_summary

    return contact_summary(contact)
