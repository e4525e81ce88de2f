"""The four paths that ask the decision agree on one table of cases, for both campaign types:
`POST /v1/compliance/check`, Call now (`POST /v1/contacts/{id}/call`), campaign start and `POST /v1/calls/claim`.

- check refuses a case  <=>  Call now answers 409 (with the same reason codes)  <=>  the claim does not hand it out;
- start leaves out exactly the cases refused for good (DNC, registry, consent); the claim cancels none of what start
  queued and keeps the cases refused for now (hours, holidays, caps) waiting until the decision's next allowed time.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from contacts import services
from contacts.compliance import manage
from contacts.compliance.consents import consent_revoke
from contacts.models import Call, Contact
from tests.factories import give_consent, make_contact
from tests.test_dialer import Api, Clock

pytestmark = pytest.mark.django_db

# Thursday 12 March 2026 00:30 UTC: 20:30 in Miami (Florida's telemarketing window closed, the federal one open),
# 19:30 in Oklahoma City, 17:30 in Los Angeles, 00:30 in London (the workspace's 08:00-21:00 closed).
# Connecticut (09:00-20:00), Maryland (08:00-20:00) and Rhode Island (09:00-18:00 on weekdays) are closed too;
# Texas (09:00-21:00 on a weekday), Washington (08:00-20:00) and New Mexico (09:00-21:00) are open.
EVENING = datetime(2026, 3, 12, 0, 30, tzinfo=UTC)
LONG_AGO = EVENING - timedelta(days=60)
W, E = "express_written", "express"

# (case, phone, contact metadata, consent given, revoked after it, on a registry file, on the DNC list,
#  calls on the subject in the last 24 h, expected codes for telemarketing, expected codes for informational)
CASES = [
    ("new york, written consent", "+12125550101", {}, W, False, False, False, 0, [], []),
    ("new york, express only", "+12125550102", {}, E, False, False, False, 0, ["no_consent"], []),
    ("new york, no consent", "+12125550103", {}, None, False, False, False, 0, ["no_consent"], ["no_consent"]),
    ("new york, revoked", "+12125550104", {}, W, True, False, False, 0, ["consent_revoked"], ["consent_revoked"]),
    ("new york, on a registry file", "+12125550105", {}, W, False, True, False, 0, ["dnc_registry"], []),
    ("new york, on the DNC list", "+12125550106", {}, W, False, False, True, 0, ["dnc_internal"],
     ["dnc_internal"]),
    ("florida after 20:00", "+13055550107", {}, W, False, False, False, 0, ["outside_window"], []),
    ("california number, contact in Florida", "+14155550108", {"State": "Florida"}, W, False, False, False, 0,
     ["outside_window"], []),
    ("oklahoma, 3 calls on the subject", "+14055550109", {}, W, False, False, False, 3, ["frequency_cap"], []),
    ("oklahoma, 2 calls on the subject", "+14055550110", {}, W, False, False, False, 2, [], []),
    ("connecticut after 20:00", "+12035550114", {}, W, False, False, False, 0, ["outside_window"], []),
    ("maryland after 20:00, 3 calls on the subject", "+14105550115", {}, W, False, False, False, 3,
     ["frequency_cap", "outside_window"], []),
    ("rhode island after 18:00", "+14015550116", {}, W, False, False, False, 0, ["outside_window"], []),
    ("texas at 19:30", "+12145550117", {}, W, False, False, False, 0, [], []),
    ("washington at 17:30", "+12065550118", {}, W, False, False, False, 0, [], []),
    ("new mexico at 18:30", "+15055550119", {}, W, False, False, False, 0, [], []),
    ("toll-free, no consent", "+18005550111", {}, None, False, False, False, 0, ["no_consent"], ["no_consent"]),
    ("area code without a state, no consent", "+15645550112", {}, None, False, False, False, 0, ["no_consent"],
     ["no_consent"]),
    ("canada, no consent", "+16135550113", {}, None, False, False, False, 0, [], []),
    ("uk at night", "+447911123456", {}, None, False, False, False, 0, ["outside_window"], ["outside_window"]),
    ("uk at night, revoked", "+447911123457", {}, None, True, False, False, 0, ["consent_revoked", "outside_window"],
     ["consent_revoked", "outside_window"]),
]
PERMANENT = {"dnc_internal", "dnc_registry", "no_consent", "consent_revoked"}


@pytest.fixture
def api(client, workspace, monkeypatch):
    Clock(monkeypatch, EVENING)
    _, raw = services.api_key_create(workspace=workspace, name="paths")
    return Api(client, raw)


def seed(workspace) -> dict[str, Contact]:
    contacts, registry_lines = {}, []
    history = services.campaign_create(workspace=workspace, name="Earlier dialer", subject="Solar")
    for case, phone, metadata, consent, revoked, listed, dnc, recent, *_ in CASES:
        contact = make_contact(workspace, phone, consent=None, metadata=metadata, first_name=case[:30])
        if consent:
            give_consent(workspace, phone, consent, LONG_AGO)
        if revoked:
            consent_revoke(workspace=workspace, phone=phone, channel="api", stored=True,
                           revoked_at=EVENING - timedelta(days=1), now=EVENING)
        if listed:
            registry_lines.append(phone[2:])
        for hour in range(recent):  # another campaign with the same subject: the cap counts per subject
            services.call_log(workspace=workspace, contact=contact, campaign=history,
                              created_at=EVENING - timedelta(hours=2 * hour + 1))
        if dnc:
            services.contact_mark_dnc(contact=contact, reason="asked")
        contacts[case] = contact
    manage.registry_import(workspace=workspace, lines=registry_lines, name="national", downloaded_on=date(2026, 3, 1))
    return contacts


@pytest.mark.parametrize("kind", ["telemarketing", "informational"])
def test_check_call_now_start_and_claim_refuse_exactly_the_same_cases(api, workspace, kind):
    contacts = seed(workspace)
    campaign = api.send("post", "/v1/campaigns", {"name": "Paths", "type": kind, "subject": " solar "}).json()["data"]
    expected = {case: codes for case, *_, tele, info in CASES for codes in [tele if kind == "telemarketing" else info]}

    # 1. the what-if check: every reason, as the table says
    checked = {}
    for case, contact in contacts.items():
        body = api.send("post", "/v1/compliance/check", {"phone": contact.phone, "campaign_id": campaign["id"],
                                                         "at": EVENING.isoformat()}).json()["data"]
        checked[case] = sorted(r["code"] for r in body["reasons"])
        assert checked[case] == sorted(expected[case]), (case, body["reasons"])
        assert body["allowed"] is (not expected[case])
    refused = {case for case, codes in checked.items() if codes}
    refused_for_good = {case for case, codes in checked.items() if set(codes) & PERMANENT}

    # 2. Call now: 409 with the same reasons exactly when the check refuses
    for case, contact in contacts.items():
        response = api.send("post", f"/v1/contacts/{contact.public_id}/call", {"campaign_id": campaign["id"]})
        if case in refused:
            assert response.status_code == 409, (case, response.content)
            reasons = response.json()["error"]["details"]["reasons"]
            assert sorted(r["code"] for r in reasons) == checked[case], case
        else:
            assert response.status_code == 201, (case, response.content)
    Call.objects.filter(workspace=workspace, status="queued").delete()  # one open call per contact: clear the way

    # 3. campaign start queues everyone but those refused for good
    members = [c.public_id for c in contacts.values()]
    assert api.send("post", f"/v1/campaigns/{campaign['id']}/contacts", {"contact_ids": members}).status_code < 300
    # the DNC contact is not a member (DNC contacts are never added); everyone else is
    started = api.send("post", f"/v1/campaigns/{campaign['id']}/start")
    assert started.status_code == 200, started.content
    queued = {c.first_name for c in Contact.objects.filter(calls__campaign__public_id=campaign["id"])}
    by_name = {contact.first_name: case for case, contact in contacts.items()}
    assert {by_name[n] for n in queued} == set(contacts) - refused_for_good

    # 4. the claim hands out exactly the allowed cases and keeps the rest waiting for their opening
    claimed = api.send("post", "/v1/calls/claim", {"limit": 50, "campaign_id": campaign["id"]}).json()["data"]
    assert {by_name[c["contact"]["first_name"]] for c in claimed} == set(contacts) - refused
    assert all(c["decision"]["allowed"] for c in claimed)
    calls = Call.objects.filter(campaign__public_id=campaign["id"]).select_related("contact")
    assert not [c for c in calls if c.status == "canceled"]  # start already left out what is refused for good
    waiting = {by_name[c.contact.first_name]: c for c in calls if c.status == "queued"}
    assert set(waiting) == refused - refused_for_good
    for case, call in waiting.items():
        opening = api.send("post", "/v1/compliance/check", {"phone": call.phone, "campaign_id": campaign["id"],
                                                             "at": EVENING.isoformat()}).json()["data"]
        assert call.not_before is not None and call.not_before > EVENING, case
        if opening["next_allowed_at"]:
            assert call.not_before.strftime("%Y-%m-%dT%H:%M:%SZ") == opening["next_allowed_at"], case
