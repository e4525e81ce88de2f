"""Settings → Webhooks in a real browser: add an endpoint, copy its secret (shown once), open its delivery log."""
import pytest

from contacts.models import WebhookEndpoint
from tests.conftest import login_in_browser
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_an_endpoint_and_copy_its_secret(page, screenshot, workspace):
    make_user("ops", workspace=workspace)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login_in_browser(page, "ops")
    page.get_by_test_id("account-menu").click()  # settings live in the account menu
    page.get_by_role("link", name="Webhooks").click()
    assert page.get_by_text("No webhook endpoints yet").is_visible()
    page.get_by_label("URL").fill("https://example.com/hooks/smartalex")
    page.get_by_label("Description").fill("CRM sync")
    page.get_by_role("checkbox", name="contact.created").check()
    page.get_by_role("checkbox", name="contact.dnc_added").check()
    page.get_by_role("button", name="Add endpoint").click()

    secret = page.get_by_label("Signing secret", exact=True).input_value()
    endpoint = WebhookEndpoint.objects.get()
    assert secret == endpoint.secret and secret.startswith("whsec_")
    assert endpoint.events == ["contact.created", "contact.dnc_added"]
    page.get_by_role("button", name="Copy the signing secret").click()
    page.get_by_text("Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    screenshot("webhooks-created")

    page.get_by_role("link", name="Deliveries").click()
    assert page.get_by_text("No deliveries yet").is_visible()
    assert secret not in page.content()  # shown once
    screenshot("webhooks-detail")
    page.get_by_role("button", name="Disable").click()
    assert page.get_by_text("is disabled").first.is_visible()
    assert not WebhookEndpoint.objects.get().enabled
    assert problems == []
