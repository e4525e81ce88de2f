"""vCard files (.vcf, versions 2.1, 3.0 and 4.0, as iPhone/iCloud, Google Contacts and Outlook export them) read as
a table, so they go through the same wizard, mapping and pipeline as a CSV.

Each card becomes a row. Every TEL becomes a column named after its type, mobile numbers first ("Mobile phone",
"Mobile phone 2", "Main phone", "Work phone", ...), so the mapping tries mobile numbers first as it does for CSV
exports; N (or FN when a card has no N), EMAIL, ORG, TITLE and NOTE become their fields and the country of the
first address becomes the row's country hint. Parsing is vobject's; what it cannot read raises FileProblem.
"""
from __future__ import annotations

import io
import logging
import re
from collections import Counter
from collections.abc import Iterator
from typing import IO

import vobject

# Column names of a vCard "table", in the order they are shown and phone columns are tried.
FIXED_BEFORE = ("First name", "Last name", "Company", "Department", "Job title")
PHONE_KINDS = ("Mobile phone", "Main phone", "Phone", "Work phone", "Home phone", "Other phone", "Fax", "Pager")
FIXED_AFTER = ("Country", "Notes")
_MOBILE = {"CELL", "MOBILE", "IPHONE", "CELLULAR"}
_APPLE_LABEL = re.compile(r"_\$!<(.+?)>!\$_")
_QP_PROPERTY = re.compile(r"^[^:]*QUOTED-PRINTABLE[^:]*:", re.IGNORECASE)
# Binary properties (an iPhone export is mostly photos): dropped before parsing, a broken one cannot fail a file.
_BINARY_PROPERTY = re.compile(r"^(?:[\w-]+\.)?(?:PHOTO|LOGO|SOUND|KEY)[;:]", re.IGNORECASE)


class VCardProblem(Exception):
    pass


def looks_like_vcard(text_head: str) -> bool:
    return text_head.lstrip("\ufeff \t\r\n").upper().startswith("BEGIN:VCARD")


