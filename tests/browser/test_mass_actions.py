"""Mass actions in a real Chromium: the export follows live search, campaign adds confirm first and can be
undone, an invalid filter shows an alert, and the contact page shows the number's local time."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts import services
from contacts.models import Campaign, CampaignMembership, Contact
from tests.conftest import login_in_browser
from tests.factories import make_contact, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST = ["Ann", "Bob", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana"]
LAST = ["Archer", "Baker", "Cole", "Diaz", "Evans"]


def build(workspace, n: int = 40) -> list[Contact]:
    people = [make_contact(workspace, f"+1415555{2000 + i:04d}", first_name=FIRST[i % len(FIRST)],
                           last_name=LAST[i % len(LAST)], company="Acme Dental" if i % 2 else "Beta Clinic")
              for i in range(n)]
    for person in people[:3]:
        services.contact_mark_dnc(contact=person, reason="Asked not to be called")
    return people


def downloaded_rows(page, link) -> list[dict[str, str]]:
    with page.expect_download() as info:
        link.click()
    path = info.value.path()
    with open(path, encoding="utf-8-sig") as handle:
        return list(csv.DictReader(io.StringIO(handle.read())))


def test_header_export_follows_live_search(page, screenshot, workspace):
    make_user("ops", workspace=workspace)
    build(workspace)
    login_in_browser(page, "ops")
    page.goto("/contacts/")
    export = page.get_by_test_id("export")
    expect(export).to_have_text("Export 40 contacts")

    page.get_by_role("searchbox").first.fill("archer")  # live search: htmx swaps the results, no reload
    page.wait_for_url("**/contacts/?*search=archer*")
    expect(page.get_by_test_id("total")).to_contain_text("8 contacts match")
    page.wait_for_load_state("networkidle")
    expect(export).to_have_text("Export 8 contacts")
    screenshot("mass-01-live-search-export")
    rows = downloaded_rows(page, export)
    assert len(rows) == 8 and {r["Last name"] for r in rows} == {"Archer"}

    page.get_by_label("Status").select_option("dnc")  # a second live change
    expect(page.get_by_test_id("total")).to_contain_text("1 contact matches")
    page.wait_for_load_state("networkidle")
    expect(export).to_have_text("Export 1 contact")
    rows = downloaded_rows(page, export)
    assert [r["Contact status"] for r in rows] == ["dnc"]


def test_campaign_add_confirms_then_undo(page, screenshot, workspace):
    make_user("ops", workspace=workspace)
    people = build(workspace)
    spring = services.campaign_create(workspace=workspace, name="Spring recall", status="active")
    earlier = [p.pk for p in people[3:11:2]]  # four active Acme contacts
    services.campaign_add_contacts(campaign=spring, contacts=Contact.objects.filter(pk__in=earlier))
    login_in_browser(page, "ops")
    page.goto(f"/campaigns/{spring.public_id}/")
    page.get_by_label("Add contacts matching").fill("beta")
    page.get_by_role("button", name="Add matching contacts").click()

    # 20 at Beta Clinic: 3 are DNC (people 0 and 2 are Beta; person 1 is Acme), none already in.
    expect(page.get_by_test_id("confirm-title")).to_have_text("Add 18 contacts to Spring recall?")
    expect(page.get_by_test_id("count-dnc")).to_have_text("2")
    expect(page.get_by_test_id("count-already")).to_have_text("0")
    assert page.get_by_text("is active").is_visible()
    assert CampaignMembership.objects.filter(campaign=spring).count() == 4  # nothing added yet
    screenshot("mass-02-campaign-add-confirm")
    page.get_by_role("button", name="Add 18 contacts").click()
    expect(page.locator(".alert-success")).to_contain_text("Added 18 contacts matching “beta” to Spring recall.")
    assert CampaignMembership.objects.filter(campaign=spring).count() == 22
    expect(page.get_by_test_id("recent-adds")).to_contain_text("Contacts matching “beta”")
    screenshot("mass-03-campaign-recent-adds")

    page.get_by_role("link", name="Undo this add").first.click()
    expect(page.get_by_test_id("confirm-title")).to_have_text("Undo this add: remove 18 members?")
    screenshot("mass-04-undo-confirm")
    page.get_by_role("button", name="Remove 18 members").click()
    expect(page.locator(".alert-success")).to_contain_text("removed 18 members")
    assert CampaignMembership.objects.filter(campaign=spring).count() == 4  # the earlier members stay

    page.get_by_role("link", name="Remove all members").click()
    expect(page.get_by_test_id("confirm-title")).to_have_text("Remove all 4 members?")
    page.get_by_role("button", name="Remove 4 members").click()
    expect(page.get_by_text("No members yet")).to_be_visible()
    assert not CampaignMembership.objects.filter(campaign=spring).exists()


def test_bulk_add_from_the_list_confirms_first(page, screenshot, workspace):
    make_user("ops", workspace=workspace)
    build(workspace)
    services.campaign_create(workspace=workspace, name="Whitening promo")
    login_in_browser(page, "ops")
    page.goto("/contacts/?company=acme")
    page.get_by_label("Select all contacts on this page").check()
    page.get_by_label("All 20 contacts matching this filter").check()
    page.get_by_label("Campaign to add to").select_option(label="Whitening promo")
    page.get_by_role("button", name="Add to campaign").click()
    expect(page.get_by_test_id("confirm-title")).to_have_text("Add 19 contacts to Whitening promo?")
    expect(page.get_by_test_id("count-dnc")).to_have_text("1")
    assert not CampaignMembership.objects.exists()
    screenshot("mass-05-bulk-add-confirm")
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_url("**/contacts/?company=acme*")
    assert not CampaignMembership.objects.exists()


def test_invalid_filter_shows_an_alert_and_no_rows(page, screenshot, workspace):
    make_user("ops", workspace=workspace)
    build(workspace)
    doomed = services.campaign_create(workspace=workspace, name="Doomed")
    login_in_browser(page, "ops")
    page.goto("/contacts/?status=bogus&last_called_after=2024-13-45")
    alert = page.get_by_test_id("filter-errors")
    expect(alert).to_contain_text("Status bogus")
    expect(alert).to_contain_text("Last called from 2024-13-45")
    assert page.locator(".contacts-table").count() == 0
    expect(page.get_by_test_id("export")).to_have_attribute("aria-disabled", "true")
    screenshot("mass-06-invalid-filter")

    # Live: the campaign picked in the filter is deleted meanwhile; the next htmx change answers 400 + alert.
    page.goto("/contacts/")
    page.get_by_label("Campaign", exact=True).select_option(label="Doomed")
    page.wait_for_url("**campaign_id=*")
    page.wait_for_load_state("networkidle")
    Campaign.objects.filter(pk=doomed.pk).delete()
    page.get_by_label("Status").select_option("active")
    expect(page.get_by_test_id("filter-errors")).to_contain_text("No campaign with this id.")
    expect(page.get_by_test_id("total")).to_have_text("Filter not valid: no contacts shown")
    expect(page.get_by_test_id("export")).to_have_attribute("aria-disabled", "true")
    assert page.locator(".contacts-table").count() == 0


def test_contact_page_local_time_under_a_frozen_clock(page, screenshot, workspace, monkeypatch):
    make_user("ops", workspace=workspace)
    nia = make_contact(workspace, "+12125550123", first_name="Nia", last_name="Nolan", company="Acme Dental")
    login_in_browser(page, "ops")
    # The live server runs in this process: freeze the clock its views read. Tue 08:29 UTC = 03:29 in New York.
    frozen = datetime(2026, 1, 6, 8, 29, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    page.clock.set_fixed_time(frozen)
    page.goto(f"/contacts/{nia.public_id}/")
    local = page.get_by_test_id("local-time")
    expect(local).to_have_text("Tue 03:29")
    assert local.get_attribute("datetime").startswith("2026-01-06T03:29:00-05:00")
    call_now = page.get_by_role("button", name="Call now")
    expect(call_now).to_be_disabled()
    expect(page.get_by_test_id("call-now-blocker")).to_have_text(
        "Outside calling hours · opens Tue 08:00 America/New_York")
    screenshot("mass-07-contact-outside-hours")

    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 1, 6, 15, 0, tzinfo=UTC))  # 10:00 there
    page.reload()
    expect(local).to_have_text("Tue 10:00")
    expect(call_now).to_be_enabled()
    assert page.get_by_test_id("call-now-blocker").count() == 0
