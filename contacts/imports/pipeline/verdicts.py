"""Row verdicts: each row of an import checked and classified without writing anything."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connections, router

from contacts import phone as phone_rules
from contacts import services
from contacts.errors import ValidationFailed
from contacts.fields.services import convert, definitions
from contacts.models import (
    Campaign,
    Contact,
    ContactPhone,
    ImportBatch,
    PhoneLabel,
    Workspace,
)
from contacts.tags.services import clean_tag_name, split_tags
from contacts.workspaces.rules import workspace_country

KEEP_ERRORS_IN_MEMORY = 1000  # a batch stores every rejected row; the result keeps the first ones

TEXT_LIMITS = {"first_name": 150, "last_name": 150, "email": 254, "company": 200, "title": 200}
TEXT_FIELDS = ("first_name", "last_name", "email", "company", "title", "notes")
UPDATABLE_FIELDS = (*TEXT_FIELDS, "metadata")

# Verdicts a row can get (preview and result).
NEW, UPDATE, DNC = "new", "update", "dnc"
DUPLICATE_IN_FILE, EXISTS, UNCHANGED = "duplicate_in_file", "exists", "unchanged"
INVALID_PHONE, NO_PHONE, INVALID_DATA, OVER_LIMIT = "invalid_phone", "no_phone", "validation_error", "over_limit"
VERDICT_LABELS = {
    NEW: "New", UPDATE: "Update", DNC: "DNC number", DUPLICATE_IN_FILE: "Duplicate in this file",
    EXISTS: "Already exists", UNCHANGED: "Already exists, unchanged", INVALID_PHONE: "Invalid phone",
    NO_PHONE: "No phone number", INVALID_DATA: "Invalid data", OVER_LIMIT: "Over the plan limit",
}
ERROR_CODES = {
    DUPLICATE_IN_FILE: "duplicate_phone", EXISTS: "duplicate_phone", UNCHANGED: "duplicate_phone",
    INVALID_PHONE: "invalid_phone", NO_PHONE: "invalid_phone", INVALID_DATA: "validation_error",
    OVER_LIMIT: "contact_limit_reached",
}
# The reason stored with a skipped row (results page, errors.csv): the API code, except that a row without any
# number is its own reason, not an invalid one (the API keeps answering `invalid_phone` for it).
REASON_CODES = {**ERROR_CODES, NO_PHONE: "no_phone"}


@dataclass
class RowError:
    """A row that was not written: where it was, the error code and why."""

    index: int
    code: str
    message: str
    phone: str = ""
    field: str | None = None
    verdict: str = ""

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"index": self.index, "code": self.code, "message": self.message}
        if self.phone:
            data["phone"] = self.phone
        if self.field:
            data["field"] = self.field
        return data


@dataclass
class ImportResult:
    """Counts of one import (every row lands in exactly one of imported, updated or a skip count)."""

    rows: int = 0
    imported: int = 0
    updated: int = 0
    duplicates_skipped: int = 0
    invalid_skipped: int = 0
    dnc: int = 0  # of the imported and updated rows, how many numbers are on the DNC list
    limit_skipped: int = 0
    no_phone: int = 0  # of the invalid_skipped rows, how many had no number at all
    campaign_added: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_truncated: bool = False
    batch: ImportBatch | None = None

    def as_counts(self) -> dict[str, int]:
        return {
            "rows": self.rows, "imported": self.imported, "updated": self.updated,
            "duplicates_skipped": self.duplicates_skipped, "invalid_skipped": self.invalid_skipped,
            "dnc": self.dnc, "limit_skipped": self.limit_skipped,
        }

    @classmethod
    def from_batch(cls, batch: ImportBatch) -> ImportResult:
        return cls(rows=batch.rows_processed, imported=batch.imported, updated=batch.updated,
                   duplicates_skipped=batch.duplicates_skipped, invalid_skipped=batch.invalid_skipped,
                   dnc=batch.dnc, limit_skipped=batch.limit_skipped, no_phone=batch.no_phone, batch=batch)

    def add(self, verdict: str) -> None:
        self.rows += 1
        if verdict in (NEW, DNC):
            self.imported += 1
        elif verdict == UPDATE:
            self.updated += 1
        elif verdict in (DUPLICATE_IN_FILE, EXISTS, UNCHANGED):
            self.duplicates_skipped += 1
        elif verdict == OVER_LIMIT:
            self.limit_skipped += 1
        else:
            self.invalid_skipped += 1
            if verdict == NO_PHONE:
                self.no_phone += 1


@dataclass(slots=True)
class RowVerdict:
    index: int
    verdict: str
    phone: str = ""  # E.164 when the number is acceptable
    message: str = ""
    field: str | None = None
    values: dict[str, Any] | None = None  # cleaned contact fields
    raw: Any = None  # the original cells or record, for the error report
    raw_phone: str = ""
    existing_id: int | None = None
    on_dnc: bool = False
    consent: str = ""  # express / express_written from a consent column
    revoked: Any = None  # True or the date from a "consent revoked" column
    tags: tuple[str, ...] = ()  # tag names from a tags column (added to the contact, never removed)
    extra: tuple[tuple[str, str], ...] = ()  # further valid numbers of the row: (E.164, label)

    @property
    def numbers(self) -> tuple[str, ...]:
        """Every number of the row, the primary first."""
        return (self.phone, *(n for n, _ in self.extra)) if self.phone else ()

    @property
    def written(self) -> bool:
        return self.verdict in (NEW, UPDATE, DNC)

    @property
    def code(self) -> str:
        return ERROR_CODES.get(self.verdict, "")

    @property
    def reason(self) -> str:
        return REASON_CODES.get(self.verdict, "")


@dataclass
class Options:
    skip_duplicates: bool = True
    update_existing: bool = False
    default_country: str | None = None
    campaign: Campaign | None = None


def _text(value: object) -> str:
    """A cell as text, without NUL characters (PostgreSQL refuses them; they are never meant)."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return text.replace("\x00", "") if "\x00" in text else text


