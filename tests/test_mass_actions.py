"""Mass actions: exports follow the filter on screen, campaign adds confirm first and can be undone, invalid
filters never widen a selection, and the contact page shows the number's real local time."""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from contacts import services
from contacts.models import AuditEvent, CampaignAdd, CampaignMembership, Contact, DncEntry, Role
from tests.factories import make_contact, make_user

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.status_code
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def export_button(body: str) -> str:
    match = re.search(r'<a [^>]*id="contacts-export"[^>]*>.*?</a>', body, re.S)
    assert match, "no export button"
    return match.group(0)


@pytest.fixture
def people(workspace, user):
    """12 at Acme (2 of them DNC), 5 at Globex, 1 at Initech."""
    acme = [make_contact(workspace, first_name=f"Ann{i}", last_name="Archer", company="Acme") for i in range(12)]
    globex = [make_contact(workspace, first_name=f"Bob{i}", last_name="Baker", company="Globex") for i in range(5)]
    initech = make_contact(workspace, first_name="Cy", last_name="Cole", company="Initech")
    for contact in acme[:2]:
        services.contact_mark_dnc(contact=contact, reason="asked", actor=user)
    return {"acme": acme, "globex": globex, "initech": initech}


@pytest.fixture
def campaign(workspace):
    return services.campaign_create(workspace=workspace, name="Spring recall")


# --- 1. exports follow the filter on screen ------------------------------------------------------------------
def test_header_export_says_how_many_and_exports_exactly_the_filter(client_logged_in, people):
    body = client_logged_in.get("/contacts/", {"search": "acme"}).content.decode()
    button = export_button(body)
    assert "Export 12 contacts" in button and 'href="/contacts/export.csv?search=acme"' in button
    href = re.search(r'href="([^"]+)"', button).group(1).replace("&amp;", "&")
    rows = csv_rows(client_logged_in.get(href))
    assert len(rows) == 12 and {r["Company"] for r in rows} == {"Acme"}

    # A live (htmx) change of the query: the swapped response carries the new button, count and link.
    swapped = client_logged_in.get("/contacts/", {"search": "acme", "status": "dnc"}, HTTP_HX_REQUEST="true")
    button = export_button(swapped.content.decode())
    assert "Export 2 contacts" in button and "status=dnc" in button
    href = re.search(r'href="([^"]+)"', button).group(1).replace("&amp;", "&")
    rows = csv_rows(client_logged_in.get(href))
    assert sorted(r["Contact ID"] for r in rows) == sorted(c.public_id for c in people["acme"][:2])


def test_export_button_singular_and_disabled_when_nothing_matches(client_logged_in, people):
    assert "Export 1 contact<" in export_button(client_logged_in.get("/contacts/", {"search": "initech"})
                                                  .content.decode())
    empty = export_button(client_logged_in.get("/contacts/", {"search": "nobody-here"}).content.decode())
    assert 'aria-disabled="true"' in empty and "href" not in empty


def test_export_button_is_swapped_by_htmx(client_logged_in, people):
    """The filter form's hx-select-oob includes the button, so the header never keeps a stale link."""
    body = client_logged_in.get("/contacts/").content.decode()
    oob = re.search(r'hx-select-oob="([^"]+)"', body).group(1).split(",")
    assert "#contacts-export" in oob
    assert "Export 18 contacts" in export_button(body)


def test_bulk_bar_export_of_all_matching_is_the_filter(client_logged_in, people):
    rows = csv_rows(client_logged_in.post("/contacts/export.csv", {"scope": "all", "query": "search=baker"}))
    assert len(rows) == 5 and {r["Last name"] for r in rows} == {"Baker"}
    rows = csv_rows(client_logged_in.post("/contacts/export.csv", {"ids": [people["initech"].public_id],
                                                                   "query": "search=baker"}))
    assert [r["First name"] for r in rows] == ["Cy"]  # ticked rows: exactly those


def test_bulk_bar_export_with_nothing_ticked_exports_nothing(client_logged_in, people):
    response = client_logged_in.post("/contacts/export.csv", {"query": "search=baker"}, follow=True)
    assert "Tick the contacts to export" in response.content.decode()
    assert not AuditEvent.objects.filter(action="contacts.export").exists()


def test_export_matches_the_list_total_for_each_filter(client_logged_in, people):
    for params in ({}, {"status": "active"}, {"company": "glob"}, {"search": "Ann1"}, {"status": "dnc"}):
        total = client_logged_in.get("/contacts/", params).context["page"].paginator.count
        assert len(csv_rows(client_logged_in.get("/contacts/export.csv", params))) == total, params


