"""Admin for workspaces, members and API keys (platform operators). Keys are revoked, never restored or moved.

A workspace that holds DNC numbers or audit records cannot be deleted (on_delete=PROTECT): the delete pages
say why and offer the "Archive" action, which keeps every record and hides the workspace from its members.
"""
from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from contacts import services
from contacts.compliance.selectors import records_held
from contacts.workspaces.models import ApiKey, Membership, Workspace


class MembershipInline(admin.TabularInline):
    """Members listed read-only: adding, changing and removing go through the membership admin (the services)."""

    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _held_sentence(workspace: Workspace, held: dict[str, int]) -> str:
    parts = [f"{held['dnc_numbers']:,} DNC number{'s' if held['dnc_numbers'] != 1 else ''}",
             f"{held['dnc_audit_records']:,} DNC audit record{'s' if held['dnc_audit_records'] != 1 else ''}",
             f"{held['audit_events']:,} audit event{'s' if held['audit_events'] != 1 else ''}"]
    return f"{workspace}: {', '.join(parts)}"


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "plan", "default_country", "phone_validation", "timezone", "created_at",
                    "archived_at"]
    list_filter = ["plan", "phone_validation", ("archived_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["archived_at"]
    inlines = [MembershipInline]
    actions = ["archive_workspaces"]
    delete_confirmation_template = "admin/contacts/workspace/delete_confirmation.html"
    delete_selected_confirmation_template = "admin/contacts/workspace/delete_selected_confirmation.html"

    def get_deleted_objects(self, objs, request):
        # Counted, not collected: a workspace with a million audit rows must not be walked row by row to say no.
        workspaces = list(objs)
        held = records_held(w.pk for w in workspaces)
        if held:
            protected = [_held_sentence(w, held[w.pk]) for w in workspaces if w.pk in held]
            return [], {}, set(), protected
        return super().get_deleted_objects(workspaces, request)

    @admin.action(description="Archive selected workspaces (keeps their DNC list and audit trails)",
                  permissions=["change"])
    def archive_workspaces(self, request: HttpRequest, queryset: QuerySet[Workspace]) -> None:
        count = 0
        for workspace in queryset.filter(archived_at__isnull=True):
            services.workspace_archive(workspace=workspace, actor=request.user)
            count += 1
        self.message_user(request, f"{count} workspace{'s' if count != 1 else ''} archived. Members and API keys "
                          "no longer see them; every record is kept.", messages.SUCCESS)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Every change goes through the member services: audited, and a workspace always keeps an owner."""

    list_display = ["user", "workspace", "role", "created_at"]
    list_filter = ["role", "workspace"]
    autocomplete_fields = ["user", "workspace"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "workspace"] if obj is not None else []  # a membership never moves

    def save_model(self, request, obj, form, change):
        try:
            if change:
                saved = services.member_set_role(membership=Membership.objects.get(pk=obj.pk), role=obj.role,
                                                 actor=request.user)
            else:
                saved = services.member_add(workspace=obj.workspace, user=obj.user, role=obj.role,
                                            actor=request.user)
        except services.ServiceError as exc:
            messages.error(request, exc.message)
            obj.pk = obj.pk or Membership.objects.filter(workspace=obj.workspace, user=obj.user).values_list(
                "pk", flat=True).first()
            return
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        try:
            services.member_remove(membership=obj, actor=request.user)
        except services.ServiceError as exc:
            messages.error(request, exc.message)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("workspace", "user"):
            self.delete_model(request, membership)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "workspace", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["workspace"]
    # A key's workspace, hash and revocation are history: editing them would move or revive a credential.
    readonly_fields = ["workspace", "prefix", "key_hash", "created_by", "created_at", "last_used_at", "revoked_at"]
    fields = ["name", *readonly_fields]
    actions = ["revoke_keys"]

    def has_add_permission(self, request):
        return False  # keys are shown once: create them with the dashboard or `create_api_key`

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit trail names the key

    @admin.action(description="Revoke selected API keys", permissions=["change"])
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            services.api_key_revoke(key=key, actor=request.user)
            count += 1
        self.message_user(request, f"{count} key{'s' if count != 1 else ''} revoked.", messages.SUCCESS)