def _scrub(value: Any) -> Any:
    """JSON-ready data without NUL characters, for metadata and stored rows."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, Mapping):
        return {_text(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return _text(value)


class Evaluator:
    """Gives each row its verdict without writing anything (shared by preview and import)."""

    def __init__(self, workspace: Workspace, options: Options, batch_id: int | None = None):
        self.workspace = workspace
        self.options = options
        self.default_country = workspace_country(workspace, options.default_country)
        self.mode = str(workspace.phone_validation or "strict")  # plain str: it is pickled to the helper
        # Numbers seen so far. A writing run (batch_id set) keeps only the current chunk's: numbers of earlier
        # chunks are in the database with import_batch = this batch, which `resolve` reads as duplicates.
        # That keeps memory flat for any file size and makes a resumed run agree with an uninterrupted one.
        self.seen: set[int] = set()
        self.batch_id = batch_id
        self.updated_ids: set[int] = set()  # contacts this batch updated (a later row with the number: duplicate)
        # Numbers of rows that were not written (duplicates), which the database therefore does not know: kept
        # across chunks, so a later row sharing one is a duplicate whatever the chunk size. Usually a handful.
        self.held_back: set[int] = set()
        # Typed custom fields, found by key or by label (a column "Budget" fills the field `budget`).
        self.fields = definitions(workspace)
        self.field_names = {_field_name(n): f for f in self.fields.values() for n in (f.key, f.label)}

    def phone_job(self, record: Mapping[str, object]) -> tuple[list[object], str, str]:
        """What parsing this record's number needs: (candidates, region, mode)."""
        candidates = record.get("phone")
        if not isinstance(candidates, list | tuple):
            candidates = [candidates]
        extra = record.get("phones")
        if isinstance(extra, list | tuple):  # the API's additional numbers: [{"number", "label"}] or strings
            candidates = [*candidates, *((n.get("number") if isinstance(n, Mapping) else n) for n in extra)]
        country = record.get("country")
        region = phone_rules.resolve_region(_text(country).strip(), self.default_country) if country else \
            self.default_country
        return list(candidates), region, self.mode

    def clean_row(self, index: int, record: Mapping[str, object], raw: Any,
                  parsed: tuple[str | None, str, str] | None = None) -> RowVerdict:
        """Phone and field checks for one record; duplicates within the file are caught here.

        `parsed` is phone_rules.every_e164's answer when a helper process already parsed the numbers. A row keeps
        every valid number; it duplicates an earlier row when any of its numbers does.
        """
        if parsed is None:
            candidates, region, mode = self.phone_job(record)
            parsed = phone_rules.every_e164(candidates, region=region, mode=mode)
        e164, reason, raw_phone, *more = parsed
        if e164 is None:
            verdict = NO_PHONE if not raw_phone else INVALID_PHONE
            message = reason if not raw_phone else f"{raw_phone}: {reason}"
            return RowVerdict(index, verdict, message=message, field="phone", raw=raw, raw_phone=raw_phone)
        values: dict[str, Any] = {}
        for name in TEXT_FIELDS:
            value = record.get(name)
            if value is None or value == "":
                continue
            text = _text(value)
            text = text if name == "notes" else text.strip()
            limit = TEXT_LIMITS.get(name)
            if limit and len(text) > limit:
                return RowVerdict(index, INVALID_DATA, e164, f"{name}: at most {limit} characters "
                                  f"(this has {len(text)}).", name, raw=raw, raw_phone=raw_phone)
            if text:
                values[name] = text
        if "email" in values and not _plainly_valid_email(values["email"]):
            try:
                validate_email(values["email"])
            except ValidationError:
                return RowVerdict(index, INVALID_DATA, e164, f"email: {values['email'][:80]!r} is not a valid "
                                  "email address.", "email", raw=raw, raw_phone=raw_phone)
        metadata = record.get("metadata")
        if metadata not in (None, "", {}):
            if not isinstance(metadata, dict):
                return RowVerdict(index, INVALID_DATA, e164, "metadata must be an object of key-value pairs.",
                                  "metadata", raw=raw, raw_phone=raw_phone)
            values["metadata"] = _scrub(metadata)
            if self.field_names:
                problem = self._typed(values["metadata"])
                if problem:
                    return RowVerdict(index, INVALID_DATA, e164, problem[1], problem[0], raw=raw, raw_phone=raw_phone)
        tags: tuple[str, ...] = ()
        if record.get("tags") not in (None, "", []):
            try:
                tags = tuple(clean_tag_name(name, "tags") for name in split_tags(record["tags"]))
            except ValidationFailed as exc:
                return RowVerdict(index, INVALID_DATA, e164, f"tags: {exc.message}", "tags", raw=raw,
                                  raw_phone=raw_phone)
        consent, revoked, problem = consent_cells(record) if ("consent" in record or "consent_revoked" in record) \
            else ("", None, None)
        if problem:
            return RowVerdict(index, INVALID_DATA, e164, problem[1], problem[0], raw=raw, raw_phone=raw_phone)
        extra = _labelled(record, more[0] if more else ())
        keys = [int(e164[1:]), *(int(n[1:]) for n, _ in extra)]  # an int takes half the memory of the string
        repeated = next((number for key, number in zip(keys, (e164, *(n for n, _ in extra)), strict=True)
                         if key in self.seen or key in self.held_back), None)
        if repeated is not None:
            self.held_back.update(k for k in keys if k not in self.seen)
        # Every number of the row counts as seen, a duplicate's too: a later row sharing only its new number is
        # a duplicate as well (and cannot collide with a number an update is adding to an existing contact).
        self.seen.update(keys)
        if repeated is not None:
            return RowVerdict(index, DUPLICATE_IN_FILE, e164, f"{repeated} appears earlier in this import.",
                              "phone", raw=raw, raw_phone=raw_phone)
        return RowVerdict(index, NEW, e164, values=values, raw=raw, raw_phone=raw_phone, consent=consent,
                          revoked=revoked, extra=extra, tags=tags)

    def _typed(self, metadata: dict[str, Any]) -> tuple[str, str] | None:
        """Convert the metadata cells that belong to a typed custom field in place; (field, problem) if one is bad."""
        for name in list(metadata):
            definition = self.field_names.get(_field_name(name))
            if definition is None:
                continue
            value = metadata.pop(name)
            try:
                metadata[definition.key] = convert(definition, value)
            except ValueError as exc:
                return f"metadata.{definition.key}", f"{definition.label}: {str(value)[:40]!r} — {exc}"
        return None

    def resolve(self, verdicts: list[RowVerdict], existing: Mapping[str, Contact | int],
                dnc_numbers: set[str]) -> None:
        """Turn `new` into exists / update / unchanged / dnc once the database has been asked."""
        for row in verdicts:
            if row.verdict != NEW:
                continue
            # The contact holding the first of the row's numbers that one holds (primary first).
            found = next((existing[n] for n in row.numbers if n in existing), None)
            # A contact is DNC when every one of its numbers is listed (contacts.contacts.numbers).
            row.on_dnc = all(n in dnc_numbers for n in row.numbers)
            if found is None:
                row.verdict = DNC if row.on_dnc else NEW
                continue
            if isinstance(found, tuple):
                row.existing_id, found_batch = found
            else:
                row.existing_id, found_batch = found.pk, found.import_batch_id
            if not self.options.update_existing:
                # Not written: its numbers the database does not hold stay "seen" for later chunks.
                self.held_back.update(int(n[1:]) for n in row.numbers if n not in existing)
            if self.batch_id is not None and (found_batch == self.batch_id or row.existing_id in self.updated_ids):
                self.held_back.update(int(n[1:]) for n in row.numbers if n not in existing)
                row.verdict, row.field = DUPLICATE_IN_FILE, "phone"
                row.message = f"{row.phone} appears earlier in this import."
                continue
            matched = next(n for n in row.numbers if n in existing)
            if not self.options.update_existing:
                row.verdict, row.message, row.field = EXISTS, f"A contact with {matched} already exists.", "phone"
            elif isinstance(found, Contact) and not _changes(found, row.values or {}) and \
                    not _new_numbers(found, row) and not row.tags:
                row.verdict, row.message, row.field = UNCHANGED, f"{row.phone} already exists with these values.", \
                    "phone"
            else:
                row.verdict = UPDATE

    def lookup(self, phones: list[str]) -> tuple[dict[str, Contact | tuple[int, int | None]], set[str]]:
        """For a chunk's numbers (primary and additional): the contacts holding them, whichever of their numbers
        it is (one query; with update-existing two more, for the contacts and all their numbers), and which are
        on the DNC list (one query)."""
        if not phones:
            return {}, set()
        phones = _padded(phones)
        held = _existing_numbers(self.workspace, phones)
        existing: dict[str, Contact | tuple[int, int | None]]
        if self.options.update_existing and held:
            ids = {contact_id for _, contact_id, _ in held}
            contacts = {c.pk: c for c in Contact.objects.filter(pk__in=ids).order_by()
                        .only("pk", "phone", "status", "import_batch_id", *UPDATABLE_FIELDS)}
            for contact in contacts.values():
                contact.known_numbers = set()
            for contact_id, number in ContactPhone.objects.filter(contact_id__in=ids).values_list("contact_id",
                                                                                                   "e164"):
                contacts[contact_id].known_numbers.add(number)
            existing = {e164: contacts[contact_id] for e164, contact_id, _ in held}
        else:
            existing = {e164: (contact_id, batch) for e164, contact_id, batch in held}
        return existing, services.dnc_numbers_among(self.workspace, phones)

    def evaluate(self, chunk: list[tuple[int, Mapping[str, object], Any]],
                 parsed: list[tuple[str | None, str, str]] | None = None) -> list[RowVerdict]:
        if parsed is not None and len(parsed) == len(chunk):
            verdicts = [self.clean_row(index, record, raw, parsed[i]) for i, (index, record, raw) in enumerate(chunk)]
        else:
            verdicts = [self.clean_row(index, record, raw) for index, record, raw in chunk]
        phones = [n for v in verdicts if v.verdict == NEW for n in v.numbers]
        existing, dnc_numbers = self.lookup(phones)
        self.resolve(verdicts, existing, dnc_numbers)
        return verdicts


