"""/v1/openapi.json describes every response body exactly: real responses of every operation validate against the
documented schema, with no undocumented field (additionalProperties false on every documented object)."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import jsonschema
import pytest
from django.core.management import call_command
from django.utils import timezone

from contacts import services
from tests.test_webhooks import Receiver

pytestmark = pytest.mark.django_db

NOON_PACIFIC = datetime(2026, 6, 15, 19, 0, tzinfo=UTC)  # inside the calling window for +1 415 numbers
SCHEMA_KEYWORDS_DROPPED = {"nullable", "example", "description", "readOnly", "writeOnly", "format"}


def as_json_schema(node, components: dict):
    """An OpenAPI 3.0 schema as plain JSON Schema: $refs inlined, `nullable` as null, and objects closed so an
    undocumented field fails the check."""
    if isinstance(node, list):
        return [as_json_schema(x, components) for x in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return as_json_schema(components[node["$ref"].rsplit("/", 1)[1]], components)
    out = {}
    for key, value in node.items():
        if key in SCHEMA_KEYWORDS_DROPPED:
            continue
        if key == "properties":
            out[key] = {name: as_json_schema(sub, components) for name, sub in value.items()}
        else:
            out[key] = as_json_schema(value, components)
    if "properties" in node and "additionalProperties" not in node:
        out["additionalProperties"] = False
    if node.get("nullable"):
        out = {"anyOf": [out, {"type": "null"}]}
    return out


class SchemaCheckedApi:
    """Calls API v1 and validates each response body against the operation's documented response."""

    def __init__(self, client, raw_key: str, schema: dict):
        self.client, self.headers, self.schema = client, {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}, schema
        self.components = schema["components"]["schemas"]
        # Literal paths before templated ones: /v1/contacts/import is not /v1/contacts/{contact_id}.
        self.routes = sorted(((re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), p) for p in schema["paths"]),
                             key=lambda r: r[1].count("{"))
        self.seen: set[tuple[str, str]] = set()

    def template(self, path: str) -> str:
        bare = path.split("?", 1)[0]
        return next(template for pattern, template in self.routes if pattern.match(bare))

    def __call__(self, method: str, path: str, body=None, status: int = 200) -> dict:
        if method == "get":
            response = self.client.get(path, **self.headers)
        else:
            data = json.dumps(body) if body is not None else ""
            response = getattr(self.client, method)(path, data, content_type="application/json", **self.headers)
        assert response.status_code == status, (method, path, response.content[:500])
        template = self.template(path)
        operation = self.schema["paths"][template][method]
        documented = operation["responses"].get(str(status))
        assert documented, f"{operation['operationId']} does not document {status}"
        schema = as_json_schema(documented["content"]["application/json"]["schema"], self.components)
        payload = response.json()
        try:
            jsonschema.validate(payload, schema)
        except jsonschema.ValidationError as exc:
            pytest.fail(f"{operation['operationId']} {status}: {exc.message} at {list(exc.absolute_path)}")
        self.seen.add((method, template))
        return payload


@pytest.fixture
def schema(client):
    return client.get("/v1/openapi.json").json()


