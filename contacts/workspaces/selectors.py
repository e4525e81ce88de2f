"""Reads about workspaces: which ones a user belongs to."""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from contacts.workspaces.models import Workspace


def user_workspaces(user: AbstractBaseUser) -> QuerySet[Workspace]:
    """The workspaces a user belongs to; archived ones are gone for their members."""
    if not getattr(user, "is_authenticated", False):
        return Workspace.objects.none()
    return Workspace.objects.filter(memberships__user=user, archived_at__isnull=True).order_by("name")
