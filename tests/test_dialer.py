"""The calling loop through API v1: claim re-checks DNC and calling hours, leases, reports, retries, campaigns."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from contacts import services
from contacts.campaigns import dialer, scripts
from contacts.models import Call, CampaignMembership, Contact
from tests.factories import make_contact, make_user

pytestmark = pytest.mark.django_db

# 12:00 in San Francisco, 15:00 in New York: inside the default 08:00-21:00 window for +1 415 numbers.
NOON_PACIFIC = datetime(2026, 6, 15, 19, 0, tzinfo=UTC)
NIGHT_PACIFIC = datetime(2026, 6, 16, 8, 0, tzinfo=UTC)  # 01:00 in San Francisco


class Clock:
    def __init__(self, monkeypatch, at: datetime):
        self.at = at
        monkeypatch.setattr(timezone, "now", lambda: self.at)

    def advance(self, **delta) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, NOON_PACIFIC)


class Api:
    def __init__(self, client, raw: str):
        self.client, self.headers = client, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, path, params=None):
        return self.client.get(path, params or {}, **self.headers)

    def send(self, method, path, body=None):
        return getattr(self.client, method)(path, json.dumps(body) if body is not None else "",
                                            content_type="application/json", **self.headers)


@pytest.fixture
def api(client, workspace):
    _, raw = services.api_key_create(workspace=workspace, name="dialer")
    return Api(client, raw)


def queue(api, contact) -> dict:
    response = api.send("post", f"/v1/contacts/{contact.public_id}/call")
    assert response.status_code in (200, 201), response.content
    return response.json()["data"]


def claim(api, **body) -> list[dict]:
    response = api.send("post", "/v1/calls/claim", body or {"limit": 10})
    assert response.status_code == 200, response.content
    return response.json()["data"]


def test_claim_hands_out_a_queued_call_with_contact_number_and_script(api, workspace, clock):
    campaign = services.campaign_create(workspace=workspace, name="Spring", script="Hi {{first_name|there}}, "
                                        "this is {{custom.clinic|our clinic}} about {{company}}.")
    contact = make_contact(workspace, phone="+14155550101", first_name="Ada", company="Acme",
                           metadata={"clinic": "Bright Smiles"})
    queued = api.send("post", f"/v1/contacts/{contact.public_id}/call", {"campaign_id": campaign.public_id}).json()
    [call] = claim(api, limit=5, agent="agent-7")
    assert call["id"] == queued["data"]["id"] and call["status"] == "dialing" and call["dial"] == "+14155550101"
    assert call["contact"]["id"] == contact.public_id and call["agent"] == "agent-7"
    assert call["script"] == "Hi Ada, this is Bright Smiles about Acme."
    assert claim(api) == []  # never handed out twice


def test_call_now_twice_answers_the_same_call(api, workspace, clock):
    contact = make_contact(workspace)
    first = api.send("post", f"/v1/contacts/{contact.public_id}/call")
    second = api.send("post", f"/v1/contacts/{contact.public_id}/call")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["data"]["id"] == second.json()["data"]["id"]
    assert Call.objects.count() == 1


def test_a_number_listed_after_queueing_is_never_handed_out(api, workspace, clock):
    contact = make_contact(workspace)
    queued = queue(api, contact)
    services.dnc_add_number(workspace=workspace, phone=contact.phone, reason="Asked by text")
    assert claim(api) == []
    call = api.get(f"/v1/calls/{queued['id']}").json()["data"]
    assert call["status"] == "canceled" and "Do-Not-Call" in call["cancel_reason"]


def test_a_number_outside_its_hours_waits_for_the_opening(api, workspace, clock):
    contact = make_contact(workspace, phone="+14155550102")
    queued = queue(api, contact)  # queued at noon
    clock.at = NIGHT_PACIFIC
    assert claim(api) == []
    call = api.get(f"/v1/calls/{queued['id']}").json()["data"]
    assert call["status"] == "queued" and call["not_before"] == "2026-06-16T15:00:00Z"  # 08:00 PDT
    clock.at = datetime(2026, 6, 16, 15, 1, tzinfo=UTC)
    assert [c["id"] for c in claim(api)] == [queued["id"]]


def test_an_expired_lease_returns_the_call_once_then_fails(api, workspace, clock):
    queued = queue(api, make_contact(workspace))
    assert len(claim(api)) == 1
    clock.advance(minutes=11)  # default lease: 10 minutes
    assert [c["id"] for c in claim(api)] == [queued["id"]]  # back in the queue once
    clock.advance(minutes=11)
    assert claim(api) == []
    call = api.get(f"/v1/calls/{queued['id']}").json()["data"]
    assert (call["status"], call["outcome"]) == ("failed", "lease_expired")


def test_patch_reports_progress_and_result_and_counts_on_the_contact(api, workspace, clock):
    contact = make_contact(workspace)
    queued = queue(api, contact)
    claim(api)
    assert api.send("patch", f"/v1/calls/{queued['id']}", {"status": "in_progress"}).status_code == 200
    done = api.send("patch", f"/v1/calls/{queued['id']}", {
        "status": "completed", "duration": 95, "outcome": "appointment_booked", "sentiment": "positive",
        "recording_url": "https://rec.example.com/1.mp3", "transcript": "Agent: Hi..."})
    body = done.json()["data"]
    assert (body["status"], body["duration"], body["sentiment"]) == ("completed", 95, "positive")
    assert body["ended_at"] is not None
    contact.refresh_from_db()
    assert contact.calls_count == 1 and contact.last_called_at is not None
    again = api.send("patch", f"/v1/calls/{queued['id']}", {"status": "in_progress"})
    assert again.status_code == 422 and again.json()["error"]["code"] == "invalid_transition"


def test_dnc_requested_lists_the_number_at_once_and_nothing_more_is_claimed(api, workspace, clock):
    contact = make_contact(workspace)
    queued = queue(api, contact)
    claim(api)
    api.send("patch", f"/v1/calls/{queued['id']}", {"status": "completed", "outcome": "dnc_requested"})
    contact.refresh_from_db()
    assert contact.status == "dnc"
    assert api.send("post", f"/v1/contacts/{contact.public_id}/call").json()["error"]["code"] == "contact_dnc"
    assert claim(api) == []


def test_a_retryable_result_is_queued_again_after_retry_after(api, workspace, clock):
    campaign = services.campaign_create(workspace=workspace, name="Retry", retry_after=timedelta(hours=4))
    contact = make_contact(workspace)
    services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.filter(pk=contact.pk))
    started = api.send("post", f"/v1/campaigns/{campaign.public_id}/start").json()["data"]
    assert started["queued"] == 1 and started["status"] == "active"
    [call] = claim(api)
    api.send("patch", f"/v1/calls/{call['id']}", {"status": "no_answer"})
    clock.advance(hours=3)
    assert claim(api) == []  # not before retry_after
    clock.advance(hours=1, minutes=1)
    [retry] = claim(api)
    assert retry["id"] != call["id"] and retry["attempt"] == 2


def test_callback_outcome_schedules_the_next_attempt(api, workspace, clock):
    campaign = services.campaign_create(workspace=workspace, name="Cb")
    contact = make_contact(workspace)
    services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.filter(pk=contact.pk))
    api.send("post", f"/v1/campaigns/{campaign.public_id}/start")
    [call] = claim(api)
    at = NOON_PACIFIC + timedelta(hours=2)
    api.send("patch", f"/v1/calls/{call['id']}", {"status": "completed", "outcome": "callback",
                                                   "callback_at": at.isoformat()})
    clock.advance(hours=1)
    assert claim(api) == []
    clock.advance(hours=1, minutes=1)
    assert len(claim(api)) == 1


def test_campaign_start_queues_only_eligible_members_and_pause_cancels(api, workspace, clock):
    campaign = services.campaign_create(workspace=workspace, name="Big", max_attempts=2)
    members = [make_contact(workspace) for _ in range(6)]
    services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.filter(pk__in=[m.pk for m in members]))
    services.dnc_add_number(workspace=workspace, phone=members[0].phone, reason="asked")  # excluded: DNC
    services.call_queue_outbound(contact=members[1])  # excluded: already queued
    for _ in range(2):  # excluded: attempts used up
        services.call_log(workspace=workspace, contact=members[2], campaign=campaign, status="no_answer",
                          created_at=NOON_PACIFIC - timedelta(days=2))
    services.call_log(workspace=workspace, contact=members[3], campaign=campaign, status="busy")  # within 4 h
    body = api.send("post", f"/v1/campaigns/{campaign.public_id}/start").json()["data"]
    assert body["queued"] == 2 and body["queue"]["queued"] == 2 and body["queue"]["excluded_dnc"] == 1
    again = api.send("post", f"/v1/campaigns/{campaign.public_id}/start").json()["data"]
    assert again["queued"] == 0  # never queued twice
    paused = api.send("post", f"/v1/campaigns/{campaign.public_id}/pause").json()["data"]
    assert paused["canceled"] == 2 and paused["status"] == "paused"
    assert Call.objects.filter(campaign=campaign, status="queued").count() == 0


def test_campaign_start_is_set_based(api, workspace, clock, django_assert_max_num_queries):
    campaign = services.campaign_create(workspace=workspace, name="Many")
    contacts = [make_contact(workspace) for _ in range(40)]
    services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.filter(pk__in=[c.pk for c in contacts]))
    with django_assert_max_num_queries(15):
        assert dialer.campaign_start(campaign=campaign) == 40
    assert CampaignMembership.objects.filter(campaign=campaign).count() == 40


def test_script_variables_render_plain_text_and_count_gaps(workspace):
    contact = make_contact(workspace, first_name="", last_name="Lovelace", metadata={"plan": "Gold"})
    text = "Hi {{first_name|there}} {{last_name}}, your {{custom.plan}} plan. {{first_name}}{{ '{{7*7}}' }}"
    assert scripts.render(text, contact).startswith("Hi there Lovelace, your Gold plan.")
    assert "49" not in scripts.render("{{7*7}} {% debug %}", contact)
    assert scripts.unknown_variables("Hello {{nmae}}") == ["nmae"]
    campaign = services.campaign_create(workspace=workspace, name="S", script="Hi {{first_name}}")
    make_contact(workspace, first_name="Grace")
    assert scripts.count_missing(campaign.script, Contact.objects.for_workspace(workspace)) == 1
    with pytest.raises(services.ValidationFailed):
        services.campaign_create(workspace=workspace, name="Bad", script="Hi {{nmae}}")


def test_campaign_settings_and_script_preview_through_the_api(api, workspace):
    campaign = services.campaign_create(workspace=workspace, name="P")
    response = api.send("patch", f"/v1/campaigns/{campaign.public_id}",
                        {"script": "Hello {{first_name|friend}}", "max_attempts": 5, "retry_after": 3600})
    body = response.json()["data"]
    assert (body["script"], body["max_attempts"], body["retry_after"]) == ("Hello {{first_name|friend}}", 5, 3600)
    contact = make_contact(workspace, first_name="Linus")
    services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.filter(pk=contact.pk))
    preview = api.get(f"/v1/campaigns/{campaign.public_id}/script").json()["data"]
    assert preview["samples"] == [{"contact_id": contact.public_id, "text": "Hello Linus"}]
    assert api.send("patch", f"/v1/campaigns/{campaign.public_id}", {"script": "{{nope}}"}).status_code == 422


def test_calls_list_filters_by_status_campaign_and_contact(api, workspace, clock):
    a, b = make_contact(workspace), make_contact(workspace)
    queue(api, a)
    services.call_log(workspace=workspace, contact=b, status="completed")
    queued = api.get("/v1/calls", {"status": "queued"}).json()["data"]
    assert [c["contact_id"] for c in queued] == [a.public_id]
    assert [c["status"] for c in api.get("/v1/calls", {"contact_id": b.public_id}).json()["data"]] == ["completed"]


def test_a_member_key_can_claim_but_a_viewer_user_cannot_start_a_campaign(client, workspace, clock):
    _, raw = services.api_key_create(workspace=workspace, name="m", role="member")
    member = Api(client, raw)
    queue(member, make_contact(workspace))
    assert len(claim(member)) == 1
    viewer = make_user("viewer1", workspace=workspace, role="viewer")
    campaign = services.campaign_create(workspace=workspace, name="V")
    with pytest.raises(services.ServiceError) as exc:
        dialer.campaign_start(campaign=campaign, actor=viewer)
    assert exc.value.status == 403
    assert Call.objects.filter(campaign=campaign).count() == 0


def test_other_workspaces_calls_answer_404(api, other_workspace, clock):
    theirs = services.call_log(workspace=other_workspace, contact=make_contact(other_workspace), status="completed")
    assert api.get(f"/v1/calls/{theirs.public_id}").status_code == 404
    assert api.send("patch", f"/v1/calls/{theirs.public_id}", {"status": "failed"}).status_code == 404


def test_the_dialer_sweep_returns_expired_claims_without_a_new_claim(api, workspace, clock):
    from io import StringIO

    from django.core.management import call_command

    queued = queue(api, make_contact(workspace))
    claim(api)
    clock.advance(minutes=11)
    out = StringIO()
    call_command("dialer_sweep", stdout=out)
    assert json.loads(out.getvalue()) == {"returned": 1, "failed": 0}
    assert api.get(f"/v1/calls/{queued['id']}").json()["data"]["status"] == "queued"
