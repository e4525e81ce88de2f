"""Regenerate area_codes.json (US area code -> state, and the US area codes without one: toll-free, 5XX, new
overlays) from libphonenumber's data. Run by hand, not at start.

    .venv/bin/python contacts/compliance/rules/make_area_codes.py > contacts/compliance/rules/area_codes.json
"""
from __future__ import annotations

import json
from collections import Counter

import phonenumbers
from phonenumbers import geocoder

STATES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA", "Colorado": "CO",
    "Connecticut": "CT", "Delaware": "DE", "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID",
    "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA",
    "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS",
    "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH", "New Jersey": "NJ",
    "New Mexico": "NM", "New York": "NY", "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH",
    "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC",
    "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA",
    "Washington": "WA", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY", "Washington D.C.": "DC",
    "Washington DC": "DC", "District of Columbia": "DC",
}
CODES = set(STATES.values())


def state_of(description: str) -> str | None:
    if description in STATES:
        return STATES[description]
    tail = description.rsplit(",", 1)[-1].strip()
    return tail if tail in CODES else None


def main() -> None:
    table: dict[str, str] = {}
    stateless: list[str] = []
    for npa in range(200, 1000):
        votes: Counter[str] = Counter()
        us = False
        for nxx in range(200, 1000, 37):
            number = phonenumbers.parse(f"+1{npa}{nxx}0100")
            if phonenumbers.region_code_for_number(number) != "US":
                continue
            us = True
            state = state_of(geocoder.description_for_number(number, "en"))
            if state:
                votes[state] += 1
        if votes:
            table[str(npa)] = votes.most_common(1)[0][0]
        elif us:
            stateless.append(str(npa))
    print(json.dumps({"source": "libphonenumber geocoding data (phonenumbers 9.0.43), one state per area code",
                      "area_codes": table, "us_without_state": stateless}, indent=0, sort_keys=True))


if __name__ == "__main__":
    main()
