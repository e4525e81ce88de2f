"""Signing in through a real browser lands on the overview."""
import pytest

from tests.conftest import login_in_browser
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_shows_the_overview(page, screenshot, workspace):
    make_user("ops", workspace=workspace)
    page.goto("/")
    assert "/accounts/login/" in page.url  # login required
    screenshot("login")
    page.get_by_label("Username").fill("ops")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text().startswith("Your username and password didn't match")
    login_in_browser(page, "ops")
    assert page.get_by_role("heading", name="Overview").is_visible()
    assert page.get_by_text("Acme Dental").first.is_visible()
    screenshot("overview")
