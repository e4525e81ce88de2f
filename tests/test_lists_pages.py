"""Lists in the dashboard: the Lists page, the list filter, bulk add/remove/save as list, export and
"fill a campaign from a list", with pinned query counts for the filtered contacts list."""
from __future__ import annotations

import pytest
from django.db import connection

from contacts import services
from contacts.models import AuditEvent, CampaignMembership, Contact, ContactList, ListMembership
from tests.factories import make_contact, make_user

pytestmark = pytest.mark.django_db


def members_of(contact_list: ContactList) -> set[int]:
    return set(ListMembership.objects.filter(contact_list=contact_list).values_list("contact_id", flat=True))


def test_lists_page_create_rename_delete_keeps_contacts(client_logged_in, workspace):
    a, b = make_contact(workspace, first_name="Ann"), make_contact(workspace, first_name="Ben")
    created = client_logged_in.post("/contacts/lists/", {"name": "Open house"}, follow=True)
    assert "List “Open house” created." in created.content.decode()
    box = ContactList.objects.get(workspace=workspace, name="Open house")
    services.list_add_contacts(contact_list=box, contacts=Contact.objects.filter(pk__in=[a.pk, b.pk]))
    page = client_logged_in.get("/contacts/lists/").content.decode()
    assert 'data-testid="list-count">2<' in page and f"/contacts/?list_id={box.public_id}" in page

    duplicate = client_logged_in.post("/contacts/lists/", {"name": "open HOUSE"})
    assert duplicate.status_code == 422 and "already exists" in duplicate.content.decode()
    blank = client_logged_in.post("/contacts/lists/", {"name": "  "})
    assert blank.status_code == 422 and "Give the list a name." in blank.content.decode()
    assert ContactList.objects.filter(workspace=workspace).count() == 1

    form = client_logged_in.get(f"/contacts/lists/{box.public_id}/rename/").content.decode()
    assert 'for="list-name"' in form and 'value="Open house"' in form
    client_logged_in.post(f"/contacts/lists/{box.public_id}/rename/", {"name": "Spring open house"})
    box.refresh_from_db()
    assert box.name == "Spring open house"

    confirm = client_logged_in.get(f"/contacts/lists/{box.public_id}/delete/").content.decode()
    assert "holds <strong>2</strong> contacts" in confirm and "They all stay" in confirm
    assert ContactList.objects.filter(pk=box.pk).exists()  # GET asks, never deletes
    done = client_logged_in.post(f"/contacts/lists/{box.public_id}/delete/", follow=True).content.decode()
    assert "Its 2 contacts are kept." in done
    assert not ContactList.objects.filter(pk=box.pk).exists()
    assert Contact.objects.filter(pk__in=[a.pk, b.pk]).count() == 2


def test_list_filter_on_contacts_list_and_export(client_logged_in, workspace, other_workspace):
    inside = make_contact(workspace, first_name="Inside")
    make_contact(workspace, first_name="Outside")
    box, _ = services.list_create_from(workspace=workspace, name="Box", contacts=Contact.objects.filter(pk=inside.pk))
    response = client_logged_in.get("/contacts/", {"list_id": box.public_id})
    assert [c.pk for c in response.context["contacts"]] == [inside.pk]
    assert f'<option value="{box.public_id}" selected>Box</option>' in response.content.decode()
    exported = b"".join(client_logged_in.get("/contacts/export.csv", {"list_id": box.public_id}).streaming_content)
    assert b"Inside" in exported and b"Outside" not in exported

    theirs = services.list_create(workspace=other_workspace, name="Theirs")
    for list_id in (theirs.public_id, "list_nope"):
        bad = client_logged_in.get("/contacts/", {"list_id": list_id})
        assert bad.status_code == 400 and "No list with this id." in bad.content.decode()
        assert list(bad.context["contacts"]) == []


