"""Calls: queue an outbound call (never to a DNC number, only inside calling hours) and log results."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from contacts import phone as phone_rules
from contacts.models import (
    OUTCOME_DNC_REQUESTED,
    Call,
    CallDirection,
    CallStatus,
    Campaign,
    Contact,
    DncEntry,
    DncSource,
    Workspace,
)

from . import dnc as dnc_service
from ._common import Actor, record_event, validation_failed
from .errors import ContactDnc, OutsideCallingHours


@dataclass(frozen=True)
class CallingWindow:
    allowed: bool
    timezones: tuple[str, ...]
    local_times: tuple[datetime, ...]
    opens_at: datetime | None  # UTC instant when every zone is inside the window; None if never
    message: str


def _inside(workspace: Workspace, local: datetime) -> bool:
    start, end = workspace.calling_window_start, workspace.calling_window_end
    t = local.time()
    if start <= end:
        return start <= t < end
    return t >= start or t < end  # window over midnight


def calling_window(*, workspace: Workspace, phone: str, now: datetime | None = None) -> CallingWindow:
    """Whether a number may be called now: inside the window in every one of its time zones."""
    now = now or timezone.now()
    zones = phone_rules.timezones_for(phone) or (workspace.timezone or "UTC",)
    tzs = [ZoneInfo(z) for z in zones]
    local_times = tuple(now.astimezone(tz) for tz in tzs)
    if all(_inside(workspace, lt) for lt in local_times):
        return CallingWindow(True, tuple(zones), local_times, now, "Inside calling hours.")
    # Candidate openings: each zone's next window start over the next three days.
    candidates = []
    for tz in tzs:
        local_now = now.astimezone(tz)
        for day in range(0, 3):
            day_date = (local_now + timedelta(days=day)).date()
            start = datetime.combine(day_date, workspace.calling_window_start, tzinfo=tz)
            if start > now:
                candidates.append(start.astimezone(ZoneInfo("UTC")))
    opens_at = next(
        (c for c in sorted(candidates) if all(_inside(workspace, c.astimezone(tz)) for tz in tzs)), None
    )
    window = f"{workspace.calling_window_start:%H:%M}–{workspace.calling_window_end:%H:%M}"
    first_local = local_times[0]
    where = zones[0] if len(zones) == 1 else f"{len(zones)} time zones"
    if opens_at is None:
        message = f"Outside calling hours ({window}): this number spans {where} with no common window."
    else:
        opens_local = opens_at.astimezone(tzs[0])
        message = (
            f"Outside calling hours ({window} local time). It is {first_local:%H:%M} in {zones[0]}"
            f"{' and other zones of this number' if len(zones) > 1 else ''}; calling opens at "
            f"{opens_local:%a %H:%M} {zones[0]}."
        )
    return CallingWindow(False, tuple(zones), local_times, opens_at, message)


@transaction.atomic
def call_queue_outbound(
    *, contact: Contact, campaign: Campaign | None = None, actor: Actor = None, now: datetime | None = None
) -> Call:
    """Queue an outbound call. A DNC number is refused first, then calling hours are checked."""
    workspace = contact.workspace
    if contact.is_dnc or DncEntry.objects.filter(workspace=workspace, phone=contact.phone).exists():
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
            source=DncSource.CALL, actor=actor or "call",
        )
    contact.refresh_from_db(fields=["calls_count", "last_called_at", "status", "dnc_at"])
    return call
