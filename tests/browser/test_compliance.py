"""A compliance officer works the compliance page in a real Chromium; a member reads "Why can't I call?"."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts import services
from contacts.compliance import manage
from contacts.models import ConsentRevocation, RegistrySource, Role, WorkspaceRule
from tests.conftest import login_in_browser
from tests.factories import make_contact, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_compliance_officer_uploads_a_registry_file_adds_a_rule_and_revokes(page, screenshot, workspace):
    make_user("cora", workspace=workspace, role=Role.COMPLIANCE)
    manage.registry_import(workspace=workspace, lines=["2125550100"], name="National 212",
                           downloaded_on=timezone.now().date() - timedelta(days=40))
    login_in_browser(page, "cora")
    page.get_by_role("link", name="Compliance").click()
    page.wait_for_url("**/compliance/")
    expect(page.get_by_test_id("registry-warning")).to_contain_text("40 days old")
    expect(page.get_by_test_id("rules-table").locator('tr[data-rule="fl-frequency-cap"]')).to_contain_text(
        "Fla. Stat. § 501.616(6)(b)")
    screenshot("compliance-01-page")

    page.get_by_label("Registry file").set_input_files(files=[{
        "name": "dnc-305.txt", "mimeType": "text/plain", "buffer": b"3055550100\n3055550101\n7865550199\n"}])
    page.get_by_label("Name").fill("National DNC 305, 786")
    page.get_by_role("button", name="Upload registry file").click()
    expect(page.locator(".alert-success")).to_contain_text("3 numbers in 2 area codes")
    expect(page.get_by_test_id("registry-warning")).to_have_count(0)
    assert RegistrySource.objects.count() == 2

    page.get_by_label("Add a stricter rule of this workspace").fill(
        '{"id": "fl-late", "jurisdiction": "US-FL", "kind": "window", "start": "08:00", "end": "22:00", '
        '"applies_to": ["telemarketing"], "source": "Sales wish", "effective": "2026-01-01"}')
    page.get_by_role("button", name="Add rule").click()
    expect(page.locator(".alert-danger")).to_contain_text("may only be stricter")
    page.get_by_label("Add a stricter rule of this workspace").fill(
        '{"id": "no-saturdays", "jurisdiction": "US", "kind": "closed_days", "weekdays": ["sat"], '
        '"applies_to": ["telemarketing"], "source": "Our calling policy", "effective": "2026-01-01"}')
    page.get_by_role("button", name="Add rule").click()
    expect(page.locator('tr[data-rule="no-saturdays"]')).to_contain_text("Our calling policy")
    assert WorkspaceRule.objects.count() == 1

    page.get_by_label("Number", exact=True).fill("(305) 555-0142")
    page.get_by_label("How the person asked").fill("Replied STOP to a text")
    page.get_by_role("button", name="Revoke consent now").click()
    expect(page.get_by_test_id("revocations")).to_contain_text("Replied STOP to a text")
    assert ConsentRevocation.objects.get().phone == "+13055550142"
    screenshot("compliance-02-after")


def test_why_cant_i_call_on_the_contact_page(page, screenshot, workspace):
    make_user("mia", workspace=workspace, role=Role.MEMBER)
    contact = make_contact(workspace, "+13055550100", first_name="Ann", last_name="Archer", consent=None,
                           metadata={"State": "FL"})
    campaign = services.campaign_create(workspace=workspace, name="Dental recall", type="informational",
                                        subject="recall")
    services.campaign_add_contacts(campaign=campaign, contacts=contact.__class__.objects.filter(pk=contact.pk))
    manage.registry_import(workspace=workspace, lines=["3055550100"], name="National 305",
                           downloaded_on=timezone.now().date())
    login_in_browser(page, "mia")
    page.goto(f"/contacts/{contact.public_id}/")
    panel = page.get_by_test_id("call-decision")
    expect(panel.get_by_role("heading", name="Why can't I call?")).to_be_visible()
    expect(panel.locator('li[data-code="no_consent"]').first).to_be_visible()
    expect(panel.locator('li[data-code="dnc_registry"]')).to_have_count(1)  # telemarketing only
    expect(panel).to_contain_text("Campaign Dental recall")
    expect(page.get_by_test_id("call-now")).to_be_disabled()
    expect(page.get_by_test_id("call-now-blocker")).to_contain_text("Not allowed")
    screenshot("compliance-03-contact")
