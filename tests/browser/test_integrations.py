"""Merge two contacts and manage API keys through a real browser."""
import pytest

from contacts.models import ApiKey, Contact
from tests.conftest import login_in_browser
from tests.factories import make_contact, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_merge_two_contacts(page, screenshot, workspace):
    make_user("ops", workspace=workspace)
    keep = make_contact(workspace, first_name="Grace", company="Navy")
    dup = make_contact(workspace, first_name="Grace", last_name="Hopper", email="grace@example.com")
    login_in_browser(page, "ops")
    page.goto(f"/contacts/{keep.public_id}/")
    page.get_by_role("link", name="Merge").click()
    page.get_by_label("Find the other contact").fill("Hopper")
    page.get_by_label("Find the other contact").press("Enter")
    screenshot("merge-pick")
    page.get_by_role("link", name="Compare").click()
    table = page.get_by_test_id("merge-table")
    assert "grace@example.com" in table.inner_text()
    screenshot("merge-compare")
    page.get_by_role("button", name="Merge contacts").click()
    page.wait_for_url(f"**/contacts/{keep.public_id}/")
    assert "Merged" in page.get_by_role("alert").first.inner_text() or page.get_by_text("Merged").first.is_visible()
    screenshot("merge-done")
    assert not Contact.objects.filter(pk=dup.pk).exists()
    assert Contact.objects.get(pk=keep.pk).email == "grace@example.com"


def test_create_and_revoke_an_api_key(page, screenshot, workspace):
    make_user("ops", workspace=workspace)
    login_in_browser(page, "ops")
    page.get_by_test_id("account-menu").click()  # settings live in the account menu
    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Name").fill("Voice agent")
    page.get_by_role("button", name="Create key").click()
    raw = page.get_by_label("New API key").input_value()
    assert raw.startswith(ApiKey.objects.get(name="Voice agent").prefix)
    screenshot("api-keys-created")
    page.get_by_role("button", name="Revoke Voice agent").click()
    assert page.get_by_text("Revoked").first.is_visible()
    screenshot("api-keys-revoked")
    assert ApiKey.objects.get(name="Voice agent").revoked_at is not None


def test_api_docs_render_from_local_assets(page, screenshot):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto("/v1/docs")
    page.get_by_text("/v1/contacts/import").first.wait_for()
    assert page.get_by_text("SmartAlex Contacts API").first.is_visible()
    screenshot("api-docs")
    origin = page.url.split("/v1/")[0]
    assert all(url.startswith(origin) or url.startswith("data:") for url in requests), \
        [u for u in requests if not u.startswith(origin)]
