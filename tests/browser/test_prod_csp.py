"""Every page works under the self-only Content-Security-Policy: no violation reported in the browser."""
import pytest

from contacts import services
from tests.conftest import login_in_browser
from tests.factories import make_contact, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_raise_no_csp_violations(page, workspace):
    make_user("ops", workspace=workspace, is_staff=True, is_superuser=True)
    contact = make_contact(workspace, first_name="Ada", metadata={"tier": "gold"})
    campaign = services.campaign_create(workspace=workspace, name="Spring")
    services.call_log(workspace=workspace, contact=contact, transcript="hello", recording_url="https://example.com/a.mp3")
    problems: list[str] = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            problems.append(f"{page.url}: {message.text[:200]}")

    page.on("console", on_console)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

    page.goto("/accounts/login/")
    login_in_browser(page, "ops")
    pages = ["/", "/contacts/", f"/contacts/{contact.public_id}/", "/contacts/new/",
             f"/contacts/{contact.public_id}/edit/", f"/contacts/{contact.public_id}/merge/?q=a", "/campaigns/",
             f"/campaigns/{campaign.public_id}/", "/calls/", "/imports/", "/imports/new/", "/settings/api-keys/",
             "/v1/docs", "/admin/", "/admin/contacts/contact/", f"/admin/contacts/contact/{contact.pk}/change/"]
    for path in pages:
        response = page.goto(path)
        assert response.status == 200, path
        assert "default-src 'self'" in response.headers.get("content-security-policy", ""), path
        page.wait_for_load_state("networkidle")
    assert not problems, "\n".join(problems)
