"""The dashboard's Done-when path in a real Chromium, with a screenshot of every page."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from contacts import services
from contacts.models import Campaign, CampaignMembership, Contact, ImportBatch
from tests.conftest import login_in_browser
from tests.factories import make_contact, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST = ["Ann", "Bob", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo", "Kai", "Lea", "Max", "Nia", "Oz"]
LAST = ["Archer", "Baker", "Cole", "Diaz", "Evans", "Frost", "Gray", "Hill", "Ito", "Jones"]


def build(workspace):
    spring = services.campaign_create(workspace=workspace, name="Spring recall", status="active")
    services.campaign_create(workspace=workspace, name="Whitening promo")
    people = []
    for i in range(30):
        people.append(make_contact(
            workspace, f"+1415555{1000 + i:04d}", first_name=FIRST[i % len(FIRST)], last_name=LAST[i % len(LAST)],
            email=f"{FIRST[i % len(FIRST)].lower()}{i}@example.com", company="Acme Dental" if i % 3 else "Beta Clinic",
            metadata={"source": "fair"} if i % 4 == 0 else {},
        ))
    services.campaign_add_contacts(campaign=spring, contacts=Contact.objects.filter(pk__in=[p.pk for p in people[:8]]))
    now = timezone.now()
    outcomes = [("booked", "positive", "completed"), ("callback", "neutral", "completed"),
                ("not_interested", "negative", "completed"), ("", "", "no_answer")]
    for i, person in enumerate(people[:12]):
        outcome, sentiment, status = outcomes[i % 4]
        services.call_log(workspace=workspace, contact=person, campaign=spring if i < 8 else None, status=status,
                          duration=30 + 7 * i, outcome=outcome, sentiment=sentiment,
                          recording_url="https://recordings.example/call.mp3" if status == "completed" else "",
                          transcript="Agent: Hi, this is Alex from Acme Dental.\nCustomer: Hi! Yes, Tuesday works."
                          if status == "completed" else "", created_at=now - timedelta(days=i % 9, hours=i))
    ImportBatch.objects.create(workspace=workspace, file_name="hubspot-export.csv", status="completed", imported=30,
                               duplicates_skipped=2, invalid_skipped=1)
    return spring, people


def test_done_when_path(page, screenshot, workspace, live_server):
    make_user("ops", workspace=workspace)
    spring, people = build(workspace)
    target = people[5]  # Fay Frost, +1 415 555 1005, in Spring recall

    login_in_browser(page, "ops")
    assert page.get_by_role("heading", name="Overview").is_visible()
    page.wait_for_selector("#chart-calls-per-day")
    screenshot("dashboard-01-overview")

    page.get_by_role("link", name="Contacts", exact=True).first.click()
    assert "30 contacts" in page.get_by_test_id("total").inner_text()
    screenshot("dashboard-02-contacts")

    # Search by a formatted phone.
    page.get_by_label("Search").fill("(415) 555-1005")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**search=*")
    assert "1 contact" in page.get_by_test_id("total").inner_text()
    assert page.locator("tbody tr").count() == 1
    assert "Fay Frost" in page.locator("tbody").inner_text()
    screenshot("dashboard-03-search-phone")

    # Filter by campaign, then by status.
    page.goto("/contacts/")
    page.get_by_label("Campaign", exact=True).select_option(label="Spring recall")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**campaign_id=*")
    assert page.locator("tbody tr").count() == 8
    screenshot("dashboard-04-filter-campaign")

    # Open the contact; mark DNC with a reason; see the badge.
    page.goto("/contacts/?search=fay+frost")
    page.get_by_role("link", name="Fay Frost").click()
    assert page.get_by_role("heading", name="Fay Frost").is_visible()
    page.get_by_text("Transcript").first.click()
    assert page.get_by_text("Tuesday works").is_visible()
    screenshot("dashboard-05-contact-detail")
    page.get_by_role("link", name="Mark DNC").click()
    page.get_by_role("button", name="Mark DNC").click()
    assert page.locator(".invalid-feedback").inner_text() == "A reason is required."
    page.get_by_label("Reason").fill("Asked not to be called again")
    screenshot("dashboard-06-mark-dnc")
    page.get_by_role("button", name="Mark DNC").click()
    page.wait_for_url(f"**/contacts/{target.public_id}/")
    assert page.get_by_test_id("status-badge").inner_text() == "DNC"
    assert page.get_by_text("Asked not to be called again").first.is_visible()

    # Call now on a DNC contact is disabled, and says why.
    call_now = page.get_by_role("button", name="Call now")
    assert call_now.is_disabled() and call_now.get_attribute("aria-describedby") == "call-now-blocker"
    assert "Do-Not-Call" in page.get_by_test_id("call-now-blocker").inner_text()
    alert = page.locator(".alert-danger").first
    assert "will not be dialed" in alert.inner_text()
    screenshot("dashboard-07-call-refused")

    # Status filter shows it.
    page.goto("/contacts/?status=dnc")
    assert page.locator("tbody tr").count() == 1
    screenshot("dashboard-08-filter-dnc")

    # Select all matching "Acme Dental" (more than one page) and add them to a campaign.
    page.goto("/contacts/?company=acme&per_page=20")
    assert "20 contacts match" in page.get_by_test_id("total").inner_text()
    page.get_by_label("Select all contacts on this page").check()
    page.get_by_label("All 20 contacts matching this filter").check()
    page.get_by_label("Campaign to add to").select_option(label="Whitening promo")
    screenshot("dashboard-09-bulk-select")
    page.get_by_role("button", name="Add to campaign").click()
    assert page.get_by_test_id("confirm-title").inner_text() == "Add 19 contacts to Whitening promo?"
    assert not CampaignMembership.objects.filter(campaign__name="Whitening promo").exists()
    page.get_by_role("button", name="Add 19 contacts").click()
    message = page.locator(".alert-success").inner_text()
    assert "Added 19 contacts to Whitening promo. Skipped 1 DNC contact." in message, message
    whitening = Campaign.objects.get(name="Whitening promo")
    assert CampaignMembership.objects.filter(campaign=whitening).count() == 19
    screenshot("dashboard-10-bulk-added")

    # Export and check rows and columns.
    page.goto("/contacts/?company=beta")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export 10 contacts").click()
    download = download_info.value
    text = open(download.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 10
    assert {"Phone", "First name", "Last name", "Email", "Company", "Calls count", "Last call outcome",
            "Last call sentiment", "source"} <= set(rows[0])  # headers in words; a custom field keeps its key
    assert all(r["Company"] == "Beta Clinic" and r["Phone"].startswith("+1415555") for r in rows)

    # Delete ticked rows with a confirmation showing the count.
    page.goto("/contacts/?company=beta&sort=name")
    boxes = page.locator(".row-check")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Delete").click()
    assert "Delete 2 contacts?" in page.get_by_role("heading").first.inner_text()
    screenshot("dashboard-11-bulk-delete-confirm")
    page.get_by_role("button", name="Delete 2 contacts").click()
    assert "Deleted 2 contacts." in page.locator(".alert-success").inner_text()
    assert Contact.objects.count() == 28

    # Delete one contact from its page.
    page.goto(f"/contacts/{target.public_id}/")
    page.get_by_role("link", name="Delete").click()
    screenshot("dashboard-12-delete-confirm")
    page.get_by_role("button", name="Delete contact").click()
    assert "deleted" in page.locator(".alert-success").inner_text()
    assert not Contact.objects.filter(pk=target.pk).exists()


def test_other_pages(page, screenshot, workspace):
    make_user("ops", workspace=workspace)
    spring, people = build(workspace)
    login_in_browser(page, "ops")
    page.goto("/contacts/new/")
    page.get_by_label("Phone").fill("415 555 1000")
    page.get_by_role("button", name="Create contact").click()
    assert page.get_by_text("already exists").is_visible()
    screenshot("dashboard-13-contact-duplicate")
    page.get_by_role("link", name="Open the existing contact").click()
    page.wait_for_url(f"**/contacts/{people[0].public_id}/")
    page.get_by_role("link", name="Edit").click()
    screenshot("dashboard-14-contact-edit")
    page.goto("/campaigns/")
    screenshot("dashboard-15-campaigns")
    page.get_by_role("link", name="Spring recall").click()
    screenshot("dashboard-16-campaign-detail")
    page.goto("/campaigns/new/")
    screenshot("dashboard-17-campaign-new")
    page.goto("/calls/")
    assert page.locator("tbody tr").count() == 12
    screenshot("dashboard-18-calls")
    page.get_by_label("Sentiment").select_option("positive")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**sentiment=positive*")
    assert page.locator("tbody tr").count() == 3
    page.goto("/contacts/?search=zzzz")
    screenshot("dashboard-19-contacts-empty")
    page.set_viewport_size({"width": 820, "height": 1100})  # a tablet
    page.goto("/contacts/")
    screenshot("dashboard-20-contacts-tablet")
