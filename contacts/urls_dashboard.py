"""Dashboard pages: contacts (list, detail, actions, bulk, export, saved views), campaigns and calls."""
from django.urls import path

from contacts.views import dashboard_bulk as bulk
from contacts.views import dashboard_campaigns as campaigns
from contacts.views import dashboard_contacts as contacts
from contacts.views import duplicates, lists, tags

urlpatterns = [
    path("contacts/", contacts.contact_list, name="contact_list"),
    path("contacts/new/", contacts.contact_create, name="contact_create"),
    path("contacts/export.csv", bulk.contacts_export, name="contacts_export"),
    path("contacts/bulk/", bulk.contacts_bulk, name="contacts_bulk"),
    path("contacts/views/", contacts.saved_view_create, name="saved_view_create"),
    path("contacts/views/<str:view_id>/", contacts.saved_view_open, name="saved_view_open"),
    path("contacts/views/<str:view_id>/delete/", contacts.saved_view_delete, name="saved_view_delete"),
    path("contacts/duplicates/", duplicates.contact_duplicates, name="contact_duplicates"),
    path("contacts/lists/", lists.list_index, name="list_index"),
    path("contacts/lists/<str:list_id>/rename/", lists.list_rename, name="list_rename"),
    path("contacts/lists/<str:list_id>/delete/", lists.list_delete, name="list_delete"),
    path("contacts/lists/<str:list_id>/campaign/", lists.list_fill_campaign, name="list_fill_campaign"),
    path("contacts/tags/", tags.tag_index, name="tag_index"),
    path("contacts/tags/<str:tag_id>/edit/", tags.tag_edit, name="tag_edit"),
    path("contacts/tags/<str:tag_id>/delete/", tags.tag_delete, name="tag_delete"),
    path("contacts/<str:contact_id>/", contacts.contact_detail, name="contact_detail"),
    path("contacts/<str:contact_id>/edit/", contacts.contact_edit, name="contact_edit"),
    path("contacts/<str:contact_id>/delete/", contacts.contact_delete, name="contact_delete"),
    path("contacts/<str:contact_id>/call/", contacts.contact_call_now, name="contact_call_now"),
    path("contacts/<str:contact_id>/dnc/", contacts.contact_mark_dnc, name="contact_mark_dnc"),
    path("contacts/<str:contact_id>/reactivate/", contacts.contact_reactivate, name="contact_reactivate"),
    path("contacts/<str:contact_id>/consent/", contacts.contact_consent, name="contact_consent"),
    path("contacts/<str:contact_id>/consent/revoke/", contacts.contact_consent_revoke, name="contact_consent_revoke"),
]

urlpatterns += [  # campaigns and calls
    path("campaigns/", campaigns.campaign_list, name="campaign_list"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign_create"),
    path("campaigns/<str:campaign_id>/", campaigns.campaign_detail, name="campaign_detail"),
    path("campaigns/<str:campaign_id>/edit/", campaigns.campaign_edit, name="campaign_edit"),
    path("campaigns/<str:campaign_id>/members/add/", campaigns.campaign_add_members, name="campaign_add_members"),
    path("campaigns/<str:campaign_id>/members/remove/", campaigns.campaign_remove_members,
         name="campaign_remove_members"),
    path("campaigns/<str:campaign_id>/members/remove-all/", campaigns.campaign_remove_all,
         name="campaign_remove_all"),
    path("campaigns/<str:campaign_id>/adds/<str:add_id>/undo/", campaigns.campaign_undo_add,
         name="campaign_undo_add"),
    path("calls/", campaigns.call_list, name="call_list"),
]
