"""API v1 lists (address books) and the other references' conventions: limit/offset with hasMore, `term`,
`group_id`, `phone_number`, `skip_duplicates: false` and `updated_at` on list items."""
from __future__ import annotations

import pytest

from contacts import services
from contacts.models import AuditEvent, Contact, ContactList, ListMembership
from tests.factories import make_contact
from tests.test_api import Api, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, workspace):
    _, raw = services.api_key_create(workspace=workspace, name="tests")
    return Api(client, raw)


def test_list_crud_and_membership_through_the_api(api, workspace):
    ada, bob, cy = (make_contact(workspace, first_name=n) for n in ("Ada", "Bob", "Cy"))
    created = api.post("/v1/lists", {"name": "  Open   house "})
    assert created.status_code == 201
    body = created.json()["data"]
    assert body["name"] == "Open house" and body["contacts_count"] == 0 and body["id"].startswith("list_")
    assert {"created_at", "updated_at"} <= set(body)
    list_id = body["id"]

    added = api.post(f"/v1/lists/{list_id}/contacts", {"contact_ids": [ada.public_id, bob.public_id, "contact_nope"]})
    assert added.json()["data"] == {"id": list_id, "added": 2, "already_members": 0, "not_found": ["contact_nope"]}
    again = api.post(f"/v1/lists/{list_id}/contacts", {"contact_ids": [ada.public_id, cy.public_id]}).json()["data"]
    assert (again["added"], again["already_members"]) == (1, 1)
    assert api.get(f"/v1/lists/{list_id}").json()["data"]["contacts_count"] == 3

    members = api.get("/v1/contacts", {"list_id": list_id}).json()
    assert members["meta"]["total"] == 3
    assert all(c["lists"] == [list_id] for c in members["data"])
    assert api.get(f"/v1/contacts/{ada.public_id}").json()["data"]["lists"] == [list_id]

    removed = api.send("delete", f"/v1/lists/{list_id}/contacts", {"contact_ids": [bob.public_id]}).json()["data"]
    assert removed == {"id": list_id, "removed": 1, "not_found": []}
    assert api.get("/v1/contacts/search", {"term": "Bob", "list_id": list_id}).json()["data"] == []
    assert [c["id"] for c in api.get("/v1/contacts/search", {"term": "Ada", "list_id": list_id}).json()["data"]] \
        == [ada.public_id]

    renamed = api.send("patch", f"/v1/lists/{list_id}", {"name": "Warm leads"})
    assert renamed.status_code == 200 and renamed.json()["data"]["name"] == "Warm leads"
    listing = api.get("/v1/lists").json()
    assert [x["name"] for x in listing["data"]] == ["Warm leads"] and listing["data"][0]["contacts_count"] == 2
    assert listing["meta"]["total"] == 1 and listing["meta"]["has_more"] is False

    deleted = api.send("delete", f"/v1/lists/{list_id}")
    assert deleted.json()["data"] == {"id": list_id, "deleted": True, "contacts_kept": 2}
    assert Contact.objects.filter(workspace=workspace).count() == 3  # deleting a list never deletes contacts
    assert api.get(f"/v1/lists/{list_id}").status_code == 404
    assert error_of(api.get(f"/v1/lists/{list_id}"))["code"] == "list_not_found"
    actions = set(AuditEvent.objects.filter(workspace=workspace).values_list("action", flat=True))
    assert {"list.create", "list.add_contacts", "list.remove_contacts", "list.rename", "list.delete"} <= actions


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 201}, {"name": "Dup"},
                                  {"name": "dup"}, {"name": "ok", "colour": "red"}])
def test_bad_list_bodies_are_422_with_the_field(api, workspace, body):
    services.list_create(workspace=workspace, name="Dup")
    response = api.post("/v1/lists", body)
    assert response.status_code == 422, response.content
    error = error_of(response)
    assert error["code"] == "validation_error" and set(error["details"]) & {"name", "colour"}


