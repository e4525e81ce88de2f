"""The one answer to "is this number on the Do-Not-Call list", for one number or many; list search and links."""
from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, router
from django.db.models import Count, Q, QuerySet

from contacts import phone as phone_rules
from contacts.compliance.models import AuditEvent, DncAuditLog, DncEntry
from contacts.contacts.models import Contact, ContactPhone
from contacts.workspaces.models import Workspace
from contacts.workspaces.rules import parse_for_workspace

CHUNK = 2000


def dnc_entry_for(workspace: Workspace, phone: str) -> DncEntry | None:
    """The list entry for this E.164 number, or None."""
    return DncEntry.objects.filter(workspace=workspace, phone=phone).select_related("created_by").first()


def dnc_is_listed(workspace: Workspace, phone: str) -> bool:
    """Whether this E.164 number is on the workspace's DNC list (checked against the list, not a status)."""
    return DncEntry.objects.filter(workspace=workspace, phone=phone).exists()


def dnc_numbers_among(workspace: Workspace, phones: Iterable[str]) -> set[str]:
    """Which of these E.164 numbers are on the workspace's DNC list (chunked IN queries).

    Plain SQL: an import asks this for 5,000 numbers a chunk, and building the ORM's IN lookup costs more
    than the query (each value goes through the field's preparation).
    """
    found: set[str] = set()
    phones = list(phones)
    if not phones:
        return found
    connection = connections[router.db_for_read(DncEntry)]
    table = connection.ops.quote_name(DncEntry._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(phones), CHUNK):
            batch = phones[start:start + CHUNK]
            marks = ", ".join(["%s"] * len(batch))
            # Quoted model metadata only; every value is a parameter.
            cursor.execute(f"SELECT phone FROM {table} WHERE workspace_id = %s AND phone IN ({marks})",  # noqa: S608
                           [workspace.pk, *batch])
            found.update(row[0] for row in cursor.fetchall())
    return found


def dnc_number_condition(workspace: Workspace, term: str, field: str = "phone") -> Q | None:
    """Match a number typed any way: the full number parsed with the workspace's country, or a digits fragment.

    None when the term is not number-like (fewer than three digits).
    """
    digits = phone_rules.digits(term)
    if len(digits) < 3:
        return None
    condition = Q(**{f"{field}__contains": digits})
    if digits.lstrip("0") != digits and len(digits.lstrip("0")) >= 3:  # national trunk prefix: 020 7946 ...
        condition |= Q(**{f"{field}__contains": digits.lstrip("0")})
    info = parse_for_workspace(workspace, term)
    if info.e164:
        condition |= Q(**{field: info.e164})
    return condition


def dnc_search(workspace: Workspace, term: str = "") -> QuerySet[DncEntry]:
    """The workspace's list, newest first; a number in any format, a digits fragment, or words of the reason."""
    entries = DncEntry.objects.for_workspace(workspace).order_by("-created_at", "-id")
    term = (term or "").strip()[:100]
    if not term:
        return entries
    condition = dnc_number_condition(workspace, term)
    if condition is None:
        condition = Q(reason__icontains=term) | Q(created_by_label__icontains=term)
    return entries.filter(condition)


def dnc_contacts_by_phone(workspace: Workspace, phones: Iterable[str]) -> dict[str, Contact]:
    """The contact holding each of these numbers, as its primary or an additional number (a number belongs to one
    contact per workspace): one query."""
    rows = (
        ContactPhone.objects.filter(workspace=workspace, e164__in=list(phones)).select_related("contact")
        .only("e164", "contact__public_id", "contact__phone", "contact__first_name", "contact__last_name",
              "contact__email", "contact__company", "contact__status")
    )
    return {row.e164: row.contact for row in rows}


def dnc_audit_actor_labels(workspace: Workspace, limit: int = 200) -> list[str]:
    """Who has changed this workspace's list (for the audit filter's suggestions)."""
    labels = (
        DncAuditLog.objects.for_workspace(workspace).exclude(actor_label="").order_by("actor_label")
        .values_list("actor_label", flat=True).distinct()[:limit]
    )
    return list(labels)


def records_held(workspace_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """What keeps each workspace from being deleted: its DNC numbers, DNC audit records and audit events."""
    ids = list(workspace_ids)
    held: dict[int, dict[str, int]] = {}
    for key, model in (("dnc_numbers", DncEntry), ("dnc_audit_records", DncAuditLog), ("audit_events", AuditEvent)):
        counts = model.objects.filter(workspace_id__in=ids).order_by().values("workspace_id").annotate(n=Count("id"))
        for row in counts.values_list("workspace_id", "n"):
            held.setdefault(row[0], {"dnc_numbers": 0, "dnc_audit_records": 0, "audit_events": 0})[key] = row[1]
    return held
