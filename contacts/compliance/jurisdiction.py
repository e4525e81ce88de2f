"""Where a number is, for calling rules: its country, US state(s) by area code and the contact's state, its zones."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import phonenumbers
from phonenumbers import timezone as pn_timezone

from contacts import phone as phone_rules

AREA_CODES_FILE = Path(__file__).resolve().parent / "rules" / "area_codes.json"

STATE_NAMES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin",
    "WY": "Wyoming",
}
_BY_NAME = {name.lower(): code for code, name in STATE_NAMES.items()}
# Every zone a state spans, so a contact's own state is checked in all of its local times.
_CT, _ET, _MT, _PT = "America/Chicago", "America/New_York", "America/Denver", "America/Los_Angeles"
STATE_ZONES: dict[str, tuple[str, ...]] = {code: (_ET,) for code in STATE_NAMES}
STATE_ZONES.update({
    "AL": (_CT,), "AK": ("America/Anchorage", "America/Adak"), "AZ": ("America/Phoenix",), "AR": (_CT,),
    "CA": (_PT,), "CO": (_MT,), "FL": (_ET, _CT), "HI": ("Pacific/Honolulu",), "ID": (_MT, _PT), "IL": (_CT,),
    "IN": (_ET, _CT), "IA": (_CT,), "KS": (_CT, _MT), "KY": (_ET, _CT), "LA": (_CT,), "MI": (_ET, _CT),
    "MN": (_CT,), "MS": (_CT,), "MO": (_CT,), "MT": (_MT,), "NE": (_CT, _MT), "NV": (_PT,), "NM": (_MT,),
    "ND": (_CT, _MT), "OK": (_CT,), "OR": (_PT, _MT), "SD": (_CT, _MT), "TN": (_CT, _ET), "TX": (_CT, _MT),
    "UT": (_MT,), "WA": (_PT,), "WI": (_CT,), "WY": (_MT,),
})
US_ZONES = frozenset(z for zones in STATE_ZONES.values() for z in zones)
# Metadata keys (any case, spaces and punctuation ignored) that hold a contact's own state.
STATE_KEYS = {"state", "usstate", "homestate", "mailingstate", "businessstate", "billingstate", "stateprovince",
              "stateregion", "region", "address1region", "province"}


@lru_cache(maxsize=1)
def _area_code_data() -> dict[str, Any]:
    with AREA_CODES_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


def area_code_table() -> dict[str, str]:
    """US area code (NPA) -> state code, shipped as data (contacts/compliance/rules/area_codes.json)."""
    return _area_code_data()["area_codes"]


@lru_cache(maxsize=1)
def us_area_codes() -> frozenset[str]:
    """Every area code of a US number: a state's, and those without one (toll-free, 5XX, 900, new overlays).

    A +1 number is in the US exactly when its area code is here, for the decision and for campaign start's SQL
    alike, so the two never disagree about which numbers the federal rules cover."""
    return frozenset(area_code_table()) | frozenset(_area_code_data().get("us_without_state", ()))


def normalize_state(value: Any) -> str:
    """'FL', 'fl', 'Florida' -> 'FL'; anything else -> ''."""
    text = str(value or "").strip()
    if text.upper() in STATE_NAMES:
        return text.upper()
    return _BY_NAME.get(text.lower(), "")


def contact_state(metadata: dict | None) -> str:
    """The contact's own US state from its metadata (`state`, `State`, `Home State`, ...), or ''."""
    for key, value in (metadata or {}).items():
        if "".join(ch for ch in str(key).lower() if ch.isalnum()) in STATE_KEYS:
            state = normalize_state(value)
            if state:
                return state
    return ""


