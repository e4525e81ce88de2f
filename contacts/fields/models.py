"""A custom field definition: key (the metadata key), label, type and, for a choice, its choices."""
from __future__ import annotations

from django.db import models
from django.db.models import Q

from contacts.workspaces.models import Workspace, WorkspaceQuerySet


class FieldType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    BOOLEAN = "boolean", "Yes / no"
    CHOICE = "choice", "Choice"


class CustomField(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="custom_fields")
    key = models.CharField(max_length=40, help_text="The metadata key: lowercase letters, digits and _")
    label = models.CharField(max_length=100)
    type = models.CharField(max_length=10, choices=FieldType.choices, default=FieldType.TEXT)
    choices = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["label", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="customfield_unique_key"),
            models.CheckConstraint(condition=Q(type__in=FieldType.values), name="customfield_type_valid"),
        ]

    def __str__(self) -> str:
        return self.label