def test_api_list_total_is_the_same_filter(workspace, people):
    from rest_framework.test import APIClient

    _, raw = services.api_key_create(workspace=workspace, name="k")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/v1/contacts", {"search": "acme", "status": "active"}).json()["meta"]["total"] == 10
    for bad in ({"status": "bogus"}, {"last_called_after": "2024-13-45"}, {"campaign_id": "campaign_nope"}):
        response = api.get("/v1/contacts", bad)
        assert response.status_code == 422, bad
        error = response.json()["error"]
        assert error["code"] == "validation_error" and list(error["details"]) == list(bad), error


# --- 2. campaign adds: confirmation first, undo, remove all --------------------------------------------------
def test_campaign_page_add_confirms_counts_before_writing(client_logged_in, people, campaign,
                                                         django_assert_max_num_queries):
    services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.filter(pk=people["acme"][5].pk))
    url = f"/campaigns/{campaign.public_id}/members/add/"
    # session, user, workspaces, campaign, ONE count (PostgreSQL: plus the search's id prefetch), session save
    with django_assert_max_num_queries(10):
        confirm = client_logged_in.post(url, {"search": "acme"})
    body = confirm.content.decode()
    assert confirm.status_code == 200 and "Add 9 contacts to Spring recall?" in body
    counts = {k: re.search(rf'data-testid="count-{k}">([\d,]+)<', body).group(1) for k in ("added", "dnc", "already")}
    assert counts == {"added": "9", "dnc": "2", "already": "1"}
    assert CampaignMembership.objects.count() == 1 and CampaignAdd.objects.count() == 1  # nothing written yet
    assert 'name="confirm" value="1"' in body and 'name="search" value="acme"' in body
    done = client_logged_in.post(url, {"search": "acme", "confirm": "1"}, follow=True)
    assert "Added 9 contacts matching “acme” to Spring recall. Skipped 2 DNC contacts. 1 already" in \
        done.content.decode()
    assert CampaignMembership.objects.count() == 10


def test_contacts_list_bulk_add_confirms_counts_before_writing(client_logged_in, people, campaign):
    post = {"action": "add_to_campaign", "campaign_id": campaign.public_id, "scope": "all", "query": "search=acme"}
    body = client_logged_in.post("/contacts/bulk/", post).content.decode()
    assert "Add 10 contacts to Spring recall?" in body and 'data-testid="count-dnc">2<' in body
    assert "Contacts list: search “acme”" in body
    assert not CampaignMembership.objects.exists() and not AuditEvent.objects.filter(
        action="campaign.add_contacts").exists()
    client_logged_in.post("/contacts/bulk/", {**post, "confirm": "1"})
    assert CampaignMembership.objects.count() == 10
    add = CampaignAdd.objects.get()
    assert (add.added, add.skipped_dnc, add.description) == (10, 2, "Contacts list: search “acme”")


def test_active_campaign_gets_the_same_confirmation(client_logged_in, people, campaign, user):
    services.campaign_update(campaign=campaign, status="active", actor=user)
    body = client_logged_in.post(f"/campaigns/{campaign.public_id}/members/add/", {"search": "baker"}).content.decode()
    assert "Add 5 contacts to Spring recall?" in body and "is <strong>active</strong>" in body
    assert not CampaignMembership.objects.exists()


def test_nothing_new_to_add_has_no_confirm_button(client_logged_in, people, campaign):
    body = client_logged_in.post(f"/campaigns/{campaign.public_id}/members/add/", {"search": "nobody"}).content
    assert "Nothing new to add" in body.decode() and b'type="submit"' not in body.split(b"add-confirm")[1]


