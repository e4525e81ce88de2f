"""The field-by-field merge through a real browser: from the duplicates page, pick the surviving record and, field
by field, the values to keep; every number survives (issue 13, item 5)."""
import pytest

from contacts.models import Contact, ContactPhone
from tests.conftest import login_in_browser
from tests.factories import make_contact, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1440, 390])
def test_merge_field_by_field_from_the_duplicates_page(page, screenshot, workspace, width):
    page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
    make_user("ops", workspace=workspace)
    office = make_contact(workspace, phone="+14155550141", first_name="Grace", company="US Navy",
                          email="grace@navy.example", phones=[{"number": "+14155550142", "label": "work"}])
    mobile = make_contact(workspace, phone="+14155550143", first_name="Grace", last_name="Hopper",
                          email="GRACE@navy.example", company="Remington Rand")
    login_in_browser(page, "ops")
    page.goto("/contacts/")
    page.get_by_test_id("duplicates-link").click()
    group = page.get_by_test_id("duplicate-group")
    assert "Same email" in group.inner_text()
    screenshot(f"duplicates-{width}")
    page.get_by_test_id("merge-link").click()
    # The second record survives; keep its company but the first one's primary number and email.
    page.get_by_test_id("survivor-b").check()
    page.get_by_label("Keep phone of Grace:").check()
    page.get_by_label("Keep company of Grace Hopper:").check()
    page.get_by_label("Keep email of Grace:").check()
    overflow = page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert overflow, "the merge page scrolls sideways"
    screenshot(f"merge-fields-{width}")
    page.get_by_test_id("merge-submit").click()
    page.wait_for_url(f"**/contacts/{mobile.public_id}/")
    screenshot(f"merge-fields-done-{width}")
    merged = Contact.objects.get(pk=mobile.pk)
    assert not Contact.objects.filter(pk=office.pk).exists()
    assert (merged.phone, merged.email, merged.company, merged.last_name) == (
        "+14155550141", "grace@navy.example", "Remington Rand", "Hopper")
    assert "US Navy" in merged.notes
    assert set(ContactPhone.objects.filter(contact=merged).values_list("e164", flat=True)) == {
        "+14155550141", "+14155550142", "+14155550143"}
    assert "Other numbers" in page.get_by_test_id("other-numbers").locator("xpath=..").inner_text()


@pytest.mark.parametrize("width", [1440, 390])
def test_a_large_workspace_shows_the_worker_scan_as_it_finishes(page, screenshot, workspace, monkeypatch, width):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
    from contacts.contacts import duplicates
    from tests.browser.pages import axe_violations

    monkeypatch.setattr(duplicates, "INLINE_MAX", 2)  # three contacts: grouped by the worker, not the request
    make_user("ops", workspace=workspace)
    make_contact(workspace, first_name="Grace", email="grace@navy.example")
    make_contact(workspace, first_name="Grace H", email="GRACE@navy.example")
    make_contact(workspace, first_name="Alan", email="alan@example.com")
    login_in_browser(page, "ops")
    page.goto("/contacts/duplicates/")
    # The first answer says the search is running; the page then follows it by itself (the test's task backend runs
    # the scan as soon as the request has committed).
    expect(page.get_by_role("status")).to_contain_text("Looking for duplicates")
    expect(page.get_by_test_id("duplicate-group")).to_have_count(1, timeout=10_000)
    expect(page.get_by_test_id("duplicate-scan")).to_contain_text("among 3 contacts")
    expect(page.get_by_role("button", name="Check again")).to_be_visible()
    screenshot(f"duplicates-scan-done-{width}")
    assert axe_violations(page) == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width  # no sideways scroll