def _prepare(text: str) -> str:
    """Drop binary properties (with their folded lines) and join the lines vCard 2.1 (Outlook) breaks inside
    quoted-printable values with a trailing '=', which vobject does not."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if _BINARY_PROPERTY.match(line):
            i += 1
            while i < len(lines) and lines[i][:1] in (" ", "\t"):
                i += 1
            continue
        if _QP_PROPERTY.match(line):
            while line.endswith("=") and i + 1 < len(lines):
                i += 1
                line = line[:-1] + lines[i]
        out.append(line)
        i += 1
    return "\r\n".join(out) + "\r\n"


def _types(prop) -> set[str]:
    found: set[str] = set()
    for value in prop.params.get("TYPE", []):
        found.update(v.strip().upper() for v in str(value).split(","))
    found.update(str(v).upper() for v in getattr(prop, "singletonparams", []) or [])
    if "PREF" in prop.params:
        found.add("PREF")
    return found


def _phone_kind(prop, card) -> str:
    types = _types(prop)
    group = getattr(prop, "group", None)
    if group:  # Apple: item1.TEL + item1.X-ABLabel:_$!<Mobile>!$_ (or a label the user typed)
        for label in card.contents.get("x-ablabel", []):
            if getattr(label, "group", None) == group:
                text = str(label.value)
                match = _APPLE_LABEL.fullmatch(text)
                types.add((match.group(1) if match else text).upper())
    if types & _MOBILE:
        return "Mobile phone"
    if types & {"FAX", "HOMEFAX", "WORKFAX", "OTHERFAX"}:
        return "Fax"
    if "PAGER" in types:
        return "Pager"
    if "MAIN" in types or "COMPANY_MAIN" in types:
        return "Main phone"
    if "WORK" in types:
        return "Work phone"
    if "HOME" in types:
        return "Home phone"
    if "OTHER" in types:
        return "Other phone"
    return "Phone"


def _text(value: object) -> str:
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value if v).strip()
    return str(value or "").strip()


def _first(card, name: str):
    found = card.contents.get(name.lower()) or []
    return found[0] if found else None


def _is_group(card) -> bool:
    kind = _first(card, "kind") or _first(card, "x-addressbookserver-kind")
    return kind is not None and _text(kind.value).lower() == "group"


def card_fields(card) -> dict[str, str]:
    """One card as {column: value}; phone columns numbered per kind ("Mobile phone 2")."""
    row: dict[str, str] = {}
    n = _first(card, "n")
    if n is not None and hasattr(n.value, "given"):
        row["First name"] = " ".join(p for p in (_text(n.value.given), _text(n.value.additional)) if p)
        row["Last name"] = _text(n.value.family)
    org = _first(card, "org")
    if org is not None:
        parts = org.value if isinstance(org.value, list) else [org.value]
        row["Company"] = _text(parts[0]) if parts else ""
        if len(parts) > 1 and _text(parts[1:]):
            row["Department"] = _text(parts[1:])
    fn = _first(card, "fn")
    full = _text(fn.value) if fn is not None else ""
    if full and not (row.get("First name") or row.get("Last name")) and full != row.get("Company"):
        first, _, last = full.partition(" ")  # no N: the formatted name is all there is (a company card has none)
        row["First name"], row["Last name"] = first, last.strip()
    title = _first(card, "title")
    if title is not None:
        row["Job title"] = _text(title.value)
    emails = sorted(card.contents.get("email", []), key=lambda p: "PREF" not in _types(p))
    for i, email in enumerate(emails, start=1):
        row["Email" if i == 1 else f"Email {i}"] = _text(email.value)
    phones = sorted(card.contents.get("tel", []), key=lambda p: "PREF" not in _types(p))
    seen: Counter = Counter()
    for tel in phones:
        kind = _phone_kind(tel, card)
        seen[kind] += 1
        row[kind if seen[kind] == 1 else f"{kind} {seen[kind]}"] = _text(tel.value)
    addresses = sorted(card.contents.get("adr", []), key=lambda p: "PREF" not in _types(p))
    for adr in addresses:
        country = _text(getattr(adr.value, "country", ""))
        if country:
            row["Country"] = country
            break
    notes = [_text(p.value) for p in card.contents.get("note", []) if _text(p.value)]
    if notes:
        row["Notes"] = "\n".join(notes)
    return {k: v for k, v in row.items() if v}


def _cards(stream: IO[str]) -> Iterator:
    text = _prepare(stream.read())
    log = logging.getLogger("vobject.base")
    level = log.level
    log.setLevel(logging.CRITICAL)  # a line it cannot read is skipped; the card's other lines still count
    try:
        for component in vobject.readComponents(io.StringIO(text), ignoreUnreadable=True):
            if component.name.upper() == "VCARD" and not _is_group(component):
                yield component
    except (vobject.base.ParseError, ValueError, AttributeError, IndexError) as exc:
        raise VCardProblem(str(exc)) from exc
    finally:
        log.setLevel(level)


def _column_order(name: str) -> tuple[int, int, str]:
    base, _, number = name.rpartition(" ") if name[-1:].isdigit() else (name, "", "1")
    for group, names in enumerate((FIXED_BEFORE, ("Email",), PHONE_KINDS, FIXED_AFTER)):
        if base in names:
            return group, names.index(base), f"{int(number):04d}"
    return 9, 0, name


def vcard_headers(stream: IO[str]) -> list[str]:
    """Every column some card of the file fills, in display order."""
    names: dict[str, None] = {}
    for card in _cards(stream):
        names.update(dict.fromkeys(card_fields(card)))
    return sorted(names, key=_column_order)


def vcard_rows(stream: IO[str], headers: list[str]) -> Iterator[list[str]]:
    for card in _cards(stream):
        fields = card_fields(card)
        if fields:
            yield [fields.get(h, "") for h in headers]
