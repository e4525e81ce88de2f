"""The Do-Not-Call list: the one place a number becomes DNC or is reactivated.

A contact is `dnc` exactly when its workspace has a DncEntry for every one of its numbers (primary and
additional, contacts.contacts.numbers); every change to the list goes through here and updates contacts in the
same transaction.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from contacts.compliance.audit import Actor, actor_fields, record_event
from contacts.compliance.dnc_files import DncRow, DncSummary, classify, pasted_rows
from contacts.compliance.selectors import dnc_entry_for, dnc_numbers_among
from contacts.contacts.numbers import all_numbers, contacts_sync_dnc, holders_of, numbers_of
from contacts.errors import NotFound, ValidationFailed
from contacts.models import (
    Contact,
    ContactPhone,
    ContactStatus,
    DncAction,
    DncAuditLog,
    DncEntry,
    DncSource,
    Workspace,
)
from contacts.observability import log_event
from contacts.webhooks import events as webhook_events
from contacts.workspaces.permissions import Perm, require
from contacts.workspaces.rules import normalize_for_workspace

CHUNK = 2000


def _listed_form(workspace: Workspace, phone: str, stored: bool) -> str:
    """The number as the list keeps it: a stored contact number is already E.164 and is never parsed again
    (a number kept under lenient rules may not pass strict parsing); anything typed is parsed for the workspace."""
    return phone if stored else normalize_for_workspace(workspace, phone)


def _require_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("A reason is required.", details={"reason": ["A reason is required."]})
    return reason[:500]


@transaction.atomic
def dnc_add_number(
    *, workspace: Workspace, phone: str, reason: str, source: str = DncSource.MANUAL, actor: Actor = None,
    stored: bool = False,
) -> DncEntry:
    """Put a number on the DNC list (idempotent) and mark every contact with it DNC.

    `stored=True` says `phone` is a contact's stored E.164 number, used as it is.
    """
    require(actor, workspace, Perm.DNC_ADD)
    reason = _require_reason(reason)
    e164 = _listed_form(workspace, phone, stored)
    existing = dnc_entry_for(workspace, e164)
    if existing:
        return existing
    who = actor_fields(actor)
    try:
        with transaction.atomic():
            entry = DncEntry.objects.create(
                workspace=workspace, phone=e164, reason=reason, source=source, created_by=who["actor"],
                created_by_label=who["actor_label"],
            )
    except IntegrityError:  # added concurrently
        return DncEntry.objects.get(workspace=workspace, phone=e164)
    affected = len(contacts_sync_dnc(holders_of(workspace, [e164]), now=entry.created_at, listing=True)[0])
    DncAuditLog.objects.create(
        workspace=workspace, phone=e164, action=DncAction.ADDED, reason=reason, source=source,
        contacts_affected=affected, **who,
    )
    log_event("dnc.add", workspace=workspace, actor=actor, phone=e164, source=source, contacts_affected=affected)
    webhook_events.dnc_changed(workspace=workspace, phones=[e164], added=True, reason=reason, source=source)
    return entry


@transaction.atomic
def dnc_remove_number(
    *, workspace: Workspace, phone: str, reason: str, actor: Actor = None, source: str = DncSource.MANUAL,
    stored: bool = False,
) -> int:
    """Take a number off the DNC list deliberately; the audit log keeps who and why. Returns contacts reactivated."""
    require(actor, workspace, Perm.DNC_MANAGE)
    reason = _require_reason(reason)
    e164 = _listed_form(workspace, phone, stored)
    deleted, _ = DncEntry.objects.filter(workspace=workspace, phone=e164).delete()
    if not deleted:
        raise NotFound(f"{e164} is not on the DNC list.", code="dnc_not_found", details={"phone": e164})
    affected = len(contacts_sync_dnc(holders_of(workspace, [e164]), listing=False)[1])
    DncAuditLog.objects.create(
        workspace=workspace, phone=e164, action=DncAction.REMOVED, reason=reason, source=source,
        contacts_affected=affected, **actor_fields(actor),
    )
    log_event("dnc.remove", workspace=workspace, actor=actor, phone=e164, source=source, contacts_affected=affected)
    webhook_events.dnc_changed(workspace=workspace, phones=[e164], added=False, reason=reason, source=source)
    return affected


@transaction.atomic
def contact_mark_dnc(
    *, contact: Contact, reason: str, source: str = DncSource.MANUAL, actor: Actor = None
) -> Contact:
    """List every number of the contact (primary and additional)."""
    for number in all_numbers(contact):
        dnc_add_number(workspace=contact.workspace, phone=number, reason=reason, source=source, actor=actor,
                       stored=True)
    contact.refresh_from_db()
    return contact


@transaction.atomic
def contact_reactivate(
    *, contact: Contact, reason: str, actor: Actor = None, source: str = DncSource.MANUAL
) -> Contact:
    """Take every listed number of the contact off the list (each with its audit record)."""
    numbers = all_numbers(contact)
    listed = dnc_numbers_among(contact.workspace, numbers)
    for number in [n for n in numbers if n in listed] or [contact.phone]:  # none listed: the usual 404
        dnc_remove_number(workspace=contact.workspace, phone=number, reason=reason, actor=actor, source=source,
                          stored=True)
    contact.refresh_from_db()
    return contact


@transaction.atomic
def contacts_mark_dnc(
    *, workspace: Workspace, contacts: QuerySet[Contact], reason: str, source: str = DncSource.MANUAL,
    actor: Actor = None,
) -> int:
    """Bulk: put every selected contact's number on the DNC list. Set-based, chunked. Returns numbers added."""
    require(actor, workspace, Perm.DNC_ADD)
    reason = _require_reason(reason)
    who = actor_fields(actor)
    now = timezone.now()
    selected = contacts.filter(workspace=workspace, status=ContactStatus.ACTIVE)
    phones = numbers_of(selected).values_list("e164", flat=True).order_by()  # every number of each contact
    added = 0
    chunk: list[str] = []

    def flush(batch: list[str]) -> int:
        known = set(DncEntry.objects.filter(workspace=workspace, phone__in=batch).values_list("phone", flat=True))
        fresh = [p for p in batch if p not in known]
        DncEntry.objects.bulk_create(
            [DncEntry(workspace=workspace, phone=p, reason=reason, source=source, created_by=who["actor"],
                      created_by_label=who["actor_label"], created_at=now) for p in fresh],
            ignore_conflicts=True,
        )
        DncAuditLog.objects.bulk_create(
            [DncAuditLog(workspace=workspace, phone=p, action=DncAction.ADDED, reason=reason, source=source,
                         contacts_affected=1, created_at=now, **who) for p in fresh]
        )
        webhook_events.dnc_changed(workspace=workspace, phones=fresh, added=True, reason=reason, source=source)
        return len(fresh)

    for number in phones.iterator(chunk_size=CHUNK):
        chunk.append(number)
        if len(chunk) >= CHUNK:
            added += flush(chunk)
            chunk = []
    if chunk:
        added += flush(chunk)
    selected.update(status=ContactStatus.DNC, dnc_at=now, updated_at=now)
    record_event(workspace=workspace, actor=actor, action="contacts.mark_dnc", count=added, details={"reason": reason})
    return added


