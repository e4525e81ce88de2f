"""A workspace's own rules in one place: how its numbers are read and how much room its plan has left."""
from __future__ import annotations

from contacts import phone
from contacts.errors import ContactLimitReached, InvalidPhone
from contacts.workspaces.models import Workspace


def workspace_country(workspace: Workspace, override: object = None) -> str:
    """The country used for numbers without a country code: an explicit override, else the workspace's."""
    chosen = str(override or "").strip().upper()
    return chosen or (workspace.default_country or "US").upper()


def parse_for_workspace(
    workspace: Workspace, raw: object, *, country_hint: object = None, default_country: object = None
) -> phone.PhoneInfo:
    """Parse a number as this workspace reads numbers: its default country and its validation mode."""
    return phone.parse_phone(
        raw, default_country=workspace_country(workspace, default_country), country_hint=country_hint,
        mode=workspace.phone_validation,
    )


def normalize_for_workspace(
    workspace: Workspace, raw: object, *, country_hint: object = None, default_country: object = None
) -> str:
    """E.164 under the workspace's default country and validation mode, or InvalidPhone."""
    info = parse_for_workspace(workspace, raw, country_hint=country_hint, default_country=default_country)
    if not info.is_valid or not info.e164:
        raise InvalidPhone(
            f"{info.original or 'The number'!s}: {info.error}" if info.original else info.error,
            details={"phone": info.original, "reason": info.error},
        )
    return info.e164


def e164_or_reason_for_workspace(workspace: Workspace, raw: object) -> tuple[str | None, str]:
    """(E.164, "") or (None, why) under the workspace's rules: the fast, cached check for files of numbers."""
    return phone.e164_or_reason(str(raw or ""), workspace_country(workspace), workspace.phone_validation)


def plan_room(workspace: Workspace) -> int | None:
    """How many more contacts the workspace's plan allows; None when it has no limit."""
    from contacts.contacts.models import Contact

    limit = workspace.contact_limit
    if limit is None:
        return None
    return max(limit - Contact.objects.filter(workspace=workspace).count(), 0)


def contact_limit_check(workspace: Workspace, *, adding: int = 1) -> None:
    """Refuse when the plan's contact limit would be passed."""
    room = plan_room(workspace)
    if room is None or adding <= room:
        return
    limit = workspace.contact_limit
    current = limit - room
    raise ContactLimitReached(
        f"The {workspace.get_plan_display()} plan allows {limit:,} contacts; this workspace has {current:,}.",
        details={"limit": limit, "current": current, "plan": workspace.plan},
    )
