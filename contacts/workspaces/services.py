"""Workspaces, memberships and API keys.

Members: MANAGE (owner, admin) adds, re-roles and removes members, and every change is an audit event. Owners are
guarded twice: only an owner may make someone an owner or change or remove an owner (an admin cannot raise
anyone, itself included, to owner, nor push an owner out), and a workspace always keeps at least one owner.
"""
from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from contacts.compliance.audit import Actor, record_event
from contacts.errors import Forbidden, ValidationFailed, validation_failed
from contacts.models import API_KEY_PREFIX, ApiKey, Membership, Plan, Role, Workspace, hash_api_key
from contacts.observability import log_event
from contacts.workspaces.permissions import Perm, forget_roles, require, role_of

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
    _check_role(role)
    if role == Role.OWNER:
        _require_owner(actor, workspace, "create an owner key")
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


# --- members ---------------------------------------------------------------------------------------------

def _check_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationFailed(f"Unknown role {role!r}: use one of {', '.join(Role.values)}.",
                               details={"role": [f"Must be one of {', '.join(Role.values)}."]})


def _require_owner(actor: Actor, workspace: Workspace, doing: str) -> None:
    """Owner-only steps: a superuser and the system (commands, None) count as owners."""
    role = role_of(actor, workspace)
    if role != Role.OWNER:
        raise Forbidden(f"Only an owner can {doing}.", details={"permission": "owner", "role": role})


def _other_owners(membership: Membership) -> int:
    """Owners besides this membership, counted with their rows locked so two demotions cannot race."""
    owners = Membership.objects.select_for_update().filter(workspace_id=membership.workspace_id, role=Role.OWNER)
    return sum(1 for pk in owners.values_list("pk", flat=True) if pk != membership.pk)


def _forget(*users) -> None:
    for user in users:
        forget_roles(user)


@transaction.atomic
def member_add(*, workspace: Workspace, user: AbstractBaseUser, role: str = Role.MEMBER,
               actor: Actor = None) -> Membership:
    """Give a user a role in the workspace; a user who is already a member keeps that membership (change it)."""
    require(actor, workspace, Perm.MANAGE)
    _check_role(role)
    if role == Role.OWNER:
        _require_owner(actor, workspace, "make someone an owner")
    if Membership.objects.filter(workspace=workspace, user=user).exists():
        raise ValidationFailed(f"{user.get_username()} is already a member of {workspace.name}; change their role "
                               "instead.", details={"user": ["Already a member."]})
    membership = Membership.objects.create(workspace=workspace, user=user, role=role)
    record_event(workspace=workspace, actor=actor, action="member.add", count=1,
                 details={"user": user.get_username(), "role": role})
    _forget(user)
    return membership


@transaction.atomic
def member_set_role(*, membership: Membership, role: str, actor: Actor = None) -> Membership:
    workspace = membership.workspace
    require(actor, workspace, Perm.MANAGE)
    _check_role(role)
    previous = membership.role
    if role == previous:
        return membership
    if Role.OWNER in (role, previous):
        _require_owner(actor, workspace, "make someone an owner" if role == Role.OWNER else "change an owner's role")
    if previous == Role.OWNER and not _other_owners(membership):
        raise ValidationFailed(f"{membership.user.get_username()} is the last owner of {workspace.name}: make "
                               "someone else an owner first.", details={"role": ["The last owner stays an owner."]})
    membership.role = role
    membership.save(update_fields=["role"])
    record_event(workspace=workspace, actor=actor, action="member.role", count=1,
                 details={"user": membership.user.get_username(), "role": role, "previous_role": previous})
    _forget(membership.user, actor)
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, actor: Actor = None) -> None:
    workspace = membership.workspace
    require(actor, workspace, Perm.MANAGE)
    if membership.role == Role.OWNER:
        _require_owner(actor, workspace, "remove an owner")
        if not _other_owners(membership):
            raise ValidationFailed(f"{membership.user.get_username()} is the last owner of {workspace.name}: make "
                                   "someone else an owner first.", details={"user": ["The last owner stays."]})
    username = membership.user.get_username()
    membership.delete()
    record_event(workspace=workspace, actor=actor, action="member.remove", count=1,
                 details={"user": username, "role": membership.role})
    _forget(membership.user, actor)


def _user_get_or_create(identifier: str, email: str, password: str | None) -> tuple[AbstractBaseUser, bool]:
    identifier, email = (identifier or "").strip(), (email or "").strip()
    if not identifier:
        raise ValidationFailed("Give a username or an email address.", details={"user": ["Required."]})
    model = get_user_model()
    users = model._default_manager
    found = users.filter(**{model.USERNAME_FIELD: identifier}).first()
    if found is None and "@" in identifier:
        matches = list(users.filter(email__iexact=identifier)[:2])
        if len(matches) > 1:
            raise ValidationFailed(f"Several accounts use {identifier}; give the username instead.",
                                   details={"user": ["Ambiguous email."]})
        found = matches[0] if matches else None
    if found is not None:
        return found, False
    user = model(**{model.USERNAME_FIELD: identifier}, email=email or (identifier if "@" in identifier else ""))
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()  # the person chooses one through set_password_path
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise validation_failed(exc) from exc
    user.save()
    return user, True


@transaction.atomic
def member_invite(*, workspace: Workspace, identifier: str, role: str = Role.MEMBER, email: str = "",
                  password: str | None = None, actor: Actor = None) -> tuple[Membership, bool]:
    """Add the account named by username (else email) as a member, creating the account when none matches.

    Returns the membership and whether the account was created; a created account gets `password` or an unusable
    one. Nothing is created when the membership is refused (already a member, owner rule, bad role).
    """
    require(actor, workspace, Perm.MANAGE)
    _check_role(role)
    user, created = _user_get_or_create(identifier, email, password)
    if created:
        record_event(workspace=workspace, actor=actor, action="user.create", count=1,
                     details={"user": user.get_username()})
    return member_add(workspace=workspace, user=user, role=role, actor=actor), created


def set_password_path(user: AbstractBaseUser) -> str | None:
    """A one-time path where the user chooses a password (Django's reset-confirm page), or None without one.

    The token stops working once the password is set, or after PASSWORD_RESET_TIMEOUT.
    """
    token = PasswordResetTokenGenerator().make_token(user)
    try:
        return reverse("set_password_confirm", kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                                                         "token": token})
    except NoReverseMatch:
        return None
