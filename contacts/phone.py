"""Phone rules: the only code that parses, validates or formats a phone number."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
from phonenumbers import timezone as pn_timezone

STRICT = "strict"
LENIENT = "lenient"

_EXCEL_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_TEL_PREFIX = re.compile(r"^\s*tel:(//)?", re.IGNORECASE)
_NON_DIGITS = re.compile(r"\D+")
MULTI_VALUE_SEPARATOR = ":::"  # Google Contacts joins several numbers in one cell this way

_TYPE_NAMES = {value: name.lower() for name, value in vars(PhoneNumberType).items() if name.isupper()}

_PARSE_ERRORS = {
    NumberParseException.INVALID_COUNTRY_CODE: "Unknown country code",
    NumberParseException.NOT_A_NUMBER: "Not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "Too short after the international prefix",
    NumberParseException.TOO_SHORT_NSN: "Too short to be a phone number",
    NumberParseException.TOO_LONG: "Too long to be a phone number",
}
_POSSIBILITY_ERRORS = {
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "Unknown country code",
    phonenumbers.ValidationResult.TOO_SHORT: "Too short for {region}",
    phonenumbers.ValidationResult.TOO_LONG: "Too long for {region}",
    phonenumbers.ValidationResult.INVALID_LENGTH: "Wrong length for {region}",
    phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "Local-only number for {region}: add the area code",
}

# Common ways a country column spells a country that are not its English name or ISO code.
_COUNTRY_ALIASES = {
    "usa": "US", "us": "US", "u.s.": "US", "u.s.a.": "US", "america": "US", "united states of america": "US",
    "uk": "GB", "u.k.": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "deutschland": "DE", "germany": "DE", "österreich": "AT",
    "schweiz": "CH", "suisse": "CH", "españa": "ES", "espana": "ES", "italia": "IT", "nederland": "NL",
    "holland": "NL", "the netherlands": "NL", "belgique": "BE", "belgië": "BE", "polska": "PL",
    "sverige": "SE", "norge": "NO", "danmark": "DK", "suomi": "FI", "éire": "IE", "brasil": "BR",
    "méxico": "MX", "mexico": "MX", "россия": "RU", "russia": "RU", "south korea": "KR", "korea": "KR",
    "czech republic": "CZ", "czechia": "CZ", "uae": "AE", "türkiye": "TR", "turkey": "TR",
}


class PhoneError(ValueError):
    """A number that cannot be accepted, with a reason a person can act on."""

    def __init__(self, message: str, original: str = ""):
        super().__init__(message)
        self.message = message
        self.original = original


@dataclass(frozen=True)
class PhoneInfo:
    original: str
    e164: str | None
    is_valid: bool
    error: str = ""
    national: str = ""
    international: str = ""
    region: str = ""
    country_code: int | None = None
    area_code: str = ""
    number_type: str = ""
    extension: str = ""
    timezones: tuple[str, ...] = field(default_factory=tuple)


def is_supported_region(code: str) -> bool:
    return (code or "").upper() in phonenumbers.SUPPORTED_REGIONS


def clean_raw(raw: object) -> str:
    """Strip what spreadsheets and address books wrap around a number (Excel's `'`, `tel:`)."""
    text = "" if raw is None else str(raw)
    text = text.strip().strip("\u200e\u200f\u202a\u202c\ufeff").strip()
    if text.startswith("'"):
        text = text[1:].strip()
    text = _TEL_PREFIX.sub("", text)
    if text.lower().startswith("tel:"):
        text = text[4:]
    return text.strip()


def split_numbers(cell: object) -> list[str]:
    """One cell may hold several numbers joined by ` ::: ` (Google Contacts)."""
    text = "" if cell is None else str(cell)
    return [part.strip() for part in text.split(MULTI_VALUE_SEPARATOR) if part.strip()]


COUNTRY_NAMES_FILE = Path(__file__).resolve().parent / "data" / "country_names.json"


@lru_cache(maxsize=1)
def region_display_names() -> dict[str, dict[str, str]]:
    """Region -> {language: name} for en/de/fr/es, as phonenumbers' geocoder names them.

    Read from a small file generated from `phonenumbers.geocoder` (tests check it still matches):
    importing the geocoder loads ~100 MB of geocoding data into every web and worker process.
    """
    return json.loads(COUNTRY_NAMES_FILE.read_text(encoding="utf-8"))


def country_choices(lang: str = "en") -> list[tuple[str, str]]:
    """(ISO code, "Name (CODE)") for every supported region, sorted by name: for country pickers."""
    names = region_display_names()
    choices = [(code, f"{(names.get(code) or {}).get(lang) or code} ({code})")
               for code in phonenumbers.SUPPORTED_REGIONS if code != "001"]
    return sorted(choices, key=lambda item: item[1])


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    localized = region_display_names()
    for region in phonenumbers.SUPPORTED_REGIONS:
        names[region.lower()] = region
        for lang in ("en", "de", "fr", "es"):
            display = (localized.get(region) or {}).get(lang)
            if display:
                names.setdefault(display.lower(), region)
    names.update(_COUNTRY_ALIASES)
    return names


def resolve_country(value: object) -> str | None:
    """An ISO code for a country column's value ('Germany', 'DE', 'United Kingdom', a calling code such as '+61');
    None if unknown."""
    text = re.sub(r"\s+", " ", str(value or "")).strip().strip(".").lower()
    if not text:
        return None
    found = _country_names().get(text)
    if found is None and _CALLING_CODE.fullmatch(text):
        region = phonenumbers.region_code_for_country_code(int(text.lstrip("+0") or 0))
        found = region if region not in ("ZZ", "001") else None
    return found


_CALLING_CODE = re.compile(r"\+?0{0,2}\d{1,3}")


def parse_phone(
    raw: object,
    *,
    default_country: str = "US",
    country_hint: object = None,
    mode: str = STRICT,
) -> PhoneInfo:
    """Parse one number. A country hint (a row's country column) beats the workspace default.

    Strict mode accepts what phonenumbers finds valid; lenient mode accepts any number of the
    right length for its country, for ranges newer than the library's metadata.
    """
    original = "" if raw is None else str(raw)
    text = clean_raw(raw)
    if not text:
        return PhoneInfo(original=original, e164=None, is_valid=False, error="No phone number")
    if _EXCEL_SCIENTIFIC.match(text):
        return PhoneInfo(
            original=original,
            e164=None,
            is_valid=False,
            error="Excel scientific notation lost the number's digits; format the column as text",
        )
    region = resolve_country(country_hint) or (default_country or "US").upper()
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        reason = _PARSE_ERRORS.get(exc.error_type, str(exc))
        return PhoneInfo(original=original, e164=None, is_valid=False, error=reason)
    number_region = phonenumbers.region_code_for_number(number) or ""
    main_region = phonenumbers.region_code_for_country_code(number.country_code)
    region_label = number_region or (main_region if main_region != "ZZ" else f"+{number.country_code}")
    if mode == LENIENT:
        possibility = phonenumbers.is_possible_number_with_reason(number)
        accepted = possibility == phonenumbers.ValidationResult.IS_POSSIBLE
        error = "" if accepted else _POSSIBILITY_ERRORS.get(possibility, "Not a possible number").format(
            region=region_label
        )
    else:
        accepted = phonenumbers.is_valid_number(number)
        error = ""
        if not accepted:
            possibility = phonenumbers.is_possible_number_with_reason(number)
            error = _POSSIBILITY_ERRORS.get(possibility, "Not a valid number for {region}").format(
                region=region_label
            )
    if not accepted:
        return PhoneInfo(original=original, e164=None, is_valid=False, error=error, region=number_region)
    return _describe(original, number, number_region)


def _describe(original: str, number: phonenumbers.PhoneNumber, region: str) -> PhoneInfo:
    national_significant = phonenumbers.national_significant_number(number)
    area_length = phonenumbers.length_of_geographical_area_code(number)
    zones = tuple(z for z in pn_timezone.time_zones_for_number(number) if z != "Etc/Unknown")
    return PhoneInfo(
        original=original,
        e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        is_valid=True,
        national=phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL),
        international=phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
        region=region,
        country_code=number.country_code,
        area_code=national_significant[:area_length] if area_length else "",
        number_type=_TYPE_NAMES.get(phonenumbers.number_type(number), "unknown"),
        extension=number.extension or "",
        timezones=zones,
    )


def normalize(raw: object, *, default_country: str = "US", country_hint: object = None, mode: str = STRICT) -> str:
    """E.164 for an acceptable number; raises PhoneError with the reason otherwise."""
    info = parse_phone(raw, default_country=default_country, country_hint=country_hint, mode=mode)
    if not info.is_valid or not info.e164:
        raise PhoneError(info.error or "Invalid phone number", original=info.original)
    return info.e164


def first_acceptable(
    candidates: list[object], *, default_country: str = "US", country_hint: object = None, mode: str = STRICT
) -> tuple[PhoneInfo | None, list[PhoneInfo]]:
    """The first acceptable number among several cells (each may hold ` ::: `-joined numbers).

    Returns (chosen or None, every rejected attempt in order) so a caller can say why.
    """
    rejected: list[PhoneInfo] = []
    for cell in candidates:
        for part in split_numbers(cell):
            info = parse_phone(part, default_country=default_country, country_hint=country_hint, mode=mode)
            if info.is_valid:
                return info, rejected
            rejected.append(info)
    return None, rejected


@lru_cache(maxsize=1024)
def resolve_region(country_hint: object, default_country: str) -> str:
    """The region to parse with: the hint's country when it names one, else the default."""
    return resolve_country(country_hint) or (default_country or "US").upper()


@lru_cache(maxsize=16384)  # repeats are usually close together; ~6 MB at most
def e164_or_reason(raw: str, region: str, mode: str = STRICT) -> tuple[str | None, str]:
    """(E.164, "") for an acceptable number, (None, reason) otherwise: parse_phone's verdict, no details.

    Bulk imports call this once per distinct (cell, region) instead of parse_phone, which also
    formats national/international forms and looks up time zones that an import never shows.
    """
    text = clean_raw(raw)
    if not text:
        return None, "No phone number"
    if _EXCEL_SCIENTIFIC.match(text):
        return None, "Excel scientific notation lost the number's digits; format the column as text"
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        return None, _PARSE_ERRORS.get(exc.error_type, str(exc))
    if mode == LENIENT:
        possibility = phonenumbers.is_possible_number_with_reason(number)
        if possibility == phonenumbers.ValidationResult.IS_POSSIBLE:
            return _e164(number), ""
        template = _POSSIBILITY_ERRORS.get(possibility, "Not a possible number")
    else:
        if _is_valid(number, region):
            return _e164(number), ""
        possibility = phonenumbers.is_possible_number_with_reason(number)
        template = _POSSIBILITY_ERRORS.get(possibility, "Not a valid number for {region}")
    number_region = phonenumbers.region_code_for_number(number) or ""
    main_region = phonenumbers.region_code_for_country_code(number.country_code)
    label = number_region or (main_region if main_region != "ZZ" else f"+{number.country_code}")
    return None, template.format(region=label)


@lru_cache(maxsize=512)
def _checked_first(region: str) -> int:
    """The country code when `region` is the first region phonenumbers tries for it and has no leading
    digits (then a number valid for `region` is valid, full stop); 0 otherwise."""
    code = phonenumbers.country_code_for_region(region)
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ())
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if not code or not regions or regions[0] != region or metadata is None or metadata.leading_digits:
        return 0
    return code


def _is_valid(number: phonenumbers.PhoneNumber, region: str) -> bool:
    """phonenumbers.is_valid_number, skipping its region search for a number of the parsing region.

    is_valid_number(n) is is_valid_number_for_region(n, region_code_for_number(n)); region_code_for_number
    returns the first region of the country code whose patterns match, so when `region` is that first
    region and n is valid for it, the answer is the same. Otherwise we ask is_valid_number itself.
    """
    code = _checked_first(region)
    if code and number.country_code == code and phonenumbers.is_valid_number_for_region(number, region):
        return True
    return phonenumbers.is_valid_number(number)


def _e164(number: phonenumbers.PhoneNumber) -> str:
    # What format_number(E164) returns for a valid number, without its formatting machinery.
    return f"+{number.country_code}{phonenumbers.national_significant_number(number)}"


def every_e164(
    candidates: list[object], *, region: str, mode: str = STRICT
) -> tuple[str | None, str, str, tuple[tuple[str, int], ...]]:
    """(E.164 of the first acceptable number, first rejection reason, raw part chosen or rejected) plus every
    further valid number of the row: ((E.164, candidate index), ...), repeats
    left out. A row keeps all its numbers; the first valid one is its primary."""
    first: str | None = None
    first_error, first_raw = "", ""
    extras: list[tuple[str, int]] = []
    seen: set[str] = set()
    for index, part in _candidate_parts(candidates):
        e164, reason = e164_or_reason(part, region, mode)
        if e164:
            if first is None:
                first, first_raw = e164, part
            elif e164 not in seen:
                extras.append((e164, index))
            seen.add(e164)
        elif not first_error and first is None:
            first_error, first_raw = reason, part
    if first is None:
        return None, first_error or "No phone number", first_raw, ()
    return first, "", first_raw, tuple(extras)


def parse_candidates(
    items: list[tuple[list[object], str, str]],
) -> list[tuple[str | None, str, str, tuple[tuple[str, int], ...]]]:
    """every_e164 for many rows at once: [(candidates, region, mode)] -> [(E.164, reason, raw part, extras)].

    Plain data in, plain data out, no Django: a bulk import runs this in a helper process.
    """
    return [every_e164(candidates, region=region, mode=mode) for candidates, region, mode in items]


def _candidate_parts(candidates: list[object]) -> Iterator[tuple[int, str]]:
    """(column index, stripped text) of every non-empty value, a cell holding several numbers split."""
    for index, cell in enumerate(candidates):
        if cell is None or cell == "":
            continue
        text = cell if isinstance(cell, str) else str(cell)
        for part in (text,) if MULTI_VALUE_SEPARATOR not in text else split_numbers(text):
            part = part.strip()
            if part:
                yield index, part


@lru_cache(maxsize=65536)
def describe_e164(e164: str) -> PhoneInfo:
    """Details of a stored E.164 number (formats, region, time zones)."""
    number = phonenumbers.parse(e164, None)
    return _describe(e164, number, phonenumbers.region_code_for_number(number) or "")


def display(e164: str, home_country: str = "US") -> str:
    """A stored number formatted for reading: national at home, international abroad."""
    if not e164:
        return ""
    try:
        info = describe_e164(e164)
    except NumberParseException:
        return e164
    return info.national if info.region == (home_country or "").upper() else info.international


def digits(text: object) -> str:
    """Only the digits of what someone typed, for phone search ('(415) 555' -> '415555')."""
    return _NON_DIGITS.sub("", str(text or ""))


def timezones_for(e164: str) -> tuple[str, ...]:
    try:
        return describe_e164(e164).timezones
    except NumberParseException:
        return ()
