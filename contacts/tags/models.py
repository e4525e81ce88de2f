"""Tags per workspace (a name and a colour) and which contacts carry them."""
from __future__ import annotations

from django.db import models
from django.db.models import Q

from contacts.contacts.models import Contact
from contacts.workspaces.models import Workspace, WorkspaceQuerySet


class TagColour(models.TextChoices):
    """Tabler's badge colours, so a tag renders with the theme's contrast-checked pairs."""

    BLUE = "blue", "Blue"
    AZURE = "azure", "Azure"
    GREEN = "green", "Green"
    LIME = "lime", "Lime"
    YELLOW = "yellow", "Yellow"
    ORANGE = "orange", "Orange"
    RED = "red", "Red"
    PINK = "pink", "Pink"
    PURPLE = "purple", "Purple"
    TEAL = "teal", "Teal"
    GRAY = "gray", "Gray"


class Tag(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=60)
    colour = models.CharField(max_length=10, choices=TagColour.choices, default=TagColour.BLUE)
    created_at = models.DateTimeField(auto_now_add=True)
    contacts = models.ManyToManyField(Contact, through="ContactTag", related_name="tags")

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="tag_unique_name"),
            models.CheckConstraint(condition=Q(colour__in=TagColour.values), name="tag_colour_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class ContactTag(models.Model):
    # The unique (tag, contact) index serves the tag filters; (contact, tag) serves `tags` on a contact.
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="taggings")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="taggings")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tag", "contact"], name="contacttag_unique_tag_contact")]
        indexes = [models.Index(fields=["contact", "tag"], name="contacttag_contact_tag")]

    def __str__(self) -> str:
        return f"{self.contact_id} tagged {self.tag_id}"
