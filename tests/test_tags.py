"""Tags: free labels with a colour, through the API (contact `tags`, any-of/all-of filters) and the dashboard
(Tags page, bulk tag/untag, filters, row badges), with pinned query counts."""
from __future__ import annotations

import pytest

from contacts import services
from contacts.models import AuditEvent, Contact, ContactTag, Tag
from tests.factories import make_contact, make_user
from tests.test_api import Api, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, workspace):
    _, raw = services.api_key_create(workspace=workspace, name="tests")
    return Api(client, raw)


def tagged(tag: Tag) -> set[int]:
    return set(ContactTag.objects.filter(tag=tag).values_list("contact_id", flat=True))


def test_tags_written_and_read_through_the_api(api, workspace):
    services.tag_create(workspace=workspace, name="VIP", colour="red")
    created = api.post("/v1/contacts", {"phone": "+14155550150", "tags": ["vip", "Spring  2026", "VIP"]})
    assert created.status_code == 201, created.content
    data = created.json()["data"]
    assert data["tags"] == ["Spring 2026", "VIP"]  # existing tag matched in any case, a new one created
    assert Tag.objects.get(workspace=workspace, name="Spring 2026").colour == "blue"

    patched = api.send("patch", f"/v1/contacts/{data['id']}", {"tags": ["Hot"]})
    assert patched.status_code == 200 and patched.json()["data"]["tags"] == ["Hot"]
    untouched = api.send("patch", f"/v1/contacts/{data['id']}", {"company": "Acme"}).json()["data"]
    assert untouched["tags"] == ["Hot"] and untouched["company"] == "Acme"
    cleared = api.send("patch", f"/v1/contacts/{data['id']}", {"tags": []}).json()["data"]
    assert cleared["tags"] == []

    for bad in (["a,b"], [""], ["x" * 61], "VIP"):
        response = api.post("/v1/contacts", {"phone": "+14155550151", "tags": bad})
        assert response.status_code == 422 and "tags" in error_of(response)["details"], bad
    assert not Contact.objects.filter(phone="+14155550151").exists()


def test_any_of_and_all_of_tag_filters_in_the_api(api, workspace):
    vip = services.tag_create(workspace=workspace, name="VIP")
    hot = services.tag_create(workspace=workspace, name="Hot")
    a, b, c = make_contact(workspace), make_contact(workspace), make_contact(workspace)
    make_contact(workspace)
    services.contacts_tag(workspace=workspace, contacts=Contact.objects.filter(pk__in=[a.pk, b.pk]), tag=vip)
    services.contacts_tag(workspace=workspace, contacts=Contact.objects.filter(pk__in=[b.pk, c.pk]), tag=hot)

    def ids(params):
        return {x["id"] for x in api.get("/v1/contacts", params).json()["data"]}

    assert ids({"tags": "VIP,Hot"}) == {a.public_id, b.public_id, c.public_id}
    assert ids({"tags": "VIP,Hot", "tags_mode": "all"}) == {b.public_id}
    assert ids({"tags": ["VIP", "Hot"], "tags_mode": "all"}) == {b.public_id}
    assert ids({"tags": "VIP"}) == {a.public_id, b.public_id}
    assert {x["id"] for x in api.post("/v1/contacts/search", {"filters": {"tags": "Hot,VIP", "tags_mode": "all"}})
            .json()["data"]} == {b.public_id}
    for params in ({"tags": "Nope"}, {"tags": "VIP", "tags_mode": "some"}):
        response = api.get("/v1/contacts", params)
        assert response.status_code == 422 and error_of(response)["code"] == "validation_error", params
    assert api.get("/v1/contacts", {"tags": "VIP"}).json()["data"][0]["tags"] in (["VIP"], ["Hot", "VIP"])


