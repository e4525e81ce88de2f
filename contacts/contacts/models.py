"""Contacts and the saved views of the contacts list."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from contacts.workspaces.models import Workspace, WorkspaceQuerySet, new_contact_id


class ContactStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DNC = "dnc", "DNC"


class ContactQuerySet(WorkspaceQuerySet):
    def active(self):
        return self.filter(status=ContactStatus.ACTIVE)

    def dnc(self):
        return self.filter(status=ContactStatus.DNC)


class Contact(models.Model):
    # No single-column FK indexes: every index below (and the unique number) leads with workspace, and
    # contact_import_batch covers import_batch; each extra index costs every imported row a B-tree insert.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="contacts", db_index=False)
    public_id = models.CharField(max_length=40, unique=True, default=new_contact_id, editable=False)
    phone = models.CharField(max_length=20, help_text="E.164")
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    company = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=ContactStatus.choices, default=ContactStatus.ACTIVE)
    dnc_at = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    import_batch = models.ForeignKey(
        "ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="created_contacts",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)
    last_called_at = models.DateTimeField(null=True, blank=True)
    calls_count = models.PositiveIntegerField(default=0)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "phone"], name="contact_unique_workspace_phone"),
            models.CheckConstraint(condition=Q(status__in=ContactStatus.values), name="contact_status_valid"),
            models.CheckConstraint(
                condition=Q(status=ContactStatus.ACTIVE) | Q(dnc_at__isnull=False), name="contact_dnc_has_dnc_at"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "-created_at", "-id"], name="contact_ws_created"),
            models.Index(fields=["workspace", "status", "-created_at"], name="contact_ws_status_created"),
            models.Index(fields=["workspace", "last_called_at"], name="contact_ws_last_called"),
            models.Index(fields=["workspace", "last_name", "first_name"], name="contact_ws_name"),
            models.Index(fields=["workspace", "company"], name="contact_ws_company"),
            models.Index(fields=["workspace", "email"], name="contact_ws_email"),
            models.Index(fields=["import_batch"], name="contact_import_batch"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.phone

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def is_dnc(self) -> bool:
        return self.status == ContactStatus.DNC

class PhoneLabel(models.TextChoices):
    MOBILE = "mobile", "Mobile"
    WORK = "work", "Work"
    HOME = "home", "Home"
    OTHER = "other", "Other"


class ContactPhone(models.Model):
    """Every number of a contact: the primary (`Contact.phone`, kept here by a database trigger) and the others.

    One row per number, unique per workspace, so no two contacts of a workspace ever share a number, whichever
    of their numbers it is. The primary row (`is_primary`) is written by the database itself on every insert
    of a contact and follows changes of `Contact.phone` (migration 0070): bulk inserts, factories and the import
    pipeline cannot forget it. Additional numbers are written by the contact services.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="numbers")
    e164 = models.CharField(max_length=20, help_text="E.164")
    label = models.CharField(max_length=10, blank=True, default="",
                             help_text="mobile, work, home or other (blank on the primary row)")
    is_primary = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-is_primary", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "e164"], name="contactphone_unique_workspace_number"),
            models.UniqueConstraint(fields=["contact"], condition=Q(is_primary=True),
                                    name="contactphone_one_primary"),
            models.CheckConstraint(condition=Q(label__in=["", *PhoneLabel.values]), name="contactphone_label_valid"),
        ]
        indexes = [
            models.Index(fields=["contact", "position"], name="contactphone_contact"),
            # Search scans only the additional numbers (the primary ones have the contact table's own indexes).
            models.Index(fields=["workspace", "e164"], condition=Q(is_primary=False), name="contactphone_additional"),
        ]

    def __str__(self) -> str:
        return self.e164


class SavedView(models.Model):
    """A named set of contact-list filters (the list's query string)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="saved_views")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "owner", "name"], name="savedview_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class DuplicateScan(models.Model):
    """The last whole-workspace search for possible duplicates, run by the task worker for large workspaces (the
    grouping reads every contact: half a second at 100,000 contacts, seconds at a million). `groups` holds, per
    kind, each group's key and contact ids; the page shows them with the contacts as they are now."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="duplicate_scan")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    groups = models.JSONField(default=list, blank=True)  # [{"kind", "key", "ids": [contact pk, ...]}]
    contacts = models.PositiveIntegerField(default=0, help_text="Contacts in the workspace when the scan ran")
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(status__in=["queued", "running", "done"]),
                                              name="duplicatescan_status_valid")]

    def __str__(self) -> str:
        return f"Duplicate scan of {self.workspace_id}: {self.status}"
