"""Keyboard and getting around, in a real Chromium: skip link, "/" to search, focus on the first field of forms and
confirmations, a focus ring you can see on the dark navbar, the selection bar with "Select all N matching"; the
Import button, KPI links and plan meter; a vCard through the wizard on a phone with the preview's filter chips,
and Discard."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from contacts import tasks
from contacts.models import Contact, ImportBatch
from tests.browser.pages import build_world
from tests.conftest import ARTIFACTS, login_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VCARDS = Path(__file__).resolve().parent.parent / "fixtures" / "vcards"


def active(page) -> dict:
    return page.evaluate("""() => { const el = document.activeElement;
        return {id: el.id, tag: el.tagName, text: (el.innerText || el.value || '').trim().slice(0, 60),
                label: el.getAttribute('aria-label') || ''}; }""")


def test_keyboard_skip_link_search_shortcut_focus_ring_and_first_fields(page, workspace):
    world = build_world(workspace)
    login_in_browser(page, "ops")
    page.goto("/contacts/")
    page.keyboard.press("Tab")
    assert active(page)["text"] == "Skip to content"
    assert page.locator(".skip-link").is_visible()  # shown when focused
    page.keyboard.press("Enter")
    assert active(page)["id"] == "main-content"
    # "/" jumps to search from anywhere on the page (not while typing in a field).
    page.keyboard.press("/")
    assert active(page)["id"] == "id_search"
    page.keyboard.type("fay")
    assert page.locator("#id_search").input_value() == "fay"  # a "/" typed in a field stays a character

    # The focus ring on the dark navbar: white, thick, visible.
    page.goto("/")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")  # the brand
    ring = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return {color: s.outlineColor, width: s.outlineWidth, style: s.outlineStyle,
                inNavbar: !!document.activeElement.closest('.navbar')}; }""")
    assert ring == {"color": "rgb(255, 255, 255)", "width": "3px", "style": "solid", "inNavbar": True}, ring
    page.screenshot(path=str(ARTIFACTS / "keyboard-01-navbar-focus.png"), clip={"x": 0, "y": 0, "width": 900,
                                                                             "height": 80})

    # Forms and confirmations start on their first field: no Tab needed to type the reason.
    target = world["target"]
    page.goto(f"/contacts/{target.public_id}/dnc/")
    assert active(page)["id"] == "id_reason"
    page.keyboard.type("Asked not to be called again")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/contacts/{target.public_id}/")
    assert Contact.objects.get(pk=target.pk).status == "dnc"
    page.goto("/contacts/new/")
    assert active(page)["id"] == "id_phone"
    page.goto("/campaigns/new/")
    assert active(page)["id"] == "id_name"
    page.goto("/dnc/add/")
    assert active(page)["id"] == "id_numbers"
    page.goto(f"/contacts/{world['people'][7].public_id}/delete/")
    assert active(page)["text"] == "Cancel"  # a destructive confirmation starts on the safe choice
    page.goto("/imports/new/")
    assert active(page)["id"] == "id_file"


def test_selection_bar_appears_with_select_all_matching(page, workspace):
    build_world(workspace)
    login_in_browser(page, "ops")
    page.goto("/contacts/?company=bayview")
    bar = page.locator("#selection-bar")
    expect(bar).to_be_hidden()
    boxes = page.locator(".row-check")
    boxes.nth(0).focus()
    page.keyboard.press("Space")  # by keyboard
    expect(bar).to_be_visible()
    expect(page.locator("#selected-count")).to_have_text("1 selected on this page")
    page.screenshot(path=str(ARTIFACTS / "keyboard-02-selection-bar.png"))
    total = Contact.objects.filter(workspace=workspace, company__icontains="bayview").count()
    page.get_by_label(f"Select all {total} contacts matching this filter").check()
    expect(page.locator("#selected-count")).to_have_text(f"All {total} matching selected")
    page.get_by_role("button", name="Clear selection").click()
    expect(bar).to_be_hidden()
    assert boxes.nth(0).is_checked() is False


