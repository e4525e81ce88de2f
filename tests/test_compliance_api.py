"""Compliance through API v1: the what-if check, consents and revocation, campaign type and subject, history that
counts toward caps, and claim / Call now / start refusing exactly what the check refuses."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contacts import services
from contacts.compliance import registry
from contacts.models import Call, ConsentRevocation, RegistrySource
from tests.factories import give_consent, make_contact
from tests.test_dialer import Api, Clock

pytestmark = pytest.mark.django_db

# Wednesday 11 March 2026, 15:00 in Miami (EDT) = 19:00 UTC.
AFTERNOON_FL = datetime(2026, 3, 11, 19, 0, tzinfo=UTC)
FL = "+13055550100"


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, AFTERNOON_FL)


@pytest.fixture
def api(client, workspace, clock):
    _, raw = services.api_key_create(workspace=workspace, name="dialer")
    return Api(client, raw)


def check(api, phone, campaign_id=None, at=None) -> dict:
    body = {"phone": phone}
    if campaign_id:
        body["campaign_id"] = campaign_id
    if at:
        body["at"] = at
    response = api.send("post", "/v1/compliance/check", body)
    assert response.status_code == 200, response.content
    return response.json()["data"]


def new_campaign(api, **fields) -> dict:
    response = api.send("post", "/v1/campaigns", {"name": "Solar", **fields})
    assert response.status_code == 201, response.content
    return response.json()["data"]


def test_check_lists_every_reason_with_the_rules_version(api, workspace):
    contact = make_contact(workspace, FL, consent=None)
    services.contact_mark_dnc(contact=contact, reason="asked")
    campaign = new_campaign(api, type="telemarketing", subject="Solar panels")
    assert campaign["type"] == "telemarketing" and campaign["subject"] == "Solar panels"
    data = check(api, "(305) 555-0100", campaign["id"], at="2026-03-12T00:30:00Z")  # 20:30 in Miami
    assert data["allowed"] is False and data["rules_version"] == "2026.11.3"
    codes = {r["code"] for r in data["reasons"]}
    assert codes == {"dnc_internal", "no_consent", "outside_window"}
    window = next(r for r in data["reasons"] if r["code"] == "outside_window")
    assert window["jurisdiction"] == "US-FL" and window["opens_at"] == "2026-03-12T12:00:00Z"
    assert all(r["message"] for r in data["reasons"])
    assert data["jurisdiction"]["states"] == ["FL"] and data["contact_id"] == contact.public_id


def test_check_defaults_to_now_and_telemarketing(api, workspace):
    make_contact(workspace, FL)
    data = check(api, FL)
    assert data["allowed"] is True and data["reasons"] == [] and data["campaign_type"] == "telemarketing"
    assert data["at"] == "2026-03-11T19:00:00Z"


def test_check_refuses_bad_input_clearly(api):
    assert api.send("post", "/v1/compliance/check", {"phone": "nope"}).json()["error"]["code"] == "invalid_phone"
    unknown = api.send("post", "/v1/compliance/check", {"phone": FL, "campaign_id": "campaign_x"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "campaign_not_found"
    extra = api.send("post", "/v1/compliance/check", {"phone": FL, "when": "now"})
    assert extra.status_code == 422 and "when" in extra.json()["error"]["details"]


def test_consents_post_get_and_revoke(api, workspace):
    contact = make_contact(workspace, FL, consent=None)
    assert check(api, FL)["reasons"][0]["code"] == "no_consent"
    missing_proof = api.send("post", f"/v1/contacts/{contact.public_id}/consents",
                             {"kind": "express_written", "source": "web_form"})
    assert missing_proof.status_code == 422 and "proof" in missing_proof.json()["error"]["details"]
    future = api.send("post", f"/v1/contacts/{contact.public_id}/consents",
                      {"kind": "express_written", "source": "web_form", "proof_url": "https://example.com/f",
                       "captured_at": "2026-03-20T00:00:00Z"})
    assert future.status_code == 422 and "captured_at" in future.json()["error"]["details"]
    created = api.send("post", f"/v1/contacts/{contact.public_id}/consents", {
        "kind": "express_written", "source": "web_form", "proof_url": "https://example.com/solar-form",
        "proof_ip": "203.0.113.9", "proof_text": "I agree to receive calls by AI voice.",
        "captured_at": "2026-03-10T09:00:00Z"})
    assert created.status_code == 201 and created.json()["data"]["proof_ip"] == "203.0.113.9"
    assert check(api, FL)["allowed"] is True
    revoked = api.send("post", "/v1/consents/revoke", {"phone": "305-555-0100", "note": "Said stop by SMS"})
    assert revoked.status_code == 201 and revoked.json()["data"]["channel"] == "api"
    data = check(api, FL)  # at once, same instant
    assert data["allowed"] is False and [r["code"] for r in data["reasons"]] == ["consent_revoked"]
    ledger = api.get(f"/v1/contacts/{contact.public_id}/consents").json()
    assert [row["type"] for row in ledger["data"]] == ["revocation", "consent"]
    assert ledger["meta"]["revoked"] is True and ledger["meta"]["express_written"] is False


def test_campaign_patch_type_and_subject(api, workspace):
    campaign = new_campaign(api)
    assert campaign["type"] == "telemarketing" and campaign["subject"] == ""
    changed = api.send("patch", f"/v1/campaigns/{campaign['id']}", {"type": "informational", "subject": "Recall"})
    assert changed.status_code == 200 and changed.json()["data"]["type"] == "informational"
    bad = api.send("patch", f"/v1/campaigns/{campaign['id']}", {"type": "robocall"})
    assert bad.status_code == 422 and "type" in bad.json()["error"]["details"]


def test_logged_history_counts_toward_caps_and_is_never_in_the_future(api, workspace):
    contact = make_contact(workspace, FL)
    campaign = new_campaign(api, subject="Solar")
    for hours in (1, 2, 3):
        logged = api.send("post", "/v1/calls", {"contact_id": contact.public_id, "campaign_id": campaign["id"],
                                                "status": "no_answer",
                                                "created_at": (AFTERNOON_FL - timedelta(hours=hours)).isoformat()})
        assert logged.status_code == 201, logged.content
    data = check(api, FL, campaign["id"])
    assert [r["code"] for r in data["reasons"]] == ["frequency_cap"]
    assert data["reasons"][0]["next_allowed_at"] == "2026-03-12T16:00:00Z"
    future = api.send("post", "/v1/calls", {"contact_id": contact.public_id, "created_at": "2026-03-12T00:00:00Z"})
    assert future.status_code == 422 and "created_at" in future.json()["error"]["details"]
    assert Call.objects.count() == 3


def test_caps_count_per_person_across_the_numbers_they_had(api, workspace):
    """A contact's calls count toward the cap whichever number they went to; the old number's new owner starts
    afresh; calls logged to a number without a contact count for whoever has the number now."""
    contact = make_contact(workspace, "+13055550111")
    campaign = new_campaign(api, subject="Solar")
    for hours in (1, 2, 3):  # history from another dialer, to the contact's old number
        logged = api.send("post", "/v1/calls", {"contact_id": contact.public_id, "campaign_id": campaign["id"],
                                                "status": "completed",
                                                "created_at": (AFTERNOON_FL - timedelta(hours=hours)).isoformat()})
        assert logged.status_code == 201, logged.content
    moved = api.send("put", f"/v1/contacts/{contact.public_id}", {"phone": FL})
    assert moved.status_code == 200, moved.content
    give_consent(workspace, FL)  # consent is kept per number: the new number has its own
    data = check(api, FL, campaign["id"])  # the new number: the same person, still capped
    assert [r["code"] for r in data["reasons"]] == ["frequency_cap"], data
    assert data["reasons"][0]["rule"] == "fl-frequency-cap"
    refused = api.send("post", f"/v1/contacts/{contact.public_id}/call", {"campaign_id": campaign["id"]})
    assert refused.status_code == 409, refused.content
    assert [r["code"] for r in refused.json()["error"]["details"]["reasons"]] == ["frequency_cap"]
    # whoever now has the old number is another person: not capped by those calls
    newcomer = make_contact(workspace, "+13055550111")
    assert check(api, newcomer.phone, campaign["id"])["allowed"] is True
    # a claim hands out the newcomer's call but keeps the capped person's waiting until the oldest call is 24 h old
    camp = Call.objects.filter(contact=contact).first().campaign
    for person in (contact, newcomer):  # queued as a campaign start or a retry queues them
        Call.objects.create(workspace=workspace, contact=person, campaign=camp, phone=person.phone, status="queued")
    claimed = api.send("post", "/v1/calls/claim", {"limit": 10}).json()["data"]
    assert [c["contact"]["id"] for c in claimed] == [newcomer.public_id]
    waiting = Call.objects.get(contact=contact, status="queued")
    assert waiting.not_before == AFTERNOON_FL - timedelta(hours=3) + timedelta(hours=24)


def test_calls_to_a_number_without_a_contact_count_for_its_new_contact(workspace):
    from contacts.compliance.decision import decide

    campaign = services.campaign_create(workspace=workspace, name="S", subject="solar")
    for hours in (1, 2, 3):
        Call.objects.create(workspace=workspace, phone=FL, campaign=campaign, status="completed",
                            claimed_at=AFTERNOON_FL - timedelta(hours=hours))
    contact = make_contact(workspace, FL)
    verdict = decide(workspace=workspace, phone=FL, campaign=campaign, contact=contact, at=AFTERNOON_FL)
    assert verdict.codes == ["frequency_cap"]


def test_call_now_refuses_what_the_check_refuses(api, workspace):
    contact = make_contact(workspace, FL, consent=None)
    refused = api.send("post", f"/v1/contacts/{contact.public_id}/call")
    body = refused.json()["error"]
    assert refused.status_code == 409 and body["code"] == "call_not_allowed"
    assert [r["code"] for r in body["details"]["reasons"]] == [r["code"] for r in check(api, FL)["reasons"]]
    assert not Call.objects.exists()


def test_claim_stores_the_decision_and_the_rules_version(api, workspace):
    contact = make_contact(workspace, FL)
    campaign = new_campaign(api, subject="Solar")
    api.send("post", f"/v1/campaigns/{campaign['id']}/contacts", {"contact_ids": [contact.public_id]})
    assert api.send("post", f"/v1/campaigns/{campaign['id']}/start").json()["data"]["queued"] == 1
    claimed = api.send("post", "/v1/calls/claim", {"limit": 5}).json()["data"]
    assert len(claimed) == 1 and claimed[0]["rules_version"] == "2026.11.3"
    assert claimed[0]["decision"]["allowed"] is True and "fl-frequency-cap" in claimed[0]["decision"]["rules_applied"]
    call = Call.objects.get()
    assert call.decision["at"] == "2026-03-11T19:00:00Z" and call.rules_version == "2026.11.3"


def test_call_outcome_revoked_consent_revokes_at_once(api, workspace, clock):
    contact = make_contact(workspace, FL)
    call = api.send("post", f"/v1/contacts/{contact.public_id}/call").json()["data"]
    claimed = api.send("post", "/v1/calls/claim", {}).json()["data"]
    assert claimed[0]["id"] == call["id"]
    api.send("patch", f"/v1/calls/{call['id']}", {"status": "completed", "outcome": "revoked_consent"})
    revocation = ConsentRevocation.objects.get()
    assert revocation.channel == "call" and revocation.phone == FL and call["id"] in revocation.note
    assert [r["code"] for r in check(api, FL)["reasons"]] == ["consent_revoked"]
    clock.advance(days=1)
    again = api.send("post", f"/v1/contacts/{contact.public_id}/call")
    assert again.status_code == 409 and again.json()["error"]["code"] == "call_not_allowed"


def test_claim_cancels_a_registry_number_for_telemarketing_but_not_informational(api, workspace):
    listed, other = make_contact(workspace, FL), make_contact(workspace, "+13055550101")
    source = RegistrySource.objects.create(workspace=workspace, name="305", downloaded_on=AFTERNOON_FL.date())
    registry.store(source, registry.parse_lines(["3055550100"]))
    sales = new_campaign(api, type="telemarketing", subject="Solar")
    api.send("post", f"/v1/campaigns/{sales['id']}/contacts", {"contact_ids": [listed.public_id, other.public_id]})
    # start already leaves the registry number out (set-based), and claim would cancel it
    assert api.send("post", f"/v1/campaigns/{sales['id']}/start").json()["data"]["queued"] == 1
    Call.objects.create(workspace=workspace, contact=listed, campaign_id=Call.objects.get().campaign_id, phone=FL)
    claimed = api.send("post", "/v1/calls/claim", {"limit": 5}).json()["data"]
    assert [c["dial"] for c in claimed] == ["+13055550101"]
    canceled = Call.objects.get(phone=FL)
    assert canceled.status == "canceled" and canceled.outcome == "dnc_registry"
    assert canceled.decision["reasons"][0]["code"] == "dnc_registry"
    info = new_campaign(api, type="informational", subject="Recall")
    api.send("post", f"/v1/campaigns/{info['id']}/contacts", {"contact_ids": [listed.public_id]})
    assert api.send("post", f"/v1/campaigns/{info['id']}/start").json()["data"]["queued"] == 1


def test_claim_waits_for_floridas_opening_and_the_cap(api, workspace, clock):
    contact = make_contact(workspace, FL)
    campaign = new_campaign(api, subject="Solar")
    api.send("post", f"/v1/campaigns/{campaign['id']}/contacts", {"contact_ids": [contact.public_id]})
    clock.at = datetime(2026, 3, 12, 0, 30, tzinfo=UTC)  # 20:30 in Miami
    api.send("post", f"/v1/campaigns/{campaign['id']}/start")
    assert api.send("post", "/v1/calls/claim", {}).json()["data"] == []
    waiting = Call.objects.get()
    assert waiting.status == "queued" and waiting.not_before == datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
    clock.at = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
    assert len(api.send("post", "/v1/calls/claim", {}).json()["data"]) == 1


@pytest.mark.parametrize("kind", ["telemarketing", "informational"])
def test_campaign_start_queues_exactly_the_members_the_decision_does_not_refuse_for_good(workspace, kind):
    from contacts.campaigns import dialer
    from contacts.compliance import manage
    from contacts.compliance.consents import consent_revoke
    from contacts.compliance.decision import decide
    from contacts.models import Contact
    from tests.factories import give_consent

    at = AFTERNOON_FL
    cases = {  # phone: (consent kind or None, revoked, on registry, on DNC)
        "+13055550001": ("express_written", False, False, False),
        "+13055550002": ("express", False, False, False),
        "+13055550003": (None, False, False, False),
        "+13055550004": ("express_written", True, False, False),
        "+13055550005": ("express_written", False, True, False),
        "+13055550006": ("express_written", False, False, True),
        "+13055550007": ("express", False, True, False),
        "+447911123456": (None, False, False, False),  # no US rules: no consent needed
        "+447911123457": (None, True, False, False),  # a revocation is honoured everywhere
    }
    registry_lines = []
    for phone, (consent, revoked, listed, dnc) in cases.items():
        contact = make_contact(workspace, phone, consent=None)
        if consent:
            give_consent(workspace, phone, consent, at - timedelta(days=3))
        if revoked:
            consent_revoke(workspace=workspace, phone=phone, channel="api", stored=True,
                           revoked_at=at - timedelta(days=1), now=at)
        if listed:
            registry_lines.append(phone[2:])
        if dnc:
            services.contact_mark_dnc(contact=contact, reason="asked")
    manage.registry_import(workspace=workspace, lines=registry_lines, name="r", downloaded_on=at.date())
    campaign = services.campaign_create(workspace=workspace, name="All", type=kind, subject="s")
    services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.filter(workspace=workspace))
    Contact.objects.filter(workspace=workspace, phone="+13055550006").update(status="active")  # DNC entry stays
    dialer.campaign_start(campaign=campaign, now=at)
    queued = set(Call.objects.filter(campaign=campaign).values_list("phone", flat=True))
    expected = {phone for phone in cases
                if not decide(workspace=workspace, phone=phone, campaign=campaign, at=at).permanent}
    assert queued == expected
    assert ("+13055550002" in queued) == (kind == "informational")
    assert ("+13055550005" in queued) == (kind == "informational")


@pytest.mark.parametrize("calls", [5, 40])
def test_a_claim_decides_in_a_fixed_number_of_queries(workspace, calls, django_assert_max_num_queries):
    from contacts.campaigns import dialer
    from contacts.models import Contact

    campaign = services.campaign_create(workspace=workspace, name="Solar", subject="solar")
    for i in range(calls):
        make_contact(workspace, f"+1305555{i:04d}")
    services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.filter(workspace=workspace))
    dialer.campaign_start(campaign=campaign, now=AFTERNOON_FL)
    with django_assert_max_num_queries(17):  # the same for 5 calls or 40 (+2: each contact's number to dial)
        claimed = dialer.calls_claim(workspace=workspace, limit=50, now=AFTERNOON_FL)
    assert len(claimed) == calls