# A subset of what Django's EmailValidator accepts (dot-atom local part, LDH labels, letters-only TLD):
# a match is valid without running the validator; anything else goes through it.
_PLAIN_EMAIL = re.compile(r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
                          r"[A-Za-z]{2,63}")


_WRITTEN = {"expresswritten", "written", "pewc", "priorexpresswrittenconsent", "expresswrittenconsent"}
_EXPRESS = {"express", "yes", "y", "true", "1", "verbal", "priorexpressconsent", "expressconsent"}
_NONE = {"", "no", "n", "false", "0", "none"}


def consent_cells(record: Mapping[str, object]) -> tuple[str, Any, tuple[str, str] | None]:
    """(consent kind, revoked: True / a date / None, (field, problem) or None) from a row's consent columns."""
    raw_kind = _text(record.get("consent") or "").strip()
    kind_key = "".join(ch for ch in raw_kind.lower() if ch.isalnum())
    kind = "express_written" if kind_key in _WRITTEN else "express" if kind_key in _EXPRESS else ""
    if not kind and kind_key not in _NONE:
        return "", None, ("consent", f"consent: {raw_kind[:40]!r} is not express or express_written.")
    raw_revoked = _text(record.get("consent_revoked") or "").strip()
    revoked_key = raw_revoked.lower()
    revoked: Any = None
    if revoked_key in ("yes", "y", "true", "1", "revoked", "x"):
        revoked = True
    elif revoked_key not in ("", "no", "n", "false", "0"):
        try:
            revoked = date.fromisoformat(raw_revoked[:10])
        except ValueError:
            return "", None, ("consent_revoked", f"consent_revoked: {raw_revoked[:40]!r} is not yes/no or a date "
                                                 "(YYYY-MM-DD).")
    return kind, revoked, None


