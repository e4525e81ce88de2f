"""Calling hours: whether a number may be called now, in every time zone it spans."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from contacts import phone as phone_rules
from contacts.workspaces.models import Workspace


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
