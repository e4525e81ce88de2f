"""The one answer to "may this actor do this in this workspace", called by every service with its actor.

Views, the API and the admin never decide it themselves: they call `require` (or a service that calls it)
and translate `Forbidden` into a 403 page, the API's `forbidden` error, or a hidden button (`allowed`).
"""
from __future__ import annotations

from enum import StrEnum
from typing import Any

from contacts.errors import Forbidden
from contacts.workspaces.models import ApiKey, Membership, Role, Workspace


class Perm(StrEnum):
    VIEW = "view"  # see contacts, calls, campaigns, imports
    EDIT = "edit"  # create/edit contacts, import, campaigns, call now
    DNC_ADD = "dnc_add"  # add numbers to the DNC list
    DNC_MANAGE = "dnc_manage"  # remove numbers from the DNC list, DNC upload, audit export
    DESTROY = "destroy"  # bulk delete, revert an import, merge
    EXPORT = "export"  # export CSV
    MANAGE = "manage"  # API keys, members, workspace settings


EVERYTHING = frozenset(Perm)
ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.OWNER: EVERYTHING,
    Role.ADMIN: EVERYTHING,
    Role.MEMBER: frozenset({Perm.VIEW, Perm.EDIT, Perm.DNC_ADD, Perm.EXPORT}),
    Role.COMPLIANCE: frozenset({Perm.VIEW, Perm.DNC_ADD, Perm.DNC_MANAGE, Perm.EXPORT}),
    Role.VIEWER: frozenset({Perm.VIEW}),
}

# One line per role for the role selects (members and API keys pages); keep in step with the matrix above.
ROLE_SUMMARIES: dict[str, str] = {
    Role.OWNER: "Everything, including making and removing owners",
    Role.ADMIN: "Everything except making, changing or removing owners",
    Role.MEMBER: "View, create and edit contacts, imports, campaigns and calls; add to DNC; export",
    Role.COMPLIANCE: "View; add to and remove from the DNC list; export",
    Role.VIEWER: "View only",
}

DESCRIPTIONS = {
    Perm.VIEW: "see this workspace",
    Perm.EDIT: "create or change contacts, imports, campaigns and calls",
    Perm.DNC_ADD: "add numbers to the Do-Not-Call list",
    Perm.DNC_MANAGE: "remove numbers from the Do-Not-Call list, upload DNC files or export the DNC audit log",
    Perm.DESTROY: "delete contacts in bulk, revert imports or merge contacts",
    Perm.EXPORT: "export contacts",
    Perm.MANAGE: "manage API keys, members and workspace settings",
}

_CACHE_ATTR = "_workspace_roles"


def role_of(actor: Any, workspace: Workspace) -> str | None:
    """The actor's role in the workspace, or None when it has none.

    An API key has the role it was created with, in its own workspace only. A superuser is a platform
    operator (the Django admin) and acts as an owner. A string label or None is the system itself
    (a task, a command, a call outcome), which has no role to check.
    """
    if actor is None or isinstance(actor, str):
        return Role.OWNER
    if isinstance(actor, ApiKey):
        return actor.role if actor.workspace_id == workspace.pk and actor.revoked_at is None else None
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", True):
        return None
    if getattr(actor, "is_superuser", False):
        return Role.OWNER
    cache: dict[int, str | None] = actor.__dict__.setdefault(_CACHE_ATTR, {})
    if workspace.pk not in cache:
        cache[workspace.pk] = (
            Membership.objects.filter(user=actor, workspace=workspace).values_list("role", flat=True).first()
        )
    return cache[workspace.pk]


def remember_role(actor: Any, workspace: Workspace, role: str | None) -> None:
    """Seed the cache with a role read alongside the workspace (saves the request a query)."""
    if actor is not None and not isinstance(actor, str | ApiKey):
        actor.__dict__.setdefault(_CACHE_ATTR, {})[workspace.pk] = role


def forget_roles(actor: Any) -> None:
    """Drop the roles cached on a user object (after a membership change)."""
    if actor is not None and not isinstance(actor, str):
        actor.__dict__.pop(_CACHE_ATTR, None)


def allowed(actor: Any, workspace: Workspace | None, perm: Perm | str) -> bool:
    if workspace is None:
        return False
    role = role_of(actor, workspace)
    return role is not None and Perm(perm) in ROLE_PERMISSIONS.get(role, frozenset())


def require(actor: Any, workspace: Workspace | None, perm: Perm | str) -> None:
    """Raise Forbidden unless the actor may do `perm` in the workspace."""
    if allowed(actor, workspace, perm):
        return
    role = role_of(actor, workspace) if workspace is not None else None
    who = f"The {Role(role).label.lower()} role" if role else "You are not a member of this workspace and"
    verb = "does not allow you to" if role else "cannot"
    raise Forbidden(
        f"{who} {verb} {DESCRIPTIONS[Perm(perm)]}.",
        details={"permission": str(perm), "role": role},
    )


def permissions_of(actor: Any, workspace: Workspace | None) -> dict[str, bool]:
    """Every permission as a flag, for templates that hide or disable what a role cannot do."""
    return {perm.value: allowed(actor, workspace, perm) for perm in Perm}
