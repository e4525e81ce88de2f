"""Admin for contacts: every write goes through the contact services (create, edit, delete with audit, DNC)."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from import_export.admin import ExportMixin

from contacts import services
from contacts.adminkit import filtered_workspace, phone_search, with_reason
from contacts.compliance.models import DncSource
from contacts.contacts.models import Contact, ContactPhone, SavedView
from contacts.resources import ContactResource


class ContactAdminForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["workspace", "phone", "first_name", "last_name", "email", "company", "title", "notes", "metadata"]

    def clean(self):
        data = super().clean()
        workspace = data.get("workspace") or getattr(self.instance, "workspace", None)
        if workspace is None or not data.get("phone"):
            return data
        try:
            data["phone"] = services.normalize_for_workspace(workspace, data["phone"])
        except services.InvalidPhone as exc:
            self.add_error("phone", exc.message)
            return data
        # Any number of another contact, primary or additional, is taken.
        clash = ContactPhone.objects.filter(workspace=workspace, e164=data["phone"])
        clash = clash.exclude(contact_id=self.instance.pk)
        if clash.exists():
            self.add_error("phone", f"A contact with {data['phone']} already exists in {workspace}.")
        return data


@admin.register(Contact)
class ContactAdmin(ExportMixin, admin.ModelAdmin):
    """Export only: files are imported through the one import pipeline (the wizard, API or command)."""

    resource_classes = [ContactResource]
    form = ContactAdminForm
    list_display = ["__str__", "phone", "status", "company", "calls_count", "last_called_at", "workspace", "created_at"]
    list_filter = ["status", "workspace"]
    search_fields = ["first_name", "last_name", "email", "company"]
    readonly_fields = ["public_id", "status", "dnc_at", "calls_count", "last_called_at", "created_at", "updated_at",
                       "import_batch"]
    list_select_related = ["workspace"]
    show_full_result_count = False
    actions = ["mark_dnc", "reactivate"]

    def get_search_results(self, request, queryset, search_term):
        results, distinct = super().get_search_results(request, queryset, search_term)
        if search_term:
            results = results | phone_search(queryset, search_term, workspace=filtered_workspace(request))
        return results, distinct

    def get_readonly_fields(self, request, obj=None):
        # A contact never moves between workspaces.
        return [*self.readonly_fields, "workspace"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data.get(name, getattr(obj, name))
                for name in (*services.EDITABLE_FIELDS, "metadata")}
        if change:
            saved = services.contact_update(contact=Contact.objects.get(pk=obj.pk),
                                            data={**data, "phone": form.cleaned_data["phone"]}, actor=request.user)
        else:
            saved = services.contact_create(workspace=form.cleaned_data["workspace"],
                                            phone=form.cleaned_data["phone"], actor=request.user, **data)
        obj.pk, obj.public_id = saved.pk, saved.public_id

    def delete_model(self, request, obj):
        services.contact_delete(contact=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Contact]) -> None:
        # Bulk delete per workspace through the service, so every workspace's audit trail records it.
        for workspace_id in queryset.values_list("workspace_id", flat=True).distinct().order_by():
            selected = queryset.filter(workspace_id=workspace_id)
            workspace = selected.first().workspace
            services.contacts_delete(workspace=workspace, contacts=selected, actor=request.user)

    @admin.action(description="Mark DNC (asks for a reason)", permissions=["change"])
    def mark_dnc(self, request, queryset):
        return with_reason(
            self, request, queryset.filter(status="active"), title="Mark DNC",
            apply=lambda c, reason: services.contact_mark_dnc(contact=c, reason=reason, source=DncSource.ADMIN,
                                                              actor=request.user),
        )

    @admin.action(description="Reactivate (asks for a reason)", permissions=["change"])
    def reactivate(self, request, queryset):
        return with_reason(
            self, request, queryset.filter(status="dnc"), title="Reactivate",
            apply=lambda c, reason: services.contact_reactivate(contact=c, reason=reason, actor=request.user,
                                                                source=DncSource.ADMIN),
        )

    def changelist_view(self, request, extra_context=None):
        from django.utils.html import format_html

        messages.info(request, format_html('Import contacts with the <a href="{}">import wizard</a> (mapping, '
                                           "preview, error report, revert).", "/imports/new/"))
        return super().changelist_view(request, extra_context)


admin.site.register(SavedView)
