"""API v1 webhooks: endpoints (the signing secret only on create and rotate), delivery logs, resend, named events."""
from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from contacts import services
from contacts.webhooks import selectors as webhook_selectors
from contacts.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from contacts.workspaces.permissions import Perm

from . import responses as r
from .serializers import StrictSerializer, ts
from .views import PAGING_PARAMS, ApiView, page_of, paging, validated

EVENT_CHOICES = list(services.EVENT_TYPES)


def endpoint_body(endpoint: WebhookEndpoint, *, secret: str | None = None) -> dict[str, Any]:
    body = {"id": endpoint.public_id, "url": endpoint.url, "description": endpoint.description,
            "events": list(endpoint.events or []), "enabled": endpoint.enabled,
            "failing_since": ts(endpoint.failing_since), "disabled_reason": endpoint.disabled_reason or None,
            "created_at": ts(endpoint.created_at), "updated_at": ts(endpoint.updated_at)}
    if secret is not None:
        body["secret"] = secret
    return body


def delivery_body(delivery: WebhookDelivery) -> dict[str, Any]:
    return {"id": delivery.public_id, "webhook_id": delivery.event.public_id, "event_type": delivery.event.type,
            "status": delivery.status, "attempts": delivery.attempts,
            "next_attempt_at": ts(delivery.next_attempt_at) if delivery.status == DeliveryStatus.RETRYING else None,
            "last_status_code": delivery.last_status_code, "last_latency_ms": delivery.last_latency_ms,
            "response_excerpt": delivery.response_excerpt, "last_error": delivery.last_error or None,
            "created_at": ts(delivery.created_at), "updated_at": ts(delivery.updated_at)}


class WebhookEndpointIn(StrictSerializer):
    url = serializers.CharField(max_length=2000)
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_CHOICES), required=False,
                                   help_text="Event types to receive; empty or absent means all.")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    enabled = serializers.BooleanField(required=False, default=True)


class WebhookEndpointUpdateIn(WebhookEndpointIn):
    url = serializers.CharField(max_length=2000, required=False)
    enabled = serializers.BooleanField(required=False)


class ContactEventIn(StrictSerializer):
    name = serializers.CharField(max_length=100, help_text="Letters, digits and _ . : - (e.g. appointment_booked).")


class WebhookEndpointsView(ApiView):
    perms = {"GET": Perm.MANAGE, "POST": Perm.MANAGE}

    @extend_schema(operation_id="webhooks_list", responses={200: r.WebhookEndpointList})
    def get(self, request: Request) -> Response:
        endpoints = webhook_selectors.webhook_endpoints(request.auth, self.workspace(request))
        return Response({"data": [endpoint_body(e) for e in endpoints]})

    @extend_schema(operation_id="webhooks_create", request=WebhookEndpointIn,
                   responses={201: r.WebhookEndpointWithSecretResponse},
                   description="Creates an endpoint. The response holds its signing secret (`whsec_...`), "
                               "the only time it is shown.")
    def post(self, request: Request) -> Response:
        data = validated(WebhookEndpointIn, request.data)
        endpoint, secret = services.webhook_endpoint_create(workspace=self.workspace(request), actor=request.auth,
                                                            **data)
        return Response({"data": endpoint_body(endpoint, secret=secret)}, status=201)


class EndpointApiView(ApiView):
    def endpoint(self, request: Request, webhook_id: str) -> WebhookEndpoint:
        return webhook_selectors.webhook_endpoint_get(request.auth, self.workspace(request), webhook_id)


class WebhookEndpointView(EndpointApiView):
    perms = {"GET": Perm.MANAGE, "PATCH": Perm.MANAGE, "DELETE": Perm.MANAGE}

    @extend_schema(operation_id="webhooks_retrieve", responses={200: r.WebhookEndpointResponse})
    def get(self, request: Request, webhook_id: str) -> Response:
        return Response({"data": endpoint_body(self.endpoint(request, webhook_id))})

    @extend_schema(operation_id="webhooks_update", request=WebhookEndpointUpdateIn,
                   responses={200: r.WebhookEndpointResponse})
    def patch(self, request: Request, webhook_id: str) -> Response:
        endpoint = self.endpoint(request, webhook_id)
        data = validated(WebhookEndpointUpdateIn, request.data, partial=True)
        endpoint = services.webhook_endpoint_update(endpoint=endpoint, data=data, actor=request.auth)
        return Response({"data": endpoint_body(endpoint)})

    @extend_schema(operation_id="webhooks_destroy", responses={200: r.DeletedResponse})
    def delete(self, request: Request, webhook_id: str) -> Response:
        public_id = services.webhook_endpoint_delete(endpoint=self.endpoint(request, webhook_id), actor=request.auth)
        return Response({"data": {"id": public_id, "deleted": True}})


class WebhookRotateSecretView(EndpointApiView):
    perms = {"POST": Perm.MANAGE}

    @extend_schema(operation_id="webhooks_rotate_secret", request=None,
                   responses={200: r.WebhookEndpointWithSecretResponse},
                   description="A new signing secret, shown this once. The previous one keeps signing beside it "
                               "for 24 hours (two signatures in `webhook-signature`).")
    def post(self, request: Request, webhook_id: str) -> Response:
        endpoint = self.endpoint(request, webhook_id)
        secret = services.webhook_endpoint_rotate_secret(endpoint=endpoint, actor=request.auth)
        return Response({"data": endpoint_body(endpoint, secret=secret)})


class WebhookDeliveriesView(EndpointApiView):
    perms = {"GET": Perm.MANAGE}

    @extend_schema(operation_id="webhooks_deliveries_list", parameters=[
        OpenApiParameter("status", str, enum=DeliveryStatus.values), *PAGING_PARAMS],
                   responses={200: r.WebhookDeliveryPage})
    def get(self, request: Request, webhook_id: str) -> Response:
        endpoint = self.endpoint(request, webhook_id)
        pager = paging(request)
        status = request.query_params.get("status") or None
        if status and status not in DeliveryStatus.values:
            raise serializers.ValidationError({"status": [f"One of {', '.join(DeliveryStatus.values)}."]})
        rows, meta = page_of(webhook_selectors.webhook_deliveries(endpoint, status=status), pager)
        return Response({"data": [delivery_body(d) for d in rows],
                         "meta": meta})


class WebhookResendView(EndpointApiView):
    perms = {"POST": Perm.MANAGE}

    @extend_schema(operation_id="webhooks_deliveries_resend", request=None, responses={202: r.WebhookDeliveryResponse},
                   description="Sends the event again as a new delivery with the same `webhook-id`.")
    def post(self, request: Request, webhook_id: str, delivery_id: str) -> Response:
        delivery = webhook_selectors.webhook_delivery_get(self.endpoint(request, webhook_id), delivery_id)
        again = services.webhook_delivery_resend(delivery=delivery, actor=request.auth)
        again.refresh_from_db()
        return Response({"data": delivery_body(again)}, status=202)


class ContactEventsView(ApiView):
    perms = {"POST": Perm.EDIT}

    @extend_schema(operation_id="contacts_events_create", request=ContactEventIn,
                   responses={202: r.ContactEventResponse},
                   description="Posts a named event for the contact; webhooks receive it as `contact.event`.")
    def post(self, request: Request, contact_id: str) -> Response:
        contact = self.contact(request, contact_id)
        name = validated(ContactEventIn, request.data)["name"]
        deliveries = services.contact_event_emit(contact=contact, name=name, actor=request.auth)
        return Response({"data": {"type": "contact.event", "name": name, "contact_id": contact.public_id,
                                  "deliveries": deliveries}}, status=202)
