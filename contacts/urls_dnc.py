"""The Do-Not-Call workspace, mounted at /dnc/."""
from django.urls import path

from contacts.views import dnc

urlpatterns = [
    path("", dnc.dnc_list, name="dnc_list"),
    path("add/", dnc.dnc_add, name="dnc_add"),
    path("upload/", dnc.dnc_upload, name="dnc_upload"),
    path("upload/<str:token>/", dnc.dnc_upload_preview, name="dnc_upload_preview"),
    path("upload/<str:token>/report/", dnc.dnc_upload_report, name="dnc_upload_report"),
    path("<int:entry_id>/remove/", dnc.dnc_remove, name="dnc_remove"),
    path("audit/", dnc.dnc_audit, name="dnc_audit"),
    path("audit/export.csv", dnc.dnc_audit_csv, name="dnc_audit_csv"),
]
