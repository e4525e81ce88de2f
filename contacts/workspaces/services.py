"""Workspaces, memberships and API keys."""
from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from contacts.compliance.audit import Actor, record_event
from contacts.errors import ValidationFailed
from contacts.models import API_KEY_PREFIX, ApiKey, Membership, Plan, Role, Workspace, hash_api_key
from contacts.observability import log_event
from contacts.workspaces.permissions import Perm, require

LAST_USED_RESOLUTION_SECONDS = 60  # avoid a write on every API request


@transaction.atomic
def workspace_create(
    *, name: str, slug: str, plan: str = Plan.UNLIMITED, owner: AbstractBaseUser | None = None,
    default_country: str = "US",
) -> Workspace:
    workspace = Workspace(name=name, slug=slug, plan=plan, default_country=default_country)
    workspace.full_clean()
    workspace.save()
    if owner is not None:
        Membership.objects.create(user=owner, workspace=workspace, role=Role.OWNER)
    return workspace


@transaction.atomic
def workspace_archive(*, workspace: Workspace, actor: Actor = None) -> Workspace:
    """Retire a workspace without deleting it: its DNC list and audit trails stay, members and API keys lose it."""
    require(actor, workspace, Perm.MANAGE)
    if workspace.archived_at is None:
        workspace.archived_at = timezone.now()
        workspace.save(update_fields=["archived_at"])
        record_event(workspace=workspace, actor=actor, action="workspace.archive", count=1,
                     details={"slug": workspace.slug})
    return workspace


@transaction.atomic
def api_key_create(
    *, workspace: Workspace, name: str, role: str = Role.ADMIN, actor: Actor = None
) -> tuple[ApiKey, str]:
    """A new key with a role; the raw value is returned once and only its hash is stored."""
    require(actor, workspace, Perm.MANAGE)
    if role not in Role.values:
        raise ValidationFailed(f"Unknown role {role!r}: use one of {', '.join(Role.values)}.",
                               details={"role": [f"Must be one of {', '.join(Role.values)}."]})
    raw = API_KEY_PREFIX + secrets.token_urlsafe(32)
    creator = actor if getattr(actor, "is_authenticated", False) else None
    key = ApiKey.objects.create(
        workspace=workspace, name=(name or "API key").strip()[:100], prefix=raw[:12],
        key_hash=hash_api_key(raw), created_by=creator, role=role,
    )
    record_event(workspace=workspace, actor=actor, action="api_key.create", count=1,
                 details={"name": key.name, "role": role})
    return key, raw


def api_key_authenticate(raw: str) -> ApiKey | None:
    if not raw or not raw.startswith(API_KEY_PREFIX):
        return None
    key = (
        ApiKey.objects.select_related("workspace")
        .filter(key_hash=hash_api_key(raw), revoked_at__isnull=True, workspace__archived_at__isnull=True)
        .first()
    )
    if key is None:
        log_event("api_key.rejected", prefix=raw[:12])
        return None
    log_event("api_key.use", workspace=key.workspace, actor=key, key=key.name)
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor: Actor = None) -> ApiKey:
    require(actor, key.workspace, Perm.MANAGE)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        record_event(workspace=key.workspace, actor=actor, action="api_key.revoke", count=1,
                     details={"name": key.name})
    return key
