"""Each shipped calling rule, table-driven through the one decision function (SQLite and PostgreSQL alike)."""
from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from contacts import services
from contacts.compliance import decision as decision_module
from contacts.compliance import holidays, registry, ruleset
from contacts.compliance.consents import consent_record, consent_revoke
from contacts.compliance.decision import decide
from contacts.models import RegistrySource
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

ET, CT, MT, PT = (ZoneInfo(z) for z in ("America/New_York", "America/Chicago", "America/Denver",
                                        "America/Los_Angeles"))
LONG_AGO = datetime(2025, 6, 1, 12, tzinfo=ZoneInfo("UTC"))
FL, OK, AL, LA, MS, UT, CA = "+13055550100", "+14055550100", "+12055550100", "+15045550100", "+16015550100", \
    "+18015550100", "+14155550100"
CT_, MD, MA, WA, NM, TX, RI = "+12035550100", "+14105550100", "+16175550100", "+12065550100", "+15055550100", \
    "+12145550100", "+14015550100"  # CT_: CT is the Central time zone here


def at(zone: ZoneInfo, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def give_consent(workspace, phone, kind="express_written", when=LONG_AGO):
    return consent_record(workspace=workspace, phone=phone, kind=kind, source="web_form", captured_at=when,
                          proof_url="https://example.com/form", proof_text="I agree to be called", stored=True,
                          now=when + timedelta(minutes=1))


def campaign(workspace, type_="telemarketing", subject="solar"):
    return services.campaign_create(workspace=workspace, name=f"{type_} {subject}", type=type_, subject=subject)


def log_calls(workspace, contact, camp, times):
    for when in times:
        services.call_log(workspace=workspace, contact=contact, campaign=camp, created_at=when)


# (case, phone, contact metadata, campaign type, local instant, expected allowed, expected reason codes, rule ids)
TIME_CASES = [
    ("florida 19:59 allowed", FL, {}, "telemarketing", at(ET, "2026-03-11T19:59"), True, [], []),
    ("florida 20:00 refused", FL, {}, "telemarketing", at(ET, "2026-03-11T20:00"), False, ["outside_window"],
     ["fl-window"]),
    ("florida 07:59 refused", FL, {}, "telemarketing", at(ET, "2026-03-11T07:59"), False, ["outside_window"] * 3,
     ["fl-window", "us-tcpa-window", "workspace-calling-hours"]),
    ("florida 20:30 informational allowed", FL, {}, "informational", at(ET, "2026-03-11T20:30"), True, [], []),
    ("oklahoma 20:00 refused", OK, {}, "telemarketing", at(CT, "2026-03-11T20:00"), False, ["outside_window"],
     ["ok-window"]),
    ("federal 21:00 refused in California", CA, {}, "telemarketing", at(PT, "2026-03-11T21:00"), False,
     ["outside_window", "outside_window"], ["us-tcpa-window", "workspace-calling-hours"]),
    ("california 20:30 allowed", CA, {}, "telemarketing", at(PT, "2026-03-11T20:30"), True, [], []),
    ("contact's own state Florida wins over a California area code", CA, {"State": "Florida"}, "telemarketing",
     at(PT, "2026-03-11T17:30"), False, ["outside_window"], ["fl-window"]),
    ("alabama sunday refused", AL, {}, "telemarketing", at(CT, "2026-03-15T12:00"), False, ["outside_window"],
     ["al-sunday-holidays"]),
    ("alabama sunday informational allowed", AL, {}, "informational", at(CT, "2026-03-15T12:00"), True, [], []),
    ("alabama thanksgiving refused", AL, {}, "telemarketing", at(CT, "2026-11-26T12:00"), False, ["holiday"],
     ["al-sunday-holidays"]),
    ("alabama friday before a saturday 4 july refused", AL, {}, "telemarketing", at(CT, "2026-07-03T12:00"), False,
     ["holiday"], ["al-sunday-holidays"]),
    ("alabama 20:00 refused", AL, {}, "telemarketing", at(CT, "2026-03-11T20:00"), False, ["outside_window"],
     ["al-window"]),
    ("louisiana sunday refused", LA, {}, "telemarketing", at(CT, "2026-03-15T12:00"), False, ["outside_window"],
     ["la-sunday-holidays"]),
    ("louisiana labor day refused", LA, {}, "telemarketing", at(CT, "2026-09-07T12:00"), False, ["holiday"],
     ["la-sunday-holidays"]),
    ("mississippi sunday refused", MS, {}, "telemarketing", at(CT, "2026-03-15T12:00"), False, ["outside_window"],
     ["ms-sunday"]),
    ("mississippi christmas allowed (holiday rule repealed)", MS, {}, "telemarketing", at(CT, "2026-12-25T12:00"),
     True, [], []),
    ("utah pioneer day refused", UT, {}, "telemarketing", at(MT, "2026-07-24T12:00"), False, ["holiday"],
     ["ut-sunday-holidays"]),
    ("utah weekday allowed", UT, {}, "telemarketing", at(MT, "2026-07-23T12:00"), True, [], []),
    ("uk number keeps the workspace window", "+447911123456", {}, "telemarketing",
     at(ZoneInfo("Europe/London"), "2026-03-11T20:30"), True, [], []),
    ("uk number 21:30 refused", "+447911123456", {}, "telemarketing", at(ZoneInfo("Europe/London"),
                                                                         "2026-03-11T21:30"),
     False, ["outside_window"], ["workspace-calling-hours"]),
]


# The states added in 2026.11.3, a time just inside and just outside each window (Wed 11, Sat 14, Sun 15 March 2026)
STATE_CASES = [
    ("connecticut 08:59 refused", CT_, {}, "telemarketing", at(ET, "2026-03-11T08:59"), False, ["outside_window"],
     ["ct-window"]),
    ("connecticut 09:00 allowed", CT_, {}, "telemarketing", at(ET, "2026-03-11T09:00"), True, [], []),
    ("connecticut 19:59 allowed", CT_, {}, "telemarketing", at(ET, "2026-03-11T19:59"), True, [], []),
    ("connecticut 20:00 refused", CT_, {}, "telemarketing", at(ET, "2026-03-11T20:00"), False, ["outside_window"],
     ["ct-window"]),
    ("connecticut 08:30 informational allowed", CT_, {}, "informational", at(ET, "2026-03-11T08:30"), True, [], []),
    ("maryland 19:59 allowed", MD, {}, "telemarketing", at(ET, "2026-03-11T19:59"), True, [], []),
    ("maryland 20:00 refused", MD, {}, "telemarketing", at(ET, "2026-03-11T20:00"), False, ["outside_window"],
     ["md-window"]),
    ("massachusetts 19:59 allowed", MA, {}, "telemarketing", at(ET, "2026-03-11T19:59"), True, [], []),
    ("massachusetts 20:00 refused", MA, {}, "telemarketing", at(ET, "2026-03-11T20:00"), False, ["outside_window"],
     ["ma-window"]),
    ("washington 19:59 allowed", WA, {}, "telemarketing", at(PT, "2026-03-11T19:59"), True, [], []),
    ("washington 20:00 refused", WA, {}, "telemarketing", at(PT, "2026-03-11T20:00"), False, ["outside_window"],
     ["wa-window"]),
    ("new mexico 08:59 refused", NM, {}, "telemarketing", at(MT, "2026-03-11T08:59"), False, ["outside_window"],
     ["nm-window"]),
    ("new mexico 09:00 allowed", NM, {}, "telemarketing", at(MT, "2026-03-11T09:00"), True, [], []),
    ("new mexico 20:59 allowed", NM, {}, "telemarketing", at(MT, "2026-03-11T20:59"), True, [], []),
    ("new mexico 21:00 refused", NM, {}, "telemarketing", at(MT, "2026-03-11T21:00"), False, ["outside_window"] * 3,
     ["nm-window", "us-tcpa-window", "workspace-calling-hours"]),
    ("texas wednesday 08:59 refused", TX, {}, "telemarketing", at(CT, "2026-03-11T08:59"), False,
     ["outside_window"], ["tx-window"]),
    ("texas wednesday 09:00 allowed", TX, {}, "telemarketing", at(CT, "2026-03-11T09:00"), True, [], []),
    ("texas wednesday 20:59 allowed", TX, {}, "telemarketing", at(CT, "2026-03-11T20:59"), True, [], []),
    ("texas saturday 08:59 refused", TX, {}, "telemarketing", at(CT, "2026-03-14T08:59"), False, ["outside_window"],
     ["tx-window"]),
    ("texas saturday 09:00 allowed", TX, {}, "telemarketing", at(CT, "2026-03-14T09:00"), True, [], []),
    ("texas sunday 09:30 refused", TX, {}, "telemarketing", at(CT, "2026-03-15T09:30"), False, ["outside_window"],
     ["tx-sunday-window"]),
    ("texas sunday 11:59 refused", TX, {}, "telemarketing", at(CT, "2026-03-15T11:59"), False, ["outside_window"],
     ["tx-sunday-window"]),
    ("texas sunday 12:00 allowed", TX, {}, "telemarketing", at(CT, "2026-03-15T12:00"), True, [], []),
    ("texas sunday 20:59 allowed", TX, {}, "telemarketing", at(CT, "2026-03-15T20:59"), True, [], []),
    ("texas sunday 21:00 refused", TX, {}, "telemarketing", at(CT, "2026-03-15T21:00"), False,
     ["outside_window"] * 3, ["tx-sunday-window", "us-tcpa-window", "workspace-calling-hours"]),
    ("texas sunday 10:00 informational allowed", TX, {}, "informational", at(CT, "2026-03-15T10:00"), True, [], []),
    ("rhode island wednesday 08:59 refused", RI, {}, "telemarketing", at(ET, "2026-03-11T08:59"), False,
     ["outside_window"], ["ri-window-weekdays"]),
    ("rhode island wednesday 09:00 allowed", RI, {}, "telemarketing", at(ET, "2026-03-11T09:00"), True, [], []),
    ("rhode island wednesday 17:59 allowed", RI, {}, "telemarketing", at(ET, "2026-03-11T17:59"), True, [], []),
    ("rhode island friday 18:00 refused", RI, {}, "telemarketing", at(ET, "2026-03-13T18:00"), False,
     ["outside_window"], ["ri-window-weekdays"]),
    ("rhode island saturday 09:59 refused", RI, {}, "telemarketing", at(ET, "2026-03-14T09:59"), False,
     ["outside_window"], ["ri-window-saturday"]),
    ("rhode island saturday 10:00 allowed", RI, {}, "telemarketing", at(ET, "2026-03-14T10:00"), True, [], []),
    ("rhode island saturday 16:59 allowed", RI, {}, "telemarketing", at(ET, "2026-03-14T16:59"), True, [], []),
    ("rhode island saturday 17:00 refused", RI, {}, "telemarketing", at(ET, "2026-03-14T17:00"), False,
     ["outside_window"], ["ri-window-saturday"]),
    ("rhode island sunday refused", RI, {}, "telemarketing", at(ET, "2026-03-15T12:00"), False, ["outside_window"],
     ["ri-sunday-holidays"]),
    ("rhode island victory day refused", RI, {}, "telemarketing", at(ET, "2026-08-10T12:00"), False, ["holiday"],
     ["ri-sunday-holidays"]),
    ("rhode island washington's birthday refused", RI, {}, "telemarketing", at(ET, "2026-02-16T12:00"), False,
     ["holiday"], ["ri-sunday-holidays"]),
    ("rhode island day after victory day allowed", RI, {}, "telemarketing", at(ET, "2026-08-11T12:00"), True, [],
     []),
    ("rhode island sunday informational allowed", RI, {}, "informational", at(ET, "2026-03-15T12:00"), True, [], []),
    ("connecticut area code, contact in Texas, sunday 11:00 central refused", CT_, {"state": "TX"},
     "telemarketing", at(CT, "2026-03-15T11:00"), False, ["outside_window"], ["tx-sunday-window"]),
]
TIME_CASES += STATE_CASES


@pytest.mark.parametrize(("case", "phone", "metadata", "kind", "when", "allowed", "codes", "rules"), TIME_CASES,
                         ids=[c[0] for c in TIME_CASES])
def test_time_rules(workspace, case, phone, metadata, kind, when, allowed, codes, rules):
    contact = make_contact(workspace, phone=phone, metadata=metadata, consent=None)
    give_consent(workspace, phone)
    result = decide(workspace=workspace, phone=phone, campaign=campaign(workspace, kind), contact=contact, at=when)
    assert result.allowed is allowed, result.summary()
    assert sorted(result.codes) == sorted(codes), result.summary()
    assert sorted({r.rule for r in result.reasons}) == sorted(rules)
    if not allowed:
        assert result.next_allowed_at is not None and result.next_allowed_at > when
        # the next allowed instant really is allowed
        again = decide(workspace=workspace, phone=phone, campaign=campaign(workspace, kind, "x"), contact=contact,
                       at=result.next_allowed_at)
        assert again.allowed, again.summary()


def test_a_toll_free_number_is_called_when_every_us_zone_is_inside_the_window(workspace):
    """Toll-free numbers have no state: the federal window must be open from Hawaii to New York (not Guam)."""
    toll_free = "+18005550123"
    make_contact(workspace, phone=toll_free, consent=None)
    give_consent(workspace, toll_free)
    utc = ZoneInfo("UTC")
    early = decide(workspace=workspace, phone=toll_free, campaign=campaign(workspace), at=at(utc, "2026-03-11T15:00"))
    assert early.codes == ["outside_window", "outside_window"]  # 05:00 in Honolulu
    assert early.next_allowed_at == at(utc, "2026-03-11T18:00")  # 08:00 in Honolulu, 14:00 in New York
    assert decide(workspace=workspace, phone=toll_free, campaign=campaign(workspace, subject="x"),
                  at=early.next_allowed_at).allowed
    assert "Pacific/Guam" not in early.jurisdiction.zones and "America/Toronto" not in early.jurisdiction.zones


def test_outside_window_names_the_jurisdiction_and_the_opening(workspace):
    make_contact(workspace, phone=FL, consent=None)
    give_consent(workspace, FL)
    result = decide(workspace=workspace, phone=FL, campaign=campaign(workspace), at=at(ET, "2026-03-11T20:00"))
    reason = result.reasons[0].as_dict()
    assert reason["code"] == "outside_window" and reason["jurisdiction"] == "US-FL"
    assert "Florida" in reason["message"] and "Fla. Stat. § 501.616(6)(a)" in reason["message"]
    assert reason["opens_at"] == "2026-03-12T12:00:00Z"  # 08:00 EDT the next morning
    assert "Thu 08:00 America/New_York" in reason["message"]


@pytest.mark.parametrize(("phone", "zone", "rule"), [(FL, ET, "fl-frequency-cap"), (OK, CT, "ok-frequency-cap"),
                                                     (MD, ET, "md-frequency-cap")])
def test_fourth_call_in_24_hours_on_one_subject_is_refused(workspace, phone, zone, rule):
    contact = make_contact(workspace, phone=phone, consent=None)
    give_consent(workspace, phone)
    solar, roofs = campaign(workspace, subject="Solar"), campaign(workspace, subject="Roofs")
    now = at(zone, "2026-03-11T15:00")
    log_calls(workspace, contact, solar, [now - timedelta(hours=h) for h in (25, 20, 5)])
    assert decide(workspace=workspace, phone=phone, campaign=solar, at=now).allowed  # two in 24 h: third allowed
    log_calls(workspace, contact, solar, [now - timedelta(hours=1)])
    fourth = decide(workspace=workspace, phone=phone, campaign=solar, at=now)
    assert fourth.codes == ["frequency_cap"] and fourth.reasons[0].rule == rule
    assert fourth.reasons[0].next_allowed_at == now - timedelta(hours=20) + timedelta(hours=24)
    assert fourth.next_allowed_at == now + timedelta(hours=4)
    # the same subject under another campaign counts too; another subject does not
    assert decide(workspace=workspace, phone=phone, campaign=campaign(workspace, subject=" solar "),
                  at=now).codes == ["frequency_cap"]
    assert decide(workspace=workspace, phone=phone, campaign=roofs, at=now).allowed
    assert decide(workspace=workspace, phone=phone, campaign=campaign(workspace, "informational", "Solar"),
                  at=now).allowed  # caps bind telemarketing


@pytest.mark.parametrize(("when", "opens"), [
    (at(CT, "2026-03-15T09:30"), at(CT, "2026-03-15T12:00")),  # Sunday morning in Texas: noon the same day
    (at(CT, "2026-03-15T21:00"), at(CT, "2026-03-16T09:00")),  # Sunday night: 09:00 on Monday, not midnight
    (at(CT, "2026-03-14T21:30"), at(CT, "2026-03-15T12:00")),  # Saturday night: Sunday noon, not 09:00
])
def test_texas_per_day_windows_name_the_next_opening(workspace, when, opens):
    make_contact(workspace, phone=TX, consent=None)
    give_consent(workspace, TX)
    result = decide(workspace=workspace, phone=TX, campaign=campaign(workspace), at=when)
    assert not result.allowed and result.next_allowed_at == opens, result.summary()
    sunday = [r for r in result.reasons if r.rule == "tx-sunday-window"]
    if sunday:
        assert "on Sun" in sunday[0].message and "Tex. Bus. & Com. Code § 301.051" in sunday[0].message


@pytest.mark.parametrize(("when", "opens"), [
    (at(ET, "2026-03-13T18:00"), at(ET, "2026-03-14T10:00")),  # Friday evening: Saturday 10:00
    (at(ET, "2026-03-14T17:00"), at(ET, "2026-03-16T09:00")),  # Saturday evening: Monday 09:00 (no Sundays)
    (at(ET, "2026-08-07T18:30"), at(ET, "2026-08-08T10:00")),  # Friday before Victory Day: Saturday 10:00
    (at(ET, "2026-08-10T09:30"), at(ET, "2026-08-11T09:00")),  # Victory Day: Tuesday 09:00
])
def test_rhode_island_next_opening_skips_sundays_and_holidays(workspace, when, opens):
    make_contact(workspace, phone=RI, consent=None)
    give_consent(workspace, RI)
    result = decide(workspace=workspace, phone=RI, campaign=campaign(workspace), at=when)
    assert not result.allowed and result.next_allowed_at == opens, result.summary()


def test_calls_in_california_are_not_capped(workspace):
    contact = make_contact(workspace, phone=CA, consent=None)
    give_consent(workspace, CA)
    solar = campaign(workspace)
    now = at(PT, "2026-03-11T15:00")
    log_calls(workspace, contact, solar, [now - timedelta(hours=h) for h in (1, 2, 3, 4, 5)])
    assert decide(workspace=workspace, phone=CA, campaign=solar, at=now).allowed


CONSENT_CASES = [
    # (case, consents given [(kind, hours before)], revocations [hours before], campaign type, codes)
    ("no consent telemarketing", [], [], "telemarketing", ["no_consent"]),
    ("no consent informational", [], [], "informational", ["no_consent"]),
    ("express only: telemarketing refused", [("express", 48)], [], "telemarketing", ["no_consent"]),
    ("express only: informational allowed", [("express", 48)], [], "informational", []),
    ("written: both allowed", [("express_written", 48)], [], "telemarketing", []),
    ("written then revoked", [("express_written", 48)], [1], "telemarketing", ["consent_revoked"]),
    ("written then revoked, informational", [("express_written", 48)], [1], "informational", ["consent_revoked"]),
    ("revoked then given again", [("express_written", 1)], [24], "telemarketing", []),
    ("revoked then only express again", [("express", 1)], [24], "telemarketing", ["no_consent"]),
    ("revoked then only express again, informational", [("express", 1)], [24], "informational", []),
]


@pytest.mark.parametrize(("case", "given", "revoked", "kind", "codes"), CONSENT_CASES,
                         ids=[c[0] for c in CONSENT_CASES])
def test_consent_rules(workspace, case, given, revoked, kind, codes):
    now = at(ET, "2026-03-11T12:00")
    make_contact(workspace, phone=FL, consent=None)
    for consent_kind, hours in given:
        give_consent(workspace, FL, consent_kind, now - timedelta(hours=hours))
    for hours in revoked:
        consent_revoke(workspace=workspace, phone=FL, channel="api", revoked_at=now - timedelta(hours=hours),
                       stored=True, now=now)
    result = decide(workspace=workspace, phone=FL, campaign=campaign(workspace, kind), at=now)
    assert result.codes == codes, result.summary()


def test_revocation_takes_effect_at_once(workspace):
    make_contact(workspace, phone=FL, consent=None)
    give_consent(workspace, FL)
    camp = campaign(workspace)
    now = at(ET, "2026-03-11T12:00")
    assert decide(workspace=workspace, phone=FL, campaign=camp, at=now).allowed
    consent_revoke(workspace=workspace, phone=FL, channel="dashboard", revoked_at=now, stored=True, now=now)
    assert decide(workspace=workspace, phone=FL, campaign=camp, at=now).codes == ["consent_revoked"]
    # a revocation of a non-US number is honoured too (rule jurisdiction "*")
    consent_revoke(workspace=workspace, phone="+447911123456", channel="api", stored=True, now=now, revoked_at=now)
    uk = decide(workspace=workspace, phone="+447911123456", campaign=camp, at=now)
    assert uk.codes == ["consent_revoked"]


def test_registry_refuses_telemarketing_only(workspace):
    make_contact(workspace, phone=FL, consent=None)
    give_consent(workspace, FL)
    source = RegistrySource.objects.create(workspace=workspace, name="305", downloaded_on=date(2026, 3, 1))
    registry.store(source, registry.parse_lines(["3055550100", "3055550199"]))
    now = at(ET, "2026-03-11T12:00")
    assert decide(workspace=workspace, phone=FL, campaign=campaign(workspace), at=now).codes == ["dnc_registry"]
    assert decide(workspace=workspace, phone=FL, campaign=campaign(workspace, "informational"), at=now).allowed
    assert decide(workspace=workspace, phone="+13055550101", campaign=campaign(workspace, "informational"),
                  at=now).codes == ["no_consent"]


def test_internal_dnc_refuses_every_type(workspace):
    contact = make_contact(workspace, phone=FL, consent=None)
    give_consent(workspace, FL)
    services.contact_mark_dnc(contact=contact, reason="asked")
    now = at(ET, "2026-03-11T12:00")
    for kind in ("telemarketing", "informational"):
        assert decide(workspace=workspace, phone=FL, campaign=campaign(workspace, kind), at=now).codes == \
            ["dnc_internal"]


def test_every_reason_is_listed_not_only_the_first(workspace):
    contact = make_contact(workspace, phone=FL, consent=None)
    solar = campaign(workspace)
    now = at(ET, "2026-03-11T20:30")
    log_calls(workspace, contact, solar, [now - timedelta(hours=h) for h in (1, 2, 3)])
    services.contact_mark_dnc(contact=contact, reason="asked")
    source = RegistrySource.objects.create(workspace=workspace, name="305", downloaded_on=date(2026, 3, 1))
    registry.store(source, registry.parse_lines(["3055550100"]))
    result = decide(workspace=workspace, phone=FL, campaign=solar, contact=contact, at=now)
    assert sorted(result.codes) == ["dnc_internal", "dnc_registry", "frequency_cap", "no_consent", "outside_window"]
    assert result.permanent and not result.allowed


def test_the_contacts_state_applies_in_its_own_time_zone(workspace):
    # a New York area code, contact in Oklahoma: 19:30 in New York is 18:30 in Oklahoma (allowed), 20:30 ET refused
    phone = "+12125550100"
    contact = make_contact(workspace, phone=phone, metadata={"state": "OK"}, consent=None)
    give_consent(workspace, phone)
    camp = campaign(workspace)
    assert decide(workspace=workspace, phone=phone, campaign=camp, contact=contact,
                  at=at(ET, "2026-03-11T20:30")).allowed  # 19:30 in Oklahoma
    late = decide(workspace=workspace, phone=phone, campaign=camp, contact=contact, at=at(ET, "2026-03-11T21:30"))
    assert {r.rule for r in late.reasons} >= {"ok-window"}
    assert late.jurisdiction.states == ("NY", "OK")


# --- the rules file is data ------------------------------------------------------------------------------------

def _edited(monkeypatch, edit):
    document = json.loads(ruleset.RULES_FILE.read_text())
    document = copy.deepcopy(document)
    edit(document)
    monkeypatch.setattr(decision_module, "shipped_rules", lambda: ruleset.parse_rules(document))


def test_changing_a_rule_is_a_data_edit(workspace, monkeypatch):
    make_contact(workspace, phone=FL, consent=None)
    give_consent(workspace, FL)
    when = at(ET, "2026-03-11T19:30")
    assert decide(workspace=workspace, phone=FL, campaign=campaign(workspace), at=when).allowed

    def earlier(document):
        next(r for r in document["rules"] if r["id"] == "fl-window")["end"] = "19:00"
        document["version"] = "test.2"

    _edited(monkeypatch, earlier)
    result = decide(workspace=workspace, phone=FL, campaign=campaign(workspace), at=when)
    assert result.codes == ["outside_window"] and result.rules_version == "test.2"


def test_a_rule_applies_from_its_effective_date(workspace, monkeypatch):
    make_contact(workspace, phone=CA, consent=None)
    give_consent(workspace, CA)

    def future_rule(document):
        document["rules"].append({"id": "ca-test", "jurisdiction": "US-CA", "kind": "closed_days",
                                  "weekdays": ["wed"], "applies_to": ["telemarketing"], "source": "test",
                                  "effective": "2026-03-12"})

    _edited(monkeypatch, future_rule)
    assert decide(workspace=workspace, phone=CA, campaign=campaign(workspace), at=at(PT, "2026-03-11T12:00")).allowed
    assert decide(workspace=workspace, phone=CA, campaign=campaign(workspace),
                  at=at(PT, "2026-03-18T12:00")).codes == ["outside_window"]


def test_the_shipped_rules_file_is_valid_and_every_rule_names_its_source():
    rules = ruleset.shipped_rules()
    assert rules.version
    for rule in rules.rules:
        assert rule.source and rule.effective <= date.today()
    ids = {r.id for r in rules.rules}
    assert {"us-tcpa-window", "fl-window", "fl-frequency-cap", "ok-frequency-cap",
            "us-fcc-24-17-ai-voice-telemarketing", "us-revocation-any-reasonable-means"} <= ids


SHIPPED_JURISDICTIONS = {"*", "US", "US-FL", "US-OK", "US-AL", "US-LA", "US-MS", "US-UT",
                         "US-CT", "US-MD", "US-MA", "US-WA", "US-NM", "US-TX", "US-RI"}


def test_the_shipped_rules_cover_these_jurisdictions_and_name_sources_and_dates():
    rules = ruleset.shipped_rules()
    assert {r.jurisdiction for r in rules.rules} == SHIPPED_JURISDICTIONS
    document = json.loads(ruleset.RULES_FILE.read_text())
    for data in document["rules"]:
        assert len(data["source"]) >= 3 and date.fromisoformat(data["effective"]) and data["title"], data["id"]
    used = {key for r in rules.rules for key in r.params.get("holidays", ())}
    for holiday in rules.holidays:
        assert document["holidays"][holiday.key]["source"], holiday.key
    assert used <= {h.key for h in rules.holidays}
    # every state that closes on holidays has a holiday rule, and it is computed for any year
    for state in ("US-AL", "US-LA", "US-UT", "US-RI"):
        rule = next(r for r in rules.rules if r.jurisdiction == state and r.kind == "closed_days")
        for year in (2026, 2040):
            assert len(holidays.closed_dates(year, tuple(rule.params["holidays"]), (), True)) >= 10


@pytest.mark.parametrize(("year", "key", "expected"), [
    (2026, "mardi_gras", date(2026, 2, 17)), (2027, "mardi_gras", date(2027, 2, 9)),
    (2026, "good_friday", date(2026, 4, 3)), (2027, "good_friday", date(2027, 3, 26)),
    (2026, "confederate_memorial_day", date(2026, 4, 27)), (2027, "confederate_memorial_day", date(2027, 4, 26)),
    (2026, "jefferson_davis_birthday", date(2026, 6, 1)), (2027, "jefferson_davis_birthday", date(2027, 6, 7)),
    (2026, "pioneer_day", date(2026, 7, 24)), (2026, "juneteenth_utah", date(2026, 6, 19)),
    (2026, "victory_day", date(2026, 8, 10)), (2027, "victory_day", date(2027, 8, 9)),
])
def test_state_holidays_are_computed_per_year_from_the_rules_file(year, key, expected):
    assert holidays.holiday_dates(year)[key] == expected


def test_a_holiday_counts_only_from_its_first_year():
    assert "juneteenth_utah" not in holidays.holiday_dates(2021)
    assert "juneteenth" in holidays.holiday_dates(2021)


STATE_HOLIDAYS = [  # (case, phone, local noon, refused by holiday)
    ("louisiana mardi gras 2026", LA, at(CT, "2026-02-17T12:00"), True),
    ("louisiana mardi gras 2027", LA, at(CT, "2027-02-09T12:00"), True),
    ("louisiana day after mardi gras", LA, at(CT, "2027-02-10T12:00"), False),
    ("louisiana good friday 2027", LA, at(CT, "2027-03-26T12:00"), True),
    ("alabama confederate memorial day", AL, at(CT, "2026-04-27T12:00"), True),
    ("alabama jefferson davis' birthday 2027", AL, at(CT, "2027-06-07T12:00"), True),
    ("alabama columbus day", AL, at(CT, "2026-10-12T12:00"), True),
    ("alabama good friday is not its holiday", AL, at(CT, "2026-04-03T12:00"), False),
    ("utah juneteenth 2026", UT, at(MT, "2026-06-19T12:00"), True),
    ("florida mardi gras is a working day", FL, at(ET, "2026-02-17T12:00"), False),
]


@pytest.mark.parametrize(("case", "phone", "when", "refused"), STATE_HOLIDAYS, ids=[c[0] for c in STATE_HOLIDAYS])
def test_state_holidays_refuse_telemarketing(workspace, case, phone, when, refused):
    contact = make_contact(workspace, phone=phone, consent=None)
    give_consent(workspace, phone)
    result = decide(workspace=workspace, phone=phone, campaign=campaign(workspace), contact=contact, at=when)
    assert ("holiday" in result.codes) is refused, result.summary()
    if refused:
        assert result.next_allowed_at is not None and result.next_allowed_at.date() > when.date()
        assert decide(workspace=workspace, phone=phone, campaign=campaign(workspace, "informational"),
                      contact=contact, at=when).allowed


WORKSPACE_RULES = [  # (case, rule fields, accepted, words in the refusal)
    ("narrower florida window", {"jurisdiction": "US-FL", "kind": "window", "start": "09:00", "end": "17:00"},
     True, ""),
    ("wider florida window", {"jurisdiction": "US-FL", "kind": "window", "start": "07:00", "end": "20:00"},
     False, "fl-window"),
    ("wider federal window", {"jurisdiction": "US", "kind": "window", "start": "08:00", "end": "22:00"},
     False, "us-tcpa-window"),
    ("a state window under the federal one", {"jurisdiction": "US-CA", "kind": "window", "start": "08:00",
                                              "end": "21:30"}, False, "us-tcpa-window"),
    ("lower florida cap", {"jurisdiction": "US-FL", "kind": "frequency_cap", "max_calls": 2, "hours": 24},
     True, ""),
    ("higher florida cap", {"jurisdiction": "US-FL", "kind": "frequency_cap", "max_calls": 4, "hours": 24},
     False, "fl-frequency-cap"),
    ("shorter florida cap window", {"jurisdiction": "US-FL", "kind": "frequency_cap", "max_calls": 3, "hours": 12},
     False, "fl-frequency-cap"),
    ("a cap for every number", {"jurisdiction": "*", "kind": "frequency_cap", "max_calls": 5, "hours": 24},
     True, ""),
    ("weaker telemarketing consent", {"jurisdiction": "US", "kind": "consent", "requires": "express"},
     False, "weaker"),
    ("written consent for every number", {"jurisdiction": "*", "kind": "consent", "requires": "express_written"},
     True, ""),
    ("consent for one state", {"jurisdiction": "US-FL", "kind": "consent", "requires": "express_written"},
     False, "applies to every number (\"*\") or to the US"),
    ("revocation for one country", {"jurisdiction": "GB", "kind": "revocation"}, False, "not to GB"),
    ("mardi gras closed in florida", {"jurisdiction": "US-FL", "kind": "closed_days", "holidays": ["mardi_gras"]},
     True, ""),
    ("an undefined holiday", {"jurisdiction": "US-FL", "kind": "closed_days", "holidays": ["festivus"]},
     False, "'festivus' is not defined"),
    ("a registry is not a workspace rule", {"jurisdiction": "US", "kind": "registry", "max_age_days": 10},
     False, "cannot be a workspace rule"),
    ("an overnight window", {"jurisdiction": "US", "kind": "window", "start": "20:00", "end": "09:00"},
     False, "must open before it closes"),
    ("narrower texas weekday window", {"jurisdiction": "US-TX", "kind": "window", "start": "10:00", "end": "20:00",
                                       "weekdays": ["mon", "tue", "wed", "thu", "fri"]}, True, ""),
    ("earlier texas sunday window", {"jurisdiction": "US-TX", "kind": "window", "start": "10:00", "end": "20:00",
                                     "weekdays": ["sun"]}, False, "tx-sunday-window"),
    ("later rhode island saturday", {"jurisdiction": "US-RI", "kind": "window", "start": "10:00", "end": "18:00",
                                     "weekdays": ["sat"]}, False, "ri-window-saturday"),
    ("wider connecticut window", {"jurisdiction": "US-CT", "kind": "window", "start": "08:00", "end": "20:00"},
     False, "ct-window"),
    ("higher maryland cap", {"jurisdiction": "US-MD", "kind": "frequency_cap", "max_calls": 5, "hours": 24},
     False, "md-frequency-cap"),
]


@pytest.mark.parametrize(("case", "fields", "accepted", "words"), WORKSPACE_RULES, ids=[c[0] for c in WORKSPACE_RULES])
def test_workspace_rules_are_stricter_never_looser(case, fields, accepted, words):
    data = {"id": "ws-rule", "applies_to": ["telemarketing"], "source": "Counsel memo", "effective": "2026-01-01",
            **fields}
    if accepted:
        assert ruleset.parse_workspace_rule(data).id == "ws-rule"
    else:
        with pytest.raises(ruleset.RulesFileError) as error:
            ruleset.parse_workspace_rule(data)
        assert words in str(error.value)


def test_a_workspace_holiday_rule_refuses_on_that_day_each_year(workspace):
    from contacts.compliance import manage

    make_contact(workspace, phone=FL, consent=None)
    give_consent(workspace, FL)
    manage.workspace_rule_add(workspace=workspace, data={
        "id": "fl-mardi-gras", "jurisdiction": "US-FL", "kind": "closed_days", "holidays": ["mardi_gras"],
        "applies_to": ["telemarketing"], "source": "Counsel memo", "effective": "2026-01-01"})
    for when in (at(ET, "2026-02-17T12:00"), at(ET, "2027-02-09T12:00")):
        result = decide(workspace=workspace, phone=FL, campaign=campaign(workspace), at=when)
        assert result.codes == ["holiday"] and "Mardi Gras" in result.reasons[0].message
        assert result.reasons[0].rule == "fl-mardi-gras" and result.rules_version.startswith("2026.11.3+ws.")


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d["rules"][11].update(holidays=["festivus"]), "'festivus' is not defined"),
    (lambda d: d["holidays"].update(leap={"name": "Leap", "month": 2, "day": 30}), "holidays/leap"),
    (lambda d: d["holidays"].update(odd={"name": "Odd", "month": 2, "day": 3, "easter": 1}), "holidays/odd"),
    (lambda d: d["holidays"].update(fifth={"name": "Fifth", "month": 2, "weekday": "mon", "nth": 5}),
     "holidays/fifth"),
    (lambda d: d.pop("version"), "'version' is a required property"),
    (lambda d: d["rules"][1].update(start="8am"), "rules/1/start"),
    (lambda d: d["rules"][1].pop("source"), "'source' is a required property"),
    (lambda d: d["rules"][1].update(kind="curfew"), "rules/1/kind"),
    (lambda d: d["rules"][1].update(start="22:00"), "the window must open before it closes"),
    (lambda d: d["rules"].append(dict(d["rules"][1])), "rule ids must be unique: us-tcpa-window"),
    (lambda d: d["rules"][1].update(effective="2026-02-30"), "is not a date"),
])
def test_a_broken_rules_file_is_refused_with_a_clear_error(edit, message):
    document = json.loads(ruleset.RULES_FILE.read_text())
    edit(document)
    with pytest.raises(ruleset.RulesFileError, match="not valid") as error:
        ruleset.parse_rules(document)
    assert message in str(error.value)