def _list_numbers(
    *, workspace: Workspace, numbers: list[tuple[str, str]], source: str, who: dict, now: datetime
) -> dict[str, int]:
    """Put new E.164 numbers (with their reasons) on the list in a fixed number of queries.

    The caller has checked they are not listed yet. Returns each number's count of contacts marked DNC.
    """
    phones = [phone for phone, _ in numbers]
    DncEntry.objects.bulk_create(
        [DncEntry(workspace=workspace, phone=phone, reason=reason, source=source, created_by=who["actor"],
                  created_by_label=who["actor_label"], created_at=now) for phone, reason in numbers],
        ignore_conflicts=True,  # listed concurrently: the entry that won stays
    )
    # A contact turns DNC when every one of its numbers is listed; count it under the numbers that did it.
    to_dnc = contacts_sync_dnc(holders_of(workspace, phones), now=now, listing=True)[0]
    affected = dict(ContactPhone.objects.filter(contact_id__in=to_dnc, e164__in=phones).order_by()
                    .values("e164").annotate(n=Count("id")).values_list("e164", "n")) if to_dnc else {}
    DncAuditLog.objects.bulk_create(
        [DncAuditLog(workspace=workspace, phone=phone, action=DncAction.ADDED, reason=reason, source=source,
                     contacts_affected=affected.get(phone, 0), created_at=now, **who) for phone, reason in numbers]
    )
    return affected


