"""Who did something (a user, an API key, a system label) and the audit events every recorded write leaves."""
from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from contacts.compliance.models import AuditEvent
from contacts.observability import log_event
from contacts.workspaces.models import ApiKey, Workspace

# Who did something: a user, an API key, a system label ("call", "import"), or nobody.
Actor = AbstractBaseUser | ApiKey | str | None


def actor_fields(actor: Actor) -> dict[str, Any]:
    """The audit columns for an actor; the label is kept as text so it outlives the user or key."""
    if actor is None:
        return {"actor": None, "actor_label": ""}
    if isinstance(actor, ApiKey):
        return {"actor": None, "actor_label": f"API key {actor.name} ({actor.prefix}…)"}
    if isinstance(actor, str):
        return {"actor": None, "actor_label": actor}
    if getattr(actor, "is_authenticated", False):
        return {"actor": actor, "actor_label": actor.get_username()}
    return {"actor": None, "actor_label": ""}


def record_event(
    *, workspace: Workspace, actor: Actor, action: str, count: int = 0, details: dict | None = None
) -> AuditEvent:
    log_event(action, workspace=workspace, actor=actor, count=count, details=details or {})
    return AuditEvent.objects.create(
        workspace=workspace, action=action, count=count, details=details or {}, **actor_fields(actor)
    )
