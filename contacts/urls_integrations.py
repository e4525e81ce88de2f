"""Settings pages (members, API keys) and the contact merge page."""
from django.urls import path

from contacts.views import custom_fields, integrations, members

urlpatterns = [
    path("settings/members/", members.members, name="members"),
    path("settings/members/<str:member_id>/role/", members.member_role, name="member_role"),
    path("settings/members/<str:member_id>/remove/", members.member_remove, name="member_remove"),
    path("settings/api-keys/", integrations.api_keys, name="api_keys"),
    path("settings/custom-fields/", custom_fields.custom_fields, name="custom_fields"),
    path("settings/custom-fields/<str:field_id>/delete/", custom_fields.custom_field_delete,
         name="custom_field_delete"),
    path("settings/api-keys/<str:key_id>/revoke/", integrations.api_key_revoke, name="api_key_revoke"),
    path("contacts/<str:contact_id>/merge/", integrations.contact_merge_pick, name="contact_merge_pick"),
    path("contacts/<str:contact_id>/merge/<str:other_id>/", integrations.contact_merge_confirm,
         name="contact_merge_confirm"),
]
