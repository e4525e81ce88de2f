"""django-import-export resources for the admin: contacts and DNC numbers, written through services.

Exports (CSV, XLSX, every format) escape text cells and headers with `contacts.csvsafe.escape_cell`. The
library's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only drops a leading `=`, and alters the data.
"""
from __future__ import annotations

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from contacts import services
from contacts.csvsafe import escape_cell
from contacts.models import Contact, DncEntry, DncSource, Workspace


class FormulaSafeExport:
    """Resource mixin: exported text cannot run as a spreadsheet formula; numbers and dates stay native."""

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        return escape_cell(value) if isinstance(value, str) else value

    def get_export_headers(self, selected_fields=None):
        return [escape_cell(header) for header in super().get_export_headers(selected_fields=selected_fields)]


class ContactResource(FormulaSafeExport, resources.ModelResource):
    workspace = fields.Field(attribute="workspace", column_name="workspace",
                             widget=ForeignKeyWidget(Workspace, field="slug"))
    id = fields.Field(attribute="public_id", column_name="id", readonly=True)

    class Meta:
        model = Contact
        import_id_fields = ("workspace", "phone")
        fields = ("id", "workspace", "phone", "first_name", "last_name", "email", "company", "title", "notes",
                  "status", "dnc_at", "metadata", "calls_count", "last_called_at", "created_at")
        export_order = fields
        skip_unchanged = True
        report_skipped = True

    def before_import_row(self, row, **kwargs):
        # The lookup key must be the stored E.164 form, whatever format the file used.
        workspace = Workspace.objects.filter(slug=row.get("workspace")).first()
        if workspace is None:
            raise ValueError(f"Unknown workspace {row.get('workspace')!r}.")
        try:
            row["phone"] = services.normalize_for_workspace(workspace, row.get("phone"))
        except services.InvalidPhone as exc:
            raise ValueError(exc.message) from exc

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        # Status, DNC time and call statistics are derived; a file cannot set them.
        if field.attribute in {"status", "dnc_at", "calls_count", "last_called_at", "created_at"}:
            return
        super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)

    def do_instance_save(self, instance, is_create):
        data = {name: getattr(instance, name) for name in (*services.EDITABLE_FIELDS, "metadata")}
        try:
            if is_create:
                saved = services.contact_create(workspace=instance.workspace, phone=instance.phone,
                                                actor="admin import", **data)
                instance.pk, instance.public_id = saved.pk, saved.public_id
            else:
                services.contact_update(contact=Contact.objects.get(pk=instance.pk), data=data)
        except services.ServiceError as exc:
            raise ValueError(f"{exc.code}: {exc.message}") from exc


class DncEntryResource(FormulaSafeExport, resources.ModelResource):
    workspace = fields.Field(attribute="workspace", column_name="workspace",
                             widget=ForeignKeyWidget(Workspace, field="slug"))

    class Meta:
        model = DncEntry
        import_id_fields = ("workspace", "phone")
        fields = ("workspace", "phone", "reason", "source", "created_at")
        export_order = fields
        skip_unchanged = True
        report_skipped = True

    def before_import_row(self, row, **kwargs):
        workspace = Workspace.objects.filter(slug=row.get("workspace")).first()
        if workspace is None:
            raise ValueError(f"Unknown workspace {row.get('workspace')!r}.")
        try:
            row["phone"] = services.normalize_for_workspace(workspace, row.get("phone"))
        except services.InvalidPhone as exc:
            raise ValueError(exc.message) from exc
        if not (row.get("reason") or "").strip():
            raise ValueError("A reason is required for every DNC number.")

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return original is not None and original.pk is not None

    def do_instance_save(self, instance, is_create):
        entry = services.dnc_add_number(workspace=instance.workspace, phone=instance.phone, reason=instance.reason,
                                        source=DncSource.IMPORT, actor="admin import")
        instance.pk = entry.pk