def test_undo_an_add_removes_exactly_its_members(client_logged_in, people, campaign, user):
    acme, globex = people["acme"], people["globex"]
    earlier = acme[4]
    services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.filter(pk=earlier.pk), actor=user)
    first = services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.filter(company="Acme"),
                                           actor=user, description="acme").add
    second = services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.filter(company="Globex"),
                                            actor=user, description="globex").add
    assert first.added == 9 and CampaignMembership.objects.filter(added_by=first).count() == 9
    undo_url = f"/campaigns/{campaign.public_id}/adds/{first.public_id}/undo/"
    detail = client_logged_in.get(f"/campaigns/{campaign.public_id}/").content.decode()
    assert "Recent adds" in detail and f'href="{undo_url}"' in detail and "Remove all members" in detail

    confirm = client_logged_in.get(undo_url)
    assert "Undo this add: remove 9 members?" in confirm.content.decode()
    assert CampaignMembership.objects.filter(campaign=campaign).count() == 15  # GET changes nothing
    client_logged_in.post(undo_url)  # no confirm flag: the page again, nothing removed
    assert CampaignMembership.objects.filter(campaign=campaign).count() == 15

    done = client_logged_in.post(undo_url, {"confirm": "1"}, follow=True)
    assert "removed 9 members from Spring recall" in done.content.decode()
    left = set(CampaignMembership.objects.filter(campaign=campaign).values_list("contact_id", flat=True))
    assert left == {earlier.pk, *(c.pk for c in globex)}  # the earlier member and the other add stay
    first.refresh_from_db()
    assert first.undone_at is not None and first.undone_count == 9 and second.memberships.count() == 5
    event = AuditEvent.objects.get(action="campaign.undo_add")
    assert (event.count, event.actor, event.details["add"]) == (9, user, first.public_id)
    again = client_logged_in.get(f"/campaigns/{campaign.public_id}/").content.decode()
    assert "Undone" in again and f'href="{undo_url}"' not in again


def test_remove_all_members_confirms_then_empties(client_logged_in, people, campaign):
    services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.all())
    url = f"/campaigns/{campaign.public_id}/members/remove-all/"
    assert "Remove all 16 members?" in client_logged_in.get(url).content.decode()
    assert campaign.memberships.count() == 16
    response = client_logged_in.post(url, {"confirm": "1"}, follow=True)
    assert "Removed all 16 members from Spring recall." in response.content.decode()
    assert not campaign.memberships.exists() and Contact.objects.count() == 18
    assert AuditEvent.objects.get(action="campaign.remove_all_contacts").count == 16


def test_viewer_cannot_undo_or_remove_all(client, workspace, people, campaign):
    add = services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.all()).add
    client.force_login(make_user("watcher", workspace=workspace, role=Role.VIEWER))
    for url in (f"/campaigns/{campaign.public_id}/adds/{add.public_id}/undo/",
                f"/campaigns/{campaign.public_id}/members/remove-all/"):
        assert client.post(url, {"confirm": "1"}).status_code == 403
    assert campaign.memberships.count() == 16
    body = client.get(f"/campaigns/{campaign.public_id}/").content.decode()
    assert "Undo this add" not in body and "Remove all members" not in body


def test_campaign_page_query_count_with_recent_adds(client_logged_in, people, campaign,
                                                   django_assert_max_num_queries):
    for company in ("Acme", "Globex", "Initech"):
        services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.filter(company=company))
    with django_assert_max_num_queries(16):  # 14 + the calling panel's two counts
        response = client_logged_in.get(f"/campaigns/{campaign.public_id}/")
    assert [a.remaining for a in response.context["recent_adds"]] == [1, 5, 10]


def test_bulk_add_query_count_with_confirmation(client_logged_in, workspace, campaign,
                                                django_assert_max_num_queries):
    for n in range(30):
        make_contact(workspace, company="Acme", first_name=f"P{n}")
    post = {"action": "add_to_campaign", "campaign_id": campaign.public_id, "scope": "all", "query": "company=acme"}
    client_logged_in.get("/contacts/")
    with django_assert_max_num_queries(8):
        client_logged_in.post("/contacts/bulk/", post)
    with django_assert_max_num_queries(14):
        client_logged_in.post("/contacts/bulk/", {**post, "confirm": "1"})
    assert campaign.memberships.count() == 30


# --- 3. invalid filter values: a visible error, no rows, nothing runs ----------------------------------------
@pytest.mark.parametrize(("params", "label", "value"), [
    ({"status": "bogus"}, "Status", "bogus"),
    ({"last_called_after": "2024-13-45"}, "Last called from", "2024-13-45"),
    ({"last_called_before": "yesterday-ish"}, "Last called to", "yesterday-ish"),
    ({"campaign_id": "campaign_doesnotexist"}, "Campaign", "campaign_doesnotexist"),
])
def test_invalid_filter_shows_the_error_and_no_rows(client_logged_in, people, params, label, value):
    response = client_logged_in.get("/contacts/", {"search": "acme", **params})
    body = response.content.decode()
    assert response.status_code == 400
    alert = re.search(r'data-testid="filter-errors".*?</ul>', body, re.S).group(0)
    assert f"<strong>{label}</strong> <code>{value}</code>" in alert
    assert list(response.context["contacts"]) == [] and "contacts-table" not in body
    assert 'aria-disabled="true"' in export_button(body)
    assert "Filter not valid" in body


