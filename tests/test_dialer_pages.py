"""The calling loop in the dashboard: campaign start/pause/stop with live counts, script settings and preview, a
contact's open call (and cancelling it), the calls page by contact."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from contacts import services
from contacts.models import Call, Campaign, Contact
from tests.factories import make_contact, make_user

pytestmark = pytest.mark.django_db
NOON_PACIFIC = datetime(2026, 6, 15, 19, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def noon(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOON_PACIFIC)


def campaign_with(workspace, n: int, **settings) -> Campaign:
    campaign = services.campaign_create(workspace=workspace, name="Spring", **settings)
    contacts = [make_contact(workspace, first_name=f"P{i}") for i in range(n)]
    services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.filter(pk__in=[c.pk for c in contacts]))
    return campaign


def test_campaign_form_saves_script_attempts_and_spacing(client_logged_in, workspace):
    response = client_logged_in.post("/campaigns/new/", {
        "name": "Recall", "status": "draft", "script": "Hi {{first_name|there}}, this is Bright Smiles.",
        "max_attempts": "5", "retry_after_hours": "2.5"})
    assert response.status_code == 302
    campaign = Campaign.objects.get(name="Recall")
    assert (campaign.max_attempts, campaign.retry_after) == (5, timedelta(hours=2.5))
    assert campaign.script.startswith("Hi {{first_name|there}}")
    bad = client_logged_in.post("/campaigns/new/", {"name": "Typo", "status": "draft", "script": "Hi {{frist_name}}",
                                                   "max_attempts": "3", "retry_after_hours": "4"})
    assert bad.status_code == 200 and "Unknown variable" in bad.content.decode()
    assert not Campaign.objects.filter(name="Typo").exists()


def test_start_pause_stop_from_the_campaign_page_with_live_counts(client_logged_in, workspace):
    campaign = campaign_with(workspace, 3, script="Hello {{first_name}}")
    services.contact_mark_dnc(contact=Contact.objects.filter(workspace=workspace).first(), reason="asked")
    page = client_logged_in.get(f"/campaigns/{campaign.public_id}/").content.decode()
    assert 'data-testid="campaign-start"' in page and "Not started" in page
    assert page.count('data-testid="script-sample"') == 3 and "Hello P" in page
    started = client_logged_in.post(f"/campaigns/{campaign.public_id}/queue/start/", follow=True)
    assert "2 calls queued" in started.content.decode()
    panel = client_logged_in.get(f"/campaigns/{campaign.public_id}/queue/").content.decode()
    assert 'data-testid="queue-queued">2<' in panel and 'data-testid="queue-dnc">1<' in panel
    assert 'hx-trigger="every 5s"' in panel  # live while running
    paused = client_logged_in.post(f"/campaigns/{campaign.public_id}/queue/pause/", follow=True).content.decode()
    assert "2 queued calls canceled" in paused and "Resume" in paused
    client_logged_in.post(f"/campaigns/{campaign.public_id}/queue/stop/")
    campaign.refresh_from_db()
    assert campaign.status == "completed"
    assert not Call.objects.filter(campaign=campaign, status="queued").exists()


def test_a_viewer_sees_counts_but_no_controls_and_cannot_start(client, workspace):
    campaign = campaign_with(workspace, 2)
    client.force_login(make_user("watcher", workspace=workspace, role="viewer"))
    page = client.get(f"/campaigns/{campaign.public_id}/").content.decode()
    assert 'data-testid="campaign-queue"' in page and 'data-testid="campaign-start"' not in page
    assert client.post(f"/campaigns/{campaign.public_id}/queue/start/").status_code == 403
    assert not Call.objects.exists()


def test_the_contact_page_shows_its_open_call_and_cancels_it(client_logged_in, workspace):
    contact = make_contact(workspace, first_name="Ada")
    client_logged_in.post(f"/contacts/{contact.public_id}/call/")
    again = client_logged_in.post(f"/contacts/{contact.public_id}/call/", follow=True).content.decode()
    assert "no second call was queued" in again and Call.objects.count() == 1
    page = client_logged_in.get(f"/contacts/{contact.public_id}/").content.decode()
    assert 'data-testid="open-call"' in page and "queued" in page
    call = Call.objects.get()
    client_logged_in.post(f"/calls/{call.public_id}/cancel/")
    call.refresh_from_db()
    assert call.status == "canceled"
    assert 'data-testid="open-call"' not in client_logged_in.get(f"/contacts/{contact.public_id}/").content.decode()


def test_cancelling_another_workspaces_call_is_404(client_logged_in, other_workspace):
    theirs = services.call_queue_outbound(contact=make_contact(other_workspace))
    assert client_logged_in.post(f"/calls/{theirs.public_id}/cancel/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "queued"


def test_calls_page_filters_by_contact_and_shows_queued_calls(client_logged_in, workspace):
    a, b = make_contact(workspace, first_name="Alpha"), make_contact(workspace, first_name="Beta")
    services.call_queue_outbound(contact=a)
    services.call_log(workspace=workspace, contact=b, status="completed")
    body = client_logged_in.get("/calls/", {"contact_id": a.public_id}).content.decode()
    assert "Alpha" in body and "Beta" not in body
    queued = client_logged_in.get("/calls/", {"status": "queued"}).content.decode()
    assert "Alpha" in queued and "Beta" not in queued
