"""Admin for import batches: files are imported through the one pipeline; the admin links there and reverts."""
from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from contacts.imports.models import ImportBatch, ImportMappingMemory


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


admin.site.register(ImportMappingMemory)
