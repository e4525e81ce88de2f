"""The compliance page, mounted at /compliance/."""
from django.urls import path

from contacts.views import compliance

urlpatterns = [
    path("", compliance.compliance_home, name="compliance_home"),
    path("registry/", compliance.compliance_registry_upload, name="compliance_registry_upload"),
    path("registry/<str:source_id>/delete/", compliance.compliance_registry_delete, name="compliance_registry_delete"),
    path("rules/", compliance.compliance_rule_add, name="compliance_rule_add"),
    path("rules/<int:rule_pk>/delete/", compliance.compliance_rule_delete, name="compliance_rule_delete"),
    path("revoke/", compliance.compliance_revoke, name="compliance_revoke"),
    path("report.csv", compliance.compliance_report_csv, name="compliance_report_csv"),
]
