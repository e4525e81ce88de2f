"""Import wizard and batches, mounted at /imports/ (kwarg `batch_id` is the batch's public id)."""
from django.urls import path

from contacts.views import imports

urlpatterns = [
    path("", imports.import_list, name="import_list"),
    path("new/", imports.import_new, name="import_new"),
    path("<str:batch_id>/", imports.import_detail, name="import_detail"),
    path("<str:batch_id>/mapping/", imports.import_mapping, name="import_mapping"),
    path("<str:batch_id>/preview/", imports.import_preview, name="import_preview"),
    path("<str:batch_id>/preview/counts/", imports.import_preview_counts, name="import_preview_counts"),
    path("<str:batch_id>/progress/", imports.import_progress, name="import_progress"),
    path("<str:batch_id>/errors.csv", imports.import_errors_csv, name="import_errors_csv"),
    path("<str:batch_id>/revert/", imports.import_revert, name="import_revert"),
    path("<str:batch_id>/resume/", imports.import_resume, name="import_resume"),
    path("<str:batch_id>/discard/", imports.import_discard, name="import_discard"),
]
