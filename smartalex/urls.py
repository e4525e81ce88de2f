"""Root URLs: dashboard, accounts, admin, API v1, health."""
import os

from django.contrib import admin
from django.urls import include, path

from contacts.views.common import healthz

ADMIN_PATH = os.environ.get("ADMIN_PATH", "admin/").strip("/") + "/"

admin.site.site_header = "SmartAlex Contacts admin"
admin.site.site_title = "SmartAlex Contacts"
admin.site.index_title = "Administration"

urlpatterns = [
    path(ADMIN_PATH, admin.site.urls),
    path("accounts/", include("smartalex.urls_accounts")),
    path("healthz", healthz, name="healthz"),
    path("v1/", include("contacts.api.urls")),
    path("", include("contacts.urls")),
]
