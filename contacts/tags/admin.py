"""Admin for tags: read-only; tags are made and applied through the services (dashboard, API, imports)."""
from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from contacts.tags.models import Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "colour", "workspace", "created_at")
    list_filter = ("workspace", "colour")
    search_fields = ("name",)
    readonly_fields = ("workspace", "name", "colour", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
