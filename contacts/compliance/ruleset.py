"""The calling rules as data: the shipped rules file (validated at start), a workspace's stricter rules, versions."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, time
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from contacts.compliance.holidays import Holiday, parse_table, table_problems

RULES_DIR = Path(__file__).resolve().parent / "rules"
RULES_FILE = RULES_DIR / "rules.json"
SCHEMA_FILE = RULES_DIR / "schema.json"
CAMPAIGN_TYPES = ("telemarketing", "informational")
CONSENT_STRENGTH = {"express": 1, "express_written": 2}
WORKSPACE_KINDS = {"window", "closed_days", "frequency_cap", "consent", "revocation"}
JURISDICTION_ANY = "*"
PER_NUMBER_KINDS = {"consent", "revocation"}  # refuse a number for good: applied at campaign start too
WEEKDAY_ORDER = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class RulesFileError(Exception):
    """The rules file (or a workspace rule) does not match the schema or contradicts itself."""


@dataclass(frozen=True)
class Rule:
    id: str
    jurisdiction: str
    kind: str
    applies_to: frozenset[str]
    source: str
    effective: date
    title: str = ""
    note: str = ""
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    origin: str = "shipped"  # shipped | workspace | settings

    @property
    def window(self) -> tuple[time, time]:
        return time.fromisoformat(self.params["start"]), time.fromisoformat(self.params["end"])

    def applies(self, campaign_type: str, codes: frozenset[str], on: date) -> bool:
        return campaign_type in self.applies_to and self.jurisdiction in codes and self.effective <= on

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "jurisdiction": self.jurisdiction, "kind": self.kind,
                "applies_to": sorted(self.applies_to), "source": self.source, "effective": self.effective.isoformat(),
                "title": self.title, "note": self.note, "origin": self.origin, **self.params}

    def summary(self) -> str:
        """What the rule asks, in a few words (rules page, reasons)."""
        p = self.params
        if self.kind == "window":
            days = f" on {', '.join(d.title() for d in WEEKDAY_ORDER if d in p['weekdays'])}" \
                if p.get("weekdays") else ""
            return f"calls {p['start']}–{p['end']} local time{days}"
        if self.kind == "closed_days":
            parts = [", ".join(d.title() for d in p.get("weekdays", []))] if p.get("weekdays") else []
            if p.get("holidays") or p.get("annual"):
                parts.append(f"{len(p.get('holidays', [])) + len(p.get('annual', []))} holidays each year")
            if p.get("dates"):
                parts.append(", ".join(p["dates"]))
            return "no calls on " + "; ".join(parts)
        if self.kind == "frequency_cap":
            return f"at most {p['max_calls']} calls per {p['hours']} h per person per subject"
        if self.kind == "consent":
            return f"needs active {p['requires'].replace('_', ' ')} consent"
        if self.kind == "registry":
            return f"numbers on a registry file are refused; refresh files every {p['max_age_days']} days"
        if self.kind == "revocation":
            return "a revocation stops calls at once"
        return "numbers on the workspace's DNC list are refused"


@dataclass(frozen=True)
class RuleSet:
    version: str
    rules: tuple[Rule, ...]
    holidays: tuple[Holiday, ...] = ()  # the holidays closed-days rules name, computed per year

    def of_kind(self, kind: str) -> list[Rule]:
        return [r for r in self.rules if r.kind == kind]


BASE_KEYS = {"id", "jurisdiction", "kind", "applies_to", "source", "effective", "title", "note"}


def _rule(data: dict[str, Any], origin: str) -> Rule:
    params = {k: v for k, v in data.items() if k not in BASE_KEYS}
    return Rule(id=data["id"], jurisdiction=data["jurisdiction"], kind=data["kind"],
                applies_to=frozenset(data["applies_to"]), source=data["source"],
                effective=date.fromisoformat(data["effective"]), title=data.get("title", ""),
                note=data.get("note", ""), params=params, origin=origin)


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    with SCHEMA_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


def _schema_errors(instance: Any, schema: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    errors = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        errors.append(f"{where}: {error.message}")
    return errors


def _check_rule_values(data: dict[str, Any]) -> list[str]:
    """What the schema cannot say: real dates, a window that opens before it closes."""
    problems = []
    for key in ("effective", *(["dates"] if "dates" in data else [])):
        values = data[key] if isinstance(data.get(key), list) else [data.get(key)]
        for value in values:
            try:
                date.fromisoformat(value)
            except (TypeError, ValueError):
                problems.append(f"{data.get('id')}: {key} {value!r} is not a date (YYYY-MM-DD).")
    if data.get("kind") == "window" and data.get("start", "") >= data.get("end", ""):
        problems.append(f"{data.get('id')}: the window must open before it closes (start {data.get('start')} "
                        f"is not before end {data.get('end')}).")
    return problems


def _unknown_holidays(data: dict[str, Any], table: tuple[Holiday, ...]) -> list[str]:
    known = {h.key for h in table}
    unknown = [key for key in data.get("holidays", []) if key not in known]
    if not unknown:
        return []
    return [f"{data.get('id')}: holiday {', '.join(repr(k) for k in unknown)} is not defined under \"holidays\" "
            f"(known: {', '.join(sorted(known)) or 'none'})."]


def parse_rules(document: Any, *, origin: str = "shipped") -> RuleSet:
    """Validate a rules document against the schema and return its rule set; RulesFileError lists every problem."""
    problems = _schema_errors(document, _schema())
    table: tuple[Holiday, ...] = ()
    if not problems:
        table = parse_table(document.get("holidays", {}))
        problems += table_problems(table)
        ids = [r["id"] for r in document["rules"]]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            problems.append(f"rule ids must be unique: {', '.join(duplicates)}.")
        for data in document["rules"]:
            problems += _check_rule_values(data)
            problems += _unknown_holidays(data, table)
    if problems:
        raise RulesFileError("The calling rules are not valid:\n- " + "\n- ".join(problems))
    return RuleSet(version=document["version"], rules=tuple(_rule(r, origin) for r in document["rules"]),
                   holidays=table)


@lru_cache(maxsize=1)
def shipped_rules() -> RuleSet:
    """The rules file shipped with the code (contacts/compliance/rules/rules.json), validated once."""
    try:
        with RULES_FILE.open(encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, json.JSONDecodeError) as exc:
        raise RulesFileError(f"Cannot read the calling rules file {RULES_FILE}: {exc}") from exc
    try:
        return parse_rules(document)
    except RulesFileError as exc:
        raise RulesFileError(f"{RULES_FILE}: {exc}") from exc


# --- workspace rules: stricter only ----------------------------------------------------------------------------

def _covers(shipped: str, own: str) -> bool:
    """Whether a shipped rule's jurisdiction is the workspace rule's own or a broader one."""
    if shipped in (own, JURISDICTION_ANY):
        return True
    return shipped == "US" and own.startswith("US-")


def _days(rule: Rule) -> frozenset[str]:
    """The weekdays a window binds on (all of them unless it names some)."""
    return frozenset(rule.params.get("weekdays") or WEEKDAY_ORDER)


def looser_than_shipped(rule: Rule, shipped: RuleSet) -> list[str]:
    """Why a workspace rule would loosen a shipped rule of the same or a broader jurisdiction ([] if it does not)."""
    problems = []
    for base in shipped.rules:
        if base.kind != rule.kind or not _covers(base.jurisdiction, rule.jurisdiction):
            continue
        if not base.applies_to & rule.applies_to:
            continue
        cite = f"{base.id} ({base.source})"
        if rule.kind == "window":
            if not _days(rule) <= _days(base):
                continue  # the base binds on fewer days (e.g. a Sunday-only window): it still applies on its own
            (start, end), (own_start, own_end) = base.window, rule.window
            if own_start < start or own_end > end:
                problems.append(f"calls {rule.params['start']}–{rule.params['end']} are outside "
                                f"{base.params['start']}–{base.params['end']} of {cite}.")
        elif rule.kind == "frequency_cap":
            if rule.params["max_calls"] > base.params["max_calls"] or rule.params["hours"] < base.params["hours"]:
                problems.append(f"{rule.params['max_calls']} calls per {rule.params['hours']} h allows more than "
                                f"{base.params['max_calls']} per {base.params['hours']} h of {cite}.")
        elif rule.kind == "consent" and (
                CONSENT_STRENGTH[rule.params["requires"]] < CONSENT_STRENGTH[base.params["requires"]]):
            problems.append(f"{rule.params['requires']} consent is weaker than the "
                                f"{base.params['requires']} consent {cite} requires.")
    return problems


def parse_workspace_rule(data: Any, *, shipped: RuleSet | None = None) -> Rule:
    """A workspace's own rule: same schema as the shipped file, only restricting kinds, never looser."""
    shipped = shipped or shipped_rules()
    if not isinstance(data, dict):
        raise RulesFileError("A rule is a JSON object, e.g. {\"id\": \"no-saturdays\", ...}.")
    document = {"version": "workspace", "rules": [data]}
    problems = _schema_errors(document, _schema())
    if not problems:
        problems += _check_rule_values(data)
        if data["kind"] not in WORKSPACE_KINDS:
            problems.append(f"kind {data['kind']!r} cannot be a workspace rule (use one of "
                            f"{', '.join(sorted(WORKSPACE_KINDS))}).")
        if any(r.id == data["id"] for r in shipped.rules):
            problems.append(f"id {data['id']!r} is a shipped rule's id; choose another.")
        problems += _unknown_holidays(data, shipped.holidays)
        if data["kind"] in PER_NUMBER_KINDS and data["jurisdiction"] not in (JURISDICTION_ANY, "US"):
            # campaign start applies these to every member in SQL, where a number's state or country is not known
            problems.append(f"a {data['kind']} rule applies to every number (\"*\") or to the US, not to "
                            f"{data['jurisdiction']}.")
    if problems:
        raise RulesFileError("This rule is not valid: " + " ".join(p.replace("rules/0/", "") for p in problems))
    rule = _rule(data, "workspace")
    looser = looser_than_shipped(rule, shipped)
    if looser:
        raise RulesFileError("A workspace rule may only be stricter than the shipped rules: " + " ".join(looser))
    return rule


def settings_window_rule(start: time, end: time) -> Rule:
    """The workspace's own calling hours (Settings) as a rule for every number and every campaign type."""
    return Rule(id="workspace-calling-hours", jurisdiction=JURISDICTION_ANY, kind="window",
                applies_to=frozenset(CAMPAIGN_TYPES), source="Workspace settings: calling hours",
                effective=date(1970, 1, 1), title="The workspace's calling hours in the number's local time",
                params={"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}, origin="settings")


def combined_version(base: str, workspace_rules: list[dict[str, Any]], start: time, end: time) -> str:
    """The rule set version a decision names: the file's, plus a digest when the workspace adds its own rules."""
    if not workspace_rules and (start, end) == (time(8, 0), time(21, 0)):
        return base
    payload = json.dumps({"rules": workspace_rules, "window": [f"{start:%H:%M}", f"{end:%H:%M}"]}, sort_keys=True)
    return f"{base}+ws.{hashlib.sha256(payload.encode()).hexdigest()[:8]}"
