"""Reads of webhook endpoints and their delivery logs; each checks that the actor may manage the workspace."""
from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from contacts.compliance.audit import Actor
from contacts.errors import NotFound
from contacts.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from contacts.workspaces.models import Workspace
from contacts.workspaces.permissions import Perm, require


def webhook_endpoints(actor: Actor, workspace: Workspace) -> QuerySet[WebhookEndpoint]:
    """The workspace's endpoints with their failed and open delivery counts."""
    require(actor, workspace, Perm.MANAGE)
    return (WebhookEndpoint.objects.for_workspace(workspace).select_related("workspace")
            .annotate(failed_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
                      retrying_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.RETRYING)))
            .order_by("created_at", "id"))


def webhook_endpoint_get(actor: Actor, workspace: Workspace, public_id: str) -> WebhookEndpoint:
    require(actor, workspace, Perm.MANAGE)
    endpoint = WebhookEndpoint.objects.for_workspace(workspace).filter(public_id=public_id).select_related(
        "workspace").first()
    if endpoint is None:
        raise NotFound(f"Webhook endpoint {public_id} doesn't exist.", code="webhook_not_found",
                       details={"id": public_id})
    return endpoint


def webhook_deliveries(endpoint: WebhookEndpoint, *, status: str | None = None) -> QuerySet[WebhookDelivery]:
    """The endpoint's delivery log, newest first (fetch the endpoint with `webhook_endpoint_get` first)."""
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event").order_by("-created_at",
                                                                                                      "-id")
    return deliveries.filter(status=status) if status else deliveries


def webhook_delivery_get(endpoint: WebhookEndpoint, public_id: str) -> WebhookDelivery:
    delivery = (WebhookDelivery.objects.filter(endpoint=endpoint, public_id=public_id)
                .select_related("event", "endpoint", "endpoint__workspace").first())
    if delivery is None:
        raise NotFound(f"Delivery {public_id} doesn't exist.", code="webhook_delivery_not_found",
                       details={"id": public_id})
    return delivery
