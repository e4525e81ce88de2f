"""Tenant isolation of API v1: workspace A's key on workspace B's ids answers 404 on every endpoint.

The test walks contacts.api.urls, so an endpoint added later is covered by its kwarg names; an unknown kwarg
fails loudly. Ids inside request bodies (merge source, campaign members, call contact) are checked too.
"""
from __future__ import annotations

import json
import re

import pytest
from django.urls import URLPattern

from contacts import services
from contacts.api import urls as api_urls
from contacts.models import Call, Campaign, Contact, DncEntry
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

OBJECTS = {
    "contact_id": lambda o: o["contact"].public_id,
    "campaign_id": lambda o: o["campaign"].public_id,
    "phone": lambda o: o["dnc_phone"],
    "call_id": lambda o: o["call"].public_id,
    "webhook_id": lambda o: o["webhook"].public_id,
    "delivery_id": lambda o: o["delivery"].public_id,
    "list_id": lambda o: o["contact_list"].public_id,
    "key": lambda o: o["custom_field"].key,
}
METHODS = ("get", "post", "put", "patch", "delete")


def objects_of(workspace, dnc_phone: str) -> dict:
    contact = make_contact(workspace, first_name="Secret", metadata={"private": "yes"})
    campaign = services.campaign_create(workspace=workspace, name="Their campaign")
    call = services.call_log(workspace=workspace, contact=contact, transcript="private words")
    dnc = services.dnc_add_number(workspace=workspace, phone=dnc_phone, reason="theirs")
    _, raw = services.api_key_create(workspace=workspace, name="key")
    webhook, _ = services.webhook_endpoint_create(workspace=workspace, url="https://example.com/hook")
    services.webhook_emit(workspace=workspace, event_type="contact.event", data={"name": "x"})
    contact_list, _ = services.list_create_from(workspace=workspace, name="Their list",
                                                contacts=Contact.objects.filter(pk=contact.pk))
    custom_field = services.field_create(workspace=workspace, key=f"secret_{workspace.slug}", label="Secret")
    return {"contact_list": contact_list, "custom_field": custom_field,
            "contact": contact, "campaign": campaign, "call": call, "dnc_phone": dnc.phone, "raw": raw,
            "webhook": webhook, "delivery": webhook.deliveries.get()}


def id_routes() -> list[tuple[str, list[str]]]:
    routes = []
    for pattern in api_urls.urlpatterns:
        if not isinstance(pattern, URLPattern):
            continue
        route = str(pattern.pattern)
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if names and not route.endswith("/"):
            routes.append((route, names))
    return routes


def test_every_id_kwarg_is_known():
    unknown = {n for _, names in id_routes() for n in names if n not in OBJECTS}
    assert not unknown, f"Add these API URL kwargs to OBJECTS in {__file__}: {sorted(unknown)}"
    assert len(id_routes()) >= 7


def test_a_key_never_reaches_another_workspaces_objects(client, workspace, other_workspace):
    mine = objects_of(workspace, "+14155550888")
    theirs = objects_of(other_workspace, "+14155550999")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {mine['raw']}"}
    body = json.dumps({"reason": "x", "source_id": mine["contact"].public_id, "first_name": "Hacked",
                       "contact_ids": [mine["contact"].public_id], "status": "dnc"})
    checked = []
    for route, _names in id_routes():
        url = "/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: OBJECTS[m.group(1)](theirs), route)
        for method in METHODS:
            if method == "get":
                response = client.get(url, **auth)
            else:
                response = getattr(client, method)(url, body, content_type="application/json", **auth)
            assert response.status_code in (404, 405), f"{method.upper()} {url} answered {response.status_code}"
            assert response["Content-Type"].startswith("application/json")
            assert "Secret" not in response.content.decode() and "private" not in response.content.decode()
            checked.append((method, url, response.status_code))
    assert sum(1 for _, _, status in checked if status == 404) >= 10

    # Their ids inside request bodies.
    merge = client.post(f"/v1/contacts/{mine['contact'].public_id}/merge",
                        json.dumps({"source_id": theirs["contact"].public_id}), content_type="application/json",
                        **auth)
    assert merge.status_code == 404
    members = client.post(f"/v1/campaigns/{mine['campaign'].public_id}/contacts",
                          json.dumps({"contact_ids": [theirs["contact"].public_id]}),
                          content_type="application/json", **auth)
    assert members.json()["data"]["added"] == 0
    assert members.json()["data"]["not_found"] == [theirs["contact"].public_id]
    call = client.post("/v1/calls", json.dumps({"contact_id": theirs["contact"].public_id}),
                       content_type="application/json", **auth)
    assert call.status_code == 404
    queued = client.post(f"/v1/contacts/{mine['contact'].public_id}/call",
                         json.dumps({"campaign_id": theirs["campaign"].public_id}), content_type="application/json",
                         **auth)
    assert queued.status_code in (404, 409)
    imported = client.post("/v1/contacts/import", json.dumps({"contacts": [{"phone": "+14155550998"}],
                                                              "campaign_id": theirs["campaign"].public_id}),
                           content_type="application/json", **auth)
    assert imported.status_code == 404
    calls = client.get("/v1/calls", {"contact_id": theirs["contact"].public_id}, **auth)
    assert calls.json()["meta"]["total"] == 0
    listed = client.get("/v1/contacts", {"search": "Secret", "per_page": 100}, **auth).json()
    assert [c["id"] for c in listed["data"]] == [mine["contact"].public_id]

    # Nothing of theirs changed.
    contact = Contact.objects.get(pk=theirs["contact"].pk)
    assert (contact.first_name, contact.status) == ("Secret", "dnc" if contact.phone == theirs["dnc_phone"]
                                                    else "active")
    assert Campaign.objects.get(pk=theirs["campaign"].pk).memberships.count() == 0
    assert Call.objects.filter(workspace=other_workspace).count() == 1
    assert DncEntry.objects.filter(workspace=other_workspace, phone=theirs["dnc_phone"]).exists()
