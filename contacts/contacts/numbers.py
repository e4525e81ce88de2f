"""A contact's several numbers: validation of `phones`, writes of additional numbers, the number to dial and the
DNC status that follows from every number.

Every number of a contact lives in ContactPhone (the primary one kept there by a database trigger), unique per
workspace. A contact is `dnc` exactly when every one of its numbers is on the DNC list: while one number is
callable the contact can be called, on that number.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from contacts.compliance.models import DncEntry
from contacts.contacts.models import Contact, ContactPhone, ContactStatus, PhoneLabel
from contacts.errors import DuplicatePhone, InvalidPhone, ValidationFailed
from contacts.workspaces.models import Workspace
from contacts.workspaces.rules import normalize_for_workspace

MAX_ADDITIONAL = 20
NUMBERS_ADDED = "__numbers_added"  # key of an import row's `previous`: numbers the update added to the contact


@dataclass(frozen=True)
class Number:
    """An additional number as the API shows it."""

    number: str
    label: str = PhoneLabel.OTHER

    def as_dict(self) -> dict[str, str]:
        return {"number": self.number, "label": self.label}


def parse_phones(workspace: Workspace, value: Any, *, country_hint: str | None = None) -> list[Number]:
    """`phones` from the API or a form: a list of {"number", "label"} (or plain strings), normalised to E.164.

    Raises ValidationFailed / InvalidPhone naming the item (details `phones[i]`); repeats collapse to one.
    """
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple):
        raise ValidationFailed("phones must be a list of {\"number\", \"label\"} objects.",
                               details={"phones": ["Must be a list."]})
    if len(value) > MAX_ADDITIONAL:
        raise ValidationFailed(f"At most {MAX_ADDITIONAL} additional numbers.",
                               details={"phones": [f"At most {MAX_ADDITIONAL}."]})
    numbers: list[Number] = []
    for i, item in enumerate(value):
        key = f"phones[{i}]"
        if isinstance(item, str):
            item = {"number": item}
        if not isinstance(item, dict) or set(item) - {"number", "label", "phone_number", "phone"}:
            raise ValidationFailed(f"{key} must be an object with number and label.",
                                   details={key: ["Must be an object with number and label."]})
        raw = item.get("number") or item.get("phone_number") or item.get("phone")
        if not raw or not str(raw).strip():
            raise ValidationFailed(f"{key}.number is required.", details={f"{key}.number": ["Required."]})
        label = str(item.get("label") or PhoneLabel.OTHER).strip().lower()
        if label not in PhoneLabel.values:
            raise ValidationFailed(
                f"{key}.label must be one of {', '.join(PhoneLabel.values)}.",
                details={f"{key}.label": [f"Must be one of {', '.join(PhoneLabel.values)}."]},
            )
        try:
            e164 = normalize_for_workspace(workspace, raw, country_hint=country_hint)
        except InvalidPhone as exc:
            raise InvalidPhone(exc.message, details={**exc.details, "field": key}) from exc
        if all(n.number != e164 for n in numbers):
            numbers.append(Number(e164, label))
    return numbers


def additional_numbers(contact: Contact) -> list[Number]:
    """The contact's additional numbers, in order (uses a prefetched `numbers` when there is one)."""
    rows = contact.numbers.all()
    return [Number(r.e164, r.label or PhoneLabel.OTHER) for r in sorted(rows, key=lambda r: (r.position, r.pk))
            if not r.is_primary]


def all_numbers(contact: Contact) -> list[str]:
    """Primary first, then the additional numbers in order."""
    return [contact.phone, *(n.number for n in additional_numbers(contact) if n.number != contact.phone)]


def _holders(workspace: Workspace, e164s: Iterable[str], exclude: Contact | None = None) -> dict[str, str]:
    """Which other contact holds each of these numbers: {e164: public_id}."""
    rows = ContactPhone.objects.filter(workspace=workspace, e164__in=list(e164s))
    if exclude is not None:
        rows = rows.exclude(contact=exclude)
    return dict(rows.values_list("e164", "contact__public_id"))


def _clash(e164: str, holder: str) -> DuplicatePhone:
    return DuplicatePhone(f"A contact with {e164} already exists.",
                          details={"phone": e164, "existing_id": holder, "field": "phones"})


def check_free(workspace: Workspace, e164s: Sequence[str], exclude: Contact | None = None) -> None:
    """DuplicatePhone (409) when another contact of the workspace holds one of these numbers."""
    held = _holders(workspace, e164s, exclude)
    for e164 in e164s:
        if e164 in held:
            raise _clash(e164, held[e164])


@transaction.atomic
def set_additional_numbers(contact: Contact, numbers: Sequence[Number]) -> None:
    """Replace the contact's additional numbers (the primary is never among them)."""
    wanted = [n for n in numbers if n.number != contact.phone]
    check_free(contact.workspace, [n.number for n in wanted], exclude=contact)
    ContactPhone.objects.filter(contact=contact, is_primary=False).delete()
    _insert(contact, wanted, start=1)


