"""Settings → Webhooks pages (the API's are in contacts.api.urls)."""
from django.urls import path

from contacts.views import webhooks

urlpatterns = [
    path("", webhooks.webhooks, name="webhooks"),
    path("<str:endpoint_id>/", webhooks.webhook_detail, name="webhook_detail"),
    path("<str:endpoint_id>/toggle/", webhooks.webhook_toggle, name="webhook_toggle"),
    path("<str:endpoint_id>/rotate-secret/", webhooks.webhook_rotate, name="webhook_rotate"),
    path("<str:endpoint_id>/delete/", webhooks.webhook_delete, name="webhook_delete"),
    path("<str:endpoint_id>/deliveries/<str:delivery_id>/resend/", webhooks.webhook_resend, name="webhook_resend"),
]