def test_tags_page_create_edit_delete_keeps_contacts(client_logged_in, workspace):
    contact = make_contact(workspace)
    created = client_logged_in.post("/contacts/tags/", {"name": "VIP", "colour": "purple"}, follow=True)
    assert "Tag “VIP” created." in created.content.decode()
    tag = Tag.objects.get(workspace=workspace, name="VIP")
    assert tag.colour == "purple"
    services.contacts_tag(workspace=workspace, contacts=Contact.objects.filter(pk=contact.pk), tag=tag)
    page = client_logged_in.get("/contacts/tags/").content.decode()
    assert '<span class="badge bg-purple-lt">VIP</span>' in page and 'data-testid="tag-count">1<' in page
    bad = client_logged_in.post("/contacts/tags/", {"name": "vip", "colour": "blue"})
    assert bad.status_code == 422 and "already exists" in bad.content.decode()
    wrong_colour = client_logged_in.post("/contacts/tags/", {"name": "Other", "colour": "neon"})
    assert wrong_colour.status_code == 422 and "colour must be one of" in wrong_colour.content.decode()

    client_logged_in.post(f"/contacts/tags/{tag.pk}/edit/", {"name": "Gold", "colour": "yellow"})
    tag.refresh_from_db()
    assert (tag.name, tag.colour) == ("Gold", "yellow")
    confirm = client_logged_in.get(f"/contacts/tags/{tag.pk}/delete/").content.decode()
    assert "<strong>1</strong> contact carries this tag" in confirm
    client_logged_in.post(f"/contacts/tags/{tag.pk}/delete/")
    assert not Tag.objects.filter(pk=tag.pk).exists() and Contact.objects.filter(pk=contact.pk).exists()


def test_bulk_tag_untag_filter_and_badges(client_logged_in, workspace, user):
    acme = [make_contact(workspace, company="Acme", first_name=f"A{i}") for i in range(3)]
    other = make_contact(workspace, company="Other")
    vip = services.tag_create(workspace=workspace, name="VIP", colour="green")
    hot = services.tag_create(workspace=workspace, name="Hot")
    every = client_logged_in.post("/contacts/bulk/", {"action": "tag", "tag": "VIP", "scope": "all",
                                                      "query": "company=acme"}, follow=True)
    assert "Tagged 3 contacts “VIP”." in every.content.decode()
    assert tagged(vip) == {c.pk for c in acme}
    client_logged_in.post("/contacts/bulk/", {"action": "tag", "tag": "Hot",
                                              "ids": [acme[0].public_id, other.public_id]})
    untag = client_logged_in.post("/contacts/bulk/", {"action": "untag", "tag": "VIP", "ids": [acme[1].public_id]},
                                  follow=True)
    assert "Removed the tag “VIP” from 1 contact." in untag.content.decode()
    assert tagged(vip) == {acme[0].pk, acme[2].pk}
    no_tag = client_logged_in.post("/contacts/bulk/", {"action": "tag", "ids": [other.public_id]}, follow=True)
    assert "Choose the tag." in no_tag.content.decode()

    any_of = client_logged_in.get("/contacts/", {"tags": ["VIP", "Hot"]})
    assert {c.pk for c in any_of.context["contacts"]} == {acme[0].pk, acme[2].pk, other.pk}
    all_of = client_logged_in.get("/contacts/", {"tags": ["VIP", "Hot"], "tags_mode": "all"})
    assert [c.pk for c in all_of.context["contacts"]] == [acme[0].pk]
    html = all_of.content.decode()
    assert '<span class="badge bg-green-lt">VIP</span>' in html and '<option value="VIP" selected>' in html
    exported = b"".join(client_logged_in.get("/contacts/export.csv", {"tags": "Hot", "tags_mode": "all"})
                        .streaming_content)
    assert exported.count(b"\n") == 3  # header and the two contacts tagged Hot
    unfiltered = client_logged_in.get("/contacts/", {"tags_mode": "any"})
    assert unfiltered.context["has_filters"] is False  # the mode alone filters nothing
    assert hot.pk
    events = set(AuditEvent.objects.filter(workspace=workspace, actor=user).values_list("action", "count"))
    assert ("contacts.tag", 3) in events and ("contacts.untag", 1) in events


def test_a_viewer_cannot_tag(client, workspace):
    viewer = make_user("watcher", workspace=workspace, role="viewer")
    contact = make_contact(workspace)
    vip = services.tag_create(workspace=workspace, name="VIP")
    client.force_login(viewer)
    assert 'value="tag"' not in client.get("/contacts/").content.decode()
    assert client.post("/contacts/bulk/", {"action": "tag", "tag": "VIP", "ids": [contact.public_id]}).status_code \
        == 403
    assert client.post("/contacts/tags/", {"name": "Mine"}).status_code == 403
    assert not tagged(vip) and Tag.objects.filter(workspace=workspace).count() == 1