@pytest.fixture
def api(client, workspace, schema, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOON_PACIFIC)
    _, raw = services.api_key_create(workspace=workspace, name="schema")
    return SchemaCheckedApi(client, raw, schema)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_every_operation_answers_the_documented_shape(api, schema, workspace, receiver,
                                                     django_capture_on_commit_callbacks):
    # contacts
    ada = api("post", "/v1/contacts", {"phone": "+14155550101", "first_name": "Ada", "tags": ["vip"],
                                       "metadata": {"clinic": "Bright"},
                                       "phones": [{"number": "+14155550109", "label": "work"}]}, 201)["data"]
    bob = api("post", "/v1/contacts", {"phone_number": "+14155550102", "first_name": "Bob"}, 201)["data"]
    api("get", "/v1/contacts?limit=1&offset=0")
    api("get", f"/v1/contacts/{ada['id']}")
    api("put", f"/v1/contacts/{ada['id']}", {"company": "Acme"})
    api("patch", f"/v1/contacts/{ada['id']}", {"title": "CTO"})
    api("get", "/v1/contacts/search?term=Ada")
    api("post", "/v1/contacts/search", {"query": "Ada", "filters": {"status": "active"}})
    api("post", "/v1/contacts/normalize", {"phone": "4155550100", "country": "US"})
    api("post", "/v1/contacts/normalize", {"phone": "nope"})
    imported = api("post", "/v1/contacts/import", {"contacts": [{"phone": "+14155550103", "first_name": "Cy"},
                                                                {"phone": "nope"}]})["data"]
    assert imported["imported"] == 1 and imported["errors"]

    # lists and custom fields
    group = api("post", "/v1/lists", {"name": "Leads"}, 201)["data"]
    api("get", "/v1/lists")
    api("get", f"/v1/lists/{group['id']}")
    api("patch", f"/v1/lists/{group['id']}", {"name": "Hot leads"})
    api("post", f"/v1/lists/{group['id']}/contacts", {"contact_ids": [ada["id"], "con_missing"]})
    api("delete", f"/v1/lists/{group['id']}/contacts", {"contact_ids": [ada["id"]]})
    api("delete", f"/v1/lists/{group['id']}")
    api("post", "/v1/custom-fields", {"key": "clinic", "label": "Clinic"}, 201)
    api("get", "/v1/custom-fields")
    api("get", "/v1/custom-fields/clinic")
    api("patch", "/v1/custom-fields/clinic", {"label": "Dental clinic"})
    api("delete", "/v1/custom-fields/clinic")

    # campaigns and the dialer (members need consent on file to be queued)
    for contact in (ada, bob):
        api("post", f"/v1/contacts/{contact['id']}/consents", {"kind": "express_written", "source": "web_form",
                                                                "proof_url": "https://example.com/form"}, 201)
    campaign = api("post", "/v1/campaigns", {"name": "Spring", "type": "informational"}, 201)["data"]
    api("get", "/v1/campaigns")
    api("patch", f"/v1/campaigns/{campaign['id']}", {"script": "Hi {{first_name}}", "max_attempts": 2})
    api("get", f"/v1/campaigns/{campaign['id']}")
    api("post", f"/v1/campaigns/{campaign['id']}/contacts", {"contact_ids": [ada["id"], bob["id"]]})
    api("get", f"/v1/campaigns/{campaign['id']}/script")
    started = api("post", f"/v1/campaigns/{campaign['id']}/start")["data"]
    assert started["queued"] == 2
    claimed = api("post", "/v1/calls/claim", {"limit": 1, "agent": "a1"})["data"]
    assert claimed and claimed[0]["contact"]
    api("get", f"/v1/calls/{claimed[0]['id']}")
    api("patch", f"/v1/calls/{claimed[0]['id']}", {"status": "completed", "duration": 30, "sentiment": "positive"})
    api("post", f"/v1/campaigns/{campaign['id']}/pause")
    api("post", f"/v1/campaigns/{campaign['id']}/stop")
    queued = api("post", f"/v1/contacts/{bob['id']}/call", {}, 201)["data"]
    assert api("post", f"/v1/contacts/{bob['id']}/call", {}, 200)["data"]["id"] == queued["id"]
    api("post", "/v1/calls", {"contact_id": ada["id"], "campaign_id": campaign["id"], "duration": 12,
                              "outcome": "booked"}, 201)
    api("get", f"/v1/calls?contact_id={ada['id']}")

    # compliance and consent
    api("post", "/v1/compliance/check", {"phone": ada["phone"], "campaign_id": campaign["id"]})
    api("post", "/v1/consents/revoke", {"phone": bob["phone"], "note": "asked"}, 201)
    history = api("get", f"/v1/contacts/{bob['id']}/consents")["data"]
    assert {row["type"] for row in history} == {"consent", "revocation"}

    # DNC
    api("post", f"/v1/contacts/{ada['id']}/dnc", {"reason": "asked"})
    api("delete", f"/v1/contacts/{ada['id']}/dnc", {"reason": "consented again"})
    api("post", "/v1/dnc", {"phone": "+14155550104", "reason": "complaint"}, 201)
    api("get", "/v1/dnc")
    api("delete", "/v1/dnc/+14155550104?reason=resolved")

    # webhooks, with a delivery to list and resend
    hook = api("post", "/v1/webhooks", {"url": receiver.url(), "events": ["contact.event"]}, 201)["data"]
    receiver.secrets.append(hook["secret"])
    api("get", "/v1/webhooks")
    api("get", f"/v1/webhooks/{hook['id']}")
    api("patch", f"/v1/webhooks/{hook['id']}", {"description": "CRM"})
    api("post", f"/v1/webhooks/{hook['id']}/rotate-secret")
    with django_capture_on_commit_callbacks(execute=True):
        api("post", f"/v1/contacts/{ada['id']}/events", {"name": "appointment_booked"}, 202)
    deliveries = api("get", f"/v1/webhooks/{hook['id']}/deliveries")["data"]
    with django_capture_on_commit_callbacks(execute=True):
        api("post", f"/v1/webhooks/{hook['id']}/deliveries/{deliveries[0]['id']}/resend", None, 202)
    api("delete", f"/v1/webhooks/{hook['id']}")

    # merge and delete last
    api("post", f"/v1/contacts/{ada['id']}/merge", {"source_id": bob["id"]})
    api("delete", f"/v1/contacts/{ada['id']}")

    # errors answer the Error component
    api("get", "/v1/contacts/con_nope", status=404)
    api("post", "/v1/contacts", {"phone": "+14155550101", "nickname": "x"}, 422)

    documented = {(method, path) for path, methods in schema["paths"].items() for method in methods}
    assert documented - api.seen == set(), "operations without a response check"


def test_every_success_response_is_a_named_component(schema):
    """A generated client gets a model for each body: no 2xx body is a bare, untyped object."""
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            for status, response in operation["responses"].items():
                if status.startswith("2"):
                    body = response["content"]["application/json"]["schema"]
                    assert set(body) == {"$ref"}, (method, path, status, body)


def test_schema_documents_the_conventions(schema):
    paths, components = schema["paths"], schema["components"]["schemas"]
    listed = {p["name"] for p in paths["/v1/contacts"]["get"]["parameters"]}
    assert {"page", "per_page", "limit", "offset"} <= listed
    assert {"term", "query"} <= {p["name"] for p in paths["/v1/contacts/search"]["get"]["parameters"]}
    assert {"term", "query"} <= set(components["SearchIn"]["properties"])
    assert "skip_duplicates" in components["ImportIn"]["properties"]
    assert "phone_number" in components["ContactIn"]["properties"]
    assert {"has_more", "hasMore", "total", "total_exact", "limit", "offset"} <= set(components["PageMeta"]["required"])
    assert "updated_at" in components["ContactSummary"]["required"]
    assert components["Contact"]["properties"]["status"] == {"$ref": "#/components/schemas/ContactStatusEnum"}
    assert components["Error"]["required"] == ["error"]


def test_schema_generation_has_no_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
