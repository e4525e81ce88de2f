"""Reads about lists: fetch one in a workspace, lists with their member counts, and list ids per contact."""
from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from contacts.contacts.models import Contact
from contacts.contacts.selectors import grouped_by_contact
from contacts.errors import NotFound
from contacts.lists.models import ContactList, ListMembership
from contacts.workspaces.models import Workspace


def list_get(workspace: Workspace, public_id: str) -> ContactList:
    found = ContactList.objects.for_workspace(workspace).filter(public_id=str(public_id)).first()
    if found is None:
        raise NotFound(f"List {public_id} doesn't exist.", code="list_not_found", details={"id": public_id})
    return found


def lists_with_counts(workspace: Workspace) -> QuerySet[ContactList]:
    """Every list of the workspace with `contacts_count` (a correlated COUNT on the membership index)."""
    counted = (ListMembership.objects.filter(contact_list=OuterRef("pk")).order_by().values("contact_list")
               .annotate(n=Count("*")).values("n"))
    return ContactList.objects.for_workspace(workspace).annotate(
        contacts_count=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)))


def list_members(contact_list: ContactList) -> QuerySet[Contact]:
    return Contact.objects.filter(workspace_id=contact_list.workspace_id,
                                  pk__in=ListMembership.objects.filter(contact_list=contact_list).values("contact_id"))


def list_ids_by_contact(contacts: Iterable[Contact]) -> dict[int, list[str]]:
    """{contact pk: [list public ids]} for a page of contacts, in one query."""
    return lists_by_contact_id([c.pk for c in contacts])


def lists_by_contact_id(pks: list[int], field: str = "public_id") -> dict[int, list[str]]:
    """{contact pk: [each list's `field`]} for these contacts, lists by name, in one query."""
    return grouped_by_contact(ListMembership.objects.filter(contact_id__in=pks).order_by(
        "contact_list__name", "contact_list_id").values_list("contact_id", f"contact_list__{field}")) if pks else {}


def attach_list_ids(contacts: list[Contact]) -> list[Contact]:
    """Set `list_ids` on each contact of a page (the API's `lists`) with one query for the page."""
    found = list_ids_by_contact(contacts)
    for contact in contacts:
        contact.list_ids = found.get(contact.pk, [])
    return contacts
