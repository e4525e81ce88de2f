"""Call scripts: `{{first_name}}`, `{{custom.KEY}}` and fallbacks (`{{first_name|there}}`) filled from a contact.

Rendering is plain text substitution from a fixed set of values: no template language runs, so a script
(or a contact's data) can never execute code or reach other data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from contacts.contacts.models import Contact

FIELDS = ("first_name", "last_name", "company", "title")
_VARIABLE = re.compile(r"\{\{\s*(?P<name>[a-z_]+|custom\.[^{}|]+?)\s*(?:\|(?P<fallback>[^{}]*?))?\s*\}\}")


@dataclass(frozen=True)
class Variable:
    name: str
    fallback: str | None

    @property
    def custom_key(self) -> str | None:
        return self.name.removeprefix("custom.").strip() if self.name.startswith("custom.") else None


def variables(script: str) -> list[Variable]:
    """The variables a script uses, in order, each once."""
    seen: dict[tuple[str, str | None], Variable] = {}
    for match in _VARIABLE.finditer(script or ""):
        fallback = match.group("fallback")
        variable = Variable(match.group("name").strip(), fallback.strip() if fallback is not None else None)
        seen.setdefault((variable.name, variable.fallback), variable)
    return list(seen.values())


def unknown_variables(script: str) -> list[str]:
    """Names that are neither a contact field nor `custom.KEY` (a typo the campaign form reports)."""
    return [v.name for v in variables(script) if v.custom_key is None and v.name not in FIELDS]


def _value(contact: Contact, variable: Variable) -> str:
    if variable.custom_key is not None:
        value = (contact.metadata or {}).get(variable.custom_key)
    elif variable.name in FIELDS:
        value = getattr(contact, variable.name, "")
    else:
        value = None
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()


def render(script: str, contact: Contact) -> str:
    """The script with every variable replaced by the contact's value, else its fallback, else nothing."""

    def replace(match: re.Match) -> str:
        fallback = match.group("fallback")
        variable = Variable(match.group("name").strip(), fallback.strip() if fallback is not None else None)
        return _value(contact, variable) or (variable.fallback or "")

    text = _VARIABLE.sub(replace, script or "")
    return re.sub(r"[ \t]{2,}", " ", text).replace(" ,", ",").strip()


def missing_condition(script: str) -> Q | None:
    """Contacts lacking a value for a variable that has no fallback (None when every variable has one)."""
    condition = Q()
    needed = False
    for variable in variables(script):
        if variable.fallback:
            continue
        needed = True
        if variable.custom_key is not None:
            condition |= ~Q(metadata__has_key=variable.custom_key)
        elif variable.name in FIELDS:
            condition |= Q(**{variable.name: ""})
    return condition if needed else None


def count_missing(script: str, contacts: QuerySet[Contact]) -> int:
    """How many of these contacts would hear a gap: one query, whatever their number."""
    condition = missing_condition(script)
    return contacts.filter(condition).count() if condition is not None else 0
