"""Settings → Webhooks: endpoints, their signing secret (shown once), and each endpoint's delivery log with Resend."""
from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from contacts import services
from contacts.views.access import needs
from contacts.webhooks import selectors
from contacts.webhooks.delivery import RETRY_SCHEDULE
from contacts.webhooks.models import DeliveryStatus, WebhookEndpoint
from contacts.workspaces.permissions import Perm

DELIVERIES_PER_PAGE = 50


def _event_choices(selected: list[str]) -> list[dict]:
    return [{"value": name, "label": label, "checked": name in selected}
            for name, label in services.EVENT_TYPES.items()]


def _endpoint(request: HttpRequest, endpoint_id: str) -> WebhookEndpoint:
    try:
        return selectors.webhook_endpoint_get(request.user, request.workspace, endpoint_id)
    except services.NotFound as exc:
        raise Http404(exc.message) from exc


@needs(Perm.MANAGE)
def webhooks(request: HttpRequest) -> HttpResponse:
    """List the endpoints; POST adds one and shows its signing secret this once."""
    created, secret, error = None, None, ""
    form = {"url": "", "description": "", "events": []}
    if request.method == "POST":
        form = {"url": request.POST.get("url", "").strip(), "description": request.POST.get("description", ""),
                "events": request.POST.getlist("events")}
        try:
            created, secret = services.webhook_endpoint_create(workspace=request.workspace, actor=request.user,
                                                               **form)
        except services.ValidationFailed as exc:
            error = exc.message.removeprefix("url: ")
        else:
            messages.success(request, f"Webhook endpoint {created.url} added. Copy its signing secret now: "
                                      "it will not be shown again.")
            form = {"url": "", "description": "", "events": []}
    endpoints = list(selectors.webhook_endpoints(request.user, request.workspace))
    return render(request, "contacts/webhooks/list.html", {
        "endpoints": endpoints, "created": created, "secret": secret, "error": error, "form": form,
        "event_choices": _event_choices(form["events"]), "event_count": len(services.EVENT_TYPES),
        "disabled": [e for e in endpoints if not e.enabled and e.disabled_reason],
        "failing": [e for e in endpoints if e.enabled and e.failing_since],
    })


@needs(Perm.MANAGE)
def webhook_detail(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    """One endpoint: its settings, state and delivery log (filter by status), newest first."""
    return _detail_page(request, _endpoint(request, endpoint_id))


def _detail_page(request: HttpRequest, endpoint: WebhookEndpoint, secret: str | None = None) -> HttpResponse:
    status = request.GET.get("status") if request.GET.get("status") in DeliveryStatus.values else ""
    page = Paginator(selectors.webhook_deliveries(endpoint, status=status or None), DELIVERIES_PER_PAGE).get_page(
        request.GET.get("page"))
    return render(request, "contacts/webhooks/detail.html", {
        "endpoint": endpoint, "page": page, "status": status, "statuses": DeliveryStatus.choices, "secret": secret,
        "schedule": ", ".join(_human(d.total_seconds()) for d in RETRY_SCHEDULE),
    })


def _human(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:g} s"
    if seconds < 3600:
        return f"{seconds / 60:g} min"
    return f"{seconds / 3600:g} h"


@needs(Perm.MANAGE)
@require_POST
def webhook_toggle(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    endpoint = services.webhook_endpoint_update(endpoint=endpoint, data={"enabled": not endpoint.enabled},
                                                actor=request.user)
    messages.success(request, f"{endpoint.url} is {'enabled' if endpoint.enabled else 'disabled'}.")
    if request.POST.get("next") == "list":
        return redirect("webhooks")
    return redirect("webhook_detail", endpoint.public_id)


@needs(Perm.MANAGE)
@require_POST
def webhook_rotate(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    """A new signing secret, shown on the page this once; the old one keeps signing for 24 hours."""
    endpoint = _endpoint(request, endpoint_id)
    secret = services.webhook_endpoint_rotate_secret(endpoint=endpoint, actor=request.user)
    messages.success(request, "New signing secret created. Copy it now: it will not be shown again. "
                              "The previous one keeps signing beside it for 24 hours.")
    return _detail_page(request, endpoint, secret)


@needs(Perm.MANAGE)
def webhook_delete(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    """GET asks for confirmation; POST deletes the endpoint and its delivery log."""
    endpoint = _endpoint(request, endpoint_id)
    if request.method == "POST":
        services.webhook_endpoint_delete(endpoint=endpoint, actor=request.user)
        messages.success(request, f"Deleted the webhook endpoint {endpoint.url}.")
        return redirect("webhooks")
    return render(request, "contacts/webhooks/delete.html",
                  {"endpoint": endpoint, "deliveries": endpoint.deliveries.count()})


@needs(Perm.MANAGE)
@require_POST
def webhook_resend(request: HttpRequest, endpoint_id: str, delivery_id: str) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    try:
        delivery = selectors.webhook_delivery_get(endpoint, delivery_id)
    except services.NotFound as exc:
        raise Http404(exc.message) from exc
    try:
        services.webhook_delivery_resend(delivery=delivery, actor=request.user)
    except services.EndpointDisabled as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{delivery.event.type} ({delivery.event.public_id}) queued again.")
    return redirect("webhook_detail", endpoint.public_id)
