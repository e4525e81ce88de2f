"""Chunked, set-based writes of verdicts with the batch checkpoint in the same transaction."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from contacts import services
from contacts.compliance.audit import actor_fields
from contacts.contacts.numbers import NUMBERS_ADDED, contacts_sync_dnc
from contacts.imports.bulk import FastInserter, insert_triggers_deferred
from contacts.models import (
    ConsentRecord,
    ConsentRevocation,
    Contact,
    ContactPhone,
    ContactStatus,
    ImportBatch,
    ImportRow,
    ImportRowOutcome,
    Workspace,
)
from contacts.tags.models import ContactTag
from contacts.tags.services import tags_ensure
from contacts.workspaces.rules import plan_room

from .verdicts import (
    DNC,
    KEEP_ERRORS_IN_MEMORY,
    NEW,
    OVER_LIMIT,
    UPDATE,
    Evaluator,
    ImportResult,
    Options,
    PhoneLabel,
    RowError,
    RowVerdict,
    _changes,
    _scrub,
    _text,
)


class ConcurrentRun(Exception):
    """Another worker moved this batch's checkpoint: this run stops without writing its chunk."""


class Writer:
    """Writes a chunk of verdicts and the batch checkpoint in one transaction."""

    def __init__(self, workspace: Workspace, batch: ImportBatch, options: Options, actor: Any,
                 result: ImportResult, store_raw: bool = True):
        self.workspace, self.batch, self.options, self.actor = workspace, batch, options, actor
        self.result = result
        self.store_raw = store_raw

    def _remaining(self) -> int | None:
        return plan_room(self.workspace)

    def write(self, evaluator: Evaluator, chunk: list[tuple[int, Mapping[str, object], Any]],
              parsed: list[tuple[str | None, str, str]] | None = None) -> list[RowVerdict]:
        for attempt in range(3):
            held_back = set(evaluator.held_back)  # a failed attempt must not leave its rows' numbers behind
            try:
                with transaction.atomic():
                    return self._write_once(evaluator, chunk, parsed)
            except IntegrityError:
                evaluator.held_back = held_back
                # Another import created one of these numbers between our lookup and insert: look again.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _write_once(self, evaluator: Evaluator, chunk, parsed=None) -> list[RowVerdict]:
        evaluator.seen = set()  # earlier chunks' numbers are in the database now (see Evaluator.__init__)
        try:
            verdicts = evaluator.evaluate(chunk, parsed)
            self._apply_limit(verdicts)
            now = timezone.now()
            created = self._create(verdicts, now)
            updated = self._update(verdicts, now)
            self._store_rows(verdicts)
            self._consents(verdicts, now)
            self._tags(verdicts)
            if self.options.campaign is not None and (created or updated):
                change = services.campaign_add_contacts(
                    campaign=self.options.campaign,
                    contacts=Contact.objects.for_workspace(self.workspace).filter(pk__in=created + updated),
                    actor=self.actor,
                )
                self.result.campaign_added += change.added
            self._checkpoint(verdicts, now)
        except BaseException:
            evaluator.seen = set()
            raise
        evaluator.updated_ids.update(updated)
        return verdicts

    def _tags(self, verdicts: list[RowVerdict]) -> None:
        """A tags column: the chunk's tags made once, then one INSERT of the (tag, contact) pairs."""
        rows = [v for v in verdicts if v.tags and v.verdict in (NEW, DNC, UPDATE)]
        if not rows:
            return
        names = list(dict.fromkeys(name for row in rows for name in row.tags))
        by_name = {t.name.lower(): t for t in tags_ensure(workspace=self.workspace, names=names)}
        ids = dict(Contact.objects.for_workspace(self.workspace).filter(
            phone__in=[r.phone for r in rows]).values_list("phone", "pk"))
        ContactTag.objects.bulk_create(
            [ContactTag(tag=by_name[name.lower()], contact_id=ids[row.phone]) for row in rows for name in row.tags
             if row.phone in ids], ignore_conflicts=True, batch_size=1000)

    def _consents(self, verdicts: list[RowVerdict], now) -> None:
        """Consent and revocation columns: one ledger record per row that has them (source / channel `import`)."""
        rows = [v for v in verdicts if v.written and (v.consent or v.revoked)]
        if not rows:
            return
        label = actor_fields(self.actor)["actor_label"] or "import"
        proof = f"Import {self.batch.public_id} ({self.batch.file_name or 'records'}), row {{}}"
        consents = [ConsentRecord(workspace=self.workspace, phone=v.phone, kind=v.consent, source="import",
                                  captured_at=now, proof_text=proof.format(v.index + 1), actor_label=label)
                    for v in rows if v.consent]
        revocations = []
        for v in rows:
            if v.revoked:
                when = now if v.revoked is True else min(now, datetime.combine(v.revoked, time(0), tzinfo=UTC))
                revocations.append(ConsentRevocation(workspace=self.workspace, phone=v.phone, channel="import",
                                                     revoked_at=when, note=proof.format(v.index + 1)[:500],
                                                     actor_label=label))
        ConsentRecord.objects.bulk_create(consents, batch_size=1000)
        ConsentRevocation.objects.bulk_create(revocations, batch_size=1000)

    def _apply_limit(self, verdicts: list[RowVerdict]) -> None:
        wanted = sum(1 for v in verdicts if v.verdict in (NEW, DNC))
        if not wanted:
            return
        # Lock the workspace row so two imports cannot both pass the plan limit.
        Workspace.objects.select_for_update().filter(pk=self.workspace.pk).values_list("pk", flat=True).first()
        remaining = self._remaining()
        if remaining is None or remaining >= wanted:
            return
        limit = self.workspace.contact_limit
        for row in verdicts:
            if row.verdict not in (NEW, DNC):
                continue
            if remaining > 0:
                remaining -= 1
                continue
            row.verdict, row.field = OVER_LIMIT, "phone"
            row.message = (f"The {self.workspace.get_plan_display()} plan allows {limit:,} contacts; "
                           "this row is past the limit.")

    def _create(self, verdicts: list[RowVerdict], now) -> list[int]:
        """One executemany INSERT for the chunk's new contacts; ids are looked up only for a campaign."""
        rows = [v for v in verdicts if v.verdict in (NEW, DNC)]
        if not rows:
            return []
        inserter = _contact_inserter()
        stamp = inserter.prep("created_at", now)
        base = {"workspace_id": self.workspace.pk, "import_batch_id": self.batch.pk, "created_at": stamp,
                "updated_at": stamp, "status": ContactStatus.ACTIVE.value, "dnc_at": None, "metadata": {},
                "first_name": "",
                "last_name": "", "email": "", "company": "", "title": "", "notes": ""}

        def records():
            for row in rows:
                record = {**base, **(row.values or {}), "phone": row.phone}
                if row.on_dnc:
                    record["status"], record["dnc_at"] = ContactStatus.DNC.value, stamp
                yield record

        with insert_triggers_deferred(Contact):
            inserter.insert(records())  # the database adds each primary number to ContactPhone (migration 0070)
        with_extra = [r for r in rows if r.extra]
        if self.options.campaign is None and not with_extra:
            return []
        wanted = rows if self.options.campaign is not None else with_extra
        ids = dict(Contact.objects.for_workspace(self.workspace).filter(
            phone__in=[r.phone for r in wanted]).values_list("phone", "pk"))
        if with_extra:
            _number_inserter().insert(
                {"workspace_id": self.workspace.pk, "contact_id": ids[r.phone], "e164": number, "label": label,
                 "is_primary": False, "position": position}
                for r in with_extra for position, (number, label) in enumerate(r.extra, start=1))
        return [ids[r.phone] for r in rows] if self.options.campaign is not None else []

    def _update(self, verdicts: list[RowVerdict], now) -> list[int]:
        rows = [v for v in verdicts if v.verdict == UPDATE]
        if not rows:
            return []
        contacts = {c.pk: c for c in Contact.objects.filter(pk__in=[r.existing_id for r in rows])}
        # The row's numbers the contact lacks are added (unless another contact holds them): one query to see
        # which numbers are held and where each contact's numbers end, one insert.
        candidates = {n for r in rows for n in r.numbers}
        held = set(ContactPhone.objects.filter(workspace=self.workspace, e164__in=candidates)
                   .values_list("e164", flat=True))
        last = dict(ContactPhone.objects.filter(contact_id__in=contacts).order_by().values("contact_id")
                    .annotate(n=Max("position")).values_list("contact_id", "n"))
        added_numbers = []
        changed_fields: set[str] = set()
        for row in rows:
            contact = contacts[row.existing_id]
            changes = _changes(contact, row.values or {})
            previous = {name: getattr(contact, name) for name in changes}
            fresh = [(n, label) for n, label in (*((row.phone, PhoneLabel.OTHER),), *row.extra) if n not in held]
            held.update(n for n, _ in fresh)
            for number, label in fresh:
                last[contact.pk] = last.get(contact.pk, 0) + 1
                added_numbers.append({"workspace_id": self.workspace.pk, "contact_id": contact.pk, "e164": number,
                                      "label": label, "is_primary": False, "position": last[contact.pk]})
            if fresh:
                previous[NUMBERS_ADDED] = [n for n, _ in fresh]  # revert takes them off again
            row.values = {"previous": previous, "changes": changes}
            for name, value in changes.items():
                setattr(contact, name, value)
            contact.updated_at = now
            changed_fields.update(changes)
        Contact.objects.bulk_update(list(contacts.values()), [*sorted(changed_fields), "updated_at"], batch_size=500)
        if added_numbers:
            _number_inserter().insert(added_numbers)
            # A callable number added to a DNC contact makes it active again (and a listed one changes nothing).
            contacts_sync_dnc(Contact.objects.filter(pk__in=list(contacts)), now=now)
        return list(contacts)

    def _store_rows(self, verdicts: list[RowVerdict]) -> None:
        stored = []
        batch_id = self.batch.pk
        for row in verdicts:
            if row.verdict == UPDATE:
                stored.append({"batch_id": batch_id, "index": row.index, "outcome": ImportRowOutcome.UPDATED.value,
                               "code": "", "message": "", "contact_id": row.existing_id,
                               "previous": (row.values or {}).get("previous"),
                               "data": _jsonable(row.raw) if self.store_raw else []})
            elif not row.written:
                stored.append({"batch_id": batch_id, "index": row.index, "outcome": ImportRowOutcome.SKIPPED.value,
                               "code": row.reason, "message": _text(row.message)[:500], "contact_id": row.existing_id,
                               "previous": None, "data": _jsonable(row.raw) if self.store_raw else []})
                if len(self.result.errors) < KEEP_ERRORS_IN_MEMORY:
                    self.result.errors.append(RowError(row.index, row.code, row.message, row.phone or row.raw_phone,
                                                       row.field, row.verdict))
                else:
                    self.result.errors_truncated = True
        if stored:
            _import_row_inserter().insert(stored)

    def _checkpoint(self, verdicts: list[RowVerdict], now) -> None:
        before = self.result.rows
        for row in verdicts:
            self.result.add(row.verdict)
            if row.written and row.on_dnc:
                self.result.dnc += 1
        r = self.result
        moved = ImportBatch.objects.filter(pk=self.batch.pk, rows_processed=before).update(
            rows_processed=r.rows, imported=r.imported, updated=r.updated, duplicates_skipped=r.duplicates_skipped,
            invalid_skipped=r.invalid_skipped, limit_skipped=r.limit_skipped, dnc=r.dnc, no_phone=r.no_phone,
            heartbeat_at=now,
        )
        if not moved:
            raise ConcurrentRun(f"Import {self.batch.public_id} was advanced by another worker.")


_CONTACT_COLUMNS = ("workspace_id", "import_batch_id", "phone", "first_name", "last_name", "email", "company", "title",
                    "notes", "status", "dnc_at", "metadata", "created_at", "updated_at")


def _contact_inserter() -> FastInserter:
    return FastInserter(Contact, _CONTACT_COLUMNS, convert=("metadata",))


def _number_inserter() -> FastInserter:
    return FastInserter(ContactPhone, ("workspace_id", "contact_id", "e164", "label", "is_primary", "position"))


def _import_row_inserter() -> FastInserter:
    return FastInserter(ImportRow, ("batch_id", "index", "outcome", "code", "message", "contact_id", "previous",
                                    "data"), convert=("previous", "data"))


def _jsonable(raw: Any) -> Any:
    if raw is None:
        return []
    if isinstance(raw, list | tuple):
        return [_text(v) for v in raw]
    if isinstance(raw, Mapping):
        return _scrub(raw)
    return _text(raw)