@dataclass(frozen=True)
class Jurisdiction:
    country: str  # ISO region of the number ('' when unknown)
    states: tuple[str, ...]  # US states whose rules apply: the area code's and the contact's own
    zones: tuple[str, ...]  # every time zone the number (and the contact's state) spans
    area_code_state: str = ""
    contact_state: str = ""
    state_zones: tuple[tuple[str, tuple[str, ...]], ...] = ()  # a state's rules apply at that state's local time

    def zones_for(self, code: str) -> tuple[str, ...]:
        """Where a rule of jurisdiction `code` is read: a state's own zones, else every zone of the number."""
        if code.startswith("US-"):
            for state, zones in self.state_zones:
                if state == code[3:]:
                    return zones
        return self.zones

    @property
    def codes(self) -> frozenset[str]:
        """The jurisdiction codes the rules file uses: '*', the country, 'US-XX' per state."""
        return frozenset({"*", self.country, *(f"US-{s}" for s in self.states)} - {""})

    def describe(self) -> str:
        if not self.states:
            return self.country or "unknown country"
        return ", ".join(STATE_NAMES.get(s, s) for s in self.states)

    def as_dict(self) -> dict[str, Any]:
        return {"country": self.country or None, "states": list(self.states), "timezones": list(self.zones),
                "area_code_state": self.area_code_state or None, "contact_state": self.contact_state or None}


@lru_cache(maxsize=65536)
def _zones(phone: str) -> tuple[str, ...]:
    try:
        parsed = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return ()
    return tuple(z for z in pn_timezone.time_zones_for_number(parsed) if z != "Etc/Unknown")


@lru_cache(maxsize=65536)
def _number_facts(phone: str) -> tuple[str, str, tuple[str, ...]]:
    """(country, area-code state, zones) of an E.164 number; cached, numbers repeat across decisions.

    A US number is known by its area code; its zones are libphonenumber's for its exchange (NPA-NXX), so
    100,000 numbers cost a few thousand look-ups, not 100,000 parses."""
    nanp = phone.startswith("+1") and len(phone) == 12
    npa_state = area_code_table().get(phone[2:5], "") if nanp else ""
    if npa_state:
        return "US", npa_state, _zones(phone[:8] + "0000")
    try:
        country = phonenumbers.region_code_for_number(phonenumbers.parse(phone, None)) or ""
    except phonenumbers.NumberParseException:
        country = ""
    if phone.startswith("+1"):  # the area code alone says US or not (see us_area_codes)
        country = "US" if nanp and phone[2:5] in us_area_codes() else ("" if country == "US" else country)
    zones = tuple(phone_rules.timezones_for(phone))
    if country == "US":
        # A US number without a state (toll-free, 5XX) lists every zone of the numbering plan, Guam to
        # Newfoundland, which never share a calling window: it is read in the 50 states' zones instead.
        zones = tuple(z for z in zones if z in US_ZONES) or zones
    return country, "", zones


def jurisdiction_for(phone: str, *, metadata: dict | None = None, fallback_zone: str = "UTC") -> Jurisdiction:
    """The number's jurisdiction: a US number's area-code state plus the contact's own state (both apply, so the
    stricter rule wins); other countries keep their national rules and the number's time zone(s)."""
    country, npa_state, zones = _number_facts(phone)
    # A contact's own state adds that state's rules; it never makes a number of unknown country a US one (the
    # number decides the country, as campaign start's SQL does).
    own = contact_state(metadata) if country in ("US", "") else ""
    states = tuple(dict.fromkeys(s for s in (npa_state, own) if s))
    all_zones = list(zones) or [fallback_zone]
    per_state: dict[str, list[str]] = {}
    if npa_state:
        per_state[npa_state] = list(all_zones)
    if own and own != npa_state:  # the same state as the area code's: the number's own zones are more precise
        own_zones = per_state.setdefault(own, [])
        own_zones += [z for z in STATE_ZONES.get(own, ()) if z not in own_zones]
        all_zones += [z for z in own_zones if z not in all_zones]
    return Jurisdiction(country=country, states=states, zones=tuple(all_zones), area_code_state=npa_state,
                        contact_state=own, state_zones=tuple((s, tuple(z)) for s, z in per_state.items()))
