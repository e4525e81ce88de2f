"""Typed custom fields: definitions through the API, values checked on every write path (API, dashboard, imports),
and the custom.KEY filters (=, __gte, __lte, __contains) on the contacts list and GET /v1/contacts."""
from __future__ import annotations

import pytest

from contacts import services
from contacts.imports import import_records
from contacts.models import Contact, CustomField
from tests.factories import make_contact
from tests.test_api import Api, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, workspace):
    _, raw = services.api_key_create(workspace=workspace, name="tests")
    return Api(client, raw)


@pytest.fixture
def fields(workspace):
    return {
        "budget": services.field_create(workspace=workspace, key="budget", label="Budget", type="number"),
        "visit": services.field_create(workspace=workspace, key="visit", label="Next visit", type="date"),
        "member": services.field_create(workspace=workspace, key="member", label="Member", type="boolean"),
        "plan": services.field_create(workspace=workspace, key="plan", label="Plan", type="choice",
                                      choices=["Gold", "Silver"]),
        "notes2": services.field_create(workspace=workspace, key="notes2", label="Referral", type="text"),
    }


def test_definitions_through_the_api(api, workspace):
    created = api.post("/v1/custom-fields", {"key": "tier", "label": "Tier", "type": "choice",
                                             "choices": ["A", "B", "A"]})
    assert created.status_code == 201
    assert created.json()["data"] | {"created_at": None} == {"key": "tier", "label": "Tier", "type": "choice",
                                                             "choices": ["A", "B"], "created_at": None}
    assert [f["key"] for f in api.get("/v1/custom-fields").json()["data"]] == ["tier"]
    patched = api.send("patch", "/v1/custom-fields/tier", {"label": "Level", "choices": ["A", "B", "C"]})
    assert patched.json()["data"]["label"] == "Level" and patched.json()["data"]["choices"] == ["A", "B", "C"]
    for body in ({"key": "Bad Key"}, {"key": "tier"}, {"key": "x", "type": "colour"},
                 {"key": "y", "type": "choice"}):
        response = api.post("/v1/custom-fields", body)
        assert response.status_code == 422 and error_of(response)["code"] == "validation_error", body
    assert api.send("delete", "/v1/custom-fields/tier").json()["data"] == {"key": "tier", "deleted": True}
    assert api.get("/v1/custom-fields/tier").status_code == 404


def test_values_are_checked_and_converted_on_api_writes(api, workspace, fields):
    created = api.post("/v1/contacts", {"phone": "+14155550190", "metadata": {
        "budget": "1,250", "visit": "2026-03-04", "member": "yes", "plan": "gold", "source": "fair"}})
    assert created.status_code == 201, created.content
    assert created.json()["data"]["metadata"] == {"budget": 1250, "visit": "2026-03-04", "member": True,
                                                  "plan": "Gold", "source": "fair"}
    contact_id = created.json()["data"]["id"]
    for metadata, key in (({"budget": "lots"}, "budget"), ({"visit": "next week"}, "visit"),
                          ({"member": "maybe"}, "member"), ({"plan": "Bronze"}, "plan")):
        response = api.send("patch", f"/v1/contacts/{contact_id}", {"metadata": metadata})
        assert response.status_code == 422, metadata
        error = error_of(response)
        assert error["code"] == "validation_error" and list(error["details"]) == [f"metadata.{key}"]
    assert Contact.objects.get(public_id=contact_id).metadata["budget"] == 1250  # nothing written
    refused = api.post("/v1/contacts", {"phone": "+14155550191", "metadata": {"budget": "x"}})
    assert refused.status_code == 422 and not Contact.objects.filter(phone="+14155550191").exists()
    sms = api.post("/v1/contacts", {"phone": "+14155550192", "custom_1": "Blue", "custom_4": "X"}).json()["data"]
    assert sms["metadata"] == {"custom_1": "Blue", "custom_4": "X"}


