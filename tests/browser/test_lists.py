"""Lists in a real Chromium: tick rows and add them to a list, filter the contacts list by it, save a search as a
list, fill a campaign from a list (DNC excluded) and delete a list without losing its contacts."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from contacts import services
from contacts.models import CampaignMembership, Contact, ContactList
from tests.browser.pages import axe_violations
from tests.conftest import login_in_browser
from tests.factories import make_contact, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lists_journey(page, screenshot, workspace):
    make_user("ops", workspace=workspace)
    people = [make_contact(workspace, f"+1415555{3000 + i:04d}", first_name=name,
                           last_name="Archer" if i < 3 else "Baker", company="Acme Dental")
              for i, name in enumerate(["Ann", "Bob", "Cara", "Dev", "Eli"])]
    services.contact_mark_dnc(contact=people[1], reason="Asked not to be called")
    services.list_create(workspace=workspace, name="Open house")
    campaign = services.campaign_create(workspace=workspace, name="Spring recall")
    login_in_browser(page, "ops")

    page.goto("/contacts/?search=archer")
    expect(page.get_by_test_id("total")).to_contain_text("3 contacts match")
    page.get_by_label("Select Ann Archer").check()
    page.get_by_label("Select Bob Archer").check()
    page.get_by_label("List to add to or remove from").select_option(label="Open house")
    screenshot("lists-01-ticked")
    page.get_by_role("button", name="Add to list").click()
    expect(page.get_by_text("Added 2 contacts to the list “Open house”.")).to_be_visible()

    page.goto("/contacts/?search=archer")
    page.get_by_label("Select all contacts on this page").check()  # the selection bar shows once a row is ticked
    page.get_by_label("Select all 3 contacts matching this filter").check()
    page.get_by_label("Name of a new list for the selected contacts").fill("Archers")
    page.get_by_role("button", name="Save as list").click()
    expect(page.get_by_text("Saved 3 contacts as the list “Archers”.")).to_be_visible()
    expect(page.get_by_test_id("total")).to_contain_text("3 contacts match")
    screenshot("lists-02-saved-search")

    page.get_by_role("link", name="Lists").first.click()
    page.wait_for_url("**/contacts/lists/")
    rows = page.get_by_test_id("lists-table").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Open house").get_by_test_id("list-count")).to_have_text("2")
    screenshot("lists-03-lists-page")

    row = rows.filter(has_text="Open house")
    row.get_by_label("Campaign to fill from Open house").select_option(label="Spring recall")
    row.get_by_role("button", name="Fill campaign").click()
    expect(page.get_by_text("Add 1 contact to Spring recall?")).to_be_visible()
    screenshot("lists-04-fill-confirm")
    page.get_by_role("button", name="Add 1 contact").click()
    expect(page.get_by_text("Skipped 1 DNC contact.")).to_be_visible()
    assert set(CampaignMembership.objects.filter(campaign=campaign).values_list("contact_id", flat=True)) == \
        {people[0].pk}

    page.goto("/contacts/")
    page.get_by_label("List", exact=True).select_option(label="Open house")  # live filter: htmx swaps the rows
    expect(page.get_by_test_id("total")).to_contain_text("2 contacts match")
    screenshot("lists-05-filtered")

    page.goto("/contacts/lists/")
    page.get_by_role("link", name="Delete Open house").click()
    expect(page.get_by_test_id("confirm-count")).to_contain_text("holds 2 contacts")
    page.get_by_role("button", name="Delete the list").click()
    expect(page.get_by_text("Its 2 contacts are kept.")).to_be_visible()
    assert not ContactList.objects.filter(name="Open house").exists()
    assert Contact.objects.filter(workspace=workspace).count() == 5


def test_tags_journey(page, screenshot, workspace):
    make_user("ops", workspace=workspace)
    for i, name in enumerate(["Ann", "Bob", "Cara", "Dev"]):
        make_contact(workspace, f"+1415555{3100 + i:04d}", first_name=name, last_name="Archer" if i < 2 else "Baker")
    login_in_browser(page, "ops")

    page.goto("/contacts/tags/")
    page.get_by_label("New tag").fill("VIP")
    page.get_by_label("Colour").select_option(label="Purple")
    page.get_by_role("button", name="Create tag").click()
    expect(page.get_by_text("Tag “VIP” created.")).to_be_visible()
    page.get_by_label("New tag").fill("Hot")
    page.get_by_role("button", name="Create tag").click()
    expect(page.get_by_test_id("tags-table").locator("tbody tr")).to_have_count(2)

    page.goto("/contacts/?search=archer")
    page.get_by_label("Select all contacts on this page").check()
    page.get_by_label("Select all 2 contacts matching this filter").check()
    page.get_by_label("Tag to add or remove").select_option(label="VIP")
    page.get_by_role("button", name="Tag", exact=True).click()
    expect(page.get_by_text("Tagged 2 contacts “VIP”.")).to_be_visible()

    page.goto("/contacts/")
    page.get_by_label("Select Ann Archer").check()
    page.get_by_label("Select Cara Baker").check()
    page.get_by_label("Tag to add or remove").select_option(label="Hot")
    page.get_by_role("button", name="Tag", exact=True).click()
    expect(page.get_by_text("Tagged 2 contacts “Hot”.")).to_be_visible()
    expect(page.locator("tr", has_text="Ann Archer").locator(".badge", has_text="VIP")).to_be_visible()
    screenshot("tags-01-badges")

    page.get_by_label("Tags", exact=True).select_option(["VIP", "Hot"])  # live filter: htmx swaps the rows
    expect(page.get_by_test_id("total")).to_contain_text("3 contacts match")
    page.get_by_label("Tag match").select_option("all")
    expect(page.get_by_test_id("total")).to_contain_text("1 contact matches")
    assert "tags_mode=all" in page.url
    screenshot("tags-02-all-of")


def test_custom_field_filter_journey(page, screenshot, workspace):
    make_user("ops", workspace=workspace)
    for i, (name, budget) in enumerate([("Ann", 100), ("Bob", 800), ("Cara", 1500)]):
        make_contact(workspace, f"+1415555{3200 + i:04d}", first_name=name, last_name="Archer",
                     metadata={"budget": budget})
    login_in_browser(page, "ops")

    page.goto("/settings/custom-fields/")
    page.get_by_label("Label").fill("Treatment budget")
    page.get_by_label("Key").fill("budget")
    page.get_by_label("Type").select_option(label="Number")
    page.get_by_role("button", name="Add field").click()
    expect(page.get_by_text("Custom field “Treatment budget” (budget) created.")).to_be_visible()
    screenshot("custom-01-settings")

    page.goto("/contacts/")
    page.get_by_label("Treatment budget from").fill("500")
    page.get_by_label("Treatment budget from").press("Enter")
    expect(page.get_by_test_id("total")).to_contain_text("2 contacts match")
    page.get_by_label("Treatment budget to").fill("1000")
    page.get_by_label("Treatment budget to").press("Enter")
    expect(page.get_by_test_id("total")).to_contain_text("1 contact matches")
    expect(page.get_by_role("link", name="Bob Archer")).to_be_visible()
    assert "custom.budget__gte=500" in page.url and "custom.budget__lte=1000" in page.url
    screenshot("custom-02-filtered")
    page.get_by_label("Treatment budget to").fill("")
    page.get_by_label("Treatment budget from").fill("")
    page.get_by_label("Treatment budget from").press("Enter")
    expect(page.get_by_test_id("total")).to_contain_text("3 contacts")

    # Set the field in bulk: tick two rows, choose the field, give a typed value, apply. (A fresh page: the live
    # filter may still swap the table in after the cleared inputs, which would untick the rows.)
    page.goto("/contacts/")
    page.get_by_label("Select Ann Archer").check()
    page.get_by_label("Select Cara Archer").check()
    expect(page.get_by_label("Select Ann Archer")).to_be_checked()
    page.get_by_label("Custom field to set").select_option(label="Treatment budget")
    page.get_by_role("button", name="Set field…").click()
    expect(page.get_by_test_id("confirm-count")).to_contain_text("2 contacts")
    value = page.get_by_label("Treatment budget", exact=True)
    assert value.get_attribute("type") == "number"
    value.fill("900")
    screenshot("custom-03-set-field")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Apply to 2 contacts").click()
    expect(page.get_by_text("Set Treatment budget to “900” on 2 contacts.")).to_be_visible()
    page.get_by_label("Treatment budget from").fill("900")
    page.get_by_label("Treatment budget to").fill("900")
    page.get_by_label("Treatment budget to").press("Enter")
    expect(page.get_by_test_id("total")).to_contain_text("2 contacts match")


def test_set_field_page_on_a_phone(page, screenshot, workspace):
    make_user("ops", workspace=workspace)
    services.field_create(workspace=workspace, key="plan", label="Plan", type="choice", choices=["Gold", "Silver"])
    make_contact(workspace, "+14155553301", first_name="Ann", last_name="Archer")
    page.set_viewport_size({"width": 390, "height": 844})
    login_in_browser(page, "ops")
    page.goto("/contacts/")
    page.get_by_label("Select Ann Archer").check()
    page.get_by_label("Custom field to set").select_option(label="Plan")
    page.get_by_role("button", name="Set field…").click()
    expect(page.get_by_test_id("confirm-count")).to_contain_text("1 contact")
    page.get_by_label("Plan", exact=True).select_option("Silver")
    screenshot("custom-04-set-field-phone")
    assert axe_violations(page) == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Apply to 1 contact").click()
    expect(page.get_by_text("Set Plan to “Silver” on 1 contact.")).to_be_visible()
    assert Contact.objects.get(first_name="Ann").metadata["plan"] == "Silver"
