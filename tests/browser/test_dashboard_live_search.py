"""Typing in the contacts search updates the results in place (htmx): no page reload, URL kept shareable."""
import pytest
from playwright.sync_api import expect

from tests.conftest import login_in_browser
from tests.factories import make_contact, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_live_search_swaps_results_without_reloading(page, screenshot, workspace):
    make_user("ops", workspace=workspace)
    make_contact(workspace, "+14155550101", first_name="Ann", last_name="Archer")
    make_contact(workspace, "+14155550202", first_name="Bob", last_name="Baker")
    make_contact(workspace, "+12125550303", first_name="Cy", last_name="Cole")
    login_in_browser(page, "ops")
    page.goto("/contacts/")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "htmx" in m.text else None)
    page.evaluate("window.__noReload = true")
    page.get_by_role("searchbox").first.fill("(415) 555")
    page.wait_for_url("**/contacts/?*search=*")
    page.get_by_test_id("total").get_by_text("2 contacts").wait_for()
    page.wait_for_load_state("networkidle")  # every request the typing started has been answered and swapped
    rows = page.locator(".contacts-table tbody tr")
    assert rows.count() == 2
    assert page.evaluate("window.__noReload === true")  # the page was not reloaded
    assert page.locator("#saved-view-query").input_value().startswith("search=")
    # Bulk selection still works on the swapped-in rows.
    page.locator("#select-page").check()
    expect(page.locator("#selected-count")).to_have_text("2 selected on this page")
    page.get_by_label("Status").select_option("dnc")
    page.get_by_text("No contacts match these filters").wait_for()
    screenshot("dashboard-live-search")
    assert not errors, errors  # e.g. htmx:syntax:error from a bad hx-trigger
    page.reload()  # the URL holds the state
    assert page.get_by_label("Status").input_value() == "dnc"
