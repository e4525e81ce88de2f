"""Create, rename and delete lists, and add or remove their members (set-based, chunked)."""
from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from contacts.compliance.audit import Actor, record_event
from contacts.contacts.models import Contact
from contacts.errors import ValidationFailed
from contacts.lists.models import ContactList, ListMembership
from contacts.workspaces.models import Workspace
from contacts.workspaces.permissions import Perm, require

CHUNK = 2000
NAME_MAX = 200


@dataclass(frozen=True)
class ListChange:
    """What adding to (or removing from) a list did."""

    added: int = 0
    already_members: int = 0
    removed: int = 0


def _clean_name(workspace: Workspace, name: str | None, *, exclude_pk: int | None = None) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ValidationFailed("Give the list a name.", details={"name": ["This field may not be blank."]})
    if len(cleaned) > NAME_MAX:
        raise ValidationFailed(f"A list name has at most {NAME_MAX} characters.",
                               details={"name": [f"At most {NAME_MAX} characters."]})
    clash = ContactList.objects.for_workspace(workspace).filter(name__iexact=cleaned)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationFailed(f"A list named “{cleaned}” already exists.",
                               details={"name": ["A list with this name already exists."]})
    return cleaned


@transaction.atomic
def list_create(*, workspace: Workspace, name: str, actor: Actor = None) -> ContactList:
    require(actor, workspace, Perm.EDIT)
    contact_list = ContactList(workspace=workspace, name=_clean_name(workspace, name))
    try:
        with transaction.atomic():
            contact_list.save()
    except IntegrityError as exc:  # a concurrent create with the same name
        raise ValidationFailed("A list with this name already exists.",
                               details={"name": ["A list with this name already exists."]}) from exc
    record_event(workspace=workspace, actor=actor, action="list.create", count=1,
                 details={"id": contact_list.public_id, "name": contact_list.name})
    return contact_list


@transaction.atomic
def list_rename(*, contact_list: ContactList, name: str, actor: Actor = None) -> ContactList:
    workspace = contact_list.workspace
    require(actor, workspace, Perm.EDIT)
    old = contact_list.name
    contact_list.name = _clean_name(workspace, name, exclude_pk=contact_list.pk)
    contact_list.save(update_fields=["name", "updated_at"])
    record_event(workspace=workspace, actor=actor, action="list.rename", count=1,
                 details={"id": contact_list.public_id, "from": old, "to": contact_list.name})
    return contact_list


@transaction.atomic
def list_delete(*, contact_list: ContactList, actor: Actor = None) -> int:
    """Delete the list and its memberships; its contacts stay. Returns how many contacts it held."""
    workspace = contact_list.workspace
    require(actor, workspace, Perm.EDIT)
    held, _ = ListMembership.objects.filter(contact_list=contact_list).delete()
    record_event(workspace=workspace, actor=actor, action="list.delete", count=held,
                 details={"id": contact_list.public_id, "name": contact_list.name})
    contact_list.delete()
    return held


def _touch(contact_list: ContactList) -> None:
    contact_list.updated_at = timezone.now()
    ContactList.objects.filter(pk=contact_list.pk).update(updated_at=contact_list.updated_at)


@transaction.atomic
def list_add_contacts(*, contact_list: ContactList, contacts: QuerySet[Contact], actor: Actor = None) -> ListChange:
    """Add the selected contacts (only this workspace's); members already in are counted, not repeated."""
    workspace = contact_list.workspace
    require(actor, workspace, Perm.EDIT)
    selected = contacts.filter(workspace_id=workspace.pk).order_by()
    member = Exists(ListMembership.objects.filter(contact_list=contact_list, contact_id=OuterRef("pk")))
    already = selected.filter(member).count()
    new_ids = selected.exclude(member).values_list("pk", flat=True)
    added = 0
    batch: list[int] = []
    for contact_id in new_ids.iterator(chunk_size=CHUNK):
        batch.append(contact_id)
        if len(batch) >= CHUNK:
            added += _insert(contact_list, batch)
            batch = []
    if batch:
        added += _insert(contact_list, batch)
    if added:
        _touch(contact_list)
    record_event(workspace=workspace, actor=actor, action="list.add_contacts", count=added,
                 details={"id": contact_list.public_id, "already_members": already})
    return ListChange(added=added, already_members=already)


def _insert(contact_list: ContactList, contact_ids: list[int]) -> int:
    ListMembership.objects.bulk_create(
        [ListMembership(contact_list=contact_list, contact_id=cid) for cid in contact_ids], ignore_conflicts=True)
    return len(contact_ids)


@transaction.atomic
def list_remove_contacts(*, contact_list: ContactList, contacts: QuerySet[Contact],
                         actor: Actor = None) -> ListChange:
    """Take the selected contacts out of the list (the contacts themselves stay)."""
    workspace = contact_list.workspace
    require(actor, workspace, Perm.EDIT)
    removed, _ = ListMembership.objects.filter(
        contact_list=contact_list, contact__in=contacts.filter(workspace_id=workspace.pk).order_by().values("pk"),
    ).delete()
    if removed:
        _touch(contact_list)
    record_event(workspace=workspace, actor=actor, action="list.remove_contacts", count=removed,
                 details={"id": contact_list.public_id})
    return ListChange(removed=removed)


@transaction.atomic
def list_create_from(*, workspace: Workspace, name: str, contacts: QuerySet[Contact],
                     actor: Actor = None) -> tuple[ContactList, ListChange]:
    """"Save these results as a list": a new list holding the selected contacts."""
    contact_list = list_create(workspace=workspace, name=name, actor=actor)
    return contact_list, list_add_contacts(contact_list=contact_list, contacts=contacts, actor=actor)


@transaction.atomic
def contact_move_to_list(*, contact: Contact, contact_list: ContactList, actor: Actor = None) -> None:
    """The SMS reference's `group_id` on edit: the contact leaves its other lists and joins this one."""
    workspace = contact.workspace
    require(actor, workspace, Perm.EDIT)
    if contact_list.workspace_id != workspace.pk:
        raise ValidationFailed("No list with this id.", details={"group_id": ["No list with this id."]})
    left, _ = ListMembership.objects.filter(contact=contact).exclude(contact_list=contact_list).delete()
    _, created = ListMembership.objects.get_or_create(contact_list=contact_list, contact=contact)
    if created:
        _touch(contact_list)
    record_event(workspace=workspace, actor=actor, action="list.move_contact", count=1,
                 details={"id": contact_list.public_id, "contact": contact.public_id, "left": left})
