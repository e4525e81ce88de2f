"""Possible duplicates and the field-by-field merge (issue 13, item 5): the page, the service and the API."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from contacts import services
from contacts.contacts.duplicates import duplicate_groups
from contacts.models import Call, CampaignMembership, ConsentRecord, Contact, ContactPhone
from tests.factories import make_contact, make_user

pytestmark = pytest.mark.django_db

UK, US_SAME_TAIL = "+442079460018", "+12079460018"  # the same 9 last digits: one local number, two country codes


def _groups(workspace, kind=None):
    return {(g.kind, frozenset(c.pk for c in g.contacts)) for g in duplicate_groups(workspace, kind=kind)}


def test_duplicate_groups_by_number_email_and_name(workspace, other_workspace):
    a = make_contact(workspace, phone=UK, first_name="Ada")
    b = make_contact(workspace, first_name="Bea", phones=[US_SAME_TAIL])  # an additional number counts too
    c = make_contact(workspace, email="Grace@Example.com ", first_name="Grace")
    d = make_contact(workspace, email="grace@example.com", first_name="G.")
    e = make_contact(workspace, first_name="Linus ", last_name="Torvalds", company="OSDL")
    f = make_contact(workspace, first_name="linus", last_name="TORVALDS", company="osdl ")
    make_contact(workspace, first_name="Linus", last_name="Torvalds", company="Transmeta")  # another company
    make_contact(workspace, first_name="", last_name="", company="OSDL")  # no name: never a name match
    make_contact(workspace, first_name="", last_name="", company="OSDL")
    make_contact(other_workspace, email="grace@example.com")  # another workspace never shows
    assert _groups(workspace) == {("number", frozenset({a.pk, b.pk})), ("email", frozenset({c.pk, d.pk})),
                                  ("name", frozenset({e.pk, f.pk}))}
    assert _groups(workspace, "email") == {("email", frozenset({c.pk, d.pk}))}


def test_duplicate_groups_are_set_based(workspace, django_assert_max_num_queries):
    for i in range(3):
        make_contact(workspace, email=f"dup{i}@example.com")
        make_contact(workspace, email=f"DUP{i}@example.com", first_name="Same", last_name=f"Name{i}", company="Co")
        make_contact(workspace, first_name="Same", last_name=f"Name{i}", company="co")
    with django_assert_max_num_queries(6) as few:
        assert len(duplicate_groups(workspace)) == 6
    for i in range(3, 30):
        make_contact(workspace, email=f"dup{i}@example.com")
        make_contact(workspace, email=f"DUP{i}@example.com")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(duplicate_groups(workspace)) == 33


def test_duplicates_page_lists_groups_with_merge_links(client_logged_in, workspace, other_workspace):
    a = make_contact(workspace, email="ada@example.com", first_name="Ada")
    b = make_contact(workspace, email="ADA@example.com", first_name="Ada L")
    make_contact(other_workspace, email="ada@example.com", first_name="Foreign")
    response = client_logged_in.get(reverse("contact_duplicates"))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('data-testid="duplicate-group"') == 1 and "Same email" in body and "Foreign" not in body
    assert reverse("contact_merge_confirm", args=[a.public_id, b.public_id]) in body
    assert 'data-testid="duplicates-link"' in client_logged_in.get("/contacts/").content.decode()
    empty = client_logged_in.get(reverse("contact_duplicates"), {"kind": "name"}).content.decode()
    assert "No possible duplicates" in empty


def test_a_viewer_sees_duplicates_but_no_merge_link(client, workspace):
    make_contact(workspace, email="ada@example.com")
    make_contact(workspace, email="ada@example.com ")
    client.force_login(make_user("viewer", workspace=workspace, role="viewer"))
    body = client.get(reverse("contact_duplicates")).content.decode()
    assert 'data-testid="duplicate-group"' in body and 'data-testid="merge-link"' not in body


@pytest.fixture
def pair(workspace):
    a = make_contact(workspace, phone="+14155550131", first_name="Ada", last_name="", email="ada@work.example",
                     company="Acme", notes="Prefers mornings.", phones=[{"number": "+14155550132", "label": "work"}])
    b = make_contact(workspace, phone="+14155550133", first_name="Ada", last_name="Lovelace",
                     email="ada@home.example", company="Analytical Engines", title="Countess",
                     phones=[{"number": "+14155550134", "label": "mobile"}])
    return a, b


def test_merge_field_by_field_with_the_other_record_surviving(client_logged_in, workspace, pair):
    a, b = pair
    campaign = services.campaign_create(workspace=workspace, name="Spring")
    services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.filter(pk=a.pk))
    services.call_log(workspace=workspace, contact=a, created_at=datetime(2026, 3, 1, tzinfo=UTC))
    services.dnc_add_number(workspace=workspace, phone="+14155550132", reason="Asked on the work line")
    url = reverse("contact_merge_confirm", args=[a.public_id, b.public_id])
    page = client_logged_in.get(url).content.decode()
    assert 'name="survivor"' in page and 'name="keep_email"' in page and 'name="keep_phone"' in page
    response = client_logged_in.post(url, {"survivor": "b", "keep_phone": "a", "keep_email": "a",
                                           "keep_company": "b", "keep_last_name": "b", "keep_title": "b"})
    assert response.status_code == 302 and response["Location"] == reverse("contact_detail", args=[b.public_id])
    assert not Contact.objects.filter(pk=a.pk).exists()
    merged = Contact.objects.get(pk=b.pk)
    assert (merged.phone, merged.email, merged.company, merged.last_name, merged.title) == (
        "+14155550131", "ada@work.example", "Analytical Engines", "Lovelace", "Countess")
    # Every number stays (the chosen primary, the rest as additional numbers); nothing of A is lost.
    assert set(ContactPhone.objects.filter(contact=merged).values_list("e164", flat=True)) == {
        "+14155550131", "+14155550132", "+14155550133", "+14155550134"}
    assert "ada@home.example" in merged.notes and "Acme" in merged.notes and "Prefers mornings." in merged.notes
    assert CampaignMembership.objects.filter(contact=merged, campaign=campaign).exists()
    assert Call.objects.filter(contact=merged).count() == 1 and merged.calls_count == 1
    # The listed work number stays listed; the contact has callable numbers, so it is active.
    assert services.dnc_numbers_among(workspace, ["+14155550132"]) == {"+14155550132"}
    assert merged.status == "active"


def test_merge_keeps_dnc_and_consent(workspace, pair):
    a, b = pair
    services.contact_mark_dnc(contact=b, reason="Asked")
    consents = ConsentRecord.objects.filter(contact__in=[a, b]).count()
    assert consents == 2  # make_contact records consent for each primary number
    merged = services.contact_merge(target=a, source=b)
    assert merged.status == "dnc"
    assert ConsentRecord.objects.filter(contact=merged).count() == consents  # the consent records follow
    numbers = ["+14155550131", "+14155550132", "+14155550133", "+14155550134"]
    assert services.dnc_numbers_among(workspace, numbers) == set(numbers)


def test_merge_default_fills_empty_fields_and_notes_what_differs(workspace, pair):
    a, b = pair
    merged = services.contact_merge(target=a, source=b)
    assert (merged.email, merged.last_name, merged.title, merged.company) == (
        "ada@work.example", "Lovelace", "Countess", "Acme")
    assert "ada@home.example" in merged.notes and "Analytical Engines" in merged.notes
    assert merged.phone == "+14155550131"


def test_api_merge_with_keep_and_its_errors(client, workspace, pair, other_workspace):
    a, b = pair
    _, raw = services.api_key_create(workspace=workspace, name="merge")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def post(body):
        return client.post(f"/v1/contacts/{a.public_id}/merge", json.dumps(body), content_type="application/json",
                           **headers)

    bad = post({"source_id": b.public_id, "keep": {"email": "both"}})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"
    assert "keep.email" in bad.json()["error"]["details"]
    unknown = post({"source_id": b.public_id, "keep": {"status": "source"}})
    assert unknown.status_code == 422
    foreign = make_contact(other_workspace)
    assert post({"source_id": foreign.public_id}).status_code == 404
    done = post({"source_id": b.public_id, "keep": {"email": "source", "phone": "source"}})
    assert done.status_code == 200, done.content
    data = done.json()["data"]
    assert data["email"] == "ada@home.example" and data["phone"] == "+14155550133"
    assert {p["number"] for p in data["phones"]} == {"+14155550131", "+14155550132", "+14155550134"}
    assert data["merged_id"] == b.public_id


def test_merge_keeps_lists_and_tags_of_both_records_once(workspace):
    a = make_contact(workspace, "+14155550301", first_name="Ann")
    b = make_contact(workspace, "+14155550302", first_name="Ann")
    both, only_b = (services.list_create(workspace=workspace, name=n) for n in ("Both", "Only B"))
    services.list_add_contacts(contact_list=both, contacts=Contact.objects.filter(pk__in=[a.pk, b.pk]))
    services.list_add_contacts(contact_list=only_b, contacts=Contact.objects.filter(pk=b.pk))
    vip, hot = (services.tag_create(workspace=workspace, name=n) for n in ("VIP", "Hot"))
    services.contacts_tag(workspace=workspace, contacts=Contact.objects.filter(pk__in=[a.pk, b.pk]), tag=vip)
    services.contacts_tag(workspace=workspace, contacts=Contact.objects.filter(pk=b.pk), tag=hot)

    merged = services.contact_merge(target=a, source=b)

    assert sorted(merged.lists.values_list("name", flat=True)) == ["Both", "Only B"]
    assert sorted(merged.taggings.values_list("tag__name", flat=True)) == ["Hot", "VIP"]
    assert not Contact.objects.filter(pk=b.pk).exists()


# --- large workspaces: the task worker groups, the page shows its last result -----------------------------------

def test_a_large_workspace_is_grouped_by_the_worker_and_the_page_shows_its_result(
        client_logged_in, workspace, other_workspace, monkeypatch, django_capture_on_commit_callbacks):
    from contacts.contacts import duplicates
    from contacts.models import DuplicateScan

    monkeypatch.setattr(duplicates, "INLINE_MAX", 2)  # three contacts: "large"
    a = make_contact(workspace, email="ada@example.com", first_name="Ada")
    b = make_contact(workspace, email="ADA@example.com", first_name="Ada L")
    make_contact(workspace, email="bob@example.com", first_name="Bob")
    make_contact(other_workspace, email="ada@example.com", first_name="Foreign")
    url = reverse("contact_duplicates")

    # First visit: nothing grouped in the request; a scan is queued (the test backend runs it on commit).
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = client_logged_in.get(url).content.decode()
    assert "Looking for duplicates" in first and 'hx-trigger="every 3s"' in first
    assert 'data-testid="duplicate-group"' not in first and "No possible duplicates" not in first
    assert DuplicateScan.objects.get(workspace=workspace).status == "queued" and len(queued) == 1
    with django_capture_on_commit_callbacks(execute=False) as again:
        client_logged_in.get(url)  # a scan already queued is not queued twice
    assert not again

    queued[0]()  # the worker runs it
    scan = DuplicateScan.objects.get(workspace=workspace)
    assert scan.status == "done" and scan.contacts == 3
    done = client_logged_in.get(url).content.decode()
    assert done.count('data-testid="duplicate-group"') == 1 and "Foreign" not in done
    assert "Checked" in done and "among 3 contacts" in done and "every 3s" not in done
    assert reverse("contact_merge_confirm", args=[a.public_id, b.public_id]) in done

    # A merge takes the group off the stored result at once (the contacts are read as they are now).
    services.contact_merge(target=a, source=b)
    assert 'data-testid="duplicate-group"' not in client_logged_in.get(url).content.decode()

    # "Check again" queues a new scan; the last result stays on show meanwhile.
    with django_capture_on_commit_callbacks(execute=True):
        response = client_logged_in.post(url)
    assert response.status_code == 302
    assert DuplicateScan.objects.get(workspace=workspace).status == "done"


def test_a_stale_scan_is_run_again_when_the_page_is_opened(client_logged_in, workspace, monkeypatch,
                                                           django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from contacts.contacts import duplicates
    from contacts.models import DuplicateScan

    monkeypatch.setattr(duplicates, "INLINE_MAX", 1)
    make_contact(workspace, email="ada@example.com")
    make_contact(workspace, email="ada@example.com ")
    duplicates.duplicate_scan_run(workspace.pk)
    DuplicateScan.objects.filter(workspace=workspace).update(finished_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        body = client_logged_in.get(reverse("contact_duplicates")).content.decode()
    assert len(queued) == 1 and "Checking again" in body
    assert body.count('data-testid="duplicate-group"') == 1  # the hour-old result, shown while it runs