def _field_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def _plainly_valid_email(value: str) -> bool:
    return len(value) <= 254 and _PLAIN_EMAIL.fullmatch(value) is not None


LOOKUP_BUCKET = 500  # a few query shapes only (services.dnc splits at 2,000, a multiple)


def _existing_numbers(workspace: Workspace, phones: list[str]) -> list[tuple[str, int, int | None]]:
    """(number, contact id, its import batch id) for the numbers the workspace already holds, primary or
    additional: one plain query.

    The ORM's `e164__in` over 5,000 values spends more Python preparing each value than SQLite spends on the
    query; every import chunk asks this.
    """
    connection = connections[router.db_for_read(Contact)]
    numbers = connection.ops.quote_name(ContactPhone._meta.db_table)
    contacts = connection.ops.quote_name(Contact._meta.db_table)
    marks = ", ".join(["%s"] * len(phones))
    with connection.cursor() as cursor:
        # Quoted model metadata only; every value is a parameter.
        cursor.execute(f"SELECT n.e164, n.contact_id, c.import_batch_id FROM {numbers} n "  # noqa: S608
                       f"JOIN {contacts} c ON c.id = n.contact_id "
                       f"WHERE n.workspace_id = %s AND n.e164 IN ({marks})", [workspace.pk, *phones])
        return list(cursor.fetchall())


