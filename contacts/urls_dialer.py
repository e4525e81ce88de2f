"""Dashboard URLs of the calling loop: campaign queue controls and panels, a contact's live call, cancel a call."""
from django.urls import path

from contacts.views import dialer

urlpatterns = [
    path("campaigns/<str:campaign_id>/queue/", dialer.campaign_queue_panel, name="campaign_queue_panel"),
    *[path(f"campaigns/<str:campaign_id>/queue/{action}/", dialer.campaign_queue_action, {"action": action},
           name=f"campaign_queue_{action}") for action in ("start", "pause", "stop")],
    path("contacts/<str:contact_id>/call-state/", dialer.contact_call_state, name="contact_call_state"),
    path("calls/<str:call_id>/cancel/", dialer.call_cancel, name="call_cancel"),
]
