"""Create, change and delete tags; tag and untag a selection (set-based); set a contact's tags by name."""
from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet

from contacts.compliance.audit import Actor, record_event
from contacts.contacts.models import Contact
from contacts.errors import ValidationFailed
from contacts.tags.models import ContactTag, Tag, TagColour
from contacts.workspaces.models import Workspace
from contacts.workspaces.permissions import Perm, require

CHUNK = 2000
NAME_MAX = 60


def clean_tag_name(name: object, field: str = "name") -> str:
    cleaned = " ".join(str(name or "").split())
    if not cleaned:
        raise ValidationFailed("A tag needs a name.", details={field: ["A tag name may not be blank."]})
    if len(cleaned) > NAME_MAX:
        raise ValidationFailed(f"A tag name has at most {NAME_MAX} characters.",
                               details={field: [f"At most {NAME_MAX} characters: {cleaned[:20]}…"]})
    if "," in cleaned or ";" in cleaned:  # imports split a tags cell on , and ;
        raise ValidationFailed("A tag name cannot contain , or ;.", details={field: ["No , or ; in a tag name."]})
    return cleaned


def split_tags(value: object) -> list[str]:
    """A tags cell or value as names: a list as is, a string split on , or ; (empty parts dropped)."""
    if value in (None, ""):
        return []
    parts = value if isinstance(value, list | tuple) else str(value).replace(";", ",").split(",")
    return list(dict.fromkeys(" ".join(str(p).split()) for p in parts if str(p).strip()))


def _clean_colour(colour: str | None) -> str:
    colour = (colour or TagColour.BLUE).strip().lower()
    if colour not in TagColour.values:
        raise ValidationFailed(f"colour must be one of {', '.join(TagColour.values)}.",
                               details={"colour": [f"One of {', '.join(TagColour.values)}."]})
    return colour


@transaction.atomic
def tag_create(*, workspace: Workspace, name: str, colour: str | None = None, actor: Actor = None) -> Tag:
    require(actor, workspace, Perm.EDIT)
    cleaned = clean_tag_name(name)
    if Tag.objects.for_workspace(workspace).filter(name__iexact=cleaned).exists():
        raise ValidationFailed(f"A tag named “{cleaned}” already exists.",
                               details={"name": ["A tag with this name already exists."]})
    try:
        with transaction.atomic():
            tag = Tag.objects.create(workspace=workspace, name=cleaned, colour=_clean_colour(colour))
    except IntegrityError as exc:
        raise ValidationFailed("A tag with this name already exists.",
                               details={"name": ["A tag with this name already exists."]}) from exc
    record_event(workspace=workspace, actor=actor, action="tag.create", count=1, details={"name": tag.name})
    return tag


@transaction.atomic
def tag_update(*, tag: Tag, name: str | None = None, colour: str | None = None, actor: Actor = None) -> Tag:
    require(actor, tag.workspace, Perm.EDIT)
    if name is not None:
        cleaned = clean_tag_name(name)
        if Tag.objects.for_workspace(tag.workspace).filter(name__iexact=cleaned).exclude(pk=tag.pk).exists():
            raise ValidationFailed(f"A tag named “{cleaned}” already exists.",
                                   details={"name": ["A tag with this name already exists."]})
        tag.name = cleaned
    if colour is not None:
        tag.colour = _clean_colour(colour)
    tag.save(update_fields=["name", "colour"])
    record_event(workspace=tag.workspace, actor=actor, action="tag.update", count=1, details={"name": tag.name})
    return tag


@transaction.atomic
def tag_delete(*, tag: Tag, actor: Actor = None) -> int:
    """Delete the tag; the contacts that carried it stay. Returns how many carried it."""
    require(actor, tag.workspace, Perm.EDIT)
    carried, _ = ContactTag.objects.filter(tag=tag).delete()
    record_event(workspace=tag.workspace, actor=actor, action="tag.delete", count=carried, details={"name": tag.name})
    tag.delete()
    return carried


def tags_ensure(*, workspace: Workspace, names: Iterable[str], field: str = "tags") -> list[Tag]:
    """The workspace's tags with these names (any case), creating the missing ones in the default colour."""
    cleaned = list(dict.fromkeys(clean_tag_name(n, field) for n in names))
    existing = {t.name.lower(): t for t in Tag.objects.for_workspace(workspace).filter(
        name__in=[*cleaned, *(n.lower() for n in cleaned)])}
    if len(existing) < len(cleaned):  # iexact per name only when a case differs
        for name in cleaned:
            if name.lower() not in existing:
                found = Tag.objects.for_workspace(workspace).filter(name__iexact=name).first()
                if found is not None:
                    existing[name.lower()] = found
    missing = [n for n in cleaned if n.lower() not in existing]
    if missing:
        Tag.objects.bulk_create([Tag(workspace=workspace, name=n) for n in missing], ignore_conflicts=True)
        for tag in Tag.objects.for_workspace(workspace).filter(name__in=missing):
            existing[tag.name.lower()] = tag
    return [existing[n.lower()] for n in cleaned]


@transaction.atomic
def contacts_tag(*, workspace: Workspace, contacts: QuerySet[Contact], tag: Tag, actor: Actor = None) -> int:
    """Put the tag on every selected contact of the workspace (set-based, chunked); returns how many got it."""
    require(actor, workspace, Perm.EDIT)
    if tag.workspace_id != workspace.pk:
        raise ValidationFailed("No tag with this name.", details={"tag": ["No tag with this name."]})
    carried = Exists(ContactTag.objects.filter(tag=tag, contact_id=OuterRef("pk")))
    new_ids = contacts.filter(workspace_id=workspace.pk).order_by().exclude(carried).values_list("pk", flat=True)
    added, batch = 0, []
    for contact_id in new_ids.iterator(chunk_size=CHUNK):
        batch.append(ContactTag(tag=tag, contact_id=contact_id))
        if len(batch) >= CHUNK:
            ContactTag.objects.bulk_create(batch, ignore_conflicts=True)
            added, batch = added + len(batch), []
    if batch:
        ContactTag.objects.bulk_create(batch, ignore_conflicts=True)
        added += len(batch)
    record_event(workspace=workspace, actor=actor, action="contacts.tag", count=added, details={"tag": tag.name})
    return added


@transaction.atomic
def contacts_untag(*, workspace: Workspace, contacts: QuerySet[Contact], tag: Tag, actor: Actor = None) -> int:
    require(actor, workspace, Perm.EDIT)
    removed, _ = ContactTag.objects.filter(
        tag=tag, tag__workspace=workspace,
        contact__in=contacts.filter(workspace_id=workspace.pk).order_by().values("pk")).delete()
    record_event(workspace=workspace, actor=actor, action="contacts.untag", count=removed, details={"tag": tag.name})
    return removed


@transaction.atomic
def contact_set_tags(*, contact: Contact, names: Iterable[str], actor: Actor = None) -> list[Tag]:
    """The API's `tags` on create or update: the contact carries exactly these (missing tags are created)."""
    workspace = contact.workspace
    require(actor, workspace, Perm.EDIT)
    tags = tags_ensure(workspace=workspace, names=names)
    ContactTag.objects.filter(contact=contact).exclude(tag__in=tags).delete()
    ContactTag.objects.bulk_create([ContactTag(tag=t, contact=contact) for t in tags], ignore_conflicts=True)
    return tags
