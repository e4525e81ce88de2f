"""Dashboard URLs (HTML pages). API v1 lives in contacts.api.urls."""
from django.urls import path

from contacts.views import common, overview

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("workspace/switch/", common.workspace_switch, name="workspace_switch"),
]
