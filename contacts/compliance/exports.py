"""CSV export of the DNC audit log: streamed, every cell made safe to open in a spreadsheet."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC

from django.db.models import QuerySet

from contacts.compliance.audit import Actor, record_event
from contacts.compliance.models import DncAuditLog
from contacts.csvsafe import escape_cell as safe_cell
from contacts.labels import column_headers
from contacts.workspaces.models import Workspace
from contacts.workspaces.permissions import Perm, require

HEADER = ("created_at", "phone", "action", "reason", "source", "actor", "contacts_affected")
CHUNK = 2000


def _csv_line(writer, buffer: io.StringIO, values) -> str:
    writer.writerow([safe_cell("" if v is None else str(v)) for v in values])
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def dnc_audit_export(
    *, workspace: Workspace, actor: Actor, queryset: QuerySet[DncAuditLog], query: str = ""
) -> Iterator[str]:
    """The audit rows as CSV text chunks. Checks DNC_MANAGE now; records who exported how many when done."""
    require(actor, workspace, Perm.DNC_MANAGE)
    rows = queryset.filter(workspace=workspace).values_list(
        "created_at", "phone", "action", "reason", "source", "actor_label", "contacts_affected"
    )

    def stream() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        yield "\ufeff" + _csv_line(writer, buffer, column_headers(HEADER))  # the BOM makes Excel read UTF-8
        count = 0
        pending: list[str] = []
        try:
            for created_at, phone, action, reason, source, label, affected in rows.iterator(chunk_size=CHUNK):
                stamp = created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if created_at else ""
                pending.append(_csv_line(writer, buffer, (stamp, phone, action, reason, source, label, affected)))
                count += 1
                if len(pending) >= 500:
                    yield "".join(pending)
                    pending = []
            if pending:
                yield "".join(pending)
        finally:
            record_event(workspace=workspace, actor=actor, action="dnc.audit_export", count=count,
                         details={"query": query[:1000]})

    return stream()