def test_bulk_add_remove_and_save_as_list(client_logged_in, workspace, user):
    acme = [make_contact(workspace, company="Acme") for _ in range(4)]
    other = make_contact(workspace, company="Other")
    box = services.list_create(workspace=workspace, name="Box")

    ticked = client_logged_in.post("/contacts/bulk/", {"action": "add_to_list", "list_id": box.public_id,
                                                       "ids": [acme[0].public_id], "query": "company=acme"},
                                   follow=True)
    assert "Added 1 contact to the list “Box”." in ticked.content.decode()
    assert ticked.redirect_chain[-1][0] == "/contacts/?company=acme"
    every = client_logged_in.post("/contacts/bulk/", {"action": "add_to_list", "list_id": box.public_id,
                                                      "scope": "all", "query": "company=acme"}, follow=True)
    assert "Added 3 contacts to the list “Box”. 1 already in it." in every.content.decode()
    assert members_of(box) == {c.pk for c in acme}

    removed = client_logged_in.post("/contacts/bulk/", {"action": "remove_from_list", "list_id": box.public_id,
                                                        "ids": [acme[0].public_id, other.public_id]}, follow=True)
    assert "Removed 1 contact from the list “Box”. The contacts are kept." in removed.content.decode()
    assert members_of(box) == {c.pk for c in acme[1:]}

    saved = client_logged_in.post("/contacts/bulk/", {"action": "save_as_list", "list_name": "Acme people",
                                                      "scope": "all", "query": "company=acme"}, follow=True)
    new = ContactList.objects.get(workspace=workspace, name="Acme people")
    assert "Saved 4 contacts as the list “Acme people”." in saved.content.decode()
    assert saved.redirect_chain[-1][0] == f"/contacts/?list_id={new.public_id}"
    assert members_of(new) == {c.pk for c in acme}

    no_list = client_logged_in.post("/contacts/bulk/", {"action": "add_to_list", "ids": [other.public_id]},
                                    follow=True)
    assert "Choose the list." in no_list.content.decode() and other.pk not in members_of(box)
    no_name = client_logged_in.post("/contacts/bulk/", {"action": "save_as_list", "ids": [other.public_id]},
                                    follow=True)
    assert "List not saved. Give the list a name." in no_name.content.decode()
    bad_filter = client_logged_in.post("/contacts/bulk/", {"action": "add_to_list", "list_id": box.public_id,
                                                           "scope": "all", "query": "list_id=list_nope"})
    assert bad_filter.status_code == 400 and members_of(box) == {c.pk for c in acme[1:]}
    events = AuditEvent.objects.filter(workspace=workspace, actor=user).values_list("action", "count")
    assert ("list.add_contacts", 3) in set(events) and ("list.remove_contacts", 1) in set(events)


def test_a_viewer_cannot_change_lists(client, workspace):
    viewer = make_user("watcher", workspace=workspace, role="viewer")
    contact = make_contact(workspace)
    box = services.list_create(workspace=workspace, name="Box")
    client.force_login(viewer)
    page = client.get("/contacts/lists/").content.decode()
    assert "Box" in page and "Create list" not in page and "Rename" not in page
    assert 'value="add_to_list"' not in client.get("/contacts/").content.decode()
    assert client.post("/contacts/lists/", {"name": "Mine"}).status_code == 403
    assert client.post("/contacts/bulk/", {"action": "add_to_list", "list_id": box.public_id,
                                           "ids": [contact.public_id]}).status_code == 403
    assert client.post(f"/contacts/lists/{box.public_id}/delete/").status_code == 403
    assert ContactList.objects.filter(workspace=workspace).count() == 1 and not members_of(box)


def test_fill_a_campaign_from_a_list_excludes_dnc(client_logged_in, workspace):
    people = [make_contact(workspace) for _ in range(5)]
    make_contact(workspace)  # not in the list
    services.contact_mark_dnc(contact=people[0], reason="asked")
    box, _ = services.list_create_from(workspace=workspace, name="Box",
                                       contacts=Contact.objects.filter(pk__in=[p.pk for p in people]))
    campaign = services.campaign_create(workspace=workspace, name="Spring")
    services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.filter(pk=people[1].pk))
    url = f"/contacts/lists/{box.public_id}/campaign/"
    confirm = client_logged_in.post(url, {"campaign_id": campaign.public_id}).content.decode()
    assert "Add 3 contacts to Spring?" in confirm and "List “Box”" in confirm
    assert CampaignMembership.objects.filter(campaign=campaign).count() == 1  # nothing before the confirmation
    done = client_logged_in.post(url, {"campaign_id": campaign.public_id, "confirm": "1"}, follow=True)
    text = done.content.decode()
    assert "Added 3 contacts from the list “Box” to Spring. Skipped 1 DNC contact. 1 already in the campaign." \
        in text, text[:3000]
    members = set(CampaignMembership.objects.filter(campaign=campaign).values_list("contact_id", flat=True))
    assert members == {p.pk for p in people[1:]}
    missing = client_logged_in.post(url, {"campaign_id": "campaign_nope"}, follow=True)
    assert "Choose the campaign to fill from the list." in missing.content.decode()


