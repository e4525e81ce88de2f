"""The Do-Not-Call list and the append-only audit trails."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from contacts.workspaces.models import Workspace, WorkspaceQuerySet


class DncSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    CALL = "call", "Requested during a call"
    API = "api", "API"
    IMPORT = "import", "Import"
    ADMIN = "admin", "Admin"


class DncEntry(models.Model):
    """A number on the workspace's Do-Not-Call list. Its existence is what makes a number DNC."""

    # PROTECT: a workspace with a DNC list cannot be deleted by accident (archive it instead).
    workspace = models.ForeignKey(Workspace, on_delete=models.PROTECT, related_name="dnc_entries")
    phone = models.CharField(max_length=20, help_text="E.164")
    reason = models.CharField(max_length=500)
    source = models.CharField(max_length=10, choices=DncSource.choices, default=DncSource.MANUAL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_by_label = models.CharField(max_length=200, blank=True,
                                        help_text="Who listed it, kept as text (outlives the user or API key)")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "DNC number"
        verbose_name_plural = "DNC list"
        constraints = [
            models.UniqueConstraint(fields=["workspace", "phone"], name="dnc_unique_workspace_phone"),
            models.CheckConstraint(condition=Q(source__in=DncSource.values), name="dnc_source_valid"),
            models.CheckConstraint(condition=~Q(reason=""), name="dnc_reason_required"),
        ]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="dnc_ws_created")]

    def __str__(self) -> str:
        return self.phone


class DncAction(models.TextChoices):
    ADDED = "added", "Added"
    REMOVED = "removed", "Removed"


class AppendOnlyQuerySet(WorkspaceQuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit records are append-only.")

    def delete(self):
        raise PermissionError("Audit records are append-only.")


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("Audit records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit records are append-only.")


class DncAuditLog(AppendOnlyModel):
    """Every addition to and removal from the DNC list: who, why, when. Never edited.

    The database refuses UPDATE and DELETE too (triggers, migration 0007); the one update it lets through is
    Django's SET_NULL of `actor` when a user is deleted, since `actor_label` keeps who acted.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.PROTECT, related_name="dnc_audit")
    phone = models.CharField(max_length=20)
    action = models.CharField(max_length=10, choices=DncAction.choices)
    reason = models.CharField(max_length=500)
    source = models.CharField(max_length=10, choices=DncSource.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=200, blank=True,
                                   help_text="Who acted, kept as text: username, API key or system actor")
    contacts_affected = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "DNC audit record"
        constraints = [
            models.CheckConstraint(condition=Q(action__in=DncAction.values), name="dncaudit_action_valid"),
        ]
        indexes = [models.Index(fields=["workspace", "phone", "-created_at"], name="dncaudit_ws_phone")]

    def __str__(self) -> str:
        return f"{self.phone} {self.action}"


class AuditEvent(AppendOnlyModel):
    """Who did what to how many rows: bulk actions, merges, reverts, queued calls."""

    workspace = models.ForeignKey(Workspace, on_delete=models.PROTECT, related_name="audit_events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=64)
    count = models.PositiveIntegerField(default=0)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="audit_ws_created")]

    def __str__(self) -> str:
        return f"{self.action} ×{self.count}"
