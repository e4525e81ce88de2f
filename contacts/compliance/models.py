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


# --- consent ledger ------------------------------------------------------------------------------------------

class ConsentKind(models.TextChoices):
    EXPRESS = "express", "Prior express consent"
    EXPRESS_WRITTEN = "express_written", "Prior express written consent"


class ConsentSource(models.TextChoices):
    WEB_FORM = "web_form", "Web form"
    CALL = "call", "During a call"
    API = "api", "API"
    DASHBOARD = "dashboard", "Dashboard"
    IMPORT = "import", "Import"
    PAPER = "paper", "Paper or e-signature"
    OTHER = "other", "Other"


class RevocationChannel(models.TextChoices):
    API = "api", "API"
    DASHBOARD = "dashboard", "Dashboard"
    CALL = "call", "Call outcome"
    IMPORT = "import", "Import"
    ADMIN = "admin", "Admin"
    OTHER = "other", "Other"


def new_consent_id() -> str:
    from contacts.workspaces.models import new_public_id

    return new_public_id("consent")


def new_revocation_id() -> str:
    from contacts.workspaces.models import new_public_id

    return new_public_id("revocation")


class ConsentRecord(AppendOnlyModel):
    """Consent a person gave to be called at a number, with its proof. Never edited: a revocation ends it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="consents")
    public_id = models.CharField(max_length=40, unique=True, default=new_consent_id, editable=False)
    phone = models.CharField(max_length=20, help_text="E.164")
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="consents")
    kind = models.CharField(max_length=16, choices=ConsentKind.choices)
    source = models.CharField(max_length=10, choices=ConsentSource.choices)
    captured_at = models.DateTimeField(help_text="When the person gave consent")
    proof_url = models.URLField(max_length=500, blank=True, help_text="The form's URL, or where the proof is kept")
    proof_ip = models.GenericIPAddressField(null=True, blank=True)
    proof_text = models.TextField(blank=True, help_text="The consent language the person saw or heard")
    recording_id = models.CharField(max_length=200, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-captured_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ConsentKind.values), name="consent_kind_valid"),
            models.CheckConstraint(condition=Q(source__in=ConsentSource.values), name="consent_source_valid"),
        ]
        indexes = [models.Index(fields=["workspace", "phone", "captured_at"], name="consent_ws_phone")]

    def __str__(self) -> str:
        return f"{self.phone} {self.kind}"


class ConsentRevocation(AppendOnlyModel):
    """A person withdrew consent for a number, by any channel: effective at `revoked_at`, for every consent before."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="consent_revocations")
    public_id = models.CharField(max_length=40, unique=True, default=new_revocation_id, editable=False)
    phone = models.CharField(max_length=20, help_text="E.164")
    channel = models.CharField(max_length=10, choices=RevocationChannel.choices)
    note = models.CharField(max_length=500, blank=True)
    revoked_at = models.DateTimeField()
    actor_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-revoked_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=RevocationChannel.values), name="revocation_channel_valid"),
        ]
        indexes = [models.Index(fields=["workspace", "phone", "revoked_at"], name="revocation_ws_phone")]

    def __str__(self) -> str:
        return f"{self.phone} revoked"


# --- registry files ------------------------------------------------------------------------------------------

class RegistryKind(models.TextChoices):
    NATIONAL = "national", "National DNC Registry"
    STATE = "state", "State list"


def new_registry_id() -> str:
    from contacts.workspaces.models import new_public_id

    return new_public_id("registry")


class RegistrySource(models.Model):
    """A DNC source of kind `registry`: one uploaded registry file, with the date it was downloaded."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="registry_sources")
    public_id = models.CharField(max_length=40, unique=True, default=new_registry_id, editable=False)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=RegistryKind.choices, default=RegistryKind.NATIONAL)
    state = models.CharField(max_length=2, blank=True, help_text="For a state list: its state")
    downloaded_on = models.DateField(help_text="When the file was downloaded from the registry")
    numbers = models.PositiveBigIntegerField(default=0)
    area_codes = models.JSONField(default=list, blank=True)
    lines_rejected = models.PositiveIntegerField(default=0)
    actor_label = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-downloaded_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RegistryKind.values), name="registry_kind_valid"),
        ]
        indexes = [models.Index(fields=["workspace", "-downloaded_on"], name="registry_ws_downloaded")]

    def __str__(self) -> str:
        return self.name


class RegistryBlock(models.Model):
    """The numbers of one registry file in one exchange (NPA-NXX) as a 10,000-bit set: 1,250 bytes.

    Bit i (byte i // 8, bit i % 8, least significant first, as PostgreSQL's get_bit reads it) is line number
    i of the exchange. An area code is at most 800 of these (1 MB), whatever its count.
    """

    source = models.ForeignKey(RegistrySource, on_delete=models.CASCADE, related_name="blocks")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    prefix = models.CharField(max_length=6, help_text="Area code and exchange, e.g. 305555")
    bits = models.BinaryField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "prefix"], name="registryblock_unique_source_prefix"),
        ]
        indexes = [models.Index(fields=["workspace", "prefix"], name="registryblock_ws_prefix")]

    def __str__(self) -> str:
        return self.prefix


class WorkspaceRule(models.Model):
    """A workspace's own calling rule, in the rules file's format; only ever stricter than the shipped rules."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="compliance_rules")
    rule_id = models.CharField(max_length=64)
    rule = models.JSONField()
    actor_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rule_id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "rule_id"], name="workspacerule_unique_id"),
        ]

    def __str__(self) -> str:
        return self.rule_id