def _apply_verdicts(
    *, workspace: Workspace, rows: Iterable[DncRow], default_reason: str, source: str, actor: Actor,
    atomic_chunks: bool,
) -> DncSummary:
    who = actor_fields(actor)
    summary = DncSummary()
    for verdicts in classify(workspace, rows, default_reason=default_reason):
        fresh = [(v.phone, v.reason) for v in verdicts if v.verdict == "add"]
        if fresh:
            if atomic_chunks:
                with transaction.atomic():
                    _list_numbers(workspace=workspace, numbers=fresh, source=source, who=who, now=timezone.now())
            else:
                _list_numbers(workspace=workspace, numbers=fresh, source=source, who=who, now=timezone.now())
            summary.added.extend(phone for phone, _ in fresh)
        for verdict in verdicts:
            summary.take(verdict)
    return summary


@transaction.atomic
def dnc_add_numbers(
    *, workspace: Workspace, numbers: str | Iterable[str], reason: str, source: str = DncSource.MANUAL,
    actor: Actor = None,
) -> DncSummary:
    """Put one or many numbers (any format, one reason) on the list; every number gets a verdict.

    `numbers` is pasted text (one per line or comma-separated) or a list. Invalid numbers are reported, not
    raised; numbers already listed are left as they are. Set-based: a fixed number of queries per 2,000.
    """
    require(actor, workspace, Perm.DNC_ADD)
    reason = _require_reason(reason)
    rows = pasted_rows(numbers) if isinstance(numbers, str) else [
        DncRow(line=i, raw_phone=str(n).strip()) for i, n in enumerate(numbers, start=1) if str(n).strip()
    ]
    if not rows:
        raise ValidationFailed("Type at least one number.", details={"numbers": ["Type at least one number."]})
    summary = _apply_verdicts(workspace=workspace, rows=rows, default_reason=reason, source=source, actor=actor,
                              atomic_chunks=False)
    if summary.added:
        log_event("dnc.add_many", workspace=workspace, actor=actor, count=len(summary.added), source=source)
    return summary


def dnc_upload_apply(
    *, workspace: Workspace, rows: Iterable[DncRow], default_reason: str = "", source: str = DncSource.IMPORT,
    actor: Actor = None, file_name: str = "",
) -> DncSummary:
    """Apply a DNC file: bad rows are skipped and reported, the rest listed in chunks of 2,000.

    Rows without a reason take `default_reason`; with neither they are skipped as `no_reason`. Each chunk
    commits on its own (a crash half-way keeps what was listed); applying the file again is harmless, since
    numbers already listed are left alone. Needs DNC_MANAGE.
    """
    require(actor, workspace, Perm.DNC_MANAGE)
    default_reason = (default_reason or "").strip()[:500]
    summary = _apply_verdicts(workspace=workspace, rows=rows, default_reason=default_reason, source=source,
                              actor=actor, atomic_chunks=True)
    counts = {key: summary.counts.get(key, 0) for key in ("add", "listed", "duplicate", "invalid", "no_reason")}
    record_event(workspace=workspace, actor=actor, action="dnc.upload", count=len(summary.added),
                 details={"file": file_name[:200], **counts})
    return summary
