"""Import batches, the rows they did not simply create, and remembered column mappings."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from contacts.contacts.models import Contact
from contacts.workspaces.models import Workspace, WorkspaceQuerySet, new_import_id


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    REVERTED = "reverted", "Reverted"


class ImportBatch(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="import_batches")
    public_id = models.CharField(max_length=40, unique=True, default=new_import_id, editable=False)
    file_name = models.CharField(max_length=255, blank=True)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True, max_length=500)
    source = models.CharField(max_length=20, default="upload", help_text="upload, api, admin or command")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=12, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    options = models.JSONField(default=dict, blank=True)
    column_mapping = models.JSONField(default=dict, blank=True)
    rows = models.PositiveIntegerField(default=0)
    rows_processed = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    duplicates_skipped = models.PositiveIntegerField(default=0)
    invalid_skipped = models.PositiveIntegerField(default=0)
    limit_skipped = models.PositiveIntegerField(default=0)
    dnc = models.PositiveIntegerField(default=0)
    no_phone = models.PositiveIntegerField(default=0, help_text="Of the invalid rows, those with no number at all")
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Touched at every checkpoint: a batch "processing" with an old heartbeat lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The wizard's whole-file preview counts, computed by the task worker (never in a request) for one
    # mapping + options signature: {"signature", "status", "rows_done", "total", "counts", ...}.
    preview_state = models.JSONField(default=dict, blank=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "import batches"
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ImportStatus.values), name="import_status_valid"),
        ]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="import_ws_created")]

    def __str__(self) -> str:
        return f"{self.file_name or self.public_id} ({self.status})"


class ImportRowOutcome(models.TextChoices):
    UPDATED = "updated", "Updated"
    SKIPPED = "skipped", "Not imported"


class ImportRow(models.Model):
    """One row of a batch that was not simply created: why it was skipped, or what an update replaced."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="row_results")
    index = models.PositiveIntegerField(help_text="1-based data row number in the file")
    outcome = models.CharField(max_length=10, choices=ImportRowOutcome.choices)
    code = models.CharField(max_length=32, blank=True)
    message = models.CharField(max_length=500, blank=True)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    previous = models.JSONField(null=True, blank=True, help_text="Field values before an update, for revert")
    data = models.JSONField(default=list, blank=True, help_text="The row's original cells")

    class Meta:
        ordering = ["batch", "index"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "index"], name="importrow_unique_batch_index"),
            models.CheckConstraint(condition=Q(outcome__in=ImportRowOutcome.values), name="importrow_outcome_valid"),
        ]

    def __str__(self) -> str:
        return f"row {self.index}: {self.code or self.outcome}"

class ImportMappingMemory(models.Model):
    """The column mapping last used for a file with these headers, offered again next time."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="import_mappings")
    header_signature = models.CharField(max_length=64)
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "header_signature"], name="mapping_unique_signature"),
        ]

    def __str__(self) -> str:
        return self.header_signature[:12]
