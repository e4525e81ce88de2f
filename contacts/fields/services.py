"""Define custom fields, and check and convert values against their definitions on every write path."""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connections, transaction
from django.db.models import QuerySet
from django.utils import timezone

from contacts.compliance.audit import Actor, record_event
from contacts.contacts.models import Contact
from contacts.errors import ValidationFailed
from contacts.fields.models import CustomField, FieldType
from contacts.workspaces.models import Workspace
from contacts.workspaces.permissions import Perm, require

KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
TRUE, FALSE = {"true", "yes", "y", "1", "on"}, {"false", "no", "n", "0", "off"}
RANGE_TYPES = (FieldType.NUMBER, FieldType.DATE)


def definitions(workspace: Workspace) -> dict[str, CustomField]:
    """The workspace's definitions by key (one query)."""
    return {f.key: f for f in CustomField.objects.for_workspace(workspace)}


def convert(definition: CustomField, value: Any) -> Any:
    """A value as stored for its type (number, ISO date, bool, choice, text); ValueError says what is wrong."""
    if value is None or value == "":
        return value
    kind = definition.type
    if kind == FieldType.NUMBER:
        if isinstance(value, bool):
            raise ValueError("Must be a number.")
        if isinstance(value, int | float):
            return value
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation as exc:
            raise ValueError("Must be a number.") from exc
        if not number.is_finite():
            raise ValueError("Must be a number.")
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == FieldType.DATE:
        try:
            return date.fromisoformat(str(value).strip()[:10]).isoformat()
        except ValueError as exc:
            raise ValueError("Must be a date (YYYY-MM-DD).") from exc
    if kind == FieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE or text in FALSE:
            return text in TRUE
        raise ValueError("Must be yes or no (true or false).")
    if kind == FieldType.CHOICE:
        for choice in definition.choices or []:
            if str(value).strip().lower() == str(choice).lower():
                return choice
        raise ValueError(f"Must be one of: {', '.join(definition.choices or [])}.")
    if isinstance(value, dict | list):
        raise ValueError("Must be text.")
    return str(value)


def validate_metadata(workspace: Workspace, metadata: Mapping[str, Any] | None,
                      known: dict[str, CustomField] | None = None) -> dict[str, Any]:
    """Metadata with every defined key's value converted; ValidationFailed names each bad key in `details`."""
    if not metadata:
        return dict(metadata or {})
    known = definitions(workspace) if known is None else known
    cleaned, problems = dict(metadata), {}
    for key, value in metadata.items():
        definition = known.get(key)
        if definition is None:
            continue
        try:
            cleaned[key] = convert(definition, value)
        except ValueError as exc:
            problems[f"metadata.{key}"] = [str(exc)]
    if problems:
        first = next(iter(problems))
        raise ValidationFailed(f"{first}: {problems[first][0]}", details=problems)
    return cleaned


def _clean_choices(kind: str, choices: Any) -> list[str]:
    if kind != FieldType.CHOICE:
        return []
    if not isinstance(choices, list | tuple):
        choices = str(choices or "").replace(";", ",").split(",")
    cleaned = list(dict.fromkeys(str(c).strip() for c in choices if str(c).strip()))
    if not cleaned:
        raise ValidationFailed("A choice field needs its choices.", details={"choices": ["Give at least one."]})
    return cleaned


@transaction.atomic
def field_create(*, workspace: Workspace, key: str, label: str = "", type: str = FieldType.TEXT,  # noqa: A002
                 choices: Any = None, actor: Actor = None) -> CustomField:
    require(actor, workspace, Perm.MANAGE)
    key = (key or "").strip()
    if not KEY_RE.fullmatch(key):
        raise ValidationFailed("A key is lowercase letters, digits and _, starting with a letter (40 at most).",
                               details={"key": ["Lowercase letters, digits and _, starting with a letter."]})
    if type not in FieldType.values:
        raise ValidationFailed(f"type must be one of {', '.join(FieldType.values)}.",
                               details={"type": [f"One of {', '.join(FieldType.values)}."]})
    if CustomField.objects.for_workspace(workspace).filter(key=key).exists():
        raise ValidationFailed(f"A custom field {key} already exists.", details={"key": ["Already defined."]})
    field = CustomField.objects.create(workspace=workspace, key=key, label=(label or "").strip()[:100] or key,
                                       type=type, choices=_clean_choices(type, choices))
    record_event(workspace=workspace, actor=actor, action="custom_field.create", count=1,
                 details={"key": key, "type": type})
    return field


