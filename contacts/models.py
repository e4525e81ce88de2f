"""Data model: workspaces, contacts, campaigns, calls, imports, the DNC list and audit trails."""
from __future__ import annotations

import hashlib
import secrets
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

PUBLIC_ID_BYTES = 8  # 16 hex characters after the prefix


def new_public_id(prefix: str) -> str:
    """An opaque id shaped like the reference's (`contact_abc123`), never the database key."""
    return f"{prefix}_{secrets.token_hex(PUBLIC_ID_BYTES)}"


def _id_factory(prefix: str):
    def make() -> str:
        return new_public_id(prefix)

    make.__name__ = f"new_{prefix}_id"
    make.__qualname__ = make.__name__
    return make


new_contact_id = _id_factory("contact")
new_campaign_id = _id_factory("campaign")
new_call_id = _id_factory("call")
new_import_id = _id_factory("import")


class Plan(models.TextChoices):
    PROFESSIONAL = "professional", "Professional"
    DENTAL = "dental", "Dental"
    REAL_ESTATE = "real_estate", "Real Estate"
    UNLIMITED = "unlimited", "Unlimited (self-hosted)"


# The guide's plan limits; None means no limit.
PLAN_CONTACT_LIMITS: dict[str, int | None] = {
    Plan.PROFESSIONAL: 1_000,
    Plan.DENTAL: 5_000,
    Plan.REAL_ESTATE: 50_000,
    Plan.UNLIMITED: None,
}


class PhoneValidation(models.TextChoices):
    STRICT = "strict", "Strict (number must be valid)"
    LENIENT = "lenient", "Lenient (right length for its country)"


class Workspace(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True)
    plan = models.CharField(max_length=20, choices=Plan.choices, default=Plan.UNLIMITED)
    default_country = models.CharField(
        max_length=2, default="US", help_text="ISO 3166 code used to parse numbers without a country code."
    )
    phone_validation = models.CharField(
        max_length=10, choices=PhoneValidation.choices, default=PhoneValidation.STRICT
    )
    timezone = models.CharField(max_length=64, default="UTC")
    calling_window_start = models.TimeField(default=time(8, 0))
    calling_window_end = models.TimeField(default=time(21, 0))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(plan__in=Plan.values), name="workspace_plan_valid"),
            models.CheckConstraint(
                condition=Q(phone_validation__in=PhoneValidation.values), name="workspace_phone_validation_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def contact_limit(self) -> int | None:
        return PLAN_CONTACT_LIMITS[self.plan]

    def clean(self) -> None:
        self.default_country = (self.default_country or "").upper()
        from contacts import phone

        errors = {}
        if not phone.is_supported_region(self.default_country):
            errors["default_country"] = f"{self.default_country!r} is not a country code."
        try:
            ZoneInfo(self.timezone or "")
        except (ZoneInfoNotFoundError, ValueError):
            errors["timezone"] = f"{self.timezone!r} is not a time zone (use e.g. America/New_York)."
        if errors:
            raise ValidationError(errors)


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "workspace"], name="membership_unique_user_workspace"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"


class WorkspaceQuerySet(models.QuerySet):
    def for_workspace(self, workspace: Workspace):
        return self.filter(workspace=workspace)


class ContactStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DNC = "dnc", "DNC"


class ContactQuerySet(WorkspaceQuerySet):
    def active(self):
        return self.filter(status=ContactStatus.ACTIVE)

    def dnc(self):
        return self.filter(status=ContactStatus.DNC)


class Contact(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="contacts")
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
        "ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="created_contacts"
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


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"


class Campaign(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="campaigns")
    public_id = models.CharField(max_length=40, unique=True, default=new_campaign_id, editable=False)
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    contacts = models.ManyToManyField(Contact, through="CampaignMembership", related_name="campaigns")

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CampaignStatus.values), name="campaign_status_valid"),
        ]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="campaign_ws_created")]

    def __str__(self) -> str:
        return self.name


class CampaignMembership(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="memberships")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="campaign_memberships")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "contact"], name="membership_unique_campaign_contact"),
        ]
        indexes = [models.Index(fields=["contact", "campaign"], name="campmember_contact")]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.campaign_id}"


class CallDirection(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"


class CallStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RINGING = "ringing", "Ringing"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    FAILED = "failed", "Failed"
    VOICEMAIL = "voicemail", "Voicemail"


class Sentiment(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEUTRAL = "neutral", "Neutral"
    NEGATIVE = "negative", "Negative"


# An outcome that puts the number on the DNC list the moment the call is logged.
OUTCOME_DNC_REQUESTED = "dnc_requested"


class Call(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="calls")
    public_id = models.CharField(max_length=40, unique=True, default=new_call_id, editable=False)
    # Deleting a contact detaches its history rather than erasing the workspace's call records.
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls")
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls")
    phone = models.CharField(max_length=20, blank=True, help_text="Number dialled or calling, E.164")
    direction = models.CharField(max_length=10, choices=CallDirection.choices, default=CallDirection.OUTBOUND)
    status = models.CharField(max_length=12, choices=CallStatus.choices, default=CallStatus.QUEUED)
    duration = models.PositiveIntegerField(default=0, help_text="Seconds")
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    outcome = models.CharField(max_length=64, blank=True)
    recording_url = models.URLField(max_length=500, blank=True)
    transcript = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(direction__in=CallDirection.values), name="call_direction_valid"),
            models.CheckConstraint(condition=Q(status__in=CallStatus.values), name="call_status_valid"),
            models.CheckConstraint(
                condition=Q(sentiment__in=[*Sentiment.values, ""]), name="call_sentiment_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="call_ws_created"),
            models.Index(fields=["contact", "-created_at"], name="call_contact_created"),
            models.Index(fields=["campaign", "-created_at"], name="call_campaign_created"),
        ]

    def __str__(self) -> str:
        return self.public_id


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
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Touched at every checkpoint: a batch "processing" with an old heartbeat lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

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


class DncSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    CALL = "call", "Requested during a call"
    API = "api", "API"
    IMPORT = "import", "Import"
    ADMIN = "admin", "Admin"


class DncEntry(models.Model):
    """A number on the workspace's Do-Not-Call list. Its existence is what makes a number DNC."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="dnc_entries")
    phone = models.CharField(max_length=20, help_text="E.164")
    reason = models.CharField(max_length=500)
    source = models.CharField(max_length=10, choices=DncSource.choices, default=DncSource.MANUAL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
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
    """Every addition to and removal from the DNC list: who, why, when. Never edited."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="dnc_audit")
    phone = models.CharField(max_length=20)
    action = models.CharField(max_length=10, choices=DncAction.choices)
    reason = models.CharField(max_length=500)
    source = models.CharField(max_length=10, choices=DncSource.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=200, blank=True, help_text="API key or system actor")
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

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="audit_events")
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


API_KEY_PREFIX = "sak_"


def hash_api_key(raw_key: str) -> str:
    # Keys carry 256 bits of randomness, so a fast hash is enough (no brute force possible).
    return hashlib.sha256(raw_key.encode()).hexdigest()


class ApiKey(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="First characters, shown to tell keys apart")
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


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
