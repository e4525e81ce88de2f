"""Campaigns and their members (a DNC contact is never added), queueing calls and logging their results."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from contacts.campaigns import scripts
from contacts.campaigns.models import ACTIVE_CALL_STATUSES
from contacts.campaigns.selectors import MembershipChange, campaign_add_preview
from contacts.compliance import services as dnc_service
from contacts.compliance.audit import Actor, actor_fields, record_event
from contacts.compliance.calling import calling_window
from contacts.compliance.consents import consent_revoke
from contacts.compliance.decision import Decision, decide
from contacts.contacts.numbers import dial_number
from contacts.errors import (
    CallNotAllowed,
    ContactDnc,
    OutsideCallingHours,
    ServiceError,
    ValidationFailed,
    validation_failed,
)
from contacts.models import (
    OUTCOME_DNC_REQUESTED,
    OUTCOME_REVOKED_CONSENT,
    Call,
    CallDirection,
    CallStatus,
    Campaign,
    CampaignAdd,
    CampaignMembership,
    CampaignStatus,
    CampaignType,
    Contact,
    ContactStatus,
    DncSource,
    Workspace,
)
from contacts.webhooks import events as webhook_events
from contacts.workspaces.permissions import Perm, require

CHUNK = 2000


def _apply_calling_settings(campaign: Campaign, *, script: str | None, max_attempts: int | None,
                            retry_after: timedelta | None, type: str | None = None,  # noqa: A002 - the API's name
                            subject: str | None = None) -> None:
    """Script, attempts, retry spacing, type and subject, checked before they reach a dialer."""
    if type is not None:
        if type not in CampaignType.values:
            raise ValidationFailed(f"type must be one of {', '.join(CampaignType.values)}.",
                                   details={"type": [f"Use {' or '.join(CampaignType.values)}."]})
        campaign.type = type
    if subject is not None:
        campaign.subject = " ".join(subject.split())[:200]
    if script is not None:
        unknown = scripts.unknown_variables(script)
        if unknown:
            raise ValidationFailed(
                f"Unknown variable {{{{{unknown[0]}}}}}: use {', '.join(scripts.FIELDS)} or custom.KEY.",
                details={"script": [f"Unknown variable(s): {', '.join(unknown)}."]},
            )
        campaign.script = script.strip()
    if max_attempts is not None:
        if not 1 <= int(max_attempts) <= 20:
            raise ValidationFailed("max_attempts must be between 1 and 20.", details={"max_attempts": ["1-20."]})
        campaign.max_attempts = int(max_attempts)
    if retry_after is not None:
        if not timedelta(minutes=1) <= retry_after <= timedelta(days=30):
            raise ValidationFailed("retry_after must be between 1 minute and 30 days.",
                                   details={"retry_after": ["Between 60 and 2,592,000 seconds."]})
        campaign.retry_after = retry_after


def _validated_save(campaign: Campaign) -> None:
    try:
        campaign.full_clean(exclude=["workspace"])
    except ValidationError as exc:
        raise validation_failed(exc) from exc
    campaign.save()


@transaction.atomic
def campaign_create(
    *, workspace: Workspace, name: str, status: str = CampaignStatus.DRAFT, actor: Actor = None,
    script: str = "", max_attempts: int | None = None, retry_after: timedelta | None = None,
    type: str | None = None, subject: str | None = None,  # noqa: A002 - the API's field name
) -> Campaign:
    require(actor, workspace, Perm.EDIT)
    campaign = Campaign(workspace=workspace, name=(name or "").strip(), status=status)
    _apply_calling_settings(campaign, script=script, max_attempts=max_attempts, retry_after=retry_after,
                            type=type, subject=subject)
    _validated_save(campaign)
    record_event(workspace=workspace, actor=actor, action="campaign.create", count=1,
                 details={"id": campaign.public_id})
    return campaign


@transaction.atomic
def campaign_update(
    *, campaign: Campaign, name: str | None = None, status: str | None = None, actor: Actor = None,
    script: str | None = None, max_attempts: int | None = None, retry_after: timedelta | None = None,
    type: str | None = None, subject: str | None = None,  # noqa: A002 - the API's field name
) -> Campaign:
    require(actor, campaign.workspace, Perm.EDIT)
    if name is not None:
        campaign.name = name.strip()
    if status is not None:
        campaign.status = status
    _apply_calling_settings(campaign, script=script, max_attempts=max_attempts, retry_after=retry_after,
                            type=type, subject=subject)
    _validated_save(campaign)
    return campaign


@transaction.atomic
def campaign_add_contacts(
    *, campaign: Campaign, contacts: QuerySet[Contact], actor: Actor = None, description: str = ""
) -> MembershipChange:
    """Add the selected contacts; DNC ones are skipped and counted. Set-based and chunked.

    The new members are recorded as one CampaignAdd (`description` says what was selected), so they can be
    removed together with campaign_undo_add.
    """
    require(actor, campaign.workspace, Perm.EDIT)
    plan = campaign_add_preview(campaign=campaign, contacts=contacts)
    add = None
    added = 0
    if plan.added:
        add = CampaignAdd.objects.create(
            campaign=campaign, description=description[:300], skipped_dnc=plan.skipped_dnc,
            already_members=plan.already_members, **actor_fields(actor),
        )
        selected = contacts.filter(workspace_id=campaign.workspace_id).order_by()
        member_ids = CampaignMembership.objects.filter(campaign=campaign).values("contact_id")
        new_ids = selected.filter(status=ContactStatus.ACTIVE).exclude(pk__in=member_ids).values_list("pk", flat=True)
        batch: list[int] = []
        for contact_id in new_ids.iterator(chunk_size=CHUNK):
            batch.append(contact_id)
            if len(batch) >= CHUNK:
                added += _insert(campaign, batch, add)
                batch = []
        if batch:
            added += _insert(campaign, batch, add)
        CampaignAdd.objects.filter(pk=add.pk).update(added=added)
        add.added = added
    record_event(
        workspace=campaign.workspace, actor=actor, action="campaign.add_contacts", count=added,
        details={"campaign": campaign.public_id, "add": add.public_id if add else None,
                 "skipped_dnc": plan.skipped_dnc, "already_members": plan.already_members},
    )
    return MembershipChange(added=added, skipped_dnc=plan.skipped_dnc, already_members=plan.already_members,
                            add=add)


def _insert(campaign: Campaign, contact_ids: list[int], add: CampaignAdd) -> int:
    CampaignMembership.objects.bulk_create(
        [CampaignMembership(campaign=campaign, contact_id=cid, added_by=add) for cid in contact_ids],
        ignore_conflicts=True,
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
def campaign_undo_add(*, add: CampaignAdd, actor: Actor = None) -> int:
    """Remove the members this add brought in and that are still there; members from other adds stay."""
    campaign = add.campaign
    require(actor, campaign.workspace, Perm.EDIT)
    removed, _ = CampaignMembership.objects.filter(campaign=campaign, added_by=add).delete()
    CampaignAdd.objects.filter(pk=add.pk).update(undone_at=timezone.now(), undone_count=F("undone_count") + removed)
    add.refresh_from_db(fields=["undone_at", "undone_count"])
    record_event(workspace=campaign.workspace, actor=actor, action="campaign.undo_add", count=removed,
                 details={"campaign": campaign.public_id, "add": add.public_id})
    return removed


@transaction.atomic
def campaign_remove_all_contacts(*, campaign: Campaign, actor: Actor = None) -> int:
    """Empty the campaign (its calls stay in the call log)."""
    require(actor, campaign.workspace, Perm.EDIT)
    removed, _ = CampaignMembership.objects.filter(campaign=campaign).delete()
    record_event(workspace=campaign.workspace, actor=actor, action="campaign.remove_all_contacts", count=removed,
                 details={"campaign": campaign.public_id})
    return removed


def _refusal(contact: Contact, verdict: Decision, now: datetime | None) -> ServiceError:
    """The error Call now answers with: DNC first, calling hours next (their long-standing codes), else the rest;
    every reason and the rule set version are in its details."""
    details = {"id": contact.public_id, "phone": contact.phone, "reasons": [r.as_dict() for r in verdict.reasons],
               "rules_version": verdict.rules_version}
    codes = set(verdict.codes)
    if "dnc_internal" in codes:
        return ContactDnc(f"{contact} is on the Do-Not-Call list and will not be dialed.", details=details)
    if codes == {"outside_window"}:
        window = calling_window(workspace=contact.workspace, phone=contact.phone, now=now)
        details.update({"local_time": window.local_times[0].isoformat(), "timezones": list(verdict.jurisdiction.zones),
                        "opens_at": verdict.next_allowed_at.astimezone(UTC).isoformat() if verdict.next_allowed_at
                        else None})
        return OutsideCallingHours(verdict.reasons[0].message, details=details)
    return CallNotAllowed(verdict.summary(), details=details)


@transaction.atomic
def call_queue_outbound(
    *, contact: Contact, campaign: Campaign | None = None, actor: Actor = None, now: datetime | None = None
) -> Call:
    """Queue an outbound call if the compliance decision allows it now (DNC, registry, consent, hours, caps).

    A contact with a call already queued or under way gets that call back (`call.reused` is True):
    a second click never queues a second call.
    """
    workspace = contact.workspace
    require(actor, workspace, Perm.EDIT)
    Contact.objects.select_for_update().filter(pk=contact.pk).values_list("pk", flat=True).first()
    open_call = (Call.objects.filter(contact=contact, status__in=ACTIVE_CALL_STATUSES)
                 .order_by("-created_at", "-id").first())
    if open_call is not None:
        open_call.reused = True
        return open_call
    if campaign is not None and campaign.workspace_id != workspace.pk:
        campaign = None
    number = dial_number(contact)  # the first of its numbers not on the DNC list
    verdict = decide(workspace=workspace, phone=number, campaign=campaign, contact=contact, at=now)
    if not verdict.allowed:
        raise _refusal(contact, verdict, now)
    call = Call.objects.create(
        workspace=workspace, contact=contact, campaign=campaign, phone=number,
        direction=CallDirection.OUTBOUND, status=CallStatus.QUEUED, decision=verdict.as_dict(),
        rules_version=verdict.rules_version,
    )
    call.reused = False
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
    if created_at is not None and created_at > timezone.now() + timedelta(minutes=1):
        raise ValidationFailed("created_at cannot be in the future: log calls that happened.",
                               details={"created_at": ["In the future."]})
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
    if call.outcome == OUTCOME_REVOKED_CONSENT:
        consent_revoke(workspace=workspace, phone=contact.phone, channel="call", stored=True, actor=actor or "call",
                       note=f"Revoked during call {call.public_id}", revoked_at=min(call.created_at, timezone.now()))
    contact.refresh_from_db(fields=["calls_count", "last_called_at", "status", "dnc_at"])
    webhook_events.call_finished(call)
    return call