def test_custom_field_filters_in_the_api_and_the_list(api, client_logged_in, workspace, fields):
    a = make_contact(workspace, first_name="A", metadata={"budget": 100, "visit": "2026-01-10", "member": True,
                                                          "plan": "Gold", "notes2": "Met at the spring fair"})
    b = make_contact(workspace, first_name="B", metadata={"budget": 900, "visit": "2026-05-01", "member": False,
                                                          "plan": "Silver", "notes2": "web"})
    make_contact(workspace, first_name="C")

    def names(params):
        return sorted(c["first_name"] for c in api.get("/v1/contacts", params).json()["data"])

    assert names({"custom.budget__gte": "500"}) == ["B"]
    assert names({"custom.budget__lte": "500"}) == ["A"]
    assert names({"custom.budget": "100"}) == ["A"]
    assert names({"custom.visit__gte": "2026-02-01"}) == ["B"]
    assert names({"custom.visit__gte": "2026-01-01", "custom.visit__lte": "2026-12-31"}) == ["A", "B"]
    assert names({"custom.member": "yes"}) == ["A"] and names({"custom.member": "no"}) == ["B"]
    assert names({"custom.plan": "silver"}) == ["B"]
    assert names({"custom.notes2__contains": "SPRING"}) == ["A"]
    for params in ({"custom.budget__gte": "lots"}, {"custom.nope": "1"}, {"custom.plan__gte": "Gold"},
                   {"custom.budget__contains": "1"}, {"custom.budget__between": "1"}):
        response = api.get("/v1/contacts", params)
        assert response.status_code == 422 and error_of(response)["code"] == "validation_error", params
        assert list(error_of(response)["details"]) == list(params), params

    listed = client_logged_in.get("/contacts/", {"custom.budget__gte": "500"})
    assert [c.pk for c in listed.context["contacts"]] == [b.pk]
    bad = client_logged_in.get("/contacts/", {"custom.budget__gte": "lots"})
    assert bad.status_code == 400 and "Must be a number." in bad.content.decode()
    assert a.pk


def test_import_converts_typed_columns_and_refuses_bad_values(workspace, fields):
    result = import_records(workspace=workspace, records=[
        {"phone": "+14155550193", "metadata": {"Budget": "2500", "Next visit": "2026-07-01", "Source": "fair"}},
        {"phone": "+14155550194", "metadata": {"Budget": "a lot"}},
        {"phone": "+14155550195", "metadata": {"plan": "Platinum"}},
    ])
    assert (result.imported, result.invalid_skipped) == (1, 2)
    assert [(e.field, e.index) for e in result.errors] == [("metadata.budget", 1), ("metadata.plan", 2)]
    assert "Budget: 'a lot' — Must be a number." in result.errors[0].message
    assert Contact.objects.get(phone="+14155550193").metadata == {"budget": 2500, "visit": "2026-07-01",
                                                                  "Source": "fair"}


@pytest.mark.parametrize("rows", [3, 100])
def test_custom_field_filter_query_count_is_pinned(client_logged_in, workspace, fields, rows,
                                                   django_assert_max_num_queries):
    box = services.list_create(workspace=workspace, name="Box")
    vip = services.tag_create(workspace=workspace, name="VIP")
    for i in range(rows):
        make_contact(workspace, metadata={"budget": 1000 + i})
    everyone = Contact.objects.filter(workspace=workspace)
    services.list_add_contacts(contact_list=box, contacts=everyone)
    services.contacts_tag(workspace=workspace, contacts=everyone, tag=vip)
    params = {"list_id": box.public_id, "tags": "VIP", "custom.budget__gte": "1000", "per_page": 100}
    client_logged_in.get("/contacts/", params)  # warm-up: the first request stores the workspace in the session
    # as the list + tags test, plus one read of the custom field definitions
    with django_assert_max_num_queries(14):
        response = client_logged_in.get("/contacts/", params)
    assert len(response.context["contacts"]) == min(rows, 100)
    assert CustomField.objects.filter(workspace=workspace).count() == 5


