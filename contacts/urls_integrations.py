"""Integration pages: API keys in settings and the contact merge page."""
from django.urls import path

from contacts.views import integrations

urlpatterns = [
    path("settings/api-keys/", integrations.api_keys, name="api_keys"),
    path("settings/api-keys/<str:key_id>/revoke/", integrations.api_key_revoke, name="api_key_revoke"),
    path("contacts/<str:contact_id>/merge/", integrations.contact_merge_pick, name="contact_merge_pick"),
    path("contacts/<str:contact_id>/merge/<str:other_id>/", integrations.contact_merge_confirm,
         name="contact_merge_confirm"),
]