def test_getting_around_import_button_kpis_plan_meter(page, workspace):
    build_world(workspace)
    login_in_browser(page, "ops")
    page.goto("/")
    expect(page.get_by_test_id("plan-meter")).to_contain_text("31 of 1,000 contacts")
    page.get_by_test_id("kpi-dnc").click()
    page.wait_for_url("**/contacts/?status=dnc")
    expect(page.get_by_test_id("total")).to_contain_text("1 contact")
    page.goto("/")
    page.get_by_test_id("kpi-calls-7").click()
    page.wait_for_url("**/calls/?date_after=*")
    page.goto("/")
    page.get_by_role("link", name="Import contacts").first.click()
    page.wait_for_url("**/imports/new/")  # the wizard, not the list of imports
    page.goto("/contacts/")
    expect(page.get_by_test_id("plan-meter")).to_contain_text("31 of 1,000 contacts")
    page.get_by_test_id("import-button").click()
    page.wait_for_url("**/imports/new/")


def test_vcard_on_a_phone_with_chips_discard_and_import(page, workspace, user, monkeypatch):
    monkeypatch.setattr(tasks, "enqueue_import", lambda batch: tasks.run_import_batch.enqueue(batch.public_id))
    page.set_viewport_size({"width": 390, "height": 844})
    login_in_browser(page, user.username)
    # A draft never imported can be discarded from the list.
    page.goto("/imports/new/")
    page.get_by_label("CSV or Excel file").set_input_files(str(VCARDS / "outlook-2.1.vcf"))
    page.get_by_role("button", name="Upload and map columns").click()
    page.wait_for_url("**/mapping/")
    page.goto("/imports/")
    expect(page.locator('tr[data-status="draft"]')).to_contain_text("if not imported")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Discard outlook-2.1.vcf").click()
    expect(page.locator(".alert-success")).to_contain_text("Discarded outlook-2.1.vcf")
    assert not ImportBatch.objects.exists()

    page.goto("/imports/new/")
    page.get_by_label("CSV or Excel file").set_input_files(str(VCARDS / "iphone-icloud-3.0.vcf"))
    page.get_by_role("button", name="Upload and map columns").click()
    page.wait_for_url("**/mapping/")
    expect(page.get_by_text("vCard (version 3.0)")).to_be_visible()
    assert page.get_by_label("Mobile phone", exact=True).input_value() == "phone"
    assert page.get_by_label("Country", exact=True).input_value() == "country"
    page.screenshot(path=str(ARTIFACTS / "vcard-01-mapping-phone.png"), full_page=True)
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url("**/preview/")
    expect(page.locator('[data-count="imported"]')).to_have_text("4")
    # The chips show the problem rows of the whole file.
    page.locator('[data-chip="invalid"]').click()
    page.wait_for_url("**show=invalid*")
    rows = page.locator("tr[data-verdict]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("No phone number")
    page.locator('[data-chip="duplicate"]').click()
    expect(page.locator("tr[data-verdict]")).to_have_count(1)
    expect(page.locator("tr[data-verdict]").first).to_contain_text("Duplicate in this file")
    page.screenshot(path=str(ARTIFACTS / "vcard-02-preview-chip-phone.png"))
    overflow = page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert overflow
    page.get_by_role("button", name="Import 4 contacts").click()
    page.wait_for_url(re.compile(r".*/imports/import_\w+/(#.*)?$"))  # the chip's #preview-rows rides along
    expect(page.get_by_test_id("status")).to_have_text("Completed")
    expect(page.get_by_test_id("errors")).to_contain_text("No phone number")
    page.screenshot(path=str(ARTIFACTS / "vcard-03-result-phone.png"), full_page=True)
    assert Contact.objects.filter(workspace=workspace).count() == 4