def test_contact_page_shows_its_lists(client_logged_in, workspace):
    contact = make_contact(workspace)
    box, _ = services.list_create_from(workspace=workspace, name="VIP", contacts=Contact.objects.filter(pk=contact.pk))
    tag = services.tag_create(workspace=workspace, name="Gold", colour="yellow")
    services.contacts_tag(workspace=workspace, contacts=Contact.objects.filter(pk=contact.pk), tag=tag)
    page = client_logged_in.get(f"/contacts/{contact.public_id}/").content.decode()
    assert f'href="/contacts/?list_id={box.public_id}">VIP</a>' in page
    assert '<a class="badge bg-yellow-lt" href="/contacts/?tags=Gold">Gold</a>' in page


@pytest.mark.parametrize("rows", [3, 100])
def test_list_filter_query_count_is_pinned(client_logged_in, workspace, rows, django_assert_max_num_queries):
    box = services.list_create(workspace=workspace, name="Box")
    for _ in range(rows):
        make_contact(workspace)
    services.list_add_contacts(contact_list=box, contacts=Contact.objects.filter(workspace=workspace))
    params = {"list_id": box.public_id, "per_page": 100}
    client_logged_in.get("/contacts/", params)  # warm-up: the first request stores the workspace in the session
    # session, user, workspace, role, the list lookup, count, page, campaigns, lists, tags and custom-field menus,
    # saved views
    with django_assert_max_num_queries(12):
        response = client_logged_in.get("/contacts/", params)
    assert len(response.context["contacts"]) == min(rows, 100)


def test_list_filter_uses_the_membership_index(workspace):
    box = services.list_create(workspace=workspace, name="Box")
    make_contact(workspace)
    services.list_add_contacts(contact_list=box, contacts=Contact.objects.filter(workspace=workspace))
    from contacts.filters import ContactFilter

    plan = ContactFilter({"list_id": box.public_id}, workspace=workspace).qs.explain()
    if connection.vendor == "sqlite":  # the unique (list, contact) constraint is SQLite's autoindex
        assert "USING COVERING INDEX sqlite_autoindex_contacts_listmembership_1 (contact_list_id=?" in plan, plan
    else:  # PostgreSQL may prefer a scan on a tiny table; the index must at least exist
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'contacts_listmembership'")
            assert "listmember_unique_list_contact" in {r[0] for r in cursor.fetchall()}


def test_view_the_imported_contacts_from_a_finished_import(client_logged_in, workspace, other_workspace):
    from contacts.imports import import_records

    make_contact(workspace, first_name="Before")
    done = import_records(workspace=workspace, records=[{"phone": "+14155550181", "first_name": "New1"},
                                                         {"phone": "+14155550182", "first_name": "New2"}]).batch
    detail = client_logged_in.get(f"/imports/{done.public_id}/").content.decode()
    assert f'href="/contacts/?import_id={done.public_id}"' in detail and "View the 2 imported contacts" in detail
    listed = client_logged_in.get("/contacts/", {"import_id": done.public_id})
    assert sorted(c.first_name for c in listed.context["contacts"]) == ["New1", "New2"]
    assert 'data-testid="from-import"' in listed.content.decode()
    theirs = import_records(workspace=other_workspace, records=[{"phone": "+14155550183"}]).batch
    assert client_logged_in.get("/contacts/", {"import_id": theirs.public_id}).status_code == 400
