"""Map a file's columns to contact fields: auto-detection of real exports' headers, and remembering choices.

A mapping is one target per column (`phone`, `first_name`, ..., `metadata` to keep the column as a
custom field under its header, `field:<key>` for a defined custom field, `ignore`) plus the order in
which phone columns are tried (mobile first, then file order). It is plain JSON so it can live in
ImportBatch.column_mapping and ImportMappingMemory.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PHONE, COUNTRY, METADATA, IGNORE = "phone", "country", "metadata", "ignore"
CONSENT, CONSENT_REVOKED = "consent", "consent_revoked"
FULL_NAME = "full_name"
FIELD_PREFIX = "field:"  # `field:budget`: the column fills the workspace's custom field `budget`
_FIELD_TARGET = re.compile(r"field:[a-z][a-z0-9_]{0,39}")
TAGS = "tags"
SINGLE_FIELDS = ("first_name", "last_name", FULL_NAME, "email", "company", "title", "notes")
TARGETS: dict[str, str] = {
    PHONE: "Phone number",
    "first_name": "First name",
    "last_name": "Last name",
    FULL_NAME: "Full name (split into first and last)",
    "email": "Email",
    "company": "Company",
    "title": "Job title",
    "notes": "Notes",
    COUNTRY: "Country (hint for parsing numbers)",
    CONSENT: "Consent to calls (express / express_written)",
    CONSENT_REVOKED: "Consent revoked (yes or the date)",
    TAGS: "Tags (names separated by , or ;)",
    METADATA: "Custom field",
    IGNORE: "Ignore",
}

# Normalised header (lowercase, no accents, letters and digits only) -> (field, rank); lower rank wins
# when several columns claim the same field (Outlook has "Title" = Mr/Ms and "Job Title").
_SYNONYMS: dict[str, tuple[str, int]] = {}


def _add(target: str, rank: int, *names: str) -> None:
    for name in names:
        _SYNONYMS.setdefault(normalize_header(name), (target, rank))


def normalize_header(header: str) -> str:
    text = unicodedata.normalize("NFKD", str(header or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", text.lower())


_add("first_name", 0, "first_name", "First Name", "firstname", "Given Name", "given_name", "forename", "fname",
     "first", "vorname", "prenom", "nombre", "Given Name Yomi", "contact first name", "name first")
_add("last_name", 0, "last_name", "Last Name", "lastname", "surname", "Family Name", "family_name", "lname", "last",
     "nachname", "nom", "apellido", "apellidos", "contact last name", "name last")
_add(FULL_NAME, 0, "name", "full name", "fullname", "contact name", "display name", "contact", "customer name",
     "client name", "lead name", "person", "customer", "client")
_add("email", 0, "email", "e-mail", "email address", "e-mail address", "E-mail 1 - Value", "email 1", "email1",
     "primary email", "work email", "mail", "emails", "email_address", "contact email", "business email",
     "personal email", "e-mail 1", "email1address", "emailaddress1")
_add("company", 0, "company", "company name", "company_name", "organization", "organisation", "Organization Name",
     "organisation name", "org", "employer", "business name", "firma", "firmenname", "unternehmen", "entreprise",
     "societe", "empresa", "account name", "Associated Company", "practice", "practice name", "business")
_add("company", 5, "account")
_add("title", 0, "job title", "jobtitle", "job_title", "Organization Title", "organisation title", "position",
     "role", "designation", "job", "occupation", "profession", "funktion", "poste", "cargo")
_add("title", 5, "title")
_add("notes", 0, "notes", "note", "comments", "comment", "description", "remarks", "memo", "bemerkung",
     "bemerkungen", "notizen", "details")
_add(CONSENT, 0, "consent", "consent type", "call consent", "tcpa consent", "consent kind", "consent_type")
_add(CONSENT_REVOKED, 0, "consent revoked", "consent_revoked", "revoked consent", "consent revoked at",
     "consent revocation", "revoked")
_add(COUNTRY, 0, "country", "country code", "countrycode", "country/region", "Address 1 - Country", "land", "pays",
     "pais", "nation", "business country", "home country", "other country", "country region", "mailing country",
     "billing country", "country name", "Country/Region (Business)",
     # ISO country-code columns (Mailchimp's "CC", Outlook's "Country/Region Code", CRMs' "country_code").
     "cc", "Country/Region Code", "iso country code", "country iso", "country iso code", "iso country", "iso code",
     "country code iso", "countrycode2", "country alpha 2", "address country code", "mailing country code")

# Columns that look like phones by name but are not numbers you can call.
_NOT_CALLABLE = re.compile(
    r"phonetic|fax|pager|telex|isdn|tty|tdd|label|type|ext(ension)?$|verified|optout|status|date"
)
_MOBILE = re.compile(r"mobile|mobil|cell|handy|portable|movil|cellulare|gsm")
_PHONE = re.compile(r"phone|tel|fon|^number$|^phone\d|^phone\d+value$|msisdn|^mobilenumber$|^contactnumber$"
                    r"|^dialnumber$|^numero$|^nummer$|^phonenr$|callback|^cell|^mobile|^whatsapp")
# Export columns that carry no information about the person.
_IGNORED = {
    normalize_header(h) for h in (
        "Record ID", "Contact owner", "Primary Associated Company ID", "Last Activity Date", "Create Date",
        "Marketing contact status", "Photo", "Labels", "Gender", "Priority", "Private", "Sensitivity", "Initials",
        "Mileage", "Billing Information", "Directory Server", "Internet Free Busy", "Keywords", "Language",
        "Anniversary", "Birthday", "File As", "Phonetic First Name", "Phonetic Middle Name", "Phonetic Last Name",
        "E-mail Display Name", "E-mail 2 Display Name", "E-mail 3 Display Name", "Categories", "Account",
        "Government ID Number", "Organizational ID Number", "User 1", "User 2", "User 3", "User 4",
    )
}
# --- dashboard: the derived columns of our own CSV export (contacts.exports), so it re-imports cleanly ---
_IGNORED |= {normalize_header(h) for h in ("contact_id", "contact_lists", "contact_status", "dnc_since", "created_at",
                                           "calls_count", "last_called_at", "last_call_outcome", "last_call_sentiment")}


_add(TAGS, 0, "tags", "tag", "tag list", "contact tags")  # not "Labels": Google joins groups with :::


def header_field(header: str) -> tuple[str, int]:
    """(target, rank) auto-detected for one header; (`metadata`, 99) when unknown."""
    norm = normalize_header(header)
    if not norm:
        return IGNORE, 99
    if norm in _SYNONYMS:
        return _SYNONYMS[norm]
    if _NOT_CALLABLE.search(norm):
        return (IGNORE, 99) if norm in _IGNORED or norm.endswith(("label", "type")) else (METADATA, 99)
    if _MOBILE.search(norm) or _PHONE.search(norm):
        return PHONE, 0
    if norm in _IGNORED:
        return IGNORE, 99
    if norm.endswith("country") or norm.startswith("country"):
        return COUNTRY, 3
    if re.fullmatch(r"email\d+(value|address)?|email\d+", norm) or norm.startswith("email") and "display" not in norm:
        return METADATA, 99  # second and later addresses are kept as custom fields
    return METADATA, 99


def field_target(key: str) -> str:
    return f"{FIELD_PREFIX}{key}"


def is_field_target(target: str) -> bool:
    return _FIELD_TARGET.fullmatch(str(target)) is not None


def field_key(target: str) -> str:
    return target[len(FIELD_PREFIX):]


def field_targets(definitions: Iterable[Any]) -> dict[str, str]:
    """`field:<key>` -> "Custom field: Budget (number)" for each CustomField (anything with key, label, type)."""
    return {field_target(d.key): f"Custom field: {d.label} ({d.type})" for d in definitions}


def is_known_header(header: str) -> bool:
    """Used to find the header row among junk lines: does this cell name a contact field?"""
    target, _ = header_field(header)
    return target not in (METADATA, IGNORE)


def is_mobile_header(header: str) -> bool:
    return bool(_MOBILE.search(normalize_header(header)))


def header_signature(headers: Sequence[str]) -> str:
    """Files with the same columns (ignoring case, spacing and punctuation) share a signature."""
    joined = "\x1f".join(normalize_header(h) for h in headers)
    return hashlib.sha256(joined.encode()).hexdigest()


@dataclass
class ColumnMapping:
    headers: list[str]
    fields: list[str]
    phone_order: list[int] = field(default_factory=list)

    # --- building -------------------------------------------------------------------------
    @classmethod
    def auto(cls, headers: Sequence[str], definitions: Iterable[Any] = ()) -> ColumnMapping:
        """Best guess for a file's columns: every known synonym, each single field to its best column.

        A column the synonyms leave as custom data or ignored, whose header is a defined custom field's key or
        label (`definitions`: CustomFields), fills that field; the first such column if several do.
        """
        guesses = [header_field(h) for h in headers]
        fields = [target for target, _ in guesses]
        by_name: dict[str, str] = {}
        for definition in definitions:
            for name in (definition.key, definition.label):
                by_name.setdefault(normalize_header(name), field_target(definition.key))
        for i, header in enumerate(headers):
            target = by_name.get(normalize_header(header)) if fields[i] in (METADATA, IGNORE) else None
            if target and target not in fields:
                fields[i] = target
        for target in SINGLE_FIELDS:
            claimants = [i for i, (t, _) in enumerate(guesses) if t == target]
            if len(claimants) > 1:
                best = min(claimants, key=lambda i: (guesses[i][1], i))
                for i in claimants:
                    if i != best:
                        fields[i] = METADATA
        if FULL_NAME in fields and ("first_name" in fields or "last_name" in fields):
            fields = [METADATA if f == FULL_NAME else f for f in fields]
        mapping = cls(headers=list(headers), fields=fields)
        mapping.phone_order = mapping.default_phone_order()
        return mapping

    def default_phone_order(self) -> list[int]:
        phones = [i for i, f in enumerate(self.fields) if f == PHONE]
        mobiles = [i for i in phones if is_mobile_header(self.headers[i])]
        return mobiles + [i for i in phones if i not in mobiles]

    def with_fields(self, fields: Sequence[str], phone_order: Sequence[int] | None = None) -> ColumnMapping:
        """A copy with the user's choices; phone order kept where still valid, new phone columns appended."""
        clean = [f if f in TARGETS or is_field_target(f) else METADATA for f in fields]
        clean += [IGNORE] * (len(self.headers) - len(clean))
        clean = clean[: len(self.headers)]
        mapped = [i for i, f in enumerate(clean) if f == PHONE]
        requested = [i for i in (phone_order if phone_order is not None else self.phone_order) if i in mapped]
        order = list(dict.fromkeys(requested))
        if phone_order is None:
            mobiles = [i for i in mapped if i not in order and is_mobile_header(self.headers[i])]
            order += mobiles
        order += [i for i in mapped if i not in order]
        return ColumnMapping(headers=list(self.headers), fields=clean, phone_order=order)

    def restricted_to(self, keys: Iterable[str]) -> ColumnMapping:
        """A copy where a `field:<key>` target whose field is not among `keys` (deleted since) keeps the column
        as plain custom data instead."""
        known = set(keys)
        fields = [METADATA if is_field_target(f) and field_key(f) not in known else f for f in self.fields]
        return self if fields == self.fields else \
            ColumnMapping(headers=list(self.headers), fields=fields, phone_order=list(self.phone_order))

    # --- JSON -----------------------------------------------------------------------------
    def to_json(self) -> dict:
        return {"headers": self.headers, "fields": self.fields, "phone_order": self.phone_order}

    @classmethod
    def from_json(cls, data: Mapping, headers: Sequence[str], definitions: Iterable[Any] = ()) -> ColumnMapping:
        """A stored mapping applied to this file's headers (same signature means same columns)."""
        base = cls.auto(headers, definitions)
        if list(map(normalize_header, data.get("headers", []))) != list(map(normalize_header, headers)):
            return base
        return base.with_fields(data.get("fields", []), [int(i) for i in data.get("phone_order", [])])

    # --- questions ------------------------------------------------------------------------
    @property
    def has_phone(self) -> bool:
        return bool(self.phone_order)

    def columns_for(self, target: str) -> list[int]:
        return [i for i, f in enumerate(self.fields) if f == target]

    def describe(self) -> list[dict]:
        return [{"index": i, "header": h, "field": self.fields[i],
                 "phone_rank": (self.phone_order.index(i) + 1) if i in self.phone_order else None}
                for i, h in enumerate(self.headers)]

    def compile(self) -> RowBuilder:
        return RowBuilder(self)


