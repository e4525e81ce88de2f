"""Merge two contacts of one workspace into one (API and dashboard share this).

The target survives. Field by field the caller may pick whose value is kept (`keep={"email": "source"}`); by
default the target's non-empty values win and its empty ones are filled from the source. Nothing the source
held is lost: its numbers become additional numbers of the target, a different email (and any other value not
kept) is written into the notes, every row pointing at it (calls, campaign memberships, list and tag memberships,
import rows, ... any model with a foreign key to Contact) moves to the target, and DNC follows the numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from contacts.compliance import services as dnc_service
from contacts.compliance.audit import Actor, record_event
from contacts.contacts import numbers as contact_numbers
from contacts.errors import ContactNotFound, ValidationFailed
from contacts.models import (
    Call,
    CampaignMembership,
    Contact,
    ContactPhone,
    ContactStatus,
    DncSource,
    ImportRow,
    PhoneLabel,
)
from contacts.workspaces.permissions import Perm, require

MERGED_FIELDS = ("first_name", "last_name", "email", "company", "title", "notes")
CHOOSABLE = ("phone", "first_name", "last_name", "email", "company", "title")
FIELD_LABELS = {"phone": "Phone", "first_name": "First name", "last_name": "Last name", "email": "Email",
                "company": "Company", "title": "Job title"}
TARGET, SOURCE = "target", "source"


@dataclass
class MergePlan:
    """What a merge would do, for the side-by-side page and for the audit record."""

    filled: dict[str, str] = field(default_factory=dict)  # field -> value taken from the source
    values: dict[str, str] = field(default_factory=dict)  # field -> the merged contact's value
    noted: dict[str, str] = field(default_factory=dict)  # field -> a value not kept, written into the notes
    numbers_added: list[str] = field(default_factory=list)  # numbers the target gains as additional numbers
    notes: str = ""
    metadata_added: list[str] = field(default_factory=list)
    calls_moved: int = 0
    campaigns_moved: int = 0
    becomes_dnc: bool = False

    def as_details(self) -> dict:
        return {"filled": sorted(self.filled), "metadata_added": self.metadata_added,
                "calls_moved": self.calls_moved, "campaigns_moved": self.campaigns_moved,
                "becomes_dnc": self.becomes_dnc, "numbers_added": self.numbers_added, "noted": sorted(self.noted)}


def _clean_keep(keep: dict | None) -> dict[str, str]:
    keep = keep or {}
    if not isinstance(keep, dict):
        raise ValidationFailed("keep must be an object of field: target|source.",
                               details={"keep": ["Must be an object."]})
    bad = {name: value for name, value in keep.items() if name not in CHOOSABLE or value not in (TARGET, SOURCE)}
    if bad:
        raise ValidationFailed(
            f"keep: pick target or source for {', '.join(CHOOSABLE)}.",
            details={f"keep.{name}": [f"Must be target or source, for one of {', '.join(CHOOSABLE)}."]
                     for name in sorted(bad)},
        )
    return dict(keep)


def merge_plan(*, target: Contact, source: Contact, keep: dict | None = None) -> MergePlan:
    """The outcome of merging source into target, without writing anything."""
    _check(target, source)
    keep = _clean_keep(keep)
    plan = MergePlan()
    for name in CHOOSABLE:
        mine, theirs = getattr(target, name), getattr(source, name)
        side = keep.get(name) or (TARGET if mine or not theirs else SOURCE)
        value, other = (mine, theirs) if side == TARGET else (theirs, mine)
        plan.values[name] = value
        if side == SOURCE and value != mine:
            plan.filled[name] = value
        if other and other.casefold() != value.casefold() and name != "phone":
            plan.noted[name] = other  # never lost: written into the notes (a case-only difference is not news)
    target_numbers = contact_numbers.all_numbers(target)
    source_numbers = contact_numbers.all_numbers(source)
    plan.numbers_added = [n for n in source_numbers if n not in target_numbers]
    lines = [n for n in (target.notes, source.notes) if n]
    if plan.noted:
        lines.append(f"Merged from {source.public_id}: " + "; ".join(
            f"{FIELD_LABELS[name].lower()} {value}" for name, value in plan.noted.items()))
    plan.notes = "\n\n".join(dict.fromkeys(lines))
    if plan.notes != target.notes:
        plan.filled["notes"] = plan.notes
    target_meta = target.metadata or {}
    plan.metadata_added = sorted(k for k in (source.metadata or {}) if k not in target_meta)
    plan.calls_moved = Call.objects.filter(contact=source).count()
    plan.campaigns_moved = (
        CampaignMembership.objects.filter(contact=source)
        .exclude(campaign_id__in=CampaignMembership.objects.filter(contact=target).values("campaign_id"))
        .count()
    )
    plan.becomes_dnc = source.is_dnc and not target.is_dnc
    return plan


def _check(target: Contact, source: Contact) -> None:
    if target.workspace_id != source.workspace_id:
        raise ContactNotFound(f"Contact {source.public_id} not found.", details={"id": source.public_id})
    if target.pk == source.pk:
        raise ValidationFailed("A contact cannot be merged into itself.",
                               details={"source_id": ["Pick a different contact."]})


def _move_related(target: Contact, source: Contact) -> dict[str, int]:
    """Every row pointing at source points at target instead, one UPDATE per related model.

    Generic over relations, so models added later (lists, tags, ...) move too. A row that would break a unique
    constraint (target is already in that campaign or list) stays and goes with the source."""
    moved: dict[str, int] = {}
    for relation in Contact._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one)):
            continue
        model, fk = relation.related_model, relation.field.name
        if model is ContactPhone or model is ImportRow:
            continue  # numbers are handled below; an import's row keeps pointing at what that import did
        rows = model._base_manager.filter(**{fk: source})
        if relation.one_to_one:
            if model._base_manager.filter(**{fk: target}).exists():
                continue
        else:
            for others in _unique_with(model, relation.field):
                clash = model._base_manager.filter(**{fk: target}, **{name: OuterRef(name) for name in others})
                rows = rows.exclude(Exists(clash))
        moved[model._meta.model_name] = rows.update(**{fk: target})
    return moved


def _unique_with(model, fk_field) -> list[list[str]]:
    """The other fields of each unique constraint (or unique_together) that includes `fk_field`."""
    sets = [list(c.fields) for c in model._meta.constraints if getattr(c, "fields", None)]
    sets += [list(u) for u in model._meta.unique_together]
    names = {fk_field.name, fk_field.attname}
    return [[f for f in s if f not in names] for s in sets if names & set(s) and len(s) > 1]


@transaction.atomic
def contact_merge(*, target: Contact, source: Contact, actor: Actor = None, keep: dict | None = None) -> Contact:
    """Merge source into target and delete source.

    `keep` picks, field by field, whose value stays ({"email": "source", "phone": "target", ...}); by default the
    target's non-empty values win and its empty ones are filled. Values not kept are written into the notes; the
    source's numbers become the target's additional numbers; metadata is combined (target's keys win); calls,
    campaign memberships and every other related row move over; a DNC source makes the target DNC too (the
    person asked not to be called), and the merge is recorded.
    """
    require(actor, target.workspace, Perm.DESTROY)
    _check(target, source)
    # Lock both rows (in id order, so two opposite merges cannot deadlock) and work on fresh values.
    locked = {c.pk: c for c in Contact.objects.select_for_update().filter(pk__in=[target.pk, source.pk])
              .order_by("pk")}
    if source.pk not in locked:
        raise ContactNotFound(f"Contact {source.public_id} not found.", details={"id": source.public_id})
    if target.pk not in locked:
        raise ContactNotFound(f"Contact {target.public_id} not found.", details={"id": target.public_id})
    target, source = locked[target.pk], locked[source.pk]
    plan = merge_plan(target=target, source=source, keep=keep)

    for name in MERGED_FIELDS:
        if name in plan.filled:
            setattr(target, name, plan.filled[name])
    target.metadata = {**(source.metadata or {}), **(target.metadata or {})}
    moved = _move_related(target, source)
    target.calls_count = target.calls_count + source.calls_count
    if source.last_called_at and (not target.last_called_at or source.last_called_at > target.last_called_at):
        target.last_called_at = source.last_called_at
    target.updated_at = timezone.now()
    target.save(update_fields=[*MERGED_FIELDS, "metadata", "calls_count", "last_called_at", "updated_at"])

    # The source's additional numbers move over as they are; its primary is freed by deleting the source.
    source_extra = contact_numbers.additional_numbers(source)
    start = (ContactPhone.objects.filter(contact=target).order_by("-position")
             .values_list("position", flat=True).first() or 0) + 1
    for offset, number in enumerate(source_extra):
        ContactPhone.objects.filter(contact=source, e164=number.number).update(contact=target,
                                                                                 position=start + offset)
    details = {**plan.as_details(), "calls_moved": moved.get("call", 0),
               "campaigns_moved": moved.get("campaignmembership", 0), "moved": moved,
               "source_id": source.public_id, "source_phone": source.phone, "target_id": target.public_id}
    source_id, source_phone, source_dnc = source.public_id, source.phone, source.is_dnc
    source.delete()  # rows it still had (campaigns the target is already in) go with it
    contact_numbers.add_numbers(target, [contact_numbers.Number(source_phone, PhoneLabel.OTHER)])
    if plan.values["phone"] != target.phone:
        contact_numbers.set_primary(target, plan.values["phone"])
    contact_numbers.contacts_sync_dnc(Contact.objects.filter(pk=target.pk))
    target.refresh_from_db()
    if source_dnc and target.status != ContactStatus.DNC:
        target = dnc_service.contact_mark_dnc(
            contact=target, reason=f"Merged with {source_id}, which was on the Do-Not-Call list",
            source=DncSource.MANUAL, actor=actor,
        )
    record_event(workspace=target.workspace, actor=actor, action="contact.merge", count=1, details=details)
    return target