@transaction.atomic
def field_update(*, field: CustomField, label: str | None = None, choices: Any = None,
                 actor: Actor = None) -> CustomField:
    """Label and choices change; the key and type stay (values already stored depend on them)."""
    require(actor, field.workspace, Perm.MANAGE)
    if label is not None:
        field.label = label.strip()[:100] or field.key
    if choices is not None:
        field.choices = _clean_choices(field.type, choices)
    field.save(update_fields=["label", "choices"])
    record_event(workspace=field.workspace, actor=actor, action="custom_field.update", count=1,
                 details={"key": field.key})
    return field


@transaction.atomic
def field_delete(*, field: CustomField, actor: Actor = None) -> None:
    """The definition goes; the values stay in each contact's metadata as plain data."""
    require(actor, field.workspace, Perm.MANAGE)
    record_event(workspace=field.workspace, actor=actor, action="custom_field.delete", count=1,
                 details={"key": field.key})
    field.delete()


SET_CHUNK = 2_000  # contacts per UPDATE


@transaction.atomic
def contacts_set_field(*, workspace: Workspace, contacts: QuerySet[Contact], key: str, value: Any = None,
                       clear: bool = False, actor: Actor = None) -> int:
    """Set one custom field to `value` (converted like any other write of it), or clear it, on every selected
    contact of the workspace. Set-based: one UPDATE per chunk of ids, the JSON edited in the database. Returns how
    many contacts were written."""
    require(actor, workspace, Perm.EDIT)
    definition = CustomField.objects.for_workspace(workspace).filter(key=key or "").first()
    if definition is None:
        raise ValidationFailed("No custom field with this key.", details={"key": ["No custom field with this key."]})
    if not clear:
        if value is None or value == "":
            raise ValidationFailed(f"Give a value for {definition.label}, or clear the field.",
                                   details={f"metadata.{key}": ["Give a value, or clear the field."]})
        try:
            value = convert(definition, value)
        except ValueError as exc:
            raise ValidationFailed(f"{definition.label}: {exc}", details={f"metadata.{key}": [str(exc)]}) from exc
    ids = contacts.filter(workspace_id=workspace.pk).order_by().values_list("pk", flat=True)
    written, chunk = 0, []
    for contact_id in ids.iterator(chunk_size=SET_CHUNK):
        chunk.append(contact_id)
        if len(chunk) >= SET_CHUNK:
            written += _write_field(workspace, chunk, key, value, clear)
            chunk = []
    if chunk:
        written += _write_field(workspace, chunk, key, value, clear)
    record_event(workspace=workspace, actor=actor, action="contacts.set_field", count=written,
                 details={"key": key, "value": None if clear else value, "cleared": clear})
    return written


def _write_field(workspace: Workspace, ids: list[int], key: str, value: Any, clear: bool) -> int:
    connection = connections[Contact.objects.db]
    table = Contact._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    now = timezone.now()
    if connection.vendor == "postgresql":
        change = "metadata - %s" if clear else "metadata || jsonb_build_object(%s, %s::jsonb)"
        params = [key] if clear else [key, json.dumps(value)]
    else:  # SQLite: the key is KEY_RE-checked, so it can sit in the JSON path
        change = "json_remove(metadata, %s)" if clear else "json_set(metadata, %s, json(%s))"
        params = [f'$."{key}"'] if clear else [f'$."{key}"', json.dumps(value)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET metadata = {change}, updated_at = %s "  # noqa: S608 - names are the model's own
            f"WHERE workspace_id = %s AND id IN ({marks})",
            [*params, connection.ops.adapt_datetimefield_value(now), workspace.pk, *ids])
        return cursor.rowcount
