"""The header fits every desktop and laptop width without a sideways scrollbar, even for the widest account: a
staff user (the Admin item) with a long name who switches between two workspaces with long names."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from contacts.models import Membership, Workspace
from tests.conftest import login_in_browser
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("workspaces", [1, 2])
def test_the_header_never_scrolls_sideways(page, workspace, workspaces):
    user = make_user("operations_manager", workspace=workspace, is_staff=True)
    if workspaces == 2:
        other = Workspace.objects.create(name="Northside Family Dental Group", slug="north")
        Membership.objects.create(user=user, workspace=other, role="owner")
    login_in_browser(page, "operations_manager")
    for width in (390, 1024, 1199, 1200, 1280, 1366, 1440, 1599, 1600, 1920):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto("/contacts/")
        wide = page.evaluate("() => [document.documentElement.scrollWidth, "
                             "document.querySelector('header > div').scrollWidth]")
        assert wide == [width, width], (width, wide)
        menu = page.get_by_test_id("account-menu")
        if width >= 1200:  # one line: the account menu is on screen, and still says who and with what role
            expect(menu).to_be_visible()
            assert "operations_manager" in menu.inner_text() and "Owner" in menu.inner_text()
