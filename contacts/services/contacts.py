"""Create, update and delete single contacts, with the reference's error codes."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.models import Contact, ContactStatus, DncEntry, DncSource, Workspace

from . import dnc as dnc_service
from ._common import Actor, normalize_for_workspace, record_event, validation_failed
from .errors import ContactLimitReached, DuplicatePhone, ValidationFailed

EDITABLE_FIELDS = ("first_name", "last_name", "email", "company", "title", "notes")


def _duplicate(workspace: Workspace, e164: str) -> DuplicatePhone:
    existing = Contact.objects.filter(workspace=workspace, phone=e164).values_list("public_id", flat=True).first()
    return DuplicatePhone(
        f"A contact with {e164} already exists.", details={"phone": e164, "existing_id": existing}
    )


def contact_limit_check(workspace: Workspace, *, adding: int = 1) -> None:
    """Refuse when the plan's contact limit would be passed."""
    limit = workspace.contact_limit
    if limit is None:
        return
    current = Contact.objects.filter(workspace=workspace).count()
    if current + adding > limit:
        raise ContactLimitReached(
            f"The {workspace.get_plan_display()} plan allows {limit:,} contacts; this workspace has {current:,}.",
            details={"limit": limit, "current": current, "plan": workspace.plan},
        )


def _clean_metadata(metadata: Any) -> dict:
    if metadata in (None, ""):
        return {}
    if not isinstance(metadata, dict):
        raise ValidationFailed(
            "metadata must be an object of key-value pairs.", details={"metadata": ["Must be an object."]}
        )
    return metadata


@transaction.atomic
def contact_create(
    *,
    workspace: Workspace,
    phone: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    company: str = "",
    title: str = "",
    notes: str = "",
    metadata: dict | None = None,
    country_hint: str | None = None,
    actor: Actor = None,
) -> Contact:
    e164 = normalize_for_workspace(workspace, phone, country_hint=country_hint)
    # Lock the workspace row so two concurrent creates cannot both pass the plan limit.
    Workspace.objects.select_for_update().filter(pk=workspace.pk).values_list("pk", flat=True).first()
    if Contact.objects.filter(workspace=workspace, phone=e164).exists():
        raise _duplicate(workspace, e164)
    contact_limit_check(workspace)
    contact = Contact(
        workspace=workspace,
        phone=e164,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        email=(email or "").strip(),
        company=(company or "").strip(),
        title=(title or "").strip(),
        notes=notes or "",
        metadata=_clean_metadata(metadata),
    )
    entry = DncEntry.objects.filter(workspace=workspace, phone=e164).first()
    if entry:
        contact.status, contact.dnc_at = ContactStatus.DNC, entry.created_at
    try:
        contact.full_clean(exclude=["workspace", "import_batch"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise validation_failed(exc) from exc
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError as exc:
        raise _duplicate(workspace, e164) from exc
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, data: dict[str, Any], actor: Actor = None) -> Contact:
    """Partial update: only keys present change; metadata is merged; status goes through the DNC list."""
    workspace = contact.workspace
    unknown = set(data) - {*EDITABLE_FIELDS, "phone", "metadata", "status", "dnc_reason"}
    if unknown:
        raise ValidationFailed(
            f"Unknown field(s): {', '.join(sorted(unknown))}.",
            details={name: ["Unknown field."] for name in sorted(unknown)},
        )
    status = data.get("status")
    if status is not None and status not in ContactStatus.values:
        raise ValidationFailed("status must be 'active' or 'dnc'.", details={"status": ["Must be active or dnc."]})
    for name in EDITABLE_FIELDS:
        if name in data:
            value = data[name]
            setattr(contact, name, "" if value is None else str(value).strip() if name != "notes" else str(value))
    if "metadata" in data:
        contact.metadata = {**(contact.metadata or {}), **_clean_metadata(data["metadata"])}
    if "phone" in data:
        e164 = normalize_for_workspace(workspace, data["phone"])
        if e164 != contact.phone:
            if Contact.objects.filter(workspace=workspace, phone=e164).exclude(pk=contact.pk).exists():
                raise _duplicate(workspace, e164)
            contact.phone = e164
            entry = DncEntry.objects.filter(workspace=workspace, phone=e164).first()
            contact.status = ContactStatus.DNC if entry else ContactStatus.ACTIVE
            contact.dnc_at = entry.created_at if entry else None
    try:
        contact.full_clean(exclude=["workspace", "import_batch"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise validation_failed(exc) from exc
    contact.updated_at = timezone.now()
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError as exc:
        raise _duplicate(workspace, contact.phone) from exc
    if status and status != contact.status:
        reason = (data.get("dnc_reason") or "").strip() or "Status changed through the API"
        if status == ContactStatus.DNC:
            dnc_service.contact_mark_dnc(contact=contact, reason=reason, source=DncSource.API, actor=actor)
        else:
            dnc_service.contact_reactivate(contact=contact, reason=reason, actor=actor, source=DncSource.API)
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact, actor: Actor = None) -> str:
    """Delete a contact: campaign memberships go with it, calls stay but lose the link."""
    public_id = contact.public_id
    record_event(
        workspace=contact.workspace, actor=actor, action="contact.delete", count=1,
        details={"id": public_id, "phone": contact.phone},
    )
    contact.delete()
    return public_id