def _padded(phones: list[str]) -> list[str]:
    """Phones padded with values that are never numbers, to a multiple of LOOKUP_BUCKET.

    The IN (...) query then has one of a few shapes: SQLite keeps every distinct statement it has
    prepared (the driver caches 128), and a 5,000-parameter statement per chunk size adds up to tens of MB.
    """
    missing = -len(phones) % LOOKUP_BUCKET
    return phones + [f"#{i}" for i in range(missing)] if missing else phones


def _labelled(record: Mapping[str, object], extras: Iterable[tuple[str, int]]) -> tuple[tuple[str, str], ...]:
    """Each further number with the label of the column it came from (an API record's own label first)."""
    labels = record.get("phone_labels") or ()
    given = record.get("phones")
    first_extra = len(record["phone"]) if isinstance(record.get("phone"), list | tuple) else 1
    out = []
    for e164, index in extras:
        label = labels[index] if index < len(labels) else PhoneLabel.OTHER
        if isinstance(given, list | tuple) and index >= first_extra:
            item = given[index - first_extra]
            label = str(item.get("label") or PhoneLabel.OTHER) if isinstance(item, Mapping) else PhoneLabel.OTHER
        out.append((e164, label if label in PhoneLabel.values else PhoneLabel.OTHER))
    return tuple(out)


def _new_numbers(contact: Contact, row: RowVerdict) -> list[tuple[str, str]]:
    """The row's numbers an existing contact does not have yet (an update adds them)."""
    known = getattr(contact, "known_numbers", {contact.phone})
    return [(n, label) for n, label in row.extra if n not in known] + \
        ([(row.phone, PhoneLabel.OTHER)] if row.phone not in known else [])


def _changes(contact: Contact, values: Mapping[str, Any]) -> dict[str, Any]:
    """Fields an update would change (empty cells never blank out existing data; metadata merges)."""
    changed: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name in values and values[name] != getattr(contact, name):
            changed[name] = values[name]
    if values.get("metadata"):
        merged = {**(contact.metadata or {}), **values["metadata"]}
        if merged != (contact.metadata or {}):
            changed["metadata"] = merged
    return changed


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