@pytest.mark.parametrize("rows", [3, 100])
def test_tag_filter_query_count_is_pinned(client_logged_in, workspace, rows, django_assert_max_num_queries):
    vip = services.tag_create(workspace=workspace, name="VIP")
    hot = services.tag_create(workspace=workspace, name="Hot")
    for _ in range(rows):
        make_contact(workspace)
    everyone = Contact.objects.filter(workspace=workspace)
    services.contacts_tag(workspace=workspace, contacts=everyone, tag=vip)
    services.contacts_tag(workspace=workspace, contacts=everyone, tag=hot)
    box, _ = services.list_create_from(workspace=workspace, name="Box", contacts=everyone)
    params = {"tags": ["VIP", "Hot"], "tags_mode": "all", "list_id": box.public_id, "per_page": 100}
    client_logged_in.get("/contacts/", params)  # warm-up: the first request stores the workspace in the session
    # session, user, workspace, role, list and tags lookups, count, page, tag badges, campaigns, lists, tags and
    # custom-field menus, saved views
    with django_assert_max_num_queries(14):
        response = client_logged_in.get("/contacts/", params)
    assert len(response.context["contacts"]) == min(rows, 100)
    api = Api(client_logged_in, services.api_key_create(workspace=workspace, name="k")[1])
    api.get("/v1/contacts")  # the key's first use is recorded once
    # session, user, workspace (the signed-in test client), key, tags lookup, count (PostgreSQL: the planner's estimate
    # first), page, the page's lists, tags and additional numbers
    with django_assert_max_num_queries(11):
        page = api.get("/v1/contacts", {"tags": "VIP,Hot", "tags_mode": "all", "per_page": 100}).json()["data"]
    assert len(page) == min(rows, 100)


# --- imports ------------------------------------------------------------------------------------------------

def test_api_import_records_carry_tags(api, workspace):
    existing = make_contact(workspace, "+14155550160")
    services.tag_create(workspace=workspace, name="VIP", colour="red")
    body = {"contacts": [{"phone": "+14155550161", "tags": "vip; Spring fair ,"},
                         {"phone": "+14155550162", "tags": ["Hot"]},
                         {"phone": "+14155550163", "tags": "x" * 61},
                         {"phone": "+14155550160", "tags": "Returning"}],
            "skip_duplicates": False}
    result = api.post("/v1/contacts/import", body).json()["data"]
    assert (result["imported"], result["updated"], result["invalid_skipped"]) == (2, 1, 1)
    assert result["errors"][0]["field"] == "tags" and "at most 60 characters" in result["errors"][0]["message"]

    def names(phone):
        return api.get("/v1/contacts", {"search": phone}).json()["data"][0]["tags"]

    assert names("+14155550161") == ["Spring fair", "VIP"] and names("+14155550162") == ["Hot"]
    assert names(existing.phone) == ["Returning"]  # an update adds tags (the contact had none)
    assert Tag.objects.filter(workspace=workspace).count() == 4


def test_wizard_maps_a_tags_column_previews_a_bad_value_and_imports_the_tags(client_logged_in, workspace,
                                                                              monkeypatch):
    from contacts import tasks
    from contacts.models import ImportBatch

    monkeypatch.setattr(tasks, "enqueue_import", lambda batch: tasks.run_import_batch.enqueue(batch.public_id))
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = ("Name,Phone,Tags\nAnn,+1 415 555 0171,VIP;Spring fair\nBob,+1 415 555 0172,\n"
            f"Cy,+1 415 555 0173,{'y' * 70}\n").encode()
    response = client_logged_in.post("/imports/new/", {"file": SimpleUploadedFile("tags.csv", data)})
    batch = ImportBatch.objects.get(public_id=response["Location"].split("/")[2])
    assert batch.column_mapping["fields"] == ["full_name", "phone", "tags"]  # auto-detected
    preview = client_logged_in.get(f"/imports/{batch.public_id}/preview/").content.decode()
    assert "tags: A tag name has at most 60 characters." in preview
    client_logged_in.post(f"/imports/{batch.public_id}/preview/", {"existing": "skip", "default_country": "US",
                                                                    "action": "start"})
    ann = Contact.objects.get(workspace=workspace, phone="+14155550171")
    assert sorted(ann.tags.values_list("name", flat=True)) == ["Spring fair", "VIP"]
    assert not Contact.objects.get(workspace=workspace, phone="+14155550172").tags.exists()
    assert not Contact.objects.filter(workspace=workspace, phone="+14155550173").exists()
