"""API v1 contract: the reference's endpoints, envelopes and error codes (../shared/reference/000_...txt)."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.test import override_settings

from contacts import services
from contacts.models import AuditEvent, Call, CampaignMembership, Contact, DncAuditLog, DncEntry, Plan
from tests.factories import make_contact, make_workspace

pytestmark = pytest.mark.django_db

SUMMARY_FIELDS = {"id", "phone", "phones", "first_name", "last_name", "email", "company", "title", "status",
                  "calls_count", "last_called_at", "created_at", "updated_at", "lists", "tags"}


class Api:
    def __init__(self, client, raw_key: str | None):
        self.client, self.raw = client, raw_key

    def _headers(self) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.raw}"} if self.raw else {}

    def get(self, path, params=None):
        return self.client.get(path, params or {}, **self._headers())

    def send(self, method, path, body=None):
        data = json.dumps(body) if body is not None else ""
        return getattr(self.client, method)(path, data, content_type="application/json", **self._headers())

    def post(self, path, body=None):
        return self.send("post", path, body)


@pytest.fixture
def api(client, workspace):
    _, raw = services.api_key_create(workspace=workspace, name="tests")
    return Api(client, raw)


def error_of(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    return body["error"]


# --- auth -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer sak_wrong", "Basic abc", "Bearer "])
def test_missing_or_wrong_key_is_401_json(client, workspace, header):
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/v1/contacts", **headers)
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_key_is_401(client, workspace):
    key, raw = services.api_key_create(workspace=workspace, name="old")
    services.api_key_revoke(key=key)
    assert client.get("/v1/contacts", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_key_use_is_recorded(api, workspace):
    api.get("/v1/contacts")
    assert workspace.api_keys.get(name="tests").last_used_at is not None


# --- list / retrieve ------------------------------------------------------------------------------------------

def test_list_envelope_fields_paging_and_filters(api, workspace, other_workspace):
    for i in range(25):
        make_contact(workspace, first_name=f"Person{i:02d}", company="Acme Corp" if i % 2 else "Globex")
    dnc = make_contact(workspace, first_name="Nope")
    services.contact_mark_dnc(contact=dnc, reason="asked")
    make_contact(other_workspace, first_name="Foreign")

    first = api.get("/v1/contacts").json()
    assert first["meta"] == {"total": 26, "page": 1, "per_page": 20, "limit": 20, "offset": 0, "has_more": True,
                             "hasMore": True, "total_exact": True}
    assert len(first["data"]) == 20 and set(first["data"][0]) == SUMMARY_FIELDS
    second = api.get("/v1/contacts", {"page": 2}).json()
    assert len(second["data"]) == 6 and second["meta"]["has_more"] is False
    assert not {c["id"] for c in first["data"]} & {c["id"] for c in second["data"]}
    assert api.get("/v1/contacts", {"per_page": 500}).json()["meta"]["per_page"] == 100
    assert api.get("/v1/contacts", {"page": 9}).json()["data"] == []
    only_dnc = api.get("/v1/contacts", {"status": "dnc"}).json()
    assert [c["id"] for c in only_dnc["data"]] == [dnc.public_id] and only_dnc["data"][0]["status"] == "dnc"
    assert api.get("/v1/contacts", {"search": "Person07"}).json()["meta"]["total"] == 1
    assert "Foreign" not in json.dumps(api.get("/v1/contacts", {"per_page": 100}).json())


def test_list_total_above_the_cap_is_an_estimate_and_paging_needs_no_total(api, workspace, monkeypatch):
    from django.db import connection

    from contacts import counting

    for i in range(7):
        make_contact(workspace, first_name=f"Person{i:02d}")
    monkeypatch.setattr(counting, "COUNT_CAP", 3)
    first = api.get("/v1/contacts", {"per_page": 5}).json()
    assert first["meta"]["total_exact"] is False and first["meta"]["has_more"] is True
    # PostgreSQL: the planner's estimate (at least cap + 1); SQLite: the cap, a lower bound
    assert first["meta"]["total"] >= (4 if connection.vendor == "postgresql" else 3)
    second = api.get("/v1/contacts", {"per_page": 5, "page": 2}).json()
    assert len(second["data"]) == 2 and second["meta"]["has_more"] is False
    assert {c["id"] for c in first["data"]}.isdisjoint(c["id"] for c in second["data"])


def test_list_count_reads_at_most_cap_plus_one_rows(api, workspace, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from contacts import counting

    for i in range(4):
        make_contact(workspace, first_name=f"Person{i:02d}")
    monkeypatch.setattr(counting, "COUNT_CAP", 2)
    with CaptureQueriesContext(connection) as queries:
        api.get("/v1/contacts")
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 3" in sql for sql in counts), counts


def test_list_search_matches_phone_typed_any_way(api, workspace):
    target = make_contact(workspace, "+14155550199", first_name="Dial")
    make_contact(workspace, "+12125550100")
    for typed in ("(415) 555-0199", "4155550199", "+1 415 555 0199", "555-0199"):
        ids = [c["id"] for c in api.get("/v1/contacts", {"search": typed}).json()["data"]]
        assert ids == [target.public_id], typed


def test_list_by_campaign(api, workspace):
    member, _ = make_contact(workspace), make_contact(workspace)
    campaign = services.campaign_create(workspace=workspace, name="January Outreach")
    services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.filter(pk=member.pk))
    data = api.get("/v1/contacts", {"campaign_id": campaign.public_id}).json()
    assert [c["id"] for c in data["data"]] == [member.public_id]


@pytest.mark.parametrize("params", [{"page": "x"}, {"page": 0}, {"per_page": "-1"}, {"status": "gone"}])
def test_bad_list_parameters_are_422(api, params):
    response = api.get("/v1/contacts", params)
    assert response.status_code == 422 and error_of(response)["code"] == "validation_error"


def test_retrieve_adds_metadata_calls_campaigns(api, workspace):
    contact = make_contact(workspace, first_name="John", last_name="Smith", metadata={"source": "website"})
    campaign = services.campaign_create(workspace=workspace, name="January Outreach", status="completed")
    services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.filter(pk=contact.pk))
    call = services.call_log(workspace=workspace, contact=contact, duration=180, sentiment="positive",
                             created_at=datetime(2024, 1, 15, 14, 30, tzinfo=UTC))
    data = api.get(f"/v1/contacts/{contact.public_id}").json()["data"]
    assert data["metadata"] == {"source": "website"}
    assert data["calls"] == [{"id": call.public_id, "direction": "outbound", "status": "completed", "duration": 180,
                              "sentiment": "positive", "created_at": "2024-01-15T14:30:00Z"}]
    assert data["campaigns"] == [{"id": campaign.public_id, "name": "January Outreach", "status": "completed"}]
    assert data["calls_count"] == 1 and data["last_called_at"] == "2024-01-15T14:30:00Z"
    assert data["updated_at"].endswith("Z")


def test_unknown_contact_is_contact_not_found(api):
    response = api.get("/v1/contacts/contact_doesnotexist")
    assert response.status_code == 404 and error_of(response)["code"] == "contact_not_found"


def test_unknown_path_and_method_answer_json(api):
    assert error_of(api.get("/v1/nothing-here"))["code"] == "not_found"
    response = api.send("put", "/v1/contacts", {})
    assert response.status_code == 405 and error_of(response)["code"] == "method_not_allowed"


# --- create / update / delete ---------------------------------------------------------------------------------

def test_create_reference_example_with_a_real_area_code(api, workspace):
    response = api.post("/v1/contacts", {"phone": "+14155551234", "first_name": "John", "last_name": "Smith",
                                         "email": "john@example.com", "company": "Acme Corp", "title": "Manager",
                                         "metadata": {"source": "website"}})
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["id"].startswith("contact_") and data["phone"] == "+14155551234" and data["status"] == "active"
    assert data["created_at"].endswith("Z") and data["metadata"] == {"source": "website"}
    assert Contact.objects.get(public_id=data["id"]).workspace == workspace


def test_create_normalises_local_numbers_with_the_country_hint(api):
    data = api.post("/v1/contacts", {"phone": "0412 345 678", "country": "AU"}).json()["data"]
    assert data["phone"] == "+61412345678"
    data = api.post("/v1/contacts", {"phone": "(212) 555-0142"}).json()["data"]
    assert data["phone"] == "+12125550142"


def test_create_errors(api, workspace):
    api.post("/v1/contacts", {"phone": "+14155551234"})
    duplicate = api.post("/v1/contacts", {"phone": "(415) 555-1234"})
    assert duplicate.status_code == 409 and error_of(duplicate)["code"] == "duplicate_phone"
    assert error_of(duplicate)["details"]["existing_id"].startswith("contact_")
    invalid = api.post("/v1/contacts", {"phone": "12"})
    assert invalid.status_code == 422 and error_of(invalid)["code"] == "invalid_phone"
    missing = api.post("/v1/contacts", {"first_name": "No phone"})
    assert missing.status_code == 422 and error_of(missing)["code"] == "validation_error"
    assert "phone" in error_of(missing)["details"]
    bad_email = api.post("/v1/contacts", {"phone": "+14155550001", "email": "not-an-email"})
    assert error_of(bad_email)["details"].keys() == {"email"}
    bad_meta = api.post("/v1/contacts", {"phone": "+14155550002", "metadata": ["x"]})
    assert bad_meta.status_code == 422 and "metadata" in error_of(bad_meta)["details"]
    unknown = api.post("/v1/contacts", {"phone": "+14155550003", "nickname": "JJ"})
    assert unknown.status_code == 422 and "nickname" in error_of(unknown)["details"]
    assert Contact.objects.filter(workspace=workspace).count() == 1


def test_malformed_json_and_wrong_content_type(api, client):
    raw = client.post("/v1/contacts", "{not json", content_type="application/json",
                      HTTP_AUTHORIZATION=f"Bearer {api.raw}")
    assert raw.status_code == 422 and error_of(raw)["code"] == "validation_error"
    form = client.post("/v1/contacts", {"phone": "+14155550009"}, HTTP_AUTHORIZATION=f"Bearer {api.raw}")
    assert form.status_code == 415 and error_of(form)["code"] == "unsupported_media_type"
    array = api.post("/v1/contacts", [1, 2])
    assert array.status_code == 422


def test_contact_limit_reached(client):
    small = make_workspace("tiny", plan=Plan.PROFESSIONAL)
    Contact.objects.bulk_create([Contact(workspace=small, phone=f"+1415300{i:04d}") for i in range(1000)])
    _, raw = services.api_key_create(workspace=small, name="k")
    response = Api(client, raw).post("/v1/contacts", {"phone": "+14155550100"})
    assert response.status_code == 403 and error_of(response)["code"] == "contact_limit_reached"


def test_update_is_partial_merges_metadata_and_goes_through_dnc(api, workspace):
    contact = make_contact(workspace, first_name="John", email="john@example.com", metadata={"a": "1", "b": "2"})
    response = api.send("put", f"/v1/contacts/{contact.public_id}",
                        {"email": "john.smith@newcompany.com", "company": "New Company Inc", "metadata": {"b": "3"}})
    data = response.json()["data"]
    assert response.status_code == 200
    assert (data["first_name"], data["email"], data["company"]) == ("John", "john.smith@newcompany.com",
                                                                     "New Company Inc")
    assert data["metadata"] == {"a": "1", "b": "3"}
    patched = api.send("patch", f"/v1/contacts/{contact.public_id}", {"status": "dnc"}).json()["data"]
    assert patched["status"] == "dnc"
    assert DncEntry.objects.filter(workspace=workspace, phone=contact.phone, source="api").exists()
    back = api.send("patch", f"/v1/contacts/{contact.public_id}", {"status": "active", "dnc_reason": "opted in"})
    assert back.json()["data"]["status"] == "active"
    assert DncAuditLog.objects.filter(phone=contact.phone, action="removed", reason="opted in").exists()


def test_update_errors(api, workspace):
    a, b = make_contact(workspace), make_contact(workspace)
    taken = api.send("put", f"/v1/contacts/{a.public_id}", {"phone": b.phone})
    assert taken.status_code == 409 and error_of(taken)["code"] == "duplicate_phone"
    bad_status = api.send("put", f"/v1/contacts/{a.public_id}", {"status": "sleeping"})
    assert bad_status.status_code == 422 and "status" in error_of(bad_status)["details"]
    missing = api.send("put", "/v1/contacts/contact_missing", {"first_name": "x"})
    assert missing.status_code == 404 and error_of(missing)["code"] == "contact_not_found"


def test_delete_removes_campaigns_and_keeps_calls_unlinked(api, workspace):
    contact = make_contact(workspace)
    campaign = services.campaign_create(workspace=workspace, name="C")
    services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.filter(pk=contact.pk))
    call = services.call_log(workspace=workspace, contact=contact)
    response = api.send("delete", f"/v1/contacts/{contact.public_id}")
    assert response.json() == {"data": {"id": contact.public_id, "deleted": True}}
    assert not CampaignMembership.objects.filter(campaign=campaign).exists()
    assert Call.objects.get(pk=call.pk).contact is None
    assert api.send("delete", f"/v1/contacts/{contact.public_id}").status_code == 404


# --- DNC on a contact -----------------------------------------------------------------------------------------

def test_contact_dnc_and_back(api, workspace):
    contact = make_contact(workspace)
    marked = api.post(f"/v1/contacts/{contact.public_id}/dnc")
    data = marked.json()["data"]
    assert marked.status_code == 200 and data["id"] == contact.public_id and data["status"] == "dnc"
    assert data["dnc_at"].endswith("Z")
    call = api.post(f"/v1/contacts/{contact.public_id}/call")
    assert call.status_code == 409 and error_of(call)["code"] == "contact_dnc"
    removed = api.send("delete", f"/v1/contacts/{contact.public_id}/dnc")
    assert removed.json() == {"data": {"id": contact.public_id, "status": "active"}}
    assert DncAuditLog.objects.filter(phone=contact.phone).count() == 2


# --- import ---------------------------------------------------------------------------------------------------

def test_import_reference_example(api, workspace):
    body = {"contacts": [{"phone": "+14155551234", "first_name": "John", "last_name": "Smith"},
                         {"phone": "+14155559876", "first_name": "Jane", "last_name": "Doe"}],
            "skip_duplicates": True}
    data = api.post("/v1/contacts/import", body).json()["data"]
    assert (data["imported"], data["duplicates_skipped"], data["invalid_skipped"], data["errors"]) == (2, 0, 0, [])
    again = api.post("/v1/contacts/import", body).json()["data"]
    assert (again["imported"], again["duplicates_skipped"]) == (0, 2)
    assert Contact.objects.filter(workspace=workspace).count() == 2


def test_import_reports_each_bad_row_and_updates_when_asked(api, workspace):
    existing = make_contact(workspace, "+14155550111", first_name="Old")
    body = {"contacts": [{"phone": "+1 415 555 0111", "first_name": "New"}, {"phone": "nope"}, {"first_name": "x"},
                         {"phone": "+14155550112"}, {"phone": "+14155550112"}],
            "update_existing": True}
    data = api.post("/v1/contacts/import", body).json()["data"]
    assert (data["imported"], data["updated"], data["invalid_skipped"], data["duplicates_skipped"]) == (1, 1, 2, 1)
    by_index = {e["index"]: e for e in data["errors"]}
    assert set(by_index) == {1, 2, 4}
    assert by_index[1]["code"] == "invalid_phone" and by_index[1]["message"]
    existing.refresh_from_db()
    assert existing.first_name == "New"


def test_import_too_large_writes_nothing(api, workspace):
    body = {"contacts": [{"phone": f"+1415555{i:04d}"} for i in range(1001)]}
    response = api.post("/v1/contacts/import", body)
    assert response.status_code == 413 and error_of(response)["code"] == "import_too_large"
    assert not Contact.objects.filter(workspace=workspace).exists()


def test_import_rejects_non_objects(api, workspace):
    response = api.post("/v1/contacts/import", {"contacts": [{"phone": "+14155550100"}, "x"]})
    assert response.status_code == 422 and "contacts" in error_of(response)["details"]
    assert not Contact.objects.filter(workspace=workspace).exists()


# --- normalize / search ---------------------------------------------------------------------------------------

def test_normalize(api):
    data = api.post("/v1/contacts/normalize", {"phone": "(415) 555-2671"}).json()["data"]
    assert data["original"] == "(415) 555-2671" and data["normalized"] == "+14155552671" and data["is_valid"]
    assert data["country_code"] == "US" and data["area_code"] == "415"
    assert data["national"] == "(415) 555-2671" and data["international"] == "+1 415-555-2671"
    assert data["timezones"] == ["America/Los_Angeles"] and data["type"]
    uk = api.post("/v1/contacts/normalize", {"phone": "020 7946 0018", "country": "GB"}).json()["data"]
    assert uk["normalized"] == "+442079460018" and uk["country_code"] == "GB"
    bad = api.post("/v1/contacts/normalize", {"phone": "123"}).json()["data"]
    assert bad["is_valid"] is False and bad["normalized"] is None and bad["error"]


def test_search_get_and_post_with_filters(api, workspace):
    ada = make_contact(workspace, first_name="Ada", last_name="Lovelace", company="Analytical")
    make_contact(workspace, first_name="Ada", last_name="Byron", company="Poetry")
    hit = api.post("/v1/contacts/search", {"query": "Ada", "filters": {"company": "Analytic"}, "limit": 5}).json()
    assert [c["id"] for c in hit["data"]] == [ada.public_id] and hit["meta"]["has_more"] is False
    both = api.get("/v1/contacts/search", {"query": "ada", "limit": 1}).json()
    assert len(both["data"]) == 1 and both["meta"]["has_more"] is True
    bad = api.post("/v1/contacts/search", {"query": "x", "filters": {"status": "asleep"}})
    assert bad.status_code == 422


# --- number-level DNC -----------------------------------------------------------------------------------------

def test_number_level_dnc_applies_to_existing_and_future_contacts(api, workspace):
    existing = make_contact(workspace, "+14155550177")
    added = api.post("/v1/dnc", {"phone": "(415) 555-0177", "reason": "Called us to opt out"})
    assert added.status_code == 201 and added.json()["data"]["phone"] == "+14155550177"
    assert added.json()["data"]["contact_ids"] == [existing.public_id]
    existing.refresh_from_db()
    assert existing.status == "dnc"
    future = api.post("/v1/dnc", {"phone": "+14155550178", "reason": "Complaint"})
    assert future.json()["data"]["contact_ids"] == []
    created = api.post("/v1/contacts", {"phone": "+14155550178"}).json()["data"]
    assert created["status"] == "dnc"
    listed = api.get("/v1/dnc").json()
    assert listed["meta"]["total"] == 2 and {e["phone"] for e in listed["data"]} == {"+14155550177", "+14155550178"}
    no_reason = api.send("delete", "/v1/dnc/+14155550177")
    assert no_reason.status_code == 422 and "reason" in error_of(no_reason)["details"]
    removed = api.send("delete", "/v1/dnc/+14155550177", {"reason": "Opted back in"})
    assert removed.json()["data"] == {"phone": "+14155550177", "removed": True, "contacts_reactivated": 1}
    assert api.send("delete", "/v1/dnc/+14155550177", {"reason": "again"}).status_code == 404
    missing_reason = api.post("/v1/dnc", {"phone": "+14155550179"})
    assert missing_reason.status_code == 422


# --- merge, campaigns, calls ----------------------------------------------------------------------------------

def test_merge(api, workspace):
    target = make_contact(workspace, first_name="Ada", metadata={"a": "1"})
    source = make_contact(workspace, last_name="Lovelace", email="ada@example.com", metadata={"b": "2"})
    services.call_log(workspace=workspace, contact=source)
    data = api.post(f"/v1/contacts/{target.public_id}/merge", {"source_id": source.public_id}).json()["data"]
    assert (data["first_name"], data["last_name"], data["email"]) == ("Ada", "Lovelace", "ada@example.com")
    assert data["metadata"] == {"a": "1", "b": "2"} and len(data["calls"]) == 1
    assert not Contact.objects.filter(pk=source.pk).exists()
    assert AuditEvent.objects.filter(action="contact.merge").exists()
    gone = api.post(f"/v1/contacts/{target.public_id}/merge", {"source_id": source.public_id})
    assert gone.status_code == 404 and error_of(gone)["code"] == "contact_not_found"
    itself = api.post(f"/v1/contacts/{target.public_id}/merge", {"source_id": target.public_id})
    assert itself.status_code == 422


def test_campaigns(api, workspace):
    created = api.post("/v1/campaigns", {"name": "January Outreach"})
    campaign = created.json()["data"]
    assert created.status_code == 201 and campaign["status"] == "draft" and campaign["contacts_count"] == 0
    ok, dnc = make_contact(workspace), make_contact(workspace)
    services.contact_mark_dnc(contact=dnc, reason="asked")
    added = api.post(f"/v1/campaigns/{campaign['id']}/contacts",
                     {"contact_ids": [ok.public_id, dnc.public_id, "contact_nope"]}).json()["data"]
    assert (added["added"], added["dnc_skipped"], added["not_found"]) == (1, 1, ["contact_nope"])
    assert api.get(f"/v1/campaigns/{campaign['id']}").json()["data"]["contacts_count"] == 1
    assert api.get("/v1/campaigns").json()["meta"]["total"] == 1
    assert api.get("/v1/campaigns/campaign_nope").status_code == 404
    assert api.post("/v1/campaigns", {"name": ""}).status_code == 422


def test_calls_log_list_and_dnc_requested(api, workspace):
    contact = make_contact(workspace)
    logged = api.post("/v1/calls", {"contact_id": contact.public_id, "direction": "inbound", "status": "completed",
                                    "duration": 42, "sentiment": "negative", "outcome": "dnc_requested",
                                    "recording_url": "https://example.com/r.mp3", "transcript": "stop calling"})
    assert logged.status_code == 201 and logged.json()["data"]["outcome"] == "dnc_requested"
    contact.refresh_from_db()
    assert contact.status == "dnc" and contact.calls_count == 1
    api.post("/v1/calls", {"contact_id": contact.public_id, "direction": "outbound", "status": "no_answer"})
    listed = api.get("/v1/calls", {"direction": "inbound"}).json()
    assert listed["meta"]["total"] == 1 and listed["data"][0]["contact_id"] == contact.public_id
    assert api.get("/v1/calls", {"contact_id": contact.public_id}).json()["meta"]["total"] == 2
    bad = api.post("/v1/calls", {"contact_id": contact.public_id, "status": "exploded"})
    assert bad.status_code == 422 and "status" in error_of(bad)["details"]


def test_queue_call_inside_and_outside_hours(api, workspace):
    workspace.calling_window_start, workspace.calling_window_end = datetime(2026, 1, 1, 0, 0).time(), \
        datetime(2026, 1, 1, 0, 0).time()
    workspace.save()
    contact = make_contact(workspace, "+447911123456")  # a UK number: the workspace's window alone applies
    # A zero-length window never opens: every call is outside calling hours.
    refused = api.post(f"/v1/contacts/{contact.public_id}/call")
    assert refused.status_code == 409 and error_of(refused)["code"] == "outside_calling_hours"
    assert "local_time" in error_of(refused)["details"]
    workspace.calling_window_start = datetime(2026, 1, 1, 0, 0).time()
    workspace.calling_window_end = datetime(2026, 1, 1, 23, 59, 59).time()
    workspace.save()
    queued = api.post(f"/v1/contacts/{contact.public_id}/call")
    assert queued.status_code == 201 and queued.json()["data"]["status"] == "queued"


@override_settings(API_RATE_LIMIT="3/min")
def test_rate_limit_per_key(api, client, workspace):
    from django.core.cache import cache

    cache.clear()
    statuses = [api.get("/v1/contacts").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api.get("/v1/contacts")
    assert error_of(limited)["code"] == "rate_limited" and int(limited["Retry-After"]) > 0
    _, other_raw = services.api_key_create(workspace=workspace, name="second")
    assert Api(client, other_raw).get("/v1/contacts").status_code == 200  # the limit is per key
    cache.clear()


def test_openapi_and_docs_are_served_locally(client):
    schema = client.get("/v1/openapi.json", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for expected in ("/v1/contacts", "/v1/contacts/{contact_id}", "/v1/contacts/import",
                     "/v1/contacts/{contact_id}/dnc", "/v1/contacts/normalize", "/v1/contacts/search",
                     "/v1/dnc", "/v1/dnc/{phone}",
                     "/v1/contacts/{contact_id}/merge", "/v1/campaigns", "/v1/calls", "/v1/contacts/{contact_id}/call"):
        assert expected in paths, expected
    docs = client.get("/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger" in html.lower() and "cdn" not in html.lower() and "unpkg" not in html.lower()
