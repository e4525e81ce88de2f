"""Workspaces, their plans, members and API keys; public ids shared by every domain."""
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
    call_lease_minutes = models.PositiveSmallIntegerField(
        default=10, help_text="Minutes a dialer may hold a claimed call before it goes back to the queue"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(
        null=True, blank=True,
        help_text="Archived workspaces keep their records but disappear for members and API keys.",
    )

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
    def is_archived(self) -> bool:
        return self.archived_at is not None

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
    COMPLIANCE = "compliance", "Compliance"
    VIEWER = "viewer", "Viewer"


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
    role = models.CharField(
        max_length=10, choices=Role.choices, default=Role.ADMIN, help_text="What requests made with this key may do"
    )

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"
        constraints = [models.CheckConstraint(condition=Q(role__in=Role.values), name="apikey_role_valid")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
