"""Create, update and delete contacts (one or a selection), with the reference's error codes."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from contacts.compliance import services as dnc_service
from contacts.compliance.audit import Actor, record_event
from contacts.compliance.selectors import dnc_entry_for
from contacts.contacts import numbers as contact_numbers
from contacts.errors import DuplicatePhone, ValidationFailed, validation_failed
from contacts.fields.services import validate_metadata
from contacts.models import Contact, ContactPhone, ContactStatus, DncSource, Workspace
from contacts.webhooks import events as webhook_events
from contacts.workspaces.permissions import Perm, require
from contacts.workspaces.rules import contact_limit_check, normalize_for_workspace

EDITABLE_FIELDS = ("first_name", "last_name", "email", "company", "title", "notes")


def _duplicate(workspace: Workspace, e164: str) -> DuplicatePhone:
    existing = (ContactPhone.objects.filter(workspace=workspace, e164=e164)
                .values_list("contact__public_id", flat=True).first())
    return DuplicatePhone(
        f"A contact with {e164} already exists.", details={"phone": e164, "existing_id": existing}
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
    phones: list | None = None,
    country_hint: str | None = None,
    actor: Actor = None,
) -> Contact:
    """Create a contact with its primary `phone` and optional additional `phones` ([{"number", "label"}])."""
    require(actor, workspace, Perm.EDIT)
    e164 = normalize_for_workspace(workspace, phone, country_hint=country_hint)
    extra = contact_numbers.parse_phones(workspace, phones, country_hint=country_hint)
    # Lock the workspace row so two concurrent creates cannot both pass the plan limit.
    Workspace.objects.select_for_update().filter(pk=workspace.pk).values_list("pk", flat=True).first()
    if ContactPhone.objects.filter(workspace=workspace, e164=e164).exists():
        raise _duplicate(workspace, e164)
    contact_numbers.check_free(workspace, [n.number for n in extra])
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
        metadata=validate_metadata(workspace, _clean_metadata(metadata)),
    )
    entry = dnc_entry_for(workspace, e164)
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
    if extra:
        contact_numbers.set_additional_numbers(contact, extra)
        # DNC exactly when every number is listed: a listed primary with a callable extra stays active.
        contact_numbers.contacts_sync_dnc(Contact.objects.filter(pk=contact.pk))
        contact.refresh_from_db(fields=["status", "dnc_at"])
    record_event(workspace=workspace, actor=actor, action="contact.create", count=1,
                 details={"id": contact.public_id, "phone": e164})
    webhook_events.contact_created(contact)
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, data: dict[str, Any], actor: Actor = None) -> Contact:
    """Partial update: only keys present change; metadata is merged; status goes through the DNC list."""
    workspace = contact.workspace
    require(actor, workspace, Perm.EDIT)
    unknown = set(data) - {*EDITABLE_FIELDS, "phone", "phones", "metadata", "status", "dnc_reason"}
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
        changes = validate_metadata(workspace, _clean_metadata(data["metadata"]))  # typed custom fields
        contact.metadata = {**(contact.metadata or {}), **changes}
    extra = contact_numbers.parse_phones(workspace, data["phones"]) if "phones" in data else None
    numbers_changed = extra is not None
    if "phone" in data:
        e164 = normalize_for_workspace(workspace, data["phone"])
        if e164 != contact.phone:
            if ContactPhone.objects.filter(workspace=workspace, e164=e164).exclude(contact=contact).exists():
                raise _duplicate(workspace, e164)
            # The new primary may be one of its own additional numbers: free it for the primary row.
            ContactPhone.objects.filter(contact=contact, e164=e164, is_primary=False).delete()
            contact.phone = e164
            numbers_changed = True
            entry = dnc_entry_for(workspace, e164)
            contact.status = ContactStatus.DNC if entry else ContactStatus.ACTIVE
            contact.dnc_at = entry.created_at if entry else None
    if extra is not None:
        contact_numbers.check_free(workspace, [n.number for n in extra], exclude=contact)
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
    if extra is not None:
        contact_numbers.set_additional_numbers(contact, extra)
    if numbers_changed:
        contact_numbers.contacts_sync_dnc(Contact.objects.filter(pk=contact.pk))
        contact.refresh_from_db(fields=["status", "dnc_at"])
    record_event(workspace=workspace, actor=actor, action="contact.update", count=1,
                 details={"id": contact.public_id, "fields": sorted(set(data) - {"dnc_reason"})})
    if status and status != contact.status:
        reason = (data.get("dnc_reason") or "").strip() or "Status changed through the API"
        if status == ContactStatus.DNC:
            dnc_service.contact_mark_dnc(contact=contact, reason=reason, source=DncSource.API, actor=actor)
        else:
            dnc_service.contact_reactivate(contact=contact, reason=reason, actor=actor, source=DncSource.API)
    webhook_events.contact_updated(contact)
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact, actor: Actor = None) -> str:
    """Delete a contact: campaign memberships go with it, calls stay but lose the link."""
    require(actor, contact.workspace, Perm.EDIT)
    public_id = contact.public_id
    record_event(
        workspace=contact.workspace, actor=actor, action="contact.delete", count=1,
        details={"id": public_id, "phone": contact.phone},
    )
    webhook_events.contact_deleted(contact)
    contact.delete()
    return public_id

@transaction.atomic
def contacts_delete(*, workspace: Workspace, contacts: QuerySet[Contact], actor: Actor = None) -> int:
    """Delete the selected contacts in a constant number of queries, whatever their number.

    Campaign memberships go with them; calls and import rows stay but lose the link, as for a single delete.
    """
    require(actor, workspace, Perm.DESTROY)
    ids = contacts.filter(workspace=workspace).order_by().values("pk")
    count = Contact.objects.filter(pk__in=ids).count()
    if not count:
        return 0
    relations = [f for f in Contact._meta.get_fields(include_hidden=True) if f.auto_created and not f.concrete]
    for relation in relations:
        # Generic over relations, so a model added later (and pointing at Contact) is handled too.
        if not relation.one_to_many and not relation.one_to_one:
            continue
        related = relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": ids})
        if relation.on_delete is models.SET_NULL:
            related.update(**{relation.field.name: None})
        elif relation.on_delete is models.CASCADE:
            related.delete()
        else:
            raise RuntimeError(f"contacts_delete does not handle {relation.related_model.__name__}.{relation.name}")
    webhook_events.contacts_deleted(workspace=workspace, contacts=Contact.objects.filter(pk__in=ids))
    # Every related row was handled above, so skip the collector's per-object cascade walk.
    deleted = Contact.objects.filter(workspace=workspace, pk__in=ids)._raw_delete(Contact.objects.db)
    record_event(workspace=workspace, actor=actor, action="contacts.delete", count=deleted)
    return deleted


def contacts_export_record(*, workspace: Workspace, actor: Actor = None, count: int, query: str = "") -> None:
    """An export leaves a trace: who took how many contacts out, with which filters."""
    require(actor, workspace, Perm.EXPORT)
    record_event(workspace=workspace, actor=actor, action="contacts.export", count=count,
                 details={"query": query[:1000]})
