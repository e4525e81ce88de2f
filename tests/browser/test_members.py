"""Members page and role-aware pages through a real browser."""
import pytest

from contacts.models import Membership
from tests.conftest import login_in_browser
from tests.factories import make_contact, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_adds_changes_and_removes_a_member(page, screenshot, workspace):
    make_user("ops", workspace=workspace)
    make_user("ada", workspace=workspace, role="admin")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login_in_browser(page, "ops")
    page.get_by_test_id("account-menu").click()  # settings live in the account menu
    page.get_by_role("link", name="Members").click()
    page.get_by_label("Username or email").fill("newbie@example.com")
    page.get_by_label("Role", exact=True).select_option("compliance")
    page.get_by_role("button", name="Add member").click()
    link = page.get_by_label("Set-password link").input_value()
    assert "/accounts/set-password/" in link
    screenshot("members-added")
    row = page.locator('tr[data-member="newbie@example.com"]')
    assert row.get_by_test_id("member-role").inner_text() == "Compliance"
    row.get_by_label("Role of newbie@example.com", exact=True).select_option("viewer")
    row.get_by_role("button", name="Save the role of newbie@example.com").click()
    assert page.get_by_text("newbie@example.com is now viewer (was compliance).").is_visible()
    page.locator('tr[data-member="newbie@example.com"]').get_by_role("link", name="Remove").click()
    screenshot("members-remove-confirm")
    page.get_by_role("button", name="Remove newbie@example.com").click()
    assert page.get_by_text("Removed newbie@example.com from Acme Dental.").is_visible()
    assert not Membership.objects.filter(user__username="newbie@example.com").exists()
    assert not errors, errors


def test_a_viewer_sees_no_actions_and_a_clear_403(page, screenshot, workspace):
    make_user("val", workspace=workspace, role="viewer")
    contact = make_contact(workspace, first_name="Lin")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login_in_browser(page, "val")
    page.goto(f"/contacts/{contact.public_id}/")
    assert page.get_by_text("Viewer").first.is_visible()
    for name in ("Call now", "Edit", "Mark DNC", "Merge", "Delete"):
        assert page.get_by_role("button", name=name).count() + page.get_by_role("link", name=name).count() == 0
    assert page.get_by_role("link", name="API keys").count() == 0
    page.goto("/contacts/")
    assert page.get_by_role("link", name="New contact").count() == 0
    assert page.get_by_role("button", name="Delete").count() == 0
    screenshot("viewer-contacts")
    response = page.goto(f"/contacts/{contact.public_id}/edit/")
    assert response.status == 403
    assert page.get_by_text("The viewer role does not allow you to create or change contacts").is_visible()
    screenshot("viewer-403")
    assert not [e for e in errors if "403" not in e], errors
