"""Admin for the DNC list and the audit trails (platform operators); every change goes through the DNC service.

The import takes a plain `phone,reason` file: the operator picks the workspace (and a reason for rows without
one) on the import form, bad rows are shown as row errors, and confirming lists the good rows through
`dnc_upload_apply`, the service the dashboard's upload uses.
"""
from __future__ import annotations

from django import forms
from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ConfirmImportForm, ImportForm

from contacts import services
from contacts.adminkit import ReadOnlyAdmin, filtered_workspace, phone_search, with_reason
from contacts.compliance.models import (
    AuditEvent,
    ConsentRecord,
    ConsentRevocation,
    DncAuditLog,
    DncEntry,
    DncSource,
    RegistrySource,
    WorkspaceRule,
)
from contacts.resources import DncEntryResource
from contacts.workspaces.models import Workspace


class DncImportForm(ImportForm):
    workspace = forms.ModelChoiceField(
        queryset=Workspace.objects.filter(archived_at__isnull=True), label="Workspace",
        help_text="Every row goes on this workspace's list; numbers without a country code use its default country.",
    )
    default_reason = forms.CharField(label="Reason for rows without one", max_length=500, required=False)
    field_order = ["workspace", "import_file", "format", "default_reason", "resource"]


class DncConfirmImportForm(ConfirmImportForm):
    workspace = forms.ModelChoiceField(queryset=Workspace.objects.filter(archived_at__isnull=True),
                                       widget=forms.HiddenInput())
    default_reason = forms.CharField(max_length=500, required=False, widget=forms.HiddenInput())


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
    import_form_class = DncImportForm
    confirm_form_class = DncConfirmImportForm
    import_template_name = "admin/contacts/dncentry/import.html"
    skip_admin_log = True  # the DNC audit log records every number added, with who and why
    form = DncEntryForm
    list_display = ["phone", "reason", "source", "created_by_label", "created_at", "workspace"]
    list_filter = ["source", "created_at", "workspace"]
    date_hierarchy = "created_at"
    search_fields = ["reason", "created_by_label"]
    actions = ["remove_from_list"]

    def get_search_results(self, request, queryset, search_term):
        results, distinct = super().get_search_results(request, queryset, search_term)
        if search_term:
            results = results | phone_search(queryset, search_term, workspace=filtered_workspace(request))
        return results, distinct

    # --- import: the workspace and default reason travel from the form to the resource -------------------------
    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        data = getattr(form, "cleaned_data", None) or {}
        return {"workspace": data.get("workspace"), "default_reason": data.get("default_reason", ""),
                "actor": request.user}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial.update(workspace=import_form.cleaned_data["workspace"].pk,
                           default_reason=import_form.cleaned_data.get("default_reason", ""))
        return initial

    def import_action(self, request, **kwargs):
        """The dry run; rows with errors are listed and the others can still be confirmed (they are skipped)."""
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        result = context.get("result")
        if (result is not None and "confirm_form" not in context and not result.has_errors()
                and result.has_validation_errors() and result.totals.get("new")):
            context["confirm_form"] = self.create_confirm_form(request, import_form=context["form"])
        return response

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


# --- compliance engine: the ledger and registry files are read here; they change through the dashboard and API ---

@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ["captured_at", "phone", "kind", "source", "proof_url", "actor_label", "workspace"]
    list_filter = ["kind", "source", "workspace"]
    search_fields = ["phone", "public_id", "proof_url", "recording_id"]
    date_hierarchy = "captured_at"


@admin.register(ConsentRevocation)
class ConsentRevocationAdmin(ReadOnlyAdmin):
    list_display = ["revoked_at", "phone", "channel", "note", "actor_label", "workspace"]
    list_filter = ["channel", "workspace"]
    search_fields = ["phone", "public_id", "note"]
    date_hierarchy = "revoked_at"


@admin.register(RegistrySource)
class RegistrySourceAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "state", "downloaded_on", "numbers", "uploaded_at", "actor_label", "workspace"]
    list_filter = ["kind", "workspace"]
    search_fields = ["name", "public_id"]


@admin.register(WorkspaceRule)
class WorkspaceRuleAdmin(ReadOnlyAdmin):
    list_display = ["rule_id", "created_at", "actor_label", "workspace"]
    list_filter = ["workspace"]
