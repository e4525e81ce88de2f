"""Admin for the DNC list and the audit trails (platform operators); every change goes through the DNC service."""
from __future__ import annotations

from django import forms
from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from contacts import services
from contacts.adminkit import ReadOnlyAdmin, filtered_workspace, phone_search, with_reason
from contacts.compliance.models import AuditEvent, DncAuditLog, DncEntry, DncSource
from contacts.resources import DncEntryResource


class DncEntryForm(forms.ModelForm):
    class Meta:
        model = DncEntry
        fields = ["workspace", "phone", "reason"]
        help_texts = {"phone": "Any format; stored as E.164 with the workspace's default country."}

    def clean(self):
        data = super().clean()
        if data.get("workspace") and data.get("phone"):
            try:
                data["phone"] = services.normalize_for_workspace(data["workspace"], data["phone"])
            except services.InvalidPhone as exc:
                self.add_error("phone", exc.message)
        return data

    def validate_unique(self):
        pass  # adding a number already listed is a no-op in the service


@admin.register(DncEntry)
class DncEntryAdmin(ImportExportModelAdmin):
    resource_classes = [DncEntryResource]
    form = DncEntryForm
    list_display = ["phone", "reason", "source", "created_by", "created_at", "workspace"]
    list_filter = ["source", "created_at", "workspace"]
    date_hierarchy = "created_at"
    search_fields = ["reason"]
    actions = ["remove_from_list"]

    def get_search_results(self, request, queryset, search_term):
        results, distinct = super().get_search_results(request, queryset, search_term)
        if search_term:
            results = results | phone_search(queryset, search_term, workspace=filtered_workspace(request))
        return results, distinct

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # removal needs a reason: use the action

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        entry = services.dnc_add_number(workspace=obj.workspace, phone=obj.phone, reason=obj.reason,
                                        source=DncSource.ADMIN, actor=request.user)
        obj.pk, obj.phone, obj.created_at = entry.pk, entry.phone, entry.created_at

    @admin.action(description="Remove from the DNC list (asks for a reason)", permissions=["add"])
    def remove_from_list(self, request, queryset):
        return with_reason(
            self, request, queryset, title="Remove from the DNC list",
            apply=lambda e, reason: services.dnc_remove_number(workspace=e.workspace, phone=e.phone, reason=reason,
                                                               actor=request.user, source=DncSource.ADMIN),
        )


@admin.register(DncAuditLog)
class DncAuditLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "phone", "action", "reason", "source", "actor", "actor_label", "contacts_affected",
                    "workspace"]
    list_filter = ["action", "source", "created_at", "workspace"]
    date_hierarchy = "created_at"
    search_fields = ["reason", "actor_label"]

    def get_search_results(self, request, queryset, search_term):
        results, distinct = super().get_search_results(request, queryset, search_term)
        if search_term:
            results = results | phone_search(queryset, search_term, workspace=filtered_workspace(request))
        return results, distinct


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "count", "actor", "actor_label", "workspace"]
    list_filter = ["action", "workspace"]
    date_hierarchy = "created_at"
