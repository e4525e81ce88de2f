"""Campaigns and their members. A DNC contact is never added to a campaign."""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from contacts.models import Campaign, CampaignMembership, CampaignStatus, Contact, ContactStatus, Workspace

from ._common import Actor, record_event, validation_failed

CHUNK = 2000


@dataclass(frozen=True)
class MembershipChange:
    added: int
    skipped_dnc: int
    already_members: int


@transaction.atomic
def campaign_create(
    *, workspace: Workspace, name: str, status: str = CampaignStatus.DRAFT, actor: Actor = None
) -> Campaign:
    campaign = Campaign(workspace=workspace, name=(name or "").strip(), status=status)
    try:
        campaign.full_clean(exclude=["workspace"])
    except ValidationError as exc:
        raise validation_failed(exc) from exc
    campaign.save()
    record_event(workspace=workspace, actor=actor, action="campaign.create", count=1,
                 details={"id": campaign.public_id})
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, name: str | None = None, status: str | None = None) -> Campaign:
    if name is not None:
        campaign.name = name.strip()
    if status is not None:
        campaign.status = status
    try:
        campaign.full_clean(exclude=["workspace"])
    except ValidationError as exc:
        raise validation_failed(exc) from exc
    campaign.save()
    return campaign


@transaction.atomic
def campaign_add_contacts(
    *, campaign: Campaign, contacts: QuerySet[Contact], actor: Actor = None
) -> MembershipChange:
    """Add the selected contacts; DNC ones are skipped and counted. Set-based and chunked."""
    selected = contacts.filter(workspace_id=campaign.workspace_id).order_by()
    skipped_dnc = selected.filter(status=ContactStatus.DNC).count()
    eligible = selected.filter(status=ContactStatus.ACTIVE)
    member_ids = CampaignMembership.objects.filter(campaign=campaign).values("contact_id")
    already = eligible.filter(pk__in=member_ids).count()
    new_ids = eligible.exclude(pk__in=member_ids).values_list("pk", flat=True)
    added = 0
    batch: list[int] = []
    for contact_id in new_ids.iterator(chunk_size=CHUNK):
        batch.append(contact_id)
        if len(batch) >= CHUNK:
            added += _insert(campaign, batch)
            batch = []
    if batch:
        added += _insert(campaign, batch)
    record_event(
        workspace=campaign.workspace, actor=actor, action="campaign.add_contacts", count=added,
        details={"campaign": campaign.public_id, "skipped_dnc": skipped_dnc, "already_members": already},
    )
    return MembershipChange(added=added, skipped_dnc=skipped_dnc, already_members=already)


def _insert(campaign: Campaign, contact_ids: list[int]) -> int:
    CampaignMembership.objects.bulk_create(
        [CampaignMembership(campaign=campaign, contact_id=cid) for cid in contact_ids], ignore_conflicts=True
    )
    return len(contact_ids)


@transaction.atomic
def campaign_remove_contacts(*, campaign: Campaign, contacts: QuerySet[Contact], actor: Actor = None) -> int:
    removed, _ = CampaignMembership.objects.filter(
        campaign=campaign, contact__in=contacts.filter(workspace_id=campaign.workspace_id).values("pk")
    ).delete()
    record_event(workspace=campaign.workspace, actor=actor, action="campaign.remove_contacts", count=removed,
                 details={"campaign": campaign.public_id})
    return removed
