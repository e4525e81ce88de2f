"""The one answer to "is this number on the Do-Not-Call list", for one number or many."""
from __future__ import annotations

from collections.abc import Iterable

from contacts.compliance.models import DncEntry
from contacts.workspaces.models import Workspace

CHUNK = 2000


def dnc_entry_for(workspace: Workspace, phone: str) -> DncEntry | None:
    """The list entry for this E.164 number, or None."""
    return DncEntry.objects.filter(workspace=workspace, phone=phone).select_related("created_by").first()


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
