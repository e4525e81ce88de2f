"""Merge two contacts of one workspace into one (API and dashboard share this)."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from contacts.compliance import services as dnc_service
from contacts.compliance.audit import Actor, record_event
from contacts.errors import ContactNotFound, ValidationFailed
from contacts.models import Call, CampaignMembership, Contact, ContactStatus, DncSource
from contacts.workspaces.permissions import Perm, require

MERGED_FIELDS = ("first_name", "last_name", "email", "company", "title", "notes")


@dataclass
class MergePlan:
    """What a merge would do, for the side-by-side page and for the audit record."""

    filled: dict[str, str] = field(default_factory=dict)  # field -> value taken from the source
    metadata_added: list[str] = field(default_factory=list)
    calls_moved: int = 0
    campaigns_moved: int = 0
    becomes_dnc: bool = False

    def as_details(self) -> dict:
        return {"filled": sorted(self.filled), "metadata_added": self.metadata_added,
                "calls_moved": self.calls_moved, "campaigns_moved": self.campaigns_moved,
                "becomes_dnc": self.becomes_dnc}


def merge_plan(*, target: Contact, source: Contact) -> MergePlan:
    """The outcome of merging source into target, without writing anything."""
    _check(target, source)
    plan = MergePlan()
    for name in MERGED_FIELDS:
        if not getattr(target, name) and getattr(source, name):
            plan.filled[name] = getattr(source, name)
    target_meta = target.metadata or {}
    plan.metadata_added = sorted(k for k in (source.metadata or {}) if k not in target_meta)
    plan.calls_moved = Call.objects.filter(contact=source).count()
    plan.campaigns_moved = (
        CampaignMembership.objects.filter(contact=source)
        .exclude(campaign_id__in=CampaignMembership.objects.filter(contact=target).values("campaign_id"))
        .count()
    )
    plan.becomes_dnc = source.is_dnc and not target.is_dnc
    return plan


def _check(target: Contact, source: Contact) -> None:
    if target.workspace_id != source.workspace_id:
        raise ContactNotFound(f"Contact {source.public_id} not found.", details={"id": source.public_id})
    if target.pk == source.pk:
        raise ValidationFailed("A contact cannot be merged into itself.",
                               details={"source_id": ["Pick a different contact."]})


@transaction.atomic
def contact_merge(*, target: Contact, source: Contact, actor: Actor = None) -> Contact:
    """Merge source into target and delete source.

    Target's non-empty values win and its empty ones are filled from source; metadata is combined (target's
    keys win); calls and campaign memberships move over; a DNC source makes the target DNC too (the person
    asked not to be called), and the merge is recorded.
    """
    require(actor, target.workspace, Perm.DESTROY)
    _check(target, source)
    # Lock both rows (in id order, so two opposite merges cannot deadlock) and work on fresh values.
    locked = {c.pk: c for c in Contact.objects.select_for_update().filter(pk__in=[target.pk, source.pk])
              .order_by("pk")}
    if source.pk not in locked:
        raise ContactNotFound(f"Contact {source.public_id} not found.", details={"id": source.public_id})
    if target.pk not in locked:
        raise ContactNotFound(f"Contact {target.public_id} not found.", details={"id": target.public_id})
    target, source = locked[target.pk], locked[source.pk]
    plan = merge_plan(target=target, source=source)

    for name, value in plan.filled.items():
        setattr(target, name, value)
    target.metadata = {**(source.metadata or {}), **(target.metadata or {})}
    moved_calls = Call.objects.filter(contact=source).update(contact=target)
    moved_campaigns = (
        CampaignMembership.objects.filter(contact=source)
        .exclude(campaign_id__in=CampaignMembership.objects.filter(contact=target).values("campaign_id"))
        .update(contact=target)
    )
    target.calls_count = target.calls_count + source.calls_count
    if source.last_called_at and (not target.last_called_at or source.last_called_at > target.last_called_at):
        target.last_called_at = source.last_called_at
    target.updated_at = timezone.now()
    target.save()

    details = {**plan.as_details(), "calls_moved": moved_calls, "campaigns_moved": moved_campaigns,
               "source_id": source.public_id, "source_phone": source.phone, "target_id": target.public_id}
    source_id = source.public_id
    source_dnc = source.is_dnc
    source.delete()  # memberships it still had (campaigns the target is already in) go with it
    if source_dnc and target.status != ContactStatus.DNC:
        target = dnc_service.contact_mark_dnc(
            contact=target, reason=f"Merged with {source_id}, which was on the Do-Not-Call list",
            source=DncSource.MANUAL, actor=actor,
        )
    record_event(workspace=target.workspace, actor=actor, action="contact.merge", count=1, details=details)
    return target
