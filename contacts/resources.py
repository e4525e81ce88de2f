"""django-import-export resources for the admin: contacts and DNC numbers, written through services.

Exports (CSV, XLSX, every format) escape text cells and headers with `contacts.csvsafe.escape_cell`. The
library's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only drops a leading `=`, and alters the data.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from contacts import services
from contacts.compliance.dnc_files import DncRow, header_kind
from contacts.csvsafe import escape_cell
from contacts.models import Contact, DncEntry, DncSource, Workspace
from contacts.workspaces.rules import e164_or_reason_for_workspace


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
    """DNC numbers in and out of the admin. A plain `phone,reason` file works: the workspace comes from the import
    form (or a `workspace` column), bad rows are row errors (ValidationError) and the good ones are listed
    together, set-based, by `dnc_upload_apply` once every row has been read."""

    workspace = fields.Field(attribute="workspace", column_name="workspace",
                             widget=ForeignKeyWidget(Workspace, field="slug"))

    class Meta:
        model = DncEntry
        import_id_fields = ("workspace", "phone")
        fields = ("workspace", "phone", "reason", "source", "created_at")
        export_order = fields
        skip_unchanged = True
        report_skipped = True

    def __init__(self, workspace: Workspace | None = None, default_reason: str = "", actor=None, **kwargs):
        super().__init__(**kwargs)
        self.workspace = workspace
        self.default_reason = (default_reason or "").strip()
        self.actor = actor or "admin import"
        self._pending: dict[int, list[DncRow]] = {}
        self._seen: set[tuple[int, str]] = set()

    def before_import(self, dataset, **kwargs):
        # Never raise here: import-export shows errors from this hook with a traceback. Problems become row errors.
        original = [str(h or "") for h in dataset.headers or []]
        kinds = [header_kind(h) or h.strip().lower() for h in original]
        if not ({"phone", "reason"} & set(kinds)) and original and any(ch.isdigit() for ch in "".join(original)):
            dataset.insert(0, original)  # no header: the first line was a number
            kinds = ["phone", "reason", *[f"column {i}" for i in range(3, len(original) + 1)]][:len(original)]
        dataset.headers = kinds
        for column in ("phone", "reason", "workspace"):
            if column not in dataset.headers:
                dataset.append_col([""] * len(dataset), header=column)

    def _row_workspace(self, row) -> Workspace:
        slug = str(row.get("workspace") or "").strip()
        if self.workspace is not None:
            if slug and slug != self.workspace.slug:
                raise ValidationError({"workspace": f"This row names workspace {slug!r}; you are importing into "
                                                    f"{self.workspace.slug!r}."})
            return self.workspace
        workspace = Workspace.objects.filter(slug=slug).first() if slug else None
        if workspace is None:
            raise ValidationError({"workspace": "Pick the workspace on the import form." if not slug
                                   else f"Unknown workspace {slug!r}."})
        return workspace

    def before_import_row(self, row, **kwargs):
        workspace = self._row_workspace(row)
        row["workspace"] = workspace.slug
        e164, why = e164_or_reason_for_workspace(workspace, row.get("phone"))
        if not e164:
            raise ValidationError({"phone": f"{row.get('phone') or '(empty)'}: {why}"})
        row["phone"] = e164
        reason = str(row.get("reason") or "").strip() or self.default_reason
        if not reason:
            raise ValidationError({"reason": "A reason is required: add one to the row or type one on the form."})
        row["reason"] = reason[:500]

    def skip_row(self, instance, original, row, import_validation_errors=None):
        key = (instance.workspace_id, instance.phone)
        if (original is not None and original.pk is not None) or key in self._seen:
            return True  # already listed, or repeated in the file
        self._seen.add(key)
        return False

    def do_instance_save(self, instance, is_create):
        self._pending.setdefault(instance.workspace_id, []).append(
            DncRow(line=len(self._seen), raw_phone=instance.phone, reason=instance.reason))

    def after_import(self, dataset, result, **kwargs):
        pending, self._pending = self._pending, {}
        if kwargs.get("dry_run"):
            return
        for workspace in Workspace.objects.filter(pk__in=list(pending)):
            services.dnc_upload_apply(workspace=workspace, rows=pending[workspace.pk], source=DncSource.IMPORT,
                                      actor=self.actor, file_name=str(kwargs.get("file_name") or "admin import"))
