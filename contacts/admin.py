"""Django admin for every model; the DNC list is run here, always through the DNC service."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from import_export.admin import ImportExportModelAdmin

from contacts import phone as phone_rules
from contacts import services
from contacts.models import (
    ApiKey,
    AuditEvent,
    Call,
    Campaign,
    CampaignMembership,
    Contact,
    DncAuditLog,
    DncEntry,
    DncSource,
    ImportBatch,
    ImportMappingMemory,
    Membership,
    SavedView,
    Workspace,
)
from contacts.resources import ContactResource, DncEntryResource


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Kept in the DNC audit log.")


def _with_reason(modeladmin, request: HttpRequest, queryset: QuerySet, *, title: str, apply) -> HttpResponse | None:
    """An admin action that asks for a reason on a confirmation page before it runs."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        done, failed = 0, []
        for obj in queryset:
            try:
                apply(obj, form.cleaned_data["reason"])
                done += 1
            except services.ServiceError as exc:
                failed.append(f"{obj}: {exc.message}")
        modeladmin.message_user(request, f"{title}: {done} done.", messages.SUCCESS)
        for failure in failed:
            modeladmin.message_user(request, failure, messages.WARNING)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "objects": queryset,
        "form": form,
        "action": request.POST.get("action"),
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/contacts/reason_confirmation.html", context)


def _phone_search(queryset: QuerySet, search_term: str, field: str = "phone") -> QuerySet:
    """Find a number typed in any format: exact E.164 when it parses, digits otherwise."""
    digits = phone_rules.digits(search_term)
    if len(digits) < 3:
        return queryset.none()
    condition = Q(**{f"{field}__contains": digits})
    info = phone_rules.parse_phone(search_term, mode="lenient")
    if info.e164:
        condition |= Q(**{field: info.e164})
    return queryset.filter(condition)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "plan", "default_country", "phone_validation", "timezone", "created_at"]
    list_filter = ["plan", "phone_validation"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "role", "created_at"]
    list_filter = ["role", "workspace"]
    autocomplete_fields = ["user", "workspace"]


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
        clash = Contact.objects.filter(workspace=workspace, phone=data["phone"]).exclude(pk=self.instance.pk)
        if clash.exists():
            self.add_error("phone", f"A contact with {data['phone']} already exists in {workspace}.")
        return data


@admin.register(Contact)
class ContactAdmin(ImportExportModelAdmin):
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
            results = results | _phone_search(queryset, search_term)
        return results, distinct

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

    @admin.action(description="Mark DNC (asks for a reason)", permissions=["change"])
    def mark_dnc(self, request, queryset):
        return _with_reason(
            self, request, queryset.filter(status="active"), title="Mark DNC",
            apply=lambda c, reason: services.contact_mark_dnc(contact=c, reason=reason, source=DncSource.ADMIN,
                                                              actor=request.user),
        )

    @admin.action(description="Reactivate (asks for a reason)", permissions=["change"])
    def reactivate(self, request, queryset):
        return _with_reason(
            self, request, queryset.filter(status="dnc"), title="Reactivate",
            apply=lambda c, reason: services.contact_reactivate(contact=c, reason=reason, actor=request.user,
                                                                source=DncSource.ADMIN),
        )


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
            results = results | _phone_search(queryset, search_term)
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
        return _with_reason(
            self, request, queryset, title="Remove from the DNC list",
            apply=lambda e, reason: services.dnc_remove_number(workspace=e.workspace, phone=e.phone, reason=reason,
                                                               actor=request.user, source=DncSource.ADMIN),
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
            results = results | _phone_search(queryset, search_term)
        return results, distinct


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "count", "actor", "actor_label", "workspace"]
    list_filter = ["action", "workspace"]
    date_hierarchy = "created_at"


class CampaignMembershipInline(admin.TabularInline):
    model = CampaignMembership
    extra = 0
    raw_id_fields = ["contact"]
    readonly_fields = ["added_at"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "public_id", "status", "workspace", "created_at"]
    list_filter = ["status", "workspace"]
    search_fields = ["name", "public_id"]
    readonly_fields = ["public_id", "created_at"]


@admin.register(CampaignMembership)
class CampaignMembershipAdmin(admin.ModelAdmin):
    list_display = ["campaign", "contact", "added_at"]
    raw_id_fields = ["contact", "campaign"]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["public_id", "contact", "direction", "status", "duration", "sentiment", "outcome", "created_at"]
    list_filter = ["direction", "status", "sentiment", "workspace"]
    search_fields = ["public_id", "outcome"]
    raw_id_fields = ["contact", "campaign"]
    readonly_fields = ["public_id", "created_at"]
    list_select_related = ["contact"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["public_id", "file_name", "status", "rows", "imported", "updated", "duplicates_skipped",
                    "invalid_skipped", "dnc", "uploaded_by", "created_at", "open_in_dashboard"]
    list_filter = ["status", "source", "workspace"]
    readonly_fields = ["public_id", "created_at", "started_at", "finished_at"]
    # --- import: files are imported through the one pipeline (wizard, API, command); admin links there.
    actions = ["revert_batches"]

    @admin.display(description="Dashboard")
    def open_in_dashboard(self, batch: ImportBatch) -> str:
        from django.utils.html import format_html

        return format_html('<a href="/imports/{}/">Progress, errors, revert</a>', batch.public_id)

    def changelist_view(self, request, extra_context=None):
        from django.utils.html import format_html

        messages.info(request, format_html('Import a CSV or Excel file with the <a href="{}">import wizard</a> '
                                           "(column mapping, preview, background run) or <code>{}</code>.",
                                           "/imports/new/", "manage.py import_contacts"))
        return super().changelist_view(request, extra_context)

    @admin.action(description="Revert selected imports (delete created contacts, restore updated ones)")
    def revert_batches(self, request: HttpRequest, queryset: QuerySet) -> None:
        from contacts.imports import RevertRefused, batch_revert

        deleted = restored = 0
        for batch in queryset:
            try:
                outcome = batch_revert(batch=batch, actor=request.user)
            except RevertRefused as exc:
                self.message_user(request, f"{batch.public_id}: {exc.message}", messages.WARNING)
                continue
            deleted += outcome["deleted"]
            restored += outcome["restored"]
        self.message_user(request, f"Reverted: {deleted:,} contacts deleted, {restored:,} restored.", messages.SUCCESS)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "workspace", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["workspace"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False  # keys are shown once: create them with the dashboard or `create_api_key`


admin.site.register(SavedView)
admin.site.register(ImportMappingMemory)
