"""Admin for webhooks (platform operators): read the endpoints and delivery logs; writes go through the services.

Endpoints are created in the dashboard or API, where the signing secret is shown once; the admin never shows it.
"""
from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from contacts.errors import ServiceError
from contacts.webhooks import services
from contacts.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ["url", "workspace", "enabled", "failing_since", "disabled_reason", "created_at"]
    list_filter = ["enabled", "workspace"]
    search_fields = ["url", "public_id", "description"]
    fields = ["public_id", "workspace", "url", "description", "events", "enabled", "failing_since",
              "disabled_reason", "created_by", "created_at", "updated_at"]  # never the secrets
    actions = ["enable_endpoints", "disable_endpoints"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super(ReadOnlyAdmin, self).has_change_permission(request, obj)  # actions only

    def delete_model(self, request: HttpRequest, obj: WebhookEndpoint) -> None:
        services.webhook_endpoint_delete(endpoint=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            services.webhook_endpoint_delete(endpoint=endpoint, actor=request.user)

    def _set_enabled(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint], enabled: bool) -> None:
        for endpoint in queryset.select_related("workspace"):
            services.webhook_endpoint_update(endpoint=endpoint, data={"enabled": enabled}, actor=request.user)
        self.message_user(request, f"{queryset.count()} endpoint(s) {'enabled' if enabled else 'disabled'}.",
                          messages.SUCCESS)

    @admin.action(description="Enable selected endpoints", permissions=["change"])
    def enable_endpoints(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        self._set_enabled(request, queryset, True)

    @admin.action(description="Disable selected endpoints", permissions=["change"])
    def disable_endpoints(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        self._set_enabled(request, queryset, False)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "type", "workspace", "created_at"]
    list_filter = ["type", "workspace"]
    search_fields = ["public_id"]
    fields = ["public_id", "workspace", "type", "payload", "created_at"]
    show_full_result_count = False


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ["attempted_at", "succeeded", "status_code", "latency_ms", "error", "response_excerpt"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "event", "endpoint", "status", "attempts", "last_status_code", "last_latency_ms",
                    "next_attempt_at", "created_at"]
    list_filter = ["status"]
    search_fields = ["public_id", "event__public_id"]
    list_select_related = ["event", "endpoint"]
    fields = ["public_id", "event", "endpoint", "status", "attempts", "next_attempt_at", "locked_until",
              "last_status_code", "last_latency_ms", "last_error", "response_excerpt", "created_at", "updated_at"]
    inlines = [WebhookAttemptInline]
    actions = ["resend"]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return obj is None and super(ReadOnlyAdmin, self).has_change_permission(request, obj)  # actions only

    @admin.action(description="Resend selected deliveries", permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        sent, refused = 0, []
        for delivery in queryset.select_related("event", "endpoint__workspace"):
            try:
                services.webhook_delivery_resend(delivery=delivery, actor=request.user)
                sent += 1
            except ServiceError as exc:
                refused.append(f"{delivery.public_id}: {exc.message}")
        self.message_user(request, f"{sent} deliver{'ies' if sent != 1 else 'y'} queued again.", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)
