"""Webhook endpoints, the events sent to them, one delivery per (event, endpoint) and every attempt made."""
from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from contacts.workspaces.models import Workspace, WorkspaceQuerySet, new_public_id


def new_endpoint_id() -> str:
    return new_public_id("whk")


def new_message_id() -> str:
    # The Standard Webhooks `webhook-id`: receivers deduplicate on it, so it never changes between retries.
    return new_public_id("msg")


def new_delivery_id() -> str:
    return new_public_id("dlv")


class WebhookEndpoint(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="webhook_endpoints")
    public_id = models.CharField(max_length=40, unique=True, default=new_endpoint_id, editable=False)
    url = models.CharField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, blank=True, help_text="Event types to send; empty means all")
    enabled = models.BooleanField(default=True)
    # Shown once (creation, rotation). The previous secret keeps signing for a day after a rotation, so
    # receivers can switch without losing a message (the spec's space-delimited signature list).
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True, help_text="Start of the current run of failures")
    disabled_reason = models.CharField(max_length=500, blank=True)
    drain_requested_at = models.DateTimeField(null=True, blank=True, editable=False,
                                              help_text="A drain task is queued for this endpoint (tasks.py)")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events


class WebhookEvent(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="webhook_events")
    public_id = models.CharField(max_length=40, unique=True, default=new_message_id, editable=False)
    type = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder, help_text="The event's `data`")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "webhook event"

    def __str__(self) -> str:
        return f"{self.type} {self.public_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RETRYING = "retrying", "Retrying"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


class WebhookDelivery(models.Model):
    """One event to one endpoint, until it succeeds or the retry schedule runs out.

    A worker claims it by setting `locked_until` (a lease); one killed mid-request leaves the lease to expire,
    and the sweep sends it again with the same `webhook-id` (at least once).
    """

    public_id = models.CharField(max_length=40, unique=True, default=new_delivery_id, editable=False)
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="webhookdelivery_status_valid"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="whdelivery_due"),
            models.Index(fields=["endpoint", "-created_at"], name="whdelivery_endpoint_log"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: what came back and how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField()
    succeeded = models.BooleanField(default=False)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["attempted_at", "id"]
        verbose_name = "webhook attempt"

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.attempted_at:%Y-%m-%d %H:%M:%S}"