def test_settings_page_defines_and_deletes_fields(client_logged_in, workspace):
    page = client_logged_in.get("/settings/custom-fields/")
    assert page.status_code == 200 and "No custom fields yet" in page.content.decode()
    created = client_logged_in.post("/settings/custom-fields/", {"label": "Plan", "key": "plan", "type": "choice",
                                                                 "choices": "Gold, Silver"}, follow=True)
    assert "Custom field “Plan” (plan) created." in created.content.decode()
    field = CustomField.objects.get(workspace=workspace, key="plan")
    assert field.choices == ["Gold", "Silver"]
    bad = client_logged_in.post("/settings/custom-fields/", {"label": "X", "key": "Has Space", "type": "text"})
    assert bad.status_code == 422 and "lowercase letters" in bad.content.decode()
    contact = make_contact(workspace, metadata={"plan": "Gold"})
    listed = client_logged_in.get("/contacts/", {"custom.plan": "Gold"})
    html = listed.content.decode()
    assert [c.pk for c in listed.context["contacts"]] == [contact.pk]
    assert 'name="custom.plan"' in html and '<option value="Gold" selected>Gold</option>' in html
    assert "custom.plan=Gold" in listed.context["state"]  # kept for export, bulk actions and saved views
    client_logged_in.post(f"/settings/custom-fields/{field.pk}/delete/")
    assert not CustomField.objects.filter(pk=field.pk).exists()
    contact.refresh_from_db()
    assert contact.metadata == {"plan": "Gold"}  # values stay


def test_only_managers_define_fields(client, workspace):
    from tests.factories import make_user

    member = make_user("plain", workspace=workspace, role="member")
    client.force_login(member)
    assert client.get("/settings/custom-fields/").status_code == 403
    assert client.post("/settings/custom-fields/", {"key": "x"}).status_code == 403
    assert not CustomField.objects.exists()


def test_export_has_a_column_per_custom_field_and_follows_the_filter(client_logged_in, workspace, fields):
    import csv
    import io

    make_contact(workspace, first_name="Rich", metadata={"budget": 5000, "source": "fair"})
    make_contact(workspace, first_name="Poor", metadata={"budget": 10})
    body = b"".join(client_logged_in.get("/contacts/export.csv", {"custom.budget__gte": "1000"})
                    .streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["First name"] for r in rows] == ["Rich"]
    assert rows[0]["budget"] == "5000" and rows[0]["source"] == "fair"
    assert {"visit", "member", "plan", "notes2"} <= set(rows[0])  # defined fields are columns even when empty


def test_sort_on_a_custom_field(api, client_logged_in, workspace, fields):
    for name, budget in (("Mid", 50), ("Top", 900), ("Low", 5)):
        make_contact(workspace, first_name=name, metadata={"budget": budget, "visit": f"2026-0{budget % 9 + 1}-01"})
    ascending = client_logged_in.get("/contacts/", {"sort": "custom.budget"})
    assert [c.first_name for c in ascending.context["contacts"]] == ["Low", "Mid", "Top"]  # numerically
    descending = \
        client_logged_in.get("/contacts/", {"sort": "-custom.budget"})
    assert [c.first_name for c in descending.context["contacts"]] == ["Top", "Mid", "Low"]
    assert client_logged_in.get("/contacts/", {"sort": "custom.nope"}).status_code == 400


def test_contact_form_has_typed_inputs_and_shows_errors_on_them(client_logged_in, workspace, fields):
    page = client_logged_in.get("/contacts/new/").content.decode()
    assert 'type="number" step="any" name="cf_budget"' in page and 'type="date" name="cf_visit"' in page
    assert '<select name="cf_plan"' in page and '<option value="Gold"' in page
    bad = client_logged_in.post("/contacts/new/", {"phone": "+14155550196", "cf_budget": "lots", "cf_plan": "Gold"})
    html = bad.content.decode()
    assert bad.status_code == 200 and "Must be a number." in html and not Contact.objects.filter(
        phone="+14155550196").exists()
    client_logged_in.post("/contacts/new/", {"phone": "+14155550196", "cf_budget": "1200.50", "cf_member": "yes",
                                             "cf_visit": "2026-09-01", "custom_fields": "source = fair"})
    contact = Contact.objects.get(phone="+14155550196")
    assert contact.metadata == {"source": "fair", "budget": 1200.5, "member": True, "visit": "2026-09-01"}
    edit = client_logged_in.get(f"/contacts/{contact.public_id}/edit/").content.decode()
    assert 'value="1200.5"' in edit and "source = fair" in edit and "budget =" not in edit
    client_logged_in.post(f"/contacts/{contact.public_id}/edit/", {"phone": contact.phone, "cf_budget": "",
                                                                  "cf_member": "no", "custom_fields": ""})
    contact.refresh_from_db()
    assert contact.metadata == {"member": False}


# --- bulk "Set field" on the contacts list ---------------------------------------------------------------------

def _bulk(client, follow: bool = False, **post):
    return client.post("/contacts/bulk/", {"action": "set_field", **post}, follow=follow)


