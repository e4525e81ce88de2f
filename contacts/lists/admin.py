"""Admin for lists: read-only here; lists are made and filled through the services (dashboard and API)."""
from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from contacts.lists.models import ContactList


@admin.register(ContactList)
class ContactListAdmin(admin.ModelAdmin):
    list_display = ("name", "workspace", "public_id", "created_at", "updated_at")
    list_filter = ("workspace",)
    search_fields = ("name", "public_id")
    readonly_fields = ("workspace", "public_id", "name", "created_at", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
