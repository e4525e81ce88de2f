"""A compliance officer runs the Do-Not-Call list entirely from /dnc/ in a real Chromium, with screenshots."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from contacts import services
from contacts.compliance.models import DncAuditLog, DncEntry
from contacts.models import Contact, Role
from tests.conftest import login_in_browser
from tests.factories import make_contact, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DNC_FILE = (
    "\ufeffphone;reason\n"
    "(646) 555-0112;Complaint by email\n"
    "312-555-0199;\n"
    "12345;typo in the CRM\n"
    "+1 646 555 0112;repeated\n"
    "not a phone;?\n"
    "+44 20 7946 0018;UK opt-out\n"
)


def test_compliance_officer_runs_the_dnc_list(page, screenshot, workspace):
    make_user("cora", workspace=workspace, role=Role.COMPLIANCE)
    boss = make_user("olivia", workspace=workspace, role=Role.OWNER)
    make_contact(workspace, "+14155550101", first_name="Ann", last_name="Archer", company="Acme Dental")
    make_contact(workspace, "+16465550112", first_name="Bob", last_name="Baker")
    make_contact(workspace, "+13125550199", first_name="Cy", last_name="Cole", company="Beta Clinic")
    services.dnc_add_number(workspace=workspace, phone="+12025550143", reason="Litigator list", actor=boss)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    login_in_browser(page, "cora")
    page.get_by_role("link", name="Do-Not-Call").click()
    page.wait_for_url("**/dnc/")
    expect(page.get_by_test_id("dnc-total")).to_have_text("1 listed number")
    screenshot("dnc-01-list")

    # Add two numbers and a mistake: each gets its own result.
    page.get_by_role("link", name="Add numbers").click()
    page.get_by_label("Numbers").fill("(415) 555-0101\n212 555 0188, 555-12")
    page.get_by_role("button", name="Add to the list").click()
    expect(page.locator(".invalid-feedback")).to_have_text("A reason is required.")
    page.get_by_label("Reason").fill("Asked not to be called again")
    page.get_by_role("button", name="Add to the list").click()
    expect(page.locator(".alert-success")).to_contain_text("Done: 2 added, 1 invalid number.")
    results = page.get_by_test_id("add-results")
    expect(results.locator('tr[data-verdict="add"]')).to_have_count(2)
    expect(results.locator('tr[data-verdict="invalid"]')).to_have_count(1)
    screenshot("dnc-02-added")
    assert Contact.objects.get(phone="+14155550101").status == "dnc"

    # Upload a CSV with bad rows: preview first, then apply, then the per-row report.
    page.get_by_test_id("dnc-tabs").get_by_role("link", name="Upload").click()
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "state-dnc.csv", "mimeType": "text/csv", "buffer": DNC_FILE.encode("utf-8")}])
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url("**/dnc/upload/*/")
    counts = page.get_by_test_id("dnc-counts")
    expect(counts.locator('[data-count="add"]')).to_have_text("2")
    expect(counts.locator('[data-count="no_reason"]')).to_have_text("1")
    expect(counts.locator('[data-count="invalid"]')).to_have_text("2")
    screenshot("dnc-03-upload-preview")
    page.get_by_label("Reason for rows without one").fill("State DNC registry, March")
    page.get_by_role("button", name="Update preview").click()
    expect(counts.locator('[data-count="add"]')).to_have_text("3")
    page.get_by_role("button", name="Add 3 numbers").click()
    page.wait_for_url("**/report/")
    expect(page.get_by_role("heading", name="Upload report")).to_be_visible()
    report = page.get_by_test_id("report-problems")
    expect(report.locator("tbody tr")).to_have_count(2)
    expect(report).to_contain_text("typo in the CRM")
    expect(report).to_contain_text("not a phone")
    screenshot("dnc-04-upload-report")
    assert DncEntry.objects.get(phone="+13125550199").reason == "State DNC registry, March"

    # Search a number typed the way people type it.
    page.get_by_role("link", name="Back to the list").click()
    expect(page.get_by_test_id("dnc-total")).to_have_text("6 listed numbers")
    page.get_by_label("Search the list").fill("646.555.0112")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("dnc-total")).to_contain_text("1 listed number match")
    row = page.locator('tr[data-phone="+16465550112"]')
    expect(row.get_by_role("link", name="Bob Baker")).to_be_visible()
    screenshot("dnc-05-search")

    # Remove it with a reason; the reason field has the focus.
    row.get_by_role("link", name="Remove").click()
    expect(page.get_by_label("Reason")).to_be_focused()
    page.get_by_role("button", name="Remove from the list").click()
    expect(page.locator(".invalid-feedback")).to_have_text("A reason is required.")
    page.get_by_label("Reason").fill("Number reassigned to a new owner")
    screenshot("dnc-06-remove")
    page.get_by_role("button", name="Remove from the list").click()
    expect(page.locator(".alert-success")).to_contain_text("1 contact can be called again")
    assert Contact.objects.get(phone="+16465550112").status == "active"

    # The audit log, filtered by action and by number.
    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Action").select_option("removed")
    page.get_by_role("button", name="Filter").click()
    log = page.get_by_test_id("audit-log")
    expect(log.locator("tbody tr")).to_have_count(1)
    expect(log).to_contain_text("Number reassigned to a new owner")
    expect(log).to_contain_text("cora")
    screenshot("dnc-07-audit-removed")
    page.get_by_label("Action").select_option("")
    page.get_by_label("Number").fill("(646) 555-0112")
    page.get_by_role("button", name="Filter").click()
    expect(log.locator("tbody tr")).to_have_count(2)
    page.get_by_label("Number").fill("")
    page.get_by_label("Who").fill("olivia")
    page.get_by_role("button", name="Filter").click()
    expect(log.locator("tbody tr")).to_have_count(1)
    expect(log).to_contain_text("Litigator list")
    page.get_by_label("Who").fill("")
    page.get_by_role("button", name="Filter").click()
    screenshot("dnc-08-audit")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    assert "Number reassigned to a new owner" in text
    assert DncAuditLog.objects.count() == 7
    assert not problems, problems  # no CSP violation, no script error


def test_member_adds_but_cannot_remove_or_upload(page, screenshot, workspace):
    make_user("max", workspace=workspace, role=Role.MEMBER)
    services.dnc_add_number(workspace=workspace, phone="+12025550143", reason="Litigator list")
    login_in_browser(page, "max")
    page.goto("/dnc/")
    expect(page.get_by_role("link", name="Add numbers")).to_be_visible()
    expect(page.get_by_role("link", name="Upload CSV")).to_have_count(0)
    expect(page.get_by_role("link", name="Remove")).to_have_count(0)
    screenshot("dnc-09-member")
    page.goto("/dnc/upload/")
    expect(page.get_by_text("does not allow you to")).to_be_visible()