def test_bad_list_filter_and_member_bodies(api, workspace, other_workspace):
    theirs = services.list_create(workspace=other_workspace, name="Theirs")
    response = api.get("/v1/contacts", {"list_id": theirs.public_id})
    assert response.status_code == 422 and "list_id" in error_of(response)["details"]
    mine = services.list_create(workspace=workspace, name="Mine")
    for body in ({}, {"contact_ids": "contact_x"}, {"contact_ids": [1, {"a": 1}]}):
        answer = api.post(f"/v1/lists/{mine.public_id}/contacts", body)
        assert answer.status_code == 422 and error_of(answer)["code"] == "validation_error", body


def test_group_id_on_create_and_update_moves_the_contact(api, workspace):
    book_a = services.list_create(workspace=workspace, name="Book A")
    book_b = services.list_create(workspace=workspace, name="Book B")
    created = api.post("/v1/contacts", {"phone_number": "+14155550123", "first_name": "John",
                                        "group_id": book_a.public_id})
    assert created.status_code == 201, created.content
    data = created.json()["data"]
    assert data["phone"] == "+14155550123" and data["lists"] == [book_a.public_id]

    moved = api.send("patch", f"/v1/contacts/{data['id']}", {"group_id": book_b.public_id, "first_name": "Jane"})
    assert moved.status_code == 200
    assert moved.json()["data"]["lists"] == [book_b.public_id] and moved.json()["data"]["first_name"] == "Jane"
    assert not ListMembership.objects.filter(contact_list=book_a).exists()

    unknown = api.send("patch", f"/v1/contacts/{data['id']}", {"group_id": "list_nope"})
    assert unknown.status_code == 422 and error_of(unknown)["details"] == {"group_id": ["No list with this id."]}
    refused = api.post("/v1/contacts", {"phone": "+14155550124", "group_id": "list_nope"})
    assert refused.status_code == 422 and not Contact.objects.filter(phone="+14155550124").exists()
    both = api.post("/v1/contacts", {"phone": "+14155550125", "phone_number": "+14155550126"})
    assert both.status_code == 422 and "phone_number" in error_of(both)["details"]
    neither = api.post("/v1/contacts", {"first_name": "No number"})
    assert neither.status_code == 422 and "phone" in error_of(neither)["details"]


def test_limit_offset_paging_with_has_more(api, workspace):
    for i in range(7):
        make_contact(workspace, first_name=f"P{i}")
    first = api.get("/v1/contacts", {"limit": 3, "offset": 0}).json()
    second = api.get("/v1/contacts", {"limit": 3, "offset": 3}).json()
    last = api.get("/v1/contacts", {"limit": 3, "offset": 6}).json()
    assert [len(x["data"]) for x in (first, second, last)] == [3, 3, 1]
    assert (first["meta"]["hasMore"], second["meta"]["has_more"], last["meta"]["hasMore"]) == (True, True, False)
    seen = [c["id"] for page in (first, second, last) for c in page["data"]]
    assert len(set(seen)) == 7
    assert first["meta"]["total"] == 7 and last["meta"]["offset"] == 6 and last["meta"]["limit"] == 3
    assert api.get("/v1/contacts", {"limit": 500}).json()["meta"]["limit"] == 100
    for params in ({"offset": -1}, {"limit": 0}, {"limit": "x"}, {"page": 2, "offset": 3}):
        response = api.get("/v1/contacts", params)
        assert response.status_code == 422 and error_of(response)["code"] == "validation_error", params
    for path in ("/v1/lists", "/v1/campaigns", "/v1/calls", "/v1/dnc"):
        meta = api.get(path, {"limit": 1, "offset": 0}).json()["meta"]
        assert {"has_more", "hasMore", "limit", "offset"} <= set(meta), path


