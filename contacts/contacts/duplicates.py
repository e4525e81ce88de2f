"""Possible duplicates: contacts of a workspace that share a number, an email, or a name and company.

Every kind is found set-based: one GROUP BY ... HAVING COUNT(DISTINCT contact) > 1 query for the groups (at most
`limit` of them) and one query for their contacts, whatever the size of the workspace. Keys are normalised:
emails and names case-folded and trimmed, numbers compared on their last 9 digits (the same local number stored
under two country codes, a typical wrong default country), across primary and additional numbers.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import CharField, Count, F, Q, QuerySet, Value
from django.db.models.functions import Concat, Length, Lower, Right, Trim
from django.utils import timezone

from contacts.contacts.models import Contact, ContactPhone, DuplicateScan
from contacts.counting import bounded_count
from contacts.workspaces.models import Workspace

NUMBER_TAIL = 9  # digits compared: enough to tell numbers apart, few enough to survive a wrong country code
KINDS = {"number": "Same number", "email": "Same email", "name": "Same name and company"}


@dataclass
class DuplicateGroup:
    kind: str  # number / email / name
    key: str
    contacts: list[Contact] = field(default_factory=list)

    @property
    def label(self) -> str:
        return KINDS[self.kind]


def _name_key() -> Concat:
    return Concat(Lower(Trim("first_name")), Value("|"), Lower(Trim("last_name")), Value("|"),
                  Lower(Trim("company")), output_field=CharField())


def _grouped(queryset: QuerySet, key, contact_field: str, limit: int) -> list[str]:
    return list(queryset.annotate(dup_key=key).order_by().values("dup_key")
                .annotate(n=Count(contact_field, distinct=True)).filter(n__gt=1)
                .order_by("-n", "dup_key").values_list("dup_key", flat=True)[:limit])


def duplicate_groups(workspace: Workspace, *, kind: str | None = None, limit: int = 50) -> list[DuplicateGroup]:
    """Groups of possible duplicates, biggest first, per kind (all kinds when `kind` is None)."""
    contacts = Contact.objects.for_workspace(workspace)
    groups: list[DuplicateGroup] = []
    if kind in (None, "number"):
        phones = ContactPhone.objects.filter(workspace=workspace).annotate(tail=Right("e164", NUMBER_TAIL))
        long_enough = phones.annotate(digits=Length("e164")).filter(digits__gt=NUMBER_TAIL)
        keys = _grouped(long_enough, Right("e164", NUMBER_TAIL), "contact_id", limit)
        by_key: dict[str, dict[int, None]] = defaultdict(dict)
        for tail, contact_id in phones.filter(tail__in=keys).order_by("contact_id").values_list("tail", "contact_id"):
            by_key[tail][contact_id] = None
        found = _contacts(contacts, {i for ids in by_key.values() for i in ids})
        groups += [DuplicateGroup("number", key, [found[i] for i in by_key[key] if i in found]) for key in keys]
    if kind in (None, "email"):
        with_email = contacts.exclude(email="").annotate(email_key=Lower(Trim("email")))
        keys = _grouped(with_email, Lower(Trim("email")), "id", limit)
        members = with_email.filter(email_key__in=keys).order_by("created_at", "id")
        by_email: dict[str, list[Contact]] = defaultdict(list)
        for contact in members:
            by_email[contact.email_key].append(contact)
        groups += [DuplicateGroup("email", key, by_email[key]) for key in keys]
    if kind in (None, "name"):
        named = contacts.exclude(Q(first_name="") & Q(last_name="")).annotate(name_key=_name_key())
        named = named.annotate(name_len=Length(Trim(Concat(F("first_name"), F("last_name"),
                                                            output_field=CharField())))).filter(name_len__gt=0)
        keys = _grouped(named, _name_key(), "id", limit)
        members = named.filter(name_key__in=keys).order_by("created_at", "id")
        by_name: dict[str, list[Contact]] = defaultdict(list)
        for contact in members:
            by_name[contact.name_key].append(contact)
        groups += [DuplicateGroup("name", key, by_name[key]) for key in keys]
    return [g for g in groups if len(g.contacts) > 1]


def _contacts(queryset: QuerySet[Contact], ids: set[int]) -> dict[int, Contact]:
    return {c.pk: c for c in queryset.filter(pk__in=ids)} if ids else {}


# --- large workspaces: the task worker groups, the page shows its last result -----------------------------------
INLINE_MAX = 20_000  # contacts: up to here the page groups them in the request (tens of milliseconds)
SCAN_FRESH = timedelta(minutes=15)  # an older finished scan is run again when the page is opened


@dataclass
class DuplicatesPage:
    groups: list[DuplicateGroup]
    scan: DuplicateScan | None = None  # None: grouped in this request


def duplicates_page(workspace: Workspace, *, kind: str | None = None, limit: int = 50) -> DuplicatesPage:
    """The duplicates page's groups: grouped now for a workspace within INLINE_MAX contacts, else the stored result
    of the last scan (one is queued when there is none or it is older than SCAN_FRESH)."""
    if bounded_count(Contact.objects.for_workspace(workspace), cap=INLINE_MAX).exact:
        return DuplicatesPage(duplicate_groups(workspace, kind=kind, limit=limit))
    scan = DuplicateScan.objects.filter(workspace=workspace).first()
    if scan is None or (scan.status == DuplicateScan.Status.DONE and scan.finished_at is not None
                        and scan.finished_at < timezone.now() - SCAN_FRESH):
        scan = duplicate_scan_request(workspace)
    return DuplicatesPage(stored_groups(workspace, scan, kind=kind), scan)


def duplicate_scan_request(workspace: Workspace) -> DuplicateScan:
    """Queue a scan (once: a scan already queued or running is left to finish). Its last result stays on show."""
    from contacts.tasks import scan_duplicates

    now = timezone.now()
    scan, created = DuplicateScan.objects.get_or_create(workspace=workspace, defaults={"requested_at": now})
    if not created:
        if scan.status != DuplicateScan.Status.DONE:
            return scan
        DuplicateScan.objects.filter(pk=scan.pk).update(status=DuplicateScan.Status.QUEUED, requested_at=now)
        scan.status, scan.requested_at = DuplicateScan.Status.QUEUED, now
    workspace_id = workspace.pk
    transaction.on_commit(lambda: scan_duplicates.enqueue(workspace_id))
    return scan


def duplicate_scan_run(workspace_id: int, limit: int = 50) -> int:
    """The task's work: group every kind and store each group's ids. Returns how many groups it found."""
    workspace = Workspace.objects.get(pk=workspace_id)
    DuplicateScan.objects.filter(workspace=workspace).update(status=DuplicateScan.Status.RUNNING)
    groups = duplicate_groups(workspace, limit=limit)
    now = timezone.now()
    result = {"status": DuplicateScan.Status.DONE, "finished_at": now,
              "contacts": Contact.objects.for_workspace(workspace).count(),
              "groups": [{"kind": g.kind, "key": g.key, "ids": [c.pk for c in g.contacts]} for g in groups]}
    DuplicateScan.objects.update_or_create(workspace=workspace, defaults=result,
                                           create_defaults={**result, "requested_at": now})
    return len(groups)


def stored_groups(workspace: Workspace, scan: DuplicateScan, *, kind: str | None = None) -> list[DuplicateGroup]:
    """A scan's groups (at most its `limit` per kind) with their contacts as they are now (one query): merged or
    deleted contacts drop out, and a group left with one contact is gone."""
    kept = [g for g in scan.groups or [] if kind in (None, g.get("kind"))]
    found = _contacts(Contact.objects.for_workspace(workspace), {i for g in kept for i in g.get("ids", [])})
    groups = []
    for stored in kept:
        contacts = [found[i] for i in stored.get("ids", []) if i in found]
        if len(contacts) > 1:
            groups.append(DuplicateGroup(stored["kind"], stored.get("key", ""), contacts))
    return groups
