"""The one decision: may this number be called for this campaign at this time, with every reason it may not.

Call now, campaign start, claim, the contact page and `POST /v1/compliance/check` all ask `decide` /
`decide_many`. Rules come from the shipped rules file, the workspace's own stricter rules and its calling-hours
setting; facts (DNC list, registry files, consent ledger, recent calls) are read in a few bulk queries.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from contacts.compliance import holidays as holiday_rules
from contacts.compliance.consents import ConsentState, consent_states_among
from contacts.compliance.jurisdiction import STATE_NAMES, Jurisdiction, jurisdiction_for
from contacts.compliance.models import WorkspaceRule
from contacts.compliance.registry import registry_numbers_among
from contacts.compliance.ruleset import (
    Rule,
    RuleSet,
    _rule,
    combined_version,
    settings_window_rule,
    shipped_rules,
)
from contacts.compliance.selectors import dnc_numbers_among
from contacts.workspaces.models import Workspace

TELEMARKETING, INFORMATIONAL = "telemarketing", "informational"
PERMANENT_CODES = frozenset({"dnc_internal", "dnc_registry", "no_consent", "consent_revoked"})
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
MAX_STEPS = 40  # jumps when looking for the next allowed instant (windows, closed days, caps)
UTC = ZoneInfo("UTC")


def subject_key(subject: str) -> str:
    """Caps count per subject: 'Solar  Panels' and 'solar panels' are one subject."""
    return " ".join((subject or "").split()).casefold()


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class Target:
    """One number to decide for: its contact's metadata (for the contact's own state) and the campaign."""

    phone: str
    metadata: dict | None = None
    campaign: Any = None  # Campaign | None
    contact_dnc: bool = False
    contact_id: int | None = None  # caps count per person: every call to this contact, whatever number it used


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    rule: str = ""
    source: str = ""
    jurisdiction: str = ""
    opens_at: datetime | None = None  # outside_window / holiday: when this rule allows calls again
    next_allowed_at: datetime | None = None  # frequency_cap

    @property
    def permanent(self) -> bool:
        return self.code in PERMANENT_CODES

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message, "rule": self.rule or None,
                                "source": self.source or None, "jurisdiction": self.jurisdiction or None}
        if self.code in ("outside_window", "holiday"):
            data["opens_at"] = _iso(self.opens_at)
        if self.code == "frequency_cap":
            data["next_allowed_at"] = _iso(self.next_allowed_at)
        return data


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


@dataclass
class Decision:
    phone: str
    at: datetime
    allowed: bool
    reasons: list[Reason]
    rules_version: str
    campaign_type: str
    subject: str
    jurisdiction: Jurisdiction
    next_allowed_at: datetime | None = None  # when time rules (window, holidays, caps) next allow a call
    rules_applied: list[str] = field(default_factory=list)

    @property
    def permanent(self) -> bool:
        """Refused for a reason that time alone does not lift (DNC, registry, consent)."""
        return any(r.permanent for r in self.reasons)

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def summary(self) -> str:
        return "Allowed." if self.allowed else " ".join(r.message for r in self.reasons)

    def as_dict(self) -> dict[str, Any]:
        return {"allowed": self.allowed, "reasons": [r.as_dict() for r in self.reasons],
                "rules_version": self.rules_version, "phone": self.phone, "at": _iso(self.at),
                "campaign_type": self.campaign_type, "subject": self.subject,
                "jurisdiction": self.jurisdiction.as_dict(), "next_allowed_at": _iso(self.next_allowed_at),
                "rules_applied": self.rules_applied}


# --- the rule set in force for a workspace -------------------------------------------------------------------

def workspace_rule_set(workspace: Workspace) -> tuple[RuleSet, list[Rule]]:
    """(shipped rules, the workspace's own rules + its calling-hours setting) and, as the first, the version."""
    shipped = shipped_rules()
    stored = list(WorkspaceRule.objects.filter(workspace=workspace).order_by("rule_id").values_list("rule", flat=True))
    own = [_rule(data, "workspace") for data in stored]
    own.append(settings_window_rule(workspace.calling_window_start, workspace.calling_window_end))
    version = combined_version(shipped.version, stored, workspace.calling_window_start, workspace.calling_window_end)
    return RuleSet(version=version, rules=shipped.rules + tuple(own), holidays=shipped.holidays), own


def _jurisdiction_label(code: str, jurisdiction: Jurisdiction) -> str:
    if code == "*":
        return "the workspace"
    if code == "US":
        return "federal"
    if code.startswith("US-"):
        return STATE_NAMES.get(code[3:], code)
    return code


def _inside(start: time, end: time, local: datetime, days: frozenset[str] | None = None) -> bool:
    """Whether a local instant is inside the window; a window naming weekdays binds only on those days."""
    if days is not None and WEEKDAYS[local.weekday()] not in days:
        return True
    t = local.time()
    return start <= t < end if start <= end else (t >= start or t < end)


def _day_list(days: frozenset[str]) -> str:
    return ", ".join(d.title() for d in WEEKDAYS if d in days)


def _window_days(rule: Rule) -> frozenset[str] | None:
    days = rule.params.get("weekdays")
    return frozenset(days) if days else None


def _window_opening(start: time, end: time, zones: Sequence[ZoneInfo], t: datetime,
                    days: frozenset[str] | None = None) -> datetime | None:
    """The first instant >= t inside the window in every zone, or None when the zones never share one."""
    candidates = []
    for tz in zones:
        local = t.astimezone(tz)
        for day in range(0, 8 if days is not None else 3):
            on = local.date() + timedelta(days=day)
            # a per-day window also opens at midnight of a day it does not bind
            for clock in (start, time(0, 0)) if days is not None else (start,):
                opening = datetime.combine(on, clock, tzinfo=tz)
                if opening > t:
                    candidates.append(opening)
    for candidate in sorted(candidates):
        if all(_inside(start, end, candidate.astimezone(tz), days) for tz in zones):
            return candidate
    return None


def _closed_reason(rule: Rule, local_day: date, table: tuple = ()) -> tuple[str, str] | None:
    """(code, what) when a closed-days rule forbids calls on this local date."""
    p = rule.params
    if WEEKDAYS[local_day.weekday()] in p.get("weekdays", ()):
        return "outside_window", f"no calls on {DAY_NAMES[local_day.weekday()]}"
    if local_day.isoformat() in p.get("dates", ()):
        return "holiday", f"{local_day:%d %b %Y} is a closed day"
    if p.get("holidays") or p.get("annual"):
        closed = holiday_rules.closed_dates(local_day.year, tuple(p.get("holidays", ())), tuple(p.get("annual", ())),
                                            bool(p.get("observed")), table or None)
        if local_day in closed:
            return "holiday", f"{local_day:%a %d %b} is {closed[local_day]}"
    return None


class _Evaluator:
    """Rules for one workspace at one instant, with the facts of many numbers loaded in bulk."""

    def __init__(self, workspace: Workspace, at: datetime):
        self.workspace = workspace
        self.at = at
        self.ruleset, _ = workspace_rule_set(workspace)
        self.version = self.ruleset.version
        self._applicable: dict[tuple[str, frozenset[str]], list[Rule]] = {}

    def applicable(self, campaign_type: str, jurisdiction: Jurisdiction) -> list[Rule]:
        key = (campaign_type, jurisdiction.codes)
        rules = self._applicable.get(key)
        if rules is None:
            on = self.at.astimezone(UTC).date()
            rules = [r for r in self.ruleset.rules if r.applies(campaign_type, jurisdiction.codes, on)]
            self._applicable[key] = rules
        return rules

    # -- time rules --

    def timed_reasons(self, rules: list[Rule], jurisdiction: Jurisdiction, t: datetime, calls: list[datetime],
                      campaign_type: str) -> list[Reason]:
        reasons: list[Reason] = []
        for rule in rules:
            if rule.kind not in ("window", "closed_days", "frequency_cap"):
                continue
            zones = [_zone(z) for z in jurisdiction.zones_for(rule.jurisdiction)]
            where = _jurisdiction_label(rule.jurisdiction, jurisdiction)
            if rule.kind == "window":
                start, end = rule.window
                days = _window_days(rule)
                outside = [tz for tz in zones if not _inside(start, end, t.astimezone(tz), days)]
                if outside:
                    opens = _window_opening(start, end, zones, t, days)
                    local = t.astimezone(outside[0])
                    whose = "the workspace's calling hours" if rule.jurisdiction == "*" else \
                        f"{where} calling hours for {campaign_type} calls"
                    when = f"calling opens {opens.astimezone(outside[0]):%a %H:%M} {outside[0].key}" if opens \
                        else "its time zones never share a window"
                    if opens and len(zones) > 1:
                        when += f" (the window must be open in each of {', '.join(z.key for z in zones)})"
                    reasons.append(Reason(
                        "outside_window",
                        f"Outside {whose} ({rule.params['start']}–{rule.params['end']} local"
                        f"{' on ' + _day_list(days) if days else ''}"
                        f"{'' if rule.origin == 'settings' else ', ' + rule.source}): it is {local:%a %H:%M} in "
                        f"{outside[0].key}; {when}.",
                        rule.id, rule.source, rule.jurisdiction, opens_at=opens))
            elif rule.kind == "closed_days":
                for tz in zones:
                    local_day = t.astimezone(tz).date()
                    closed = _closed_reason(rule, local_day, self.ruleset.holidays)
                    if closed is None:
                        continue
                    day = local_day
                    for _ in range(14):  # the next local day this rule leaves open
                        day += timedelta(days=1)
                        if _closed_reason(rule, day, self.ruleset.holidays) is None:
                            break
                    opens = datetime.combine(day, time(0, 0), tzinfo=tz)
                    code, what = closed
                    label = "Holiday" if code == "holiday" else "Closed day"
                    reasons.append(Reason(
                        code, f"{label} in {where} for {campaign_type} calls ({rule.source}): {what} in {tz.key}; "
                              f"calls may resume {opens:%a %d %b}.",
                        rule.id, rule.source, rule.jurisdiction, opens_at=opens))
                    break
            elif rule.kind == "frequency_cap":
                span = timedelta(hours=rule.params["hours"])
                recent = sorted(c for c in calls if t - span < c <= t)
                cap = rule.params["max_calls"]
                if len(recent) >= cap:
                    nxt = recent[len(recent) - cap] + span
                    reasons.append(Reason(
                        "frequency_cap",
                        f"{len(recent)} calls to this person on this subject in the last {rule.params['hours']} h: "
                        f"{where} allows {cap} ({rule.source}); next call allowed "
                        f"{nxt.astimezone(zones[0]):%a %H:%M} {zones[0].key}.",
                        rule.id, rule.source, rule.jurisdiction, next_allowed_at=nxt))
        return reasons

    def next_allowed(self, rules, jurisdiction, calls, campaign_type, first: list[Reason]) -> datetime | None:
        t, reasons = self.at, first
        for _ in range(MAX_STEPS):
            if not reasons:
                return t
            jumps = [r.opens_at or r.next_allowed_at for r in reasons]
            if any(j is None for j in jumps):
                return None
            t = max(max(jumps), t + timedelta(seconds=1))
            reasons = self.timed_reasons(rules, jurisdiction, t, calls, campaign_type)
        return None


def _campaign_facts(campaign: Any) -> tuple[str, str]:
    if campaign is None:
        return TELEMARKETING, ""  # Call now without a campaign: the stricter type
    return campaign.type or TELEMARKETING, subject_key(campaign.subject)


@dataclass
class _PlacedCalls:
    """Outbound calls placed in the cap window, by contact and by number, each per subject."""

    by_contact: dict[tuple[int, str], list[datetime]] = field(default_factory=dict)
    by_phone: dict[tuple[str, str], list[tuple[int | None, datetime]]] = field(default_factory=dict)

    def of(self, target: Target, subject: str) -> list[datetime]:
        """The calls that count for the target's person: every call to its contact, whichever number it dialled
        (a contact's number can change and merges move calls), and the number's calls logged without a contact.
        A bare number (no contact) counts every call to it."""
        to_number = self.by_phone.get((target.phone, subject), [])
        if target.contact_id is None:
            return [when for _, when in to_number]
        return self.by_contact.get((target.contact_id, subject), []) + [w for cid, w in to_number if cid is None]


def _recent_calls(workspace: Workspace, targets: Sequence[Target], since: datetime, at: datetime) -> _PlacedCalls:
    """Outbound calls placed (claimed or logged, not queued or canceled) in (since, at], per person and subject."""
    from contacts.campaigns.models import Call, CallDirection, CallStatus

    contact_ids = list(dict.fromkeys(t.contact_id for t in targets if t.contact_id is not None))
    phones = list(dict.fromkeys(t.phone for t in targets))
    placed = (Call.objects.filter(workspace=workspace, direction=CallDirection.OUTBOUND)
              .exclude(status__in=(CallStatus.QUEUED, CallStatus.CANCELED))
              .filter(Q(claimed_at__gt=since, claimed_at__lte=at)
                      | Q(claimed_at__isnull=True, created_at__gt=since, created_at__lte=at)))
    found = _PlacedCalls()
    fields = ("contact_id", "phone", "campaign__subject", "claimed_at", "created_at")
    for start in range(0, len(contact_ids), 2000):
        for contact_id, _, subject, claimed_at, created_at in placed.filter(
                contact_id__in=contact_ids[start:start + 2000]).values_list(*fields):
            found.by_contact.setdefault((contact_id, subject_key(subject or "")), []).append(claimed_at or created_at)
    for start in range(0, len(phones), 2000):
        for contact_id, phone, subject, claimed_at, created_at in placed.filter(
                phone__in=phones[start:start + 2000]).values_list(*fields):
            found.by_phone.setdefault((phone, subject_key(subject or "")), []).append(
                (contact_id, claimed_at or created_at))
    return found


def _fact_reason(rule: Rule, target: Target, campaign_type: str, consent: ConsentState, listed: set[str],
                 on_registry: set[str]) -> Reason | None:
    """The reason a DNC, registry, consent or revocation rule refuses this number, or None."""
    src = (rule.id, rule.source, rule.jurisdiction)
    if rule.kind == "internal_dnc" and (target.phone in listed or target.contact_dnc):
        return Reason("dnc_internal", "The number is on the workspace's Do-Not-Call list.", *src)
    if rule.kind == "registry" and target.phone in on_registry:
        return Reason("dnc_registry", f"The number is on a Do-Not-Call registry file; {campaign_type} calls to it "
                                      f"are refused ({rule.source}).", *src)
    if rule.kind == "consent" and not consent.active(rule.params["requires"]):
        needed = rule.params["requires"].replace("_", " ")
        if consent.revoked:
            return Reason("consent_revoked", f"Consent was revoked on {consent.revoked_at:%d %b %Y %H:%M} UTC and not "
                                             f"given again; {campaign_type} calls need active {needed} consent "
                                             f"({rule.source}).", *src)
        return Reason("no_consent", f"No active {needed} consent is recorded for this number; {campaign_type} calls "
                                    f"by AI voice need it ({rule.source}).", *src)
    if rule.kind == "revocation" and consent.revoked:
        return Reason("consent_revoked", f"Consent was revoked on {consent.revoked_at:%d %b %Y %H:%M} UTC; the number "
                                         f"is not called until consent is given again ({rule.source}).", *src)
    return None


def decide_many(*, workspace: Workspace, targets: Sequence[Target], at: datetime | None = None,
                listed: set[str] | None = None, consents: dict[str, ConsentState] | None = None) -> list[Decision]:
    """Decide for many numbers at one instant: a handful of bulk queries, then pure rule evaluation.

    A caller that already read the targets' DNC entries (`listed`) or consent states at `at` (`consents`) passes
    them so they are not read twice (the contact page shows both)."""
    at = at or timezone.now()
    evaluator = _Evaluator(workspace, at)
    fallback = workspace.timezone or "UTC"
    prepared = []
    needs = set()
    for target in targets:
        campaign_type, subject = _campaign_facts(target.campaign)
        jurisdiction = jurisdiction_for(target.phone, metadata=target.metadata, fallback_zone=fallback)
        rules = evaluator.applicable(campaign_type, jurisdiction)
        needs.update(r.kind for r in rules)
        prepared.append((target, campaign_type, subject, jurisdiction, rules))
    phones = list(dict.fromkeys(t.phone for t in targets))
    if listed is None:
        listed = dnc_numbers_among(workspace, phones) if "internal_dnc" in needs else set()
    registry_phones = [p[0].phone for p in prepared if any(r.kind == "registry" for r in p[4])]
    on_registry = registry_numbers_among(workspace, registry_phones) if registry_phones else set()
    if consents is None:
        consents = consent_states_among(workspace, phones, at) if needs & {"consent", "revocation"} else {}
    cap_hours = [r.params["hours"] for r in evaluator.ruleset.rules if r.kind == "frequency_cap"]
    capped = [p[0] for p in prepared if any(r.kind == "frequency_cap" for r in p[4])]
    calls = (_recent_calls(workspace, capped, at - timedelta(hours=max(cap_hours)), at)
             if capped and cap_hours else _PlacedCalls())

    decisions = []
    for target, campaign_type, subject, jurisdiction, rules in prepared:
        found: dict[str, Reason] = {}  # one reason per code for the fact-based rules
        consent = consents.get(target.phone, ConsentState())
        for rule in rules:
            reason = _fact_reason(rule, target, campaign_type, consent, listed, on_registry)
            if reason is not None and reason.code not in found:
                found[reason.code] = reason
        reasons = list(found.values())
        recent = calls.of(target, subject)
        timed = evaluator.timed_reasons(rules, jurisdiction, at, recent, campaign_type)
        reasons += timed
        nxt = evaluator.next_allowed(rules, jurisdiction, recent, campaign_type, timed)
        decisions.append(Decision(
            phone=target.phone, at=at, allowed=not reasons, reasons=reasons, rules_version=evaluator.version,
            campaign_type=campaign_type, subject=subject, jurisdiction=jurisdiction, next_allowed_at=nxt,
            rules_applied=[r.id for r in rules],
        ))
    return decisions


def decide(*, workspace: Workspace, phone: str, campaign: Any = None, contact: Any = None,
           at: datetime | None = None) -> Decision:
    """Whether `phone` may be called for `campaign` (None: Call now, treated as telemarketing) at `at`."""
    target = Target(phone=phone, metadata=getattr(contact, "metadata", None), campaign=campaign,
                    contact_dnc=bool(contact is not None and contact.is_dnc and contact.phone == phone),
                    contact_id=getattr(contact, "pk", None))
    return decide_many(workspace=workspace, targets=[target], at=at)[0]
