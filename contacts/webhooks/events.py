"""One function per domain change that receivers hear about; each domain service calls one of these, in its transaction.

The payload is built only when an endpoint listens, and holds the same object the API returns for that thing.
Bulk changes are set-based: `contacts_delete` emits one `contact.deleted` per contact and `contacts_mark_dnc` one
`contact.dnc_added` per number listed, inserted in chunks (a receiver keeping a copy needs every id).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import QuerySet

from contacts.webhooks.services import subscribers, webhook_emit, webhook_emit_many
from contacts.workspaces.models import Workspace


class _Serializers:
    """contacts.api.serializers, imported on first use: it pulls in DRF (and requests), half a second of start-up
    that `import_contacts` and other commands which send no webhook never need."""

    def __getattr__(self, name: str) -> Any:
        from contacts.api import serializers

        return getattr(serializers, name)


s = _Serializers()

# A call in one of these states has ended; `call.completed` carries it with its outcome.
FINAL_CALL_STATUSES = frozenset({"completed", "no_answer", "busy", "voicemail", "failed", "canceled"})


def contact_payload(contact) -> dict[str, Any]:
    """GET /v1/contacts/{id}'s `data`, from the very function the API uses."""
    from contacts.api.views import contact_body  # the API module imports services; import it only when used

    return contact_body(contact)


def contact_created(contact) -> None:
    if subscribers(contact.workspace, "contact.created"):
        webhook_emit(workspace=contact.workspace, event_type="contact.created", data=contact_payload(contact))


def contact_updated(contact) -> None:
    if subscribers(contact.workspace, "contact.updated"):
        webhook_emit(workspace=contact.workspace, event_type="contact.updated", data=contact_payload(contact))


def contact_deleted(contact) -> None:
    """Call before the row goes; `data` is what DELETE /v1/contacts/{id} answers, plus the number."""
    if subscribers(contact.workspace, "contact.deleted"):
        webhook_emit(workspace=contact.workspace, event_type="contact.deleted",
                     data={"id": contact.public_id, "phone": contact.phone, "deleted": True})


def contacts_deleted(*, workspace: Workspace, contacts: QuerySet) -> None:
    """Bulk delete: one `contact.deleted` per contact, streamed and inserted in chunks. Call before deleting."""
    endpoints = subscribers(workspace, "contact.deleted")
    if endpoints:
        rows = contacts.order_by().values_list("public_id", "phone").iterator(chunk_size=2000)
        webhook_emit_many(workspace=workspace, event_type="contact.deleted", endpoints=endpoints,
                          items=({"id": public_id, "phone": phone, "deleted": True} for public_id, phone in rows))


def dnc_changed(*, workspace: Workspace, phones: list[str], added: bool, reason: str, source: str) -> None:
    """`contact.dnc_added` / `contact.dnc_removed`, one per number: the number, why, how, and its contacts."""
    event_type = "contact.dnc_added" if added else "contact.dnc_removed"
    endpoints = subscribers(workspace, event_type)
    if not endpoints or not phones:
        return
    from contacts.contacts.models import ContactPhone

    contact_ids: dict[str, list[str]] = defaultdict(list)
    # Any of a contact's numbers, primary or additional.
    for phone, public_id in (ContactPhone.objects.filter(workspace=workspace, e164__in=phones).order_by("contact_id")
                             .values_list("e164", "contact__public_id")):
        contact_ids[phone].append(public_id)
    webhook_emit_many(workspace=workspace, event_type=event_type, endpoints=endpoints, items=(
        {"phone": phone, "reason": reason, "source": str(source), "contact_ids": contact_ids.get(phone, [])}
        for phone in phones))


def call_queued(call) -> None:
    if subscribers(call.workspace, "call.queued"):
        webhook_emit(workspace=call.workspace, event_type="call.queued", data=s.call_full(call))


def call_finished(call) -> None:
    """`call.completed` when the call is in a final state; nothing for queued, ringing or in-progress calls."""
    if call.status in FINAL_CALL_STATUSES and subscribers(call.workspace, "call.completed"):
        webhook_emit(workspace=call.workspace, event_type="call.completed", data=s.call_full(call))


def import_completed(batch, counts: dict[str, int]) -> None:
    if subscribers(batch.workspace, "import.completed"):
        webhook_emit(workspace=batch.workspace, event_type="import.completed", data={
            "batch_id": batch.public_id, "status": batch.status, "source": batch.source,
            "file_name": batch.file_name or None, "created_at": s.ts(batch.created_at),
            "finished_at": s.ts(batch.finished_at), **counts})



def campaign_started(campaign, queued: int) -> None:
    if subscribers(campaign.workspace, "campaign.started"):
        webhook_emit(workspace=campaign.workspace, event_type="campaign.started", data={
            **s.campaign_brief(campaign), "queued": queued, "started_at": s.ts(campaign.started_at)})
