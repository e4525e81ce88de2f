"""The one answer to "is this number on the Do-Not-Call list", for one number or many."""
from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count

from contacts.compliance.models import AuditEvent, DncAuditLog, DncEntry
from contacts.workspaces.models import Workspace

CHUNK = 2000


def dnc_entry_for(workspace: Workspace, phone: str) -> DncEntry | None:
    """The list entry for this E.164 number, or None."""
    return DncEntry.objects.filter(workspace=workspace, phone=phone).first()


def dnc_is_listed(workspace: Workspace, phone: str) -> bool:
    """Whether this E.164 number is on the workspace's DNC list (checked against the list, not a status)."""
    return DncEntry.objects.filter(workspace=workspace, phone=phone).exists()


def dnc_numbers_among(workspace: Workspace, phones: Iterable[str]) -> set[str]:
    """Which of these E.164 numbers are on the workspace's DNC list (chunked IN queries)."""
    found: set[str] = set()
    batch: list[str] = []
    for number in phones:
        batch.append(number)
        if len(batch) >= CHUNK:
            found.update(DncEntry.objects.filter(workspace=workspace, phone__in=batch).values_list("phone", flat=True))
            batch = []
    if batch:
        found.update(DncEntry.objects.filter(workspace=workspace, phone__in=batch).values_list("phone", flat=True))
    return found


def records_held(workspace_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """What keeps each workspace from being deleted: its DNC numbers, DNC audit records and audit events."""
    ids = list(workspace_ids)
    held: dict[int, dict[str, int]] = {}
    for key, model in (("dnc_numbers", DncEntry), ("dnc_audit_records", DncAuditLog), ("audit_events", AuditEvent)):
        counts = model.objects.filter(workspace_id__in=ids).order_by().values("workspace_id").annotate(n=Count("id"))
        for row in counts.values_list("workspace_id", "n"):
            held.setdefault(row[0], {"dnc_numbers": 0, "dnc_audit_records": 0, "audit_events": 0})[key] = row[1]
    return held