_LABEL_WORDS = (("mobile", ("mobile", "cell", "iphone", "handy", "portable")),
                ("work", ("work", "business", "office", "company", "direct", "assistant")),
                ("home", ("home", "private", "personal")))


def phone_label_for(header: str) -> str:
    """mobile / work / home / other from a phone column's header."""
    words = normalize_header(header)
    for label, keys in _LABEL_WORDS:
        if any(key in words for key in keys):
            return label
    return "other"


class RowBuilder:
    """Turns a row's cells into a contact record (the dict `import_records` takes), fast."""

    def __init__(self, mapping: ColumnMapping):
        self.phone_columns = list(mapping.phone_order)
        # The label each kept number gets, from its column's header ("Mobile Phone" -> mobile).
        self.phone_labels = tuple(phone_label_for(mapping.headers[i]) for i in self.phone_columns)
        self.country_columns = mapping.columns_for(COUNTRY)
        self.single = [(i, f) for i, f in enumerate(mapping.fields) if f in SINGLE_FIELDS]
        self.metadata = [(i, mapping.headers[i]) for i in mapping.columns_for(METADATA)]
        # Columns mapped to a defined custom field are stored under its key, which the row checks then convert.
        self.metadata += [(i, field_key(f)) for i, f in enumerate(mapping.fields) if is_field_target(f)]
        self.consent = [(i, f) for i, f in enumerate(mapping.fields) if f in (CONSENT, CONSENT_REVOKED)]
        self.tags = mapping.columns_for(TAGS)

    def __call__(self, cells: Sequence[str]) -> dict[str, object]:
        record: dict[str, object] = {"phone": [cells[i] for i in self.phone_columns]}
        if len(self.phone_labels) > 1:
            record["phone_labels"] = self.phone_labels
        for i in self.country_columns:
            if cells[i].strip():
                record["country"] = cells[i]
                break
        for i, target in self.single:
            value = cells[i]
            if value:
                record[target] = value
        if FULL_NAME in record:
            first, _, last = str(record.pop(FULL_NAME)).strip().partition(" ")
            record.setdefault("first_name", first)
            record.setdefault("last_name", last.strip())
        for i, target in self.consent:
            if cells[i].strip():
                record[target] = cells[i]
        if self.tags:
            joined = ";".join(cells[i] for i in self.tags if cells[i].strip())
            if joined:
                record[TAGS] = joined
        if self.metadata:
            extra = {header: cells[i] for i, header in self.metadata if cells[i].strip()}
            if extra:
                record["metadata"] = extra
        return record
