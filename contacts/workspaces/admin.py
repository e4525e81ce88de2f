"""Admin for workspaces, members and API keys (platform operators). Keys are revoked, never restored or moved."""
from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from contacts import services
from contacts.workspaces.models import ApiKey, Membership, Workspace


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
