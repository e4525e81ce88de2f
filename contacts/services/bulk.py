"""Bulk actions over a selection of contacts (ticked rows or "all matching"): set-based, recorded."""
from __future__ import annotations

from django.db import models, transaction
from django.db.models import QuerySet

from contacts.models import Contact, Workspace

from ._common import Actor, record_event


@transaction.atomic
def contacts_delete(*, workspace: Workspace, contacts: QuerySet[Contact], actor: Actor = None) -> int:
    """Delete the selected contacts in a constant number of queries, whatever their number.

    Campaign memberships go with them; calls and import rows stay but lose the link, as for a single delete.
    """
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
    # Every related row was handled above, so skip the collector's per-object cascade walk.
    deleted = Contact.objects.filter(workspace=workspace, pk__in=ids)._raw_delete(Contact.objects.db)
    record_event(workspace=workspace, actor=actor, action="contacts.delete", count=deleted)
    return deleted


def contacts_export_record(*, workspace: Workspace, actor: Actor = None, count: int, query: str = "") -> None:
    """An export leaves a trace: who took how many contacts out, with which filters."""
    record_event(workspace=workspace, actor=actor, action="contacts.export", count=count,
                 details={"query": query[:1000]})
