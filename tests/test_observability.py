"""Structured logs: JSON lines with the request id, and one event line per import, bulk action, DNC change, key use."""
from __future__ import annotations

import io
import json
import logging

import pytest
from pythonjsonlogger.json import JsonFormatter

from contacts import services
from contacts.observability import RequestIdFilter
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log():
    """The production handler (JSON formatter + request id filter) on the root logger, captured."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_request_id_is_returned_and_honoured(client):
    generated = client.get("/healthz")["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    assert client.get("/healthz", HTTP_X_REQUEST_ID="bad id\n")["X-Request-ID"] != "bad id\n"


def test_dnc_change_through_a_request_logs_json_with_request_id_workspace_and_user(client_logged_in, workspace,
                                                                                    json_log):
    contact = make_contact(workspace)
    client_logged_in.post(f"/contacts/{contact.public_id}/dnc/", {"reason": "asked"}, HTTP_X_REQUEST_ID="req-42")
    events = [line for line in json_log() if line.get("event") == "dnc.add"]
    assert len(events) == 1
    event = events[0]
    assert event["request_id"] == "req-42" and event["workspace"] == workspace.slug and event["user"] == "manager"
    assert event["phone"] == contact.phone and event["message"] == "dnc.add"


def test_api_key_use_bulk_action_and_import_are_logged(client, workspace, user, json_log):
    _, raw = services.api_key_create(workspace=workspace, name="agent")
    client.get("/v1/contacts", HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.get("/v1/contacts", HTTP_AUTHORIZATION="Bearer sak_wrong")
    from contacts.imports import import_records

    import_records(workspace=workspace, records=[{"phone": "+14155550100"}], actor=user)
    contacts = workspace.contacts.all()
    services.contacts_mark_dnc(workspace=workspace, contacts=contacts, reason="bulk", actor=user)
    names = [line.get("event") for line in json_log()]
    assert "api_key.use" in names and "api_key.rejected" in names
    assert any(n and n.startswith("import") for n in names), names
    assert "contacts.mark_dnc" in names
    use = next(line for line in json_log() if line.get("event") == "api_key.use")
    assert use["workspace"] == workspace.slug and use["user"].startswith("api_key:")
