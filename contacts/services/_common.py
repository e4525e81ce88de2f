"""Helpers shared by services: actors, audit events, phone normalisation for a workspace."""
from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError

from contacts import phone
from contacts.models import ApiKey, AuditEvent, Workspace
from contacts.observability import log_event

from .errors import InvalidPhone, ValidationFailed

# Who did something: a user, an API key, a system label ("call", "import"), or nobody.
Actor = AbstractBaseUser | ApiKey | str | None


def actor_fields(actor: Actor) -> dict[str, Any]:
    if actor is None:
        return {"actor": None, "actor_label": ""}
    if isinstance(actor, ApiKey):
        return {"actor": None, "actor_label": f"API key {actor.name} ({actor.prefix}…)"}
    if isinstance(actor, str):
        return {"actor": None, "actor_label": actor}
    if getattr(actor, "is_authenticated", False):
        return {"actor": actor, "actor_label": ""}
    return {"actor": None, "actor_label": ""}


def record_event(
    *, workspace: Workspace, actor: Actor, action: str, count: int = 0, details: dict | None = None
) -> AuditEvent:
    log_event(action, workspace=workspace, actor=actor, count=count, details=details or {})
    return AuditEvent.objects.create(
        workspace=workspace, action=action, count=count, details=details or {}, **actor_fields(actor)
    )


def normalize_for_workspace(workspace: Workspace, raw: object, *, country_hint: object = None) -> str:
    """E.164 under the workspace's default country and validation mode, or InvalidPhone."""
    info = phone.parse_phone(
        raw, default_country=workspace.default_country, country_hint=country_hint, mode=workspace.phone_validation
    )
    if not info.is_valid or not info.e164:
        raise InvalidPhone(
            f"{info.original or 'The number'!s}: {info.error}" if info.original else info.error,
            details={"phone": info.original, "reason": info.error},
        )
    return info.e164


def validation_failed(exc: ValidationError) -> ValidationFailed:
    details = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    first = next(iter(details.items()))
    return ValidationFailed(f"{first[0]}: {first[1][0]}", details=details)