def test_invalid_filter_of_another_workspaces_campaign(client_logged_in, people, other_workspace):
    theirs = services.campaign_create(workspace=other_workspace, name="Theirs")
    response = client_logged_in.get("/contacts/", {"campaign_id": theirs.public_id})
    assert response.status_code == 400 and "No campaign with this id." in response.content.decode()


def test_invalid_filter_refuses_export(client_logged_in, people):
    response = client_logged_in.get("/contacts/export.csv", {"status": "bogus"})
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "<strong>Status</strong> <code>bogus</code>" in body and "did not run" in body
    response = client_logged_in.post("/contacts/export.csv", {"scope": "all", "query": "last_called_after=2024-99-01"})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="contacts.export").exists()


@pytest.mark.parametrize("action", ["add_to_campaign", "mark_dnc", "delete"])
@pytest.mark.parametrize("query", ["status=bogus", "search=acme&last_called_after=2024-13-45",
                                   "campaign_id=campaign_nope"])
def test_invalid_filter_refuses_bulk_actions(client_logged_in, people, campaign, action, query):
    before = Contact.objects.count()
    events_before = AuditEvent.objects.count()
    for confirm in ("", "1"):
        response = client_logged_in.post("/contacts/bulk/", {
            "action": action, "scope": "all", "query": query, "campaign_id": campaign.public_id,
            "confirm": confirm, "reason": "r"})
        assert response.status_code == 400
        assert "the filter is not valid" in response.content.decode()
    assert Contact.objects.count() == before
    assert DncEntry.objects.count() == 2 and not CampaignMembership.objects.exists()
    assert AuditEvent.objects.count() == events_before  # not even an audit record


def test_valid_filter_still_runs_bulk_actions(client_logged_in, people):
    client_logged_in.post("/contacts/bulk/", {"action": "delete", "scope": "all", "query": "search=baker",
                                              "confirm": "1"})
    assert Contact.objects.count() == 13


# --- 4. the contact page's local time and "Call now" ---------------------------------------------------------
@pytest.fixture
def frozen_now(monkeypatch):
    def freeze(instant: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: instant)

    return freeze


def test_local_time_is_the_numbers_real_time(client_logged_in, workspace, frozen_now):
    contact = make_contact(workspace, "+12125550123", first_name="Nia")  # New York
    frozen_now(datetime(2026, 1, 6, 8, 29, tzinfo=UTC))  # Tue 08:29 UTC = Tue 03:29 in New York
    body = client_logged_in.get(f"/contacts/{contact.public_id}/").content.decode()
    local = re.search(r'<time data-testid="local-time" datetime="([^"]+)">([^<]+)</time>', body)
    assert local.group(2) == "Tue 03:29" and local.group(1).startswith("2026-01-06T03:29:00-05:00")
    assert "America/New_York" in body and "08:29" not in local.group(0)
    button = re.search(r'<button[^>]*data-testid="call-now"[^>]*>', body).group(0)
    assert "disabled" in button and 'aria-describedby="call-now-blocker"' in button
    assert "Outside calling hours · opens Tue 08:00 America/New_York" in body


def test_call_now_enabled_inside_the_window(client_logged_in, workspace, frozen_now):
    contact = make_contact(workspace, "+14155550123")  # Los Angeles
    frozen_now(datetime(2026, 7, 7, 18, 5, tzinfo=UTC))  # 11:05 PDT
    body = client_logged_in.get(f"/contacts/{contact.public_id}/").content.decode()
    assert ">Tue 11:05</time>" in body
    button = re.search(r'<button[^>]*data-testid="call-now"[^>]*>', body).group(0)
    assert "disabled" not in button and "call-now-blocker" not in body


def test_call_now_disabled_for_dnc_contact(client_logged_in, workspace, user, frozen_now):
    contact = make_contact(workspace, "+14155550124")
    services.contact_mark_dnc(contact=contact, reason="asked", actor=user)
    frozen_now(datetime(2026, 7, 7, 18, 5, tzinfo=UTC))  # inside the window, but DNC
    body = client_logged_in.get(f"/contacts/{contact.public_id}/").content.decode()
    assert "disabled" in re.search(r'<button[^>]*data-testid="call-now"[^>]*>', body).group(0)
    assert "On the Do-Not-Call list · never dialed" in body