# --- holidays ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("year", "expected"), [
    (2026, {"mlk_day": date(2026, 1, 19), "washingtons_birthday": date(2026, 2, 16),
            "memorial_day": date(2026, 5, 25), "labor_day": date(2026, 9, 7), "columbus_day": date(2026, 10, 12),
            "thanksgiving": date(2026, 11, 26)}),
    (2027, {"mlk_day": date(2027, 1, 18), "memorial_day": date(2027, 5, 31), "thanksgiving": date(2027, 11, 25)}),
])
def test_holiday_dates(year, expected):
    dates = holidays.holiday_dates(year)
    for name, day in expected.items():
        assert dates[name] == day


def test_observed_holidays():
    closed = holidays.closed_dates(2027, ("independence_day", "christmas_day"), (), True)
    assert date(2027, 7, 5) in closed and date(2027, 7, 4) in closed  # Sunday -> Monday
    assert date(2027, 12, 24) in closed  # Saturday -> Friday
    assert date(2021, 12, 31) in holidays.closed_dates(2021, ("new_years_day",), (), True)  # 1 Jan 2022 a Saturday
    assert date(2027, 7, 5) not in holidays.closed_dates(2027, ("independence_day",), (), False)


def test_a_broken_shipped_file_stops_the_start_naming_the_file(tmp_path, monkeypatch):
    from contacts.apps import ContactsConfig

    broken = tmp_path / "rules.json"
    broken.write_text(json.dumps({"version": "x", "rules": [{"id": "fl-window", "kind": "window"}]}))
    monkeypatch.setattr(ruleset, "RULES_FILE", broken)
    ruleset.shipped_rules.cache_clear()
    try:
        with pytest.raises(ruleset.RulesFileError) as error:
            ContactsConfig.ready(ContactsConfig("contacts", __import__("contacts")))
        assert str(broken) in str(error.value) and "'source' is a required property" in str(error.value)
        broken.write_text("{not json")
        ruleset.shipped_rules.cache_clear()
        with pytest.raises(ruleset.RulesFileError, match="Cannot read the calling rules file"):
            ruleset.shipped_rules()
    finally:
        monkeypatch.undo()
        ruleset.shipped_rules.cache_clear()
    assert ruleset.shipped_rules().version == "2026.11.3"
