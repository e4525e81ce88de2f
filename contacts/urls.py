"""Dashboard URLs (HTML pages). Each area keeps its own URL module; API v1 lives in contacts.api.urls."""
from django.urls import include, path

from contacts.views import common, overview

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("workspace/switch/", common.workspace_switch, name="workspace_switch"),
    path("", include("contacts.urls_dashboard")),  # contacts, campaigns, calls, saved views, bulk actions
    path("", include("contacts.urls_dialer")),  # campaign queue controls, a contact's live call, cancel a call
    path("imports/", include("contacts.urls_imports")),  # the import wizard and batches
    path("dnc/", include("contacts.urls_dnc")),  # the Do-Not-Call list, uploads and its audit log
    path("compliance/", include("contacts.urls_compliance")),  # calling rules, registry files, consent, report
    path("", include("contacts.urls_integrations")),  # settings (members, api-keys), contact merge page
    path("settings/webhooks/", include("contacts.urls_webhooks")),  # webhook endpoints and delivery logs
]
