"""Reads about workspaces: which ones a user belongs to, how much of its plan one uses."""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from contacts.workspaces.models import Workspace


def user_workspaces(user: AbstractBaseUser) -> QuerySet[Workspace]:
    """The workspaces a user belongs to; archived ones are gone for their members."""
    if not getattr(user, "is_authenticated", False):
        return Workspace.objects.none()
    return Workspace.objects.filter(memberships__user=user, archived_at__isnull=True).order_by("name")


def plan_usage(workspace: Workspace, used: int | None = None) -> dict | None:
    """Contacts held against the plan's limit, for the plan meter ("812 of 1,000 contacts"); None without a limit.

    `used` saves the count when the caller already has it.
    """
    limit = workspace.contact_limit
    if limit is None:
        return None
    if used is None:
        from contacts.contacts.models import Contact

        used = Contact.objects.filter(workspace=workspace).count()
    percent = min(100, round(100 * used / limit)) if limit else 100
    return {"used": used, "limit": limit, "percent": percent, "plan": workspace.get_plan_display(),
            "left": max(limit - used, 0), "level": "full" if used >= limit else "near" if percent >= 80 else "ok"}
