"""Campaigns, their members and calls."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from contacts.contacts.models import Contact
from contacts.workspaces.models import Workspace, WorkspaceQuerySet, new_call_id, new_campaign_id, new_public_id


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"


class CampaignType(models.TextChoices):
    TELEMARKETING = "telemarketing", "Telemarketing"
    INFORMATIONAL = "informational", "Informational"


class Campaign(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="campaigns")
    public_id = models.CharField(max_length=40, unique=True, default=new_campaign_id, editable=False)
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    script = models.TextField(
        blank=True, help_text="What the agent says first; {{first_name}}, {{custom.KEY}}, {{first_name|there}}"
    )
    max_attempts = models.PositiveSmallIntegerField(default=3, help_text="Calls per member, retries included")
    retry_after = models.DurationField(default=timedelta(hours=4), help_text="Wait before calling a member again")
    type = models.CharField(max_length=14, choices=CampaignType.choices, default=CampaignType.TELEMARKETING,
                            help_text="Telemarketing needs written consent and a registry scrub")
    subject = models.CharField(max_length=200, blank=True,
                               help_text="What the calls are about; frequency caps count per person per subject")
    started_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    contacts = models.ManyToManyField(Contact, through="CampaignMembership", related_name="campaigns")

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CampaignStatus.values), name="campaign_status_valid"),
            models.CheckConstraint(condition=Q(type__in=CampaignType.values), name="campaign_type_valid"),
        ]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="campaign_ws_created")]

    def __str__(self) -> str:
        return self.name


def new_campaign_add_id() -> str:
    return new_public_id("add")


class CampaignAdd(models.Model):
    """One confirmed "add contacts" to a campaign: its members can be removed together (undo)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="adds")
    public_id = models.CharField(max_length=40, unique=True, default=new_campaign_add_id, editable=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_label = models.CharField(max_length=200, blank=True)
    description = models.CharField(max_length=300, blank=True, help_text="What was selected, e.g. a search")
    added = models.PositiveIntegerField(default=0)
    skipped_dnc = models.PositiveIntegerField(default=0)
    already_members = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["campaign", "-created_at"], name="campadd_campaign_created")]

    def __str__(self) -> str:
        return f"{self.public_id}: +{self.added} to {self.campaign_id}"


class CampaignMembership(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="memberships")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="campaign_memberships")
    added_at = models.DateTimeField(auto_now_add=True)
    # The add that brought this member in (None: imports, the admin, or before adds were recorded).
    added_by = models.ForeignKey(CampaignAdd, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="memberships")

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
    DIALING = "dialing", "Dialing"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    VOICEMAIL = "voicemail", "Voicemail"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


# Statuses of a call nobody is working on any more, and the ones worth another attempt later.
FINAL_CALL_STATUSES = frozenset({"completed", "no_answer", "busy", "voicemail", "failed", "canceled"})
ACTIVE_CALL_STATUSES = frozenset({"queued", "dialing", "in_progress"})
RETRYABLE_CALL_STATUSES = frozenset({"no_answer", "busy", "voicemail"})


class Sentiment(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEUTRAL = "neutral", "Neutral"
    NEGATIVE = "negative", "Negative"


# An outcome that puts the number on the DNC list the moment the call is logged.
OUTCOME_DNC_REQUESTED = "dnc_requested"
# An outcome that revokes the number's consent the moment the call is logged.
OUTCOME_REVOKED_CONSENT = "revoked_consent"


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
    # The dialer: when a queued call may be handed out, who holds it and until when.
    not_before = models.DateTimeField(null=True, blank=True, help_text="Not handed out before this time")
    attempt = models.PositiveSmallIntegerField(default=1, help_text="Attempt number for this contact and campaign")
    claim_token = models.CharField(max_length=32, blank=True)
    claim_count = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    agent = models.CharField(max_length=100, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    # The compliance decision that let a dialer have this call, and the rule set version it was made under.
    decision = models.JSONField(null=True, blank=True)
    rules_version = models.CharField(max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

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
            # Partial indexes: only the few calls a dialer is looking for, so writing history stays cheap.
            models.Index(fields=["workspace", "created_at", "id"], name="call_queue",
                         condition=Q(status="queued")),
            models.Index(fields=["lease_expires_at"], name="call_lease", condition=Q(lease_expires_at__isnull=False)),
            models.Index(fields=["claim_token"], name="call_claim_token", condition=~Q(claim_token="")),
            models.Index(fields=["workspace", "phone", "created_at"], name="call_ws_phone_created"),
            models.Index(fields=["contact"], name="call_contact_open",
                         condition=Q(status__in=["queued", "dialing", "in_progress"])),
        ]

    def __str__(self) -> str:
        return self.public_id
