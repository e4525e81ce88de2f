"""Overview, campaigns and calls pages through the test client."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from contacts import services
from contacts.models import Campaign, CampaignMembership, Contact, ImportBatch
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(workspace, user):
    ann = make_contact(workspace, first_name="Ann", company="Acme")
    bob = make_contact(workspace, first_name="Bob", company="Acme")
    cy = make_contact(workspace, first_name="Cy", company="Beta")
    spring = services.campaign_create(workspace=workspace, name="Spring", status="active")
    services.campaign_add_contacts(campaign=spring, contacts=Contact.objects.all())
    services.call_log(workspace=workspace, contact=ann, campaign=spring, outcome="booked", sentiment="positive",
                      duration=61)
    services.call_log(workspace=workspace, contact=bob, campaign=spring, status="no_answer", outcome="no_answer")
    services.call_log(workspace=workspace, contact=cy, direction="inbound", sentiment="negative",
                      created_at=timezone.now() - timedelta(days=10))
    services.contact_mark_dnc(contact=cy, reason="asked", actor=user)
    ImportBatch.objects.create(workspace=workspace, file_name="leads.csv", status="completed", imported=3)
    return {"ann": ann, "bob": bob, "cy": cy, "spring": spring}


def script_data(body: str, element_id: str):
    start = body.index(f'id="{element_id}"')
    start = body.index(">", start) + 1
    return json.loads(body[start:body.index("</script>", start)])


def test_overview_numbers_and_chart_data(client_logged_in, activity):
    response = client_logged_in.get("/")
    body = response.content.decode()
    stats = response.context["stats"]
    assert (stats["active"], stats["dnc"], stats["calls_7"], stats["calls_30"]) == (2, 1, 2, 3)
    assert stats["answer_rate"] == 67  # 2 completed of 3 finished calls
    assert stats["contacts_added_30"] == 3
    per_day = script_data(body, "calls-per-day")
    assert len(per_day["labels"]) == 14 and sum(per_day["answered"]) == 2 and sum(per_day["unanswered"]) == 1
    outcomes = script_data(body, "outcomes-by-campaign")
    assert outcomes["labels"] == ["Spring"]
    assert {d["label"]: d["data"] for d in outcomes["datasets"]} == {"Booked": [1], "No answer": [1]}  # words
    assert script_data(body, "sentiment-mix")["data"] == [1, 0, 1]
    assert "leads.csv" in body and 'id="chart-calls-per-day"' in body
    assert "<script>" not in body.replace('<script src=', '')  # no inline code (CSP)


def test_overview_empty_workspace(client_logged_in):
    body = client_logged_in.get("/").content.decode()
    assert "No calls yet" in body and "No imports yet" in body


def test_campaign_list_and_detail(client_logged_in, activity):
    body = client_logged_in.get("/campaigns/").content.decode()
    assert "Spring" in body and "67%" not in body
    campaign = client_logged_in.get("/campaigns/").context["campaigns"][0]
    assert (campaign.members_count, campaign.calls_made, campaign.reached, campaign.completion) == (3, 2, 1, 33)
    detail = client_logged_in.get(f"/campaigns/{activity['spring'].public_id}/").content.decode()
    assert "Excluded · DNC" in detail and "No answer" in detail and "Completed" in detail
    assert "Not called yet" not in detail  # Ann and Bob were called; Cy is DNC


def test_campaign_create_edit_add_remove(client_logged_in, workspace, activity):
    response = client_logged_in.post("/campaigns/new/", {"name": "Autumn", "status": "draft"})
    autumn = Campaign.objects.get(name="Autumn")
    assert response["Location"] == f"/campaigns/{autumn.public_id}/"
    assert "This field is required" in client_logged_in.post("/campaigns/new/", {"name": ""}).content.decode()
    client_logged_in.post(f"/campaigns/{autumn.public_id}/edit/", {"name": "Autumn push", "status": "active"})
    autumn.refresh_from_db()
    assert (autumn.name, autumn.status) == ("Autumn push", "active")
    add_url = f"/campaigns/{autumn.public_id}/members/add/"
    assert "Add 2 contacts to Autumn push?" in client_logged_in.post(add_url, {"search": "acme"}).content.decode()
    assert not CampaignMembership.objects.filter(campaign=autumn).exists()
    added = client_logged_in.post(add_url, {"search": "acme", "confirm": "1"}, follow=True)
    assert "Added 2 contacts" in added.content.decode()
    added = client_logged_in.post(add_url, {"search": "Cy", "confirm": "1"}, follow=True)
    assert "Skipped 1 DNC contact" in added.content.decode()
    client_logged_in.post(f"/campaigns/{autumn.public_id}/members/remove/", {"ids": [activity["ann"].public_id]})
    assert list(CampaignMembership.objects.filter(campaign=autumn).values_list("contact__first_name", flat=True)) \
        == ["Bob"]


def test_campaigns_empty_state(client_logged_in):
    assert "No campaigns yet" in client_logged_in.get("/campaigns/").content.decode()


def test_calls_list_filters(client_logged_in, activity):
    def firsts(params):
        return sorted(c.contact.first_name for c in client_logged_in.get("/calls/", params).context["calls"])

    assert firsts({}) == ["Ann", "Bob", "Cy"]
    assert firsts({"direction": "inbound"}) == ["Cy"]
    assert firsts({"status": "no_answer"}) == ["Bob"]
    assert firsts({"sentiment": "positive"}) == ["Ann"]
    assert firsts({"campaign_id": activity["spring"].public_id}) == ["Ann", "Bob"]
    today = timezone.now().date().isoformat()
    assert firsts({"date_after": today}) == ["Ann", "Bob"]
    body = client_logged_in.get("/calls/").content.decode()
    assert f'href="/contacts/{activity["ann"].public_id}/"' in body and "1:01" in body
    assert "No calls match" in client_logged_in.get("/calls/", {"sentiment": "neutral"}).content.decode()


def test_calls_list_query_count(client_logged_in, activity, django_assert_max_num_queries):
    client_logged_in.get("/calls/")
    with django_assert_max_num_queries(8):
        client_logged_in.get("/calls/")


def test_overview_counts_are_bounded_and_say_when_they_are_estimates(client_logged_in, workspace, monkeypatch):
    from django.db import connection

    from contacts import counting

    for i in range(3):
        make_contact(workspace, f"+1415555017{i}")
    assert client_logged_in.get("/").context["stats"]["active_total"] == counting.Total(3)
    monkeypatch.setattr(counting, "COUNT_CAP", 1)
    response = client_logged_in.get("/")
    active = response.context["stats"]["active_total"]
    assert not active.exact
    assert active.label in response.content.decode()
    assert active.label.startswith("about " if connection.vendor == "postgresql" else "more than 1")