def test_search_term_query_and_offset(api, workspace):
    ada = make_contact(workspace, first_name="Ada", last_name="Lovelace")
    for i in range(3):
        make_contact(workspace, first_name=f"Adam{i}")
    make_contact(workspace, first_name="Zed")
    hit = api.get("/v1/contacts/search", {"term": "Lovelace"}).json()
    assert [c["id"] for c in hit["data"]] == [ada.public_id] and hit["meta"]["query"] == "Lovelace"
    paged = [api.get("/v1/contacts/search", {"term": "Ada", "limit": 2, "offset": o}).json() for o in (0, 2)]
    assert [len(p["data"]) for p in paged] == [2, 2] and paged[0]["meta"]["hasMore"] is True
    assert paged[1]["meta"]["has_more"] is False
    assert len({c["id"] for p in paged for c in p["data"]}) == 4
    posted = api.post("/v1/contacts/search", {"term": "Zed"}).json()
    assert [c["first_name"] for c in posted["data"]] == ["Zed"]
    for params in ({"term": ""}, {"term": "  "}, {"query": ""}, {"term": "a", "query": "b"}):
        response = api.get("/v1/contacts/search", params)
        assert response.status_code == 422 and error_of(response)["code"] == "validation_error", params
    assert api.post("/v1/contacts/search", {"term": ""}).status_code == 422
    assert api.get("/v1/contacts/search").status_code == 200  # no term at all: filters only, as before


def test_skip_duplicates_false_updates_the_existing_contact(api, workspace):
    existing = make_contact(workspace, "+14155550140", first_name="Old", company="")
    skipped = api.post("/v1/contacts/import", {"contacts": [{"phone": "+14155550140", "company": "Acme"}]}).json()
    assert skipped["data"]["duplicates_skipped"] == 1 and skipped["data"]["updated"] == 0
    existing.refresh_from_db()
    assert existing.company == ""
    kept = api.post("/v1/contacts/import", {"contacts": [{"phone": "+14155550140", "company": "Acme"},
                                                         {"phone": "+14155550141", "first_name": "New"}],
                                            "skip_duplicates": False}).json()["data"]
    assert (kept["imported"], kept["updated"], kept["duplicates_skipped"]) == (1, 1, 0)
    existing.refresh_from_db()
    assert existing.company == "Acme" and existing.first_name == "Old"


def test_list_items_carry_updated_at(api, workspace):
    contact = make_contact(workspace, first_name="Ada")
    before = api.get("/v1/contacts").json()["data"][0]["updated_at"]
    assert before is not None
    services.contact_update(contact=contact, data={"company": "Later"})
    contact.refresh_from_db()
    item = api.get("/v1/contacts/search", {"term": "Ada"}).json()["data"][0]
    assert item["updated_at"] == contact.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_contacts_page_reads_lists_in_one_query(api, workspace, django_assert_max_num_queries):
    box = services.list_create(workspace=workspace, name="Box")
    for _ in range(30):
        make_contact(workspace)
    services.list_add_contacts(contact_list=box, contacts=Contact.objects.filter(workspace=workspace))
    api.get("/v1/contacts")  # the key's first use is recorded once
    # +1: the page's additional numbers (`phones`); +1 on PostgreSQL: the planner's estimate before the count
    with django_assert_max_num_queries(8):
        page = api.get("/v1/contacts", {"per_page": 100, "list_id": box.public_id}).json()
    assert len(page["data"]) == 30 and all(c["lists"] == [box.public_id] for c in page["data"])


def test_a_viewer_key_reads_lists_but_cannot_change_them(client, workspace):
    box = services.list_create(workspace=workspace, name="Box")
    _, raw = services.api_key_create(workspace=workspace, name="ro", role="viewer")
    viewer = Api(client, raw)
    assert viewer.get("/v1/lists").status_code == 200
    for method, path, body in (("post", "/v1/lists", {"name": "X"}), ("patch", f"/v1/lists/{box.public_id}",
                                {"name": "Y"}), ("delete", f"/v1/lists/{box.public_id}", None)):
        response = viewer.send(method, path, body)
        assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
    assert ContactList.objects.get(pk=box.pk).name == "Box"