def test_bulk_set_a_field_on_ticked_contacts_then_on_everyone_matching(client_logged_in, workspace, fields):
    a = make_contact(workspace, first_name="Ann", metadata={"plan": "Gold", "other": "kept"})
    b = make_contact(workspace, first_name="Ben", company="Acme")
    c = make_contact(workspace, first_name="Cy", company="Acme")

    listed = client_logged_in.get("/contacts/").content.decode()
    assert 'id="bulk-field"' in listed and '<option value="budget">Budget</option>' in listed

    asked = _bulk(client_logged_in, field_key="budget", ids=[a.public_id, b.public_id])
    page = asked.content.decode()
    assert asked.status_code == 200 and 'type="number"' in page and "<strong>2</strong> contacts" in page
    assert Contact.objects.filter(metadata__has_key="budget").count() == 0  # asking writes nothing

    done = _bulk(client_logged_in, field_key="budget", value="1,250", confirm="1", ids=[a.public_id, b.public_id],
                 follow=True)
    assert "Set Budget to “1,250” on 2 contacts." in done.content.decode()
    for contact in (a, b, c):
        contact.refresh_from_db()
    assert a.metadata == {"plan": "Gold", "other": "kept", "budget": 1250}  # other keys untouched, value typed
    assert b.metadata == {"budget": 1250} and "budget" not in c.metadata
    assert [x.first_name for x in client_logged_in.get("/contacts/", {"custom.budget__gte": "1000"})
            .context["contacts"]] == ["Ben", "Ann"]

    # every contact matching the filter (company Acme), a yes/no field
    _bulk(client_logged_in, field_key="member", value="yes", confirm="1", scope="all", query="company=Acme")
    assert set(Contact.objects.filter(metadata__member=True).values_list("first_name", flat=True)) == {"Ben", "Cy"}

    # clearing removes the key and nothing else
    cleared = _bulk(client_logged_in, field_key="budget", clear="1", confirm="1", scope="all", query="", follow=True)
    assert "Cleared Budget on 3 contacts." in cleared.content.decode()
    a.refresh_from_db()
    assert a.metadata == {"plan": "Gold", "other": "kept"}


def test_bulk_set_field_refuses_a_bad_value_or_an_unknown_field_and_writes_nothing(
        client_logged_in, workspace, other_workspace, fields):
    a = make_contact(workspace, first_name="Ann")
    bad = _bulk(client_logged_in, field_key="budget", value="lots", confirm="1", ids=[a.public_id])
    assert bad.status_code == 422 and "Budget: Must be a number." in bad.content.decode()
    wrong_choice = _bulk(client_logged_in, field_key="plan", value="Bronze", confirm="1", ids=[a.public_id])
    assert wrong_choice.status_code == 422 and "Must be one of: Gold, Silver." in wrong_choice.content.decode()
    services.field_create(workspace=other_workspace, key="theirs", label="Theirs", type="text")
    foreign = _bulk(client_logged_in, field_key="theirs", value="x", confirm="1", ids=[a.public_id], follow=True)
    assert "Choose the custom field to set." in foreign.content.decode()
    a.refresh_from_db()
    assert a.metadata == {}


def test_a_viewer_cannot_set_fields(client, workspace, fields):
    from tests.factories import make_user

    a = make_contact(workspace, first_name="Ann")
    client.force_login(make_user("watcher", workspace=workspace, role="viewer"))
    refused = _bulk(client, field_key="budget", value="5", confirm="1", ids=[a.public_id])
    assert refused.status_code == 403
    a.refresh_from_db()
    assert a.metadata == {}


@pytest.mark.parametrize("rows", [3, 100])
def test_bulk_set_field_query_count_does_not_grow_with_the_selection(client_logged_in, workspace, fields, rows,
                                                                    django_assert_max_num_queries):
    for _ in range(rows):
        make_contact(workspace)
    client_logged_in.get("/contacts/")  # the first request stores the workspace in the session
    # session, user, workspace, role, field, the ids, one UPDATE per 2,000 contacts, the audit event, messages
    with django_assert_max_num_queries(14):
        _bulk(client_logged_in, field_key="budget", value="7", confirm="1", scope="all", query="")
    assert Contact.objects.filter(metadata__budget=7).count() == rows
