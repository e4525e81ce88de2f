"""Campaigns and their members (a DNC contact is never added), queueing calls and logging their results."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet

from contacts.compliance import services as dnc_service
from contacts.compliance.audit import Actor, record_event
from contacts.compliance.calling import calling_window
from contacts.compliance.selectors import dnc_is_listed
from contacts.errors import ContactDnc, OutsideCallingHours, validation_failed
from contacts.models import (
    OUTCOME_DNC_REQUESTED,
    Call,
    CallDirection,
    CallStatus,
    Campaign,
    CampaignMembership,
    CampaignStatus,
    Contact,
    ContactStatus,
    DncSource,
    Workspace,
)
from contacts.webhooks import events as webhook_events
from contacts.workspaces.permissions import Perm, require

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
    require(actor, workspace, Perm.EDIT)
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
def campaign_update(
    *, campaign: Campaign, name: str | None = None, status: str | None = None, actor: Actor = None
) -> Campaign:
    require(actor, campaign.workspace, Perm.EDIT)
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
    require(actor, campaign.workspace, Perm.EDIT)
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
    require(actor, campaign.workspace, Perm.EDIT)
    removed, _ = CampaignMembership.objects.filter(
        campaign=campaign, contact__in=contacts.filter(workspace_id=campaign.workspace_id).values("pk")
    ).delete()
    record_event(workspace=campaign.workspace, actor=actor, action="campaign.remove_contacts", count=removed,
                 details={"campaign": campaign.public_id})
    return removed


@transaction.atomic
def call_queue_outbound(
    *, contact: Contact, campaign: Campaign | None = None, actor: Actor = None, now: datetime | None = None
) -> Call:
    """Queue an outbound call. A DNC number is refused first, then calling hours are checked."""
    workspace = contact.workspace
    require(actor, workspace, Perm.EDIT)
    if contact.is_dnc or dnc_is_listed(workspace, contact.phone):
        raise ContactDnc(
            f"{contact} is on the Do-Not-Call list and will not be dialed.",
            details={"id": contact.public_id, "phone": contact.phone},
        )
    window = calling_window(workspace=workspace, phone=contact.phone, now=now)
    if not window.allowed:
        raise OutsideCallingHours(
            window.message,
            details={
                "local_time": window.local_times[0].isoformat(),
                "timezones": list(window.timezones),
                "opens_at": window.opens_at.isoformat() if window.opens_at else None,
            },
        )
    if campaign is not None and campaign.workspace_id != workspace.pk:
        campaign = None
    call = Call.objects.create(
        workspace=workspace, contact=contact, campaign=campaign, phone=contact.phone,
        direction=CallDirection.OUTBOUND, status=CallStatus.QUEUED,
    )
    record_event(workspace=workspace, actor=actor, action="call.queue", count=1, details={"call": call.public_id})
    webhook_events.call_queued(call)
    return call


@transaction.atomic
def call_log(
    *,
    workspace: Workspace,
    contact: Contact,
    direction: str = CallDirection.OUTBOUND,
    status: str = CallStatus.COMPLETED,
    duration: int = 0,
    sentiment: str = "",
    outcome: str = "",
    recording_url: str = "",
    transcript: str = "",
    campaign: Campaign | None = None,
    created_at: datetime | None = None,
    ended_at: datetime | None = None,
    actor: Actor = None,
) -> Call:
    """Record a call and keep the contact's calls_count / last_called_at current.

    Outcome `dnc_requested` puts the number on the DNC list at once (source `call`).
    """
    require(actor, workspace, Perm.EDIT)
    call = Call(
        workspace=workspace, contact=contact, campaign=campaign, phone=contact.phone, direction=direction,
        status=status, duration=duration or 0, sentiment=sentiment or "", outcome=(outcome or "").strip(),
        recording_url=recording_url or "", transcript=transcript or "", ended_at=ended_at,
    )
    try:
        call.full_clean(exclude=["workspace", "contact", "campaign"], validate_constraints=False)
    except ValidationError as exc:
        raise validation_failed(exc) from exc
    call.save()
    if created_at is not None:  # auto_now_add ignores a given value; history imports need it
        Call.objects.filter(pk=call.pk).update(created_at=created_at)
        call.created_at = created_at
    called_at = call.created_at
    Contact.objects.filter(pk=contact.pk).update(calls_count=F("calls_count") + 1)
    later = Q(last_called_at__isnull=True) | Q(last_called_at__lt=called_at)
    Contact.objects.filter(pk=contact.pk).filter(later).update(last_called_at=called_at)
    if call.outcome == OUTCOME_DNC_REQUESTED:
        dnc_service.dnc_add_number(
            workspace=workspace, phone=contact.phone, reason=f"Requested during call {call.public_id}",
            source=DncSource.CALL, actor=actor or "call", stored=True,
        )
    contact.refresh_from_db(fields=["calls_count", "last_called_at", "status", "dnc_at"])
    webhook_events.call_finished(call)
    return call
