"""Reads about tags: tags with their counts, and tag names per contact for a page of contacts."""
from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from contacts.contacts.models import Contact
from contacts.contacts.selectors import grouped_by_contact
from contacts.errors import NotFound
from contacts.tags.models import ContactTag, Tag
from contacts.workspaces.models import Workspace


def tag_get(workspace: Workspace, name: str) -> Tag:
    found = Tag.objects.for_workspace(workspace).filter(name__iexact=(name or "").strip()).first()
    if found is None:
        raise NotFound(f"Tag {name} doesn't exist.", code="tag_not_found", details={"name": name})
    return found


def tags_with_counts(workspace: Workspace) -> QuerySet[Tag]:
    counted = (ContactTag.objects.filter(tag=OuterRef("pk")).order_by().values("tag")
               .annotate(n=Count("*")).values("n"))
    return Tag.objects.for_workspace(workspace).annotate(
        contacts_count=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)))


def tag_names_by_contact(contacts: Iterable[Contact]) -> dict[int, list[str]]:
    """{contact pk: [tag names]} for a page of contacts, in one query."""
    return tag_names_by_contact_id([c.pk for c in contacts])


def tag_names_by_contact_id(pks: list[int]) -> dict[int, list[str]]:
    """{contact pk: [tag names]} for these contacts, by name, in one query."""
    return grouped_by_contact(ContactTag.objects.filter(contact_id__in=pks).order_by("tag__name")
                              .values_list("contact_id", "tag__name")) if pks else {}


def attach_tags(contacts: list[Contact]) -> list[Contact]:
    """Set `tag_names` on each contact of a page (the API's `tags`) with one query for the page."""
    found = tag_names_by_contact(contacts)
    for contact in contacts:
        contact.tag_names = found.get(contact.pk, [])
    return contacts