@transaction.atomic
def add_numbers(contact: Contact, numbers: Sequence[Number]) -> list[Number]:
    """Append numbers the contact does not have yet; numbers another contact holds are left out. Returns added."""
    have = set(ContactPhone.objects.filter(contact=contact).values_list("e164", flat=True))
    held = _holders(contact.workspace, [n.number for n in numbers], exclude=contact)
    fresh = [n for n in numbers if n.number not in have and n.number not in held]
    last = ContactPhone.objects.filter(contact=contact).order_by("-position").values_list("position", flat=True)
    _insert(contact, fresh, start=(last.first() or 0) + 1)
    return fresh


def _insert(contact: Contact, numbers: Sequence[Number], *, start: int) -> None:
    if not numbers:
        return
    try:
        with transaction.atomic():
            ContactPhone.objects.bulk_create([
                ContactPhone(workspace_id=contact.workspace_id, contact=contact, e164=n.number, label=n.label,
                             position=start + i) for i, n in enumerate(numbers)
            ])
    except IntegrityError as exc:  # taken concurrently
        held = _holders(contact.workspace, [n.number for n in numbers], exclude=contact)
        first = next(iter(held.items()), (numbers[0].number, None))
        raise _clash(*first) from exc


@transaction.atomic
def set_primary(contact: Contact, e164: str) -> None:
    """Make `e164` the primary number; the old primary stays as an additional number ("other")."""
    if e164 == contact.phone:
        return
    old = contact.phone
    ContactPhone.objects.filter(contact=contact, e164=e164, is_primary=False).delete()
    Contact.objects.filter(pk=contact.pk).update(phone=e164, updated_at=timezone.now())  # the trigger follows
    contact.phone = e164
    add_numbers(contact, [Number(old, PhoneLabel.OTHER)])


# --- DNC status and the number to dial -----------------------------------------------------------------------

def _callable_number() -> Exists:
    listed = DncEntry.objects.filter(workspace_id=OuterRef("workspace_id"), phone=OuterRef("e164"))
    return Exists(ContactPhone.objects.filter(contact_id=OuterRef("pk")).exclude(Exists(listed)))


def contacts_sync_dnc(contacts: QuerySet[Contact], now: datetime | None = None, *, listing: bool | None = None
                      ) -> tuple[list[int], list[int]]:
    """Set-based: contacts whose every number is listed become DNC, the others active. Returns (to_dnc, to_active)
    contact ids; a fixed number of queries whatever their number. `listing=True` (numbers were only added to the
    list) looks only for new DNC contacts, `False` (only removed) only for reactivated ones."""
    now = now or timezone.now()
    contacts = contacts.order_by()
    to_dnc = [] if listing is False else list(
        contacts.filter(status=ContactStatus.ACTIVE).exclude(_callable_number()).values_list("pk", flat=True))
    to_active = [] if listing is True else list(
        contacts.filter(status=ContactStatus.DNC).filter(_callable_number()).values_list("pk", flat=True))
    if to_dnc:
        Contact.objects.filter(pk__in=to_dnc).update(status=ContactStatus.DNC, dnc_at=now, updated_at=now)
    if to_active:
        Contact.objects.filter(pk__in=to_active).update(status=ContactStatus.ACTIVE, dnc_at=None, updated_at=now)
    return to_dnc, to_active


def holders_of(workspace: Workspace, e164s: Iterable[str]) -> QuerySet[Contact]:
    """Contacts holding any of these numbers, primary or additional."""
    return Contact.objects.filter(workspace=workspace, pk__in=ContactPhone.objects.filter(
        workspace=workspace, e164__in=list(e164s)).values("contact_id"))


def numbers_of(contacts: QuerySet[Contact]) -> QuerySet[ContactPhone]:
    """Every number of these contacts."""
    return ContactPhone.objects.filter(contact_id__in=contacts.order_by().values("pk"))


def dial_numbers(workspace: Workspace, contact_ids: Iterable[int]) -> dict[int, str]:
    """For each contact, the first of its numbers (primary first) not on the DNC list; the primary when every
    number is listed (the compliance decision then refuses it). Two queries whatever the number of contacts."""
    ids = list(contact_ids)
    if not ids:
        return {}
    rows = list(ContactPhone.objects.filter(contact_id__in=ids).order_by("contact_id", "-is_primary", "position", "id")
                .values_list("contact_id", "e164", "is_primary"))
    listed = set(DncEntry.objects.filter(workspace=workspace, phone__in=[r[1] for r in rows])
                 .values_list("phone", flat=True))
    chosen: dict[int, str] = {}
    primary: dict[int, str] = {}
    for contact_id, e164, is_primary in rows:
        if is_primary:
            primary[contact_id] = e164
        if contact_id not in chosen and e164 not in listed:
            chosen[contact_id] = e164
    return {cid: chosen.get(cid) or primary.get(cid, "") for cid in ids}


def dial_number(contact: Contact) -> str:
    """The number a call to this contact dials now (see dial_numbers)."""
    return dial_numbers(contact.workspace, [contact.pk]).get(contact.pk) or contact.phone
