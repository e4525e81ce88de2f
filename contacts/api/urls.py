"""API v1 URLs, mounted at /v1/. Paths work with and without a trailing slash, as in the reference."""
from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from . import compliance, dialer, views, webhooks
from .errors import not_found_view


def route(pattern: str, view, name: str):
    # "contacts/<str:contact_id>" answers both /v1/contacts/ID and /v1/contacts/ID/
    return [path(pattern, view, name=name), path(pattern + "/", view)]


# Swagger UI sets inline styles on its elements; its scripts stay self-only like every other page.
docs_view = csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularSwaggerSplitView.as_view(url_name="api_schema"))

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="api_schema"),
    path("docs", docs_view, name="api_docs"),
    path("docs/", docs_view),
    *route("contacts", views.ContactsView.as_view(), "api_contacts"),
    *route("contacts/import", views.ContactImportView.as_view(), "api_contacts_import"),
    *route("contacts/normalize", views.NormalizeView.as_view(), "api_contacts_normalize"),
    *route("contacts/search", views.SearchView.as_view(), "api_contacts_search"),
    *route("contacts/<str:contact_id>", views.ContactDetailView.as_view(), "api_contact"),
    *route("contacts/<str:contact_id>/dnc", views.ContactDncView.as_view(), "api_contact_dnc"),
    *route("contacts/<str:contact_id>/merge", views.MergeView.as_view(), "api_contact_merge"),
    *route("contacts/<str:contact_id>/call", views.QueueCallView.as_view(), "api_contact_call"),
    *route("contacts/<str:contact_id>/consents", compliance.ContactConsentsView.as_view(), "api_contact_consents"),
    *route("consents/revoke", compliance.ConsentRevokeView.as_view(), "api_consents_revoke"),
    *route("compliance/check", compliance.ComplianceCheckView.as_view(), "api_compliance_check"),
    *route("dnc", views.DncListView.as_view(), "api_dnc"),
    *route("dnc/<str:phone>", views.DncNumberView.as_view(), "api_dnc_number"),
    *route("campaigns", views.CampaignsView.as_view(), "api_campaigns"),
    *route("campaigns/<str:campaign_id>", dialer.CampaignSettingsView.as_view(), "api_campaign"),
    *route("campaigns/<str:campaign_id>/start", dialer.CampaignStartView.as_view(), "api_campaign_start"),
    *route("campaigns/<str:campaign_id>/pause", dialer.CampaignPauseView.as_view(), "api_campaign_pause"),
    *route("campaigns/<str:campaign_id>/stop", dialer.CampaignStopView.as_view(), "api_campaign_stop"),
    *route("campaigns/<str:campaign_id>/script", dialer.ScriptPreviewView.as_view(), "api_campaign_script"),
    *route("campaigns/<str:campaign_id>/contacts", views.CampaignContactsView.as_view(), "api_campaign_contacts"),
    *route("lists", views.ListsView.as_view(), "api_lists"),
    *route("lists/<str:list_id>", views.ListDetailView.as_view(), "api_list"),
    *route("lists/<str:list_id>/contacts", views.ListContactsView.as_view(), "api_list_contacts"),
    *route("custom-fields", views.CustomFieldsView.as_view(), "api_custom_fields"),
    *route("custom-fields/<str:key>", views.CustomFieldView.as_view(), "api_custom_field"),
    *route("calls", views.CallsView.as_view(), "api_calls"),
    *route("calls/claim", dialer.ClaimView.as_view(), "api_calls_claim"),
    *route("calls/<str:call_id>", dialer.CallDetailView.as_view(), "api_call"),
    *route("contacts/<str:contact_id>/events", webhooks.ContactEventsView.as_view(), "api_contact_events"),
    *route("webhooks", webhooks.WebhookEndpointsView.as_view(), "api_webhooks"),
    *route("webhooks/<str:webhook_id>", webhooks.WebhookEndpointView.as_view(), "api_webhook"),
    *route("webhooks/<str:webhook_id>/rotate-secret", webhooks.WebhookRotateSecretView.as_view(),
           "api_webhook_rotate_secret"),
    *route("webhooks/<str:webhook_id>/deliveries", webhooks.WebhookDeliveriesView.as_view(),
           "api_webhook_deliveries"),
    *route("webhooks/<str:webhook_id>/deliveries/<str:delivery_id>/resend", webhooks.WebhookResendView.as_view(),
           "api_webhook_delivery_resend"),
    re_path(r"^.*$", not_found_view),
]
