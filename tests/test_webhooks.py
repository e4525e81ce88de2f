"""Outbound webhooks end to end: a real HTTP receiver on 127.0.0.1 verifies every request with standardwebhooks."""
from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook

from contacts import services
from contacts.imports import import_records
from contacts.models import (
    Contact,
    DeliveryStatus,
    Role,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from contacts.webhooks import delivery
from tests.factories import make_contact, make_user, next_phone

pytestmark = pytest.mark.django_db

# 20:00 UTC is noon in California: inside the calling window for +1 415 numbers.
CALLING_HOURS = datetime(2026, 3, 3, 20, 0, tzinfo=UTC)


class Receiver:
    """A webhook receiver on an ephemeral port. Answers from `script` (then 200); verifies each signature."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[int] = []
        self.secrets: list[str] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                verified = {}
                for secret in receiver.secrets:
                    try:
                        Webhook(secret).verify(body, headers)
                        verified[secret] = True
                    except Exception:
                        verified[secret] = False
                with receiver.lock:
                    receiver.requests.append({"path": self.path, "headers": headers, "body": body,
                                              "json": json.loads(body), "verified": verified})
                    status = receiver.script.pop(0) if receiver.script else 200
                if self.path.startswith("/slow"):
                    time.sleep(2)
                if self.path.startswith("/redirect"):
                    self.send_response(302)
                    self.send_header("Location", "/hook")
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else f"error {status}".encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    @property
    def types(self) -> list[str]:
        return [r["json"]["type"] for r in self.requests]

    def of_type(self, event_type: str) -> list[dict]:
        return [r for r in self.requests if r["json"]["type"] == event_type]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def endpoint(workspace, receiver):
    """An endpoint for every event type, its secret known to the receiver."""
    endpoint, secret = services.webhook_endpoint_create(workspace=workspace, url=receiver.url(), actor="test")
    receiver.secrets.append(secret)
    return endpoint


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run the block's on-commit callbacks (the queued deliveries run inline with the immediate backend)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def api(client, workspace):
    _, raw = services.api_key_create(workspace=workspace, name="hooks")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def assert_all_verified(receiver: Receiver) -> None:
    assert receiver.requests
    for request in receiver.requests:
        assert all(request["verified"].values()), request["headers"]


def only_delivery() -> WebhookDelivery:
    return WebhookDelivery.objects.select_related("event").get()


# --- endpoints: the secret is shown once ---

def test_api_create_returns_the_secret_once_and_never_again(api, receiver):
    response = api.post("/v1/webhooks", {"url": receiver.url(), "events": ["contact.created"],
                                         "description": "CRM sync"}, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["id"].startswith("whk_") and data["secret"].startswith("whsec_")
    assert data["events"] == ["contact.created"] and data["enabled"] is True
    for path in ("/v1/webhooks", f"/v1/webhooks/{data['id']}"):
        body = api.get(path).content.decode()
        assert data["id"] in body and data["secret"] not in body and '"secret"' not in body
    patched = api.patch(f"/v1/webhooks/{data['id']}", {"enabled": False}, content_type="application/json").json()
    assert patched["data"]["enabled"] is False and "secret" not in patched["data"]

    rotated = api.post(f"/v1/webhooks/{data['id']}/rotate-secret").json()["data"]
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != data["secret"]
    assert rotated["secret"] not in api.get(f"/v1/webhooks/{data['id']}").content.decode()
    assert api.delete(f"/v1/webhooks/{data['id']}").json()["data"] == {"id": data["id"], "deleted": True}
    assert api.get(f"/v1/webhooks/{data['id']}").json()["error"]["code"] == "webhook_not_found"


def test_api_validates_the_endpoint(api):
    bad = api.post("/v1/webhooks", {"url": "ftp://example.com/x"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"
    unknown = api.post("/v1/webhooks", {"url": "https://example.com/x", "events": ["contact.exploded"]},
                       content_type="application/json")
    assert unknown.status_code == 422 and "events" in unknown.json()["error"]["details"]


# --- every event arrives signed, with its type and the API's object ---

def test_contact_events_arrive_signed_with_type_and_data(api, workspace, endpoint, receiver, sent):
    with sent():
        created = api.post("/v1/contacts", {"phone": "+14155550100", "first_name": "Ada"},
                           content_type="application/json").json()["data"]
    contact_id = created["id"]
    with sent():
        updated = api.put(f"/v1/contacts/{contact_id}", {"company": "Acme"}, content_type="application/json").json()
    with sent():
        api.delete(f"/v1/contacts/{contact_id}")

    assert receiver.types == ["contact.created", "contact.updated", "contact.deleted"]
    assert_all_verified(receiver)
    assert receiver.requests[0]["json"]["data"] == created  # the same object the API returned
    assert receiver.requests[1]["json"]["data"] == updated["data"]
    assert receiver.requests[2]["json"]["data"] == {"id": contact_id, "phone": "+14155550100", "deleted": True}
    first = receiver.requests[0]
    assert first["headers"]["webhook-id"].startswith("msg_")
    assert first["headers"]["content-type"] == "application/json"
    assert first["json"]["timestamp"].endswith("Z")
    assert len({r["headers"]["webhook-id"] for r in receiver.requests}) == 3
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == 3


def test_dnc_added_and_removed_arrive_with_number_reason_source_and_contacts(api, workspace, endpoint, receiver, sent):
    with sent():
        contact = make_contact(workspace, phone="+14155550111")
    receiver.requests.clear()
    with sent():
        api.post("/v1/dnc", {"phone": "+1 415 555 0111", "reason": "Asked on the phone"},
                 content_type="application/json")
    with sent():
        api.delete("/v1/dnc/+14155550111", {"reason": "Opted back in"}, content_type="application/json")

    assert receiver.types == ["contact.dnc_added", "contact.dnc_removed"]
    assert_all_verified(receiver)
    assert receiver.requests[0]["json"]["data"] == {"phone": "+14155550111", "reason": "Asked on the phone",
                                                    "source": "api", "contact_ids": [contact.public_id]}
    assert receiver.requests[1]["json"]["data"] == {"phone": "+14155550111", "reason": "Opted back in",
                                                    "source": "api", "contact_ids": [contact.public_id]}


def test_call_queued_and_completed(workspace, endpoint, receiver, sent):
    with sent():
        contact = make_contact(workspace, phone="+14155550122")
    receiver.requests.clear()
    with sent():
        queued = services.call_queue_outbound(contact=contact, now=CALLING_HOURS, actor="test")
    with sent():
        services.call_log(workspace=workspace, contact=contact, status="in_progress")  # not final: nothing
    with sent():
        done = services.call_log(workspace=workspace, contact=contact, status="no_answer", duration=0)

    assert receiver.types == ["call.queued", "call.completed"]
    assert_all_verified(receiver)
    assert receiver.requests[0]["json"]["data"]["id"] == queued.public_id
    assert receiver.requests[0]["json"]["data"]["status"] == "queued"
    completed = receiver.requests[1]["json"]["data"]
    assert completed["id"] == done.public_id and completed["status"] == "no_answer"
    assert completed["contact_id"] == contact.public_id


def test_import_completed_carries_batch_and_counts(workspace, endpoint, receiver, sent):
    with sent():
        result = import_records(workspace=workspace, records=[{"phone": next_phone()}, {"phone": "nope"}],
                                actor="test")
    imports = receiver.of_type("import.completed")
    assert len(imports) == 1
    data = imports[0]["json"]["data"]
    assert data["batch_id"] == result.batch.public_id and data["status"] == "completed"
    assert (data["rows"], data["imported"], data["invalid_skipped"]) == (2, 1, 1)
    assert imports[0]["verified"] and all(imports[0]["verified"].values())


def test_named_contact_event(api, workspace, endpoint, receiver, sent):
    with sent():
        contact = make_contact(workspace, first_name="Grace")
    receiver.requests.clear()
    with sent():
        response = api.post(f"/v1/contacts/{contact.public_id}/events", {"name": "appointment_booked"},
                            content_type="application/json")
    assert response.status_code == 202 and response.json()["data"]["deliveries"] == 1
    assert receiver.types == ["contact.event"]
    data = receiver.requests[0]["json"]["data"]
    assert data["name"] == "appointment_booked" and data["contact"]["id"] == contact.public_id
    assert_all_verified(receiver)
    bad = api.post(f"/v1/contacts/{contact.public_id}/events", {"name": "no spaces"}, content_type="application/json")
    assert bad.status_code == 422


def test_bulk_changes_send_one_event_per_contact_set_based(workspace, endpoint, receiver, sent,
                                                            django_assert_max_num_queries):
    with sent():
        for _ in range(30):
            make_contact(workspace)
    receiver.requests.clear()
    selection = Contact.objects.for_workspace(workspace)
    with sent():
        services.contacts_mark_dnc(workspace=workspace, contacts=selection, reason="Complaint", actor="test")
    assert receiver.types == ["contact.dnc_added"] * 30
    receiver.requests.clear()
    ids = set(Contact.objects.for_workspace(workspace).values_list("public_id", flat=True))
    # Constant, not one query per contact; the deliveries are sent after commit, outside the budget.
    with sent(), django_assert_max_num_queries(20):
        services.contacts_delete(workspace=workspace, contacts=selection, actor="test")
    assert receiver.types == ["contact.deleted"] * 30
    assert {r["json"]["data"]["id"] for r in receiver.requests} == ids


def test_subscriptions_and_disabled_endpoints(workspace, receiver, sent):
    only_deletes, secret = services.webhook_endpoint_create(workspace=workspace, url=receiver.url("/deletes"),
                                                            events=["contact.deleted"])
    off, _ = services.webhook_endpoint_create(workspace=workspace, url=receiver.url("/off"), enabled=False)
    receiver.secrets.append(secret)
    with sent():
        contact = make_contact(workspace)
    with sent():
        services.contact_delete(contact=contact)
    assert [(r["path"], r["json"]["type"]) for r in receiver.requests] == [("/deletes", "contact.deleted")]
    assert not WebhookDelivery.objects.filter(endpoint=off).exists()


def test_no_endpoint_writes_nothing(workspace, sent):
    with sent():
        make_contact(workspace)
    assert not WebhookEvent.objects.exists()


def test_other_workspaces_hear_nothing(workspace, other_workspace, endpoint, receiver, sent):
    with sent():
        make_contact(other_workspace)
    assert receiver.requests == []


# --- retries keep the webhook-id; failing endpoints are disabled ---

def test_retries_after_500_twice_with_the_same_webhook_id(workspace, endpoint, receiver, sent):
    receiver.script = [500, 500]
    with sent():
        make_contact(workspace)
    d = only_delivery()
    assert (d.status, d.attempts, d.last_status_code) == (DeliveryStatus.RETRYING, 1, 500)
    t0 = d.next_attempt_at - timedelta(seconds=5)
    assert timedelta(seconds=5) <= d.next_attempt_at - d.updated_at <= timedelta(seconds=5.5)

    assert delivery.deliver_due(now=t0 + timedelta(seconds=4)) == []  # not due yet
    assert len(receiver.requests) == 1
    delivery.deliver_due(now=t0 + timedelta(seconds=6))
    d.refresh_from_db()
    assert (d.status, d.attempts) == (DeliveryStatus.RETRYING, 2)
    assert timedelta(minutes=1) <= d.next_attempt_at - (t0 + timedelta(seconds=6)) <= timedelta(minutes=1.1)
    delivery.deliver_due(now=t0 + timedelta(minutes=2))
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_status_code, d.next_attempt_at) == (DeliveryStatus.SUCCEEDED, 3, 200, None)

    assert len(receiver.requests) == 3
    assert len({r["headers"]["webhook-id"] for r in receiver.requests}) == 1
    assert {r["body"] for r in receiver.requests} == {receiver.requests[0]["body"]}  # the same bytes each time
    assert_all_verified(receiver)
    attempts = list(WebhookAttempt.objects.filter(delivery=d).values_list("status_code", "succeeded"))
    assert attempts == [(500, False), (500, False), (200, True)]
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.enabled


def test_retry_schedule_runs_out_then_the_delivery_fails(workspace, endpoint, receiver, sent):
    receiver.script = [503] * 10
    with sent():
        make_contact(workspace)
    clock = timezone.now()
    for _ in range(delivery.MAX_ATTEMPTS - 1):
        clock = only_delivery().next_attempt_at + timedelta(seconds=1)
        delivery.deliver_due(now=clock)
    d = only_delivery()
    assert (d.status, d.attempts, d.next_attempt_at) == (DeliveryStatus.FAILED, 7, None)
    assert len(receiver.requests) == 7
    assert timedelta(hours=10, minutes=40) <= clock - d.created_at <= timedelta(hours=12)


def test_endpoint_disabled_after_24_hours_of_failures(client, user, workspace, endpoint, receiver, sent):
    receiver.script = [500] * 50
    with sent():
        make_contact(workspace)
    endpoint.refresh_from_db()
    started = endpoint.failing_since
    assert started is not None and endpoint.enabled
    with sent():
        make_contact(workspace)
    delivery.deliver_due(now=started + timedelta(hours=23))
    endpoint.refresh_from_db()
    assert endpoint.enabled  # 23 h of failures: still trying

    delivery.deliver_due(now=started + timedelta(hours=24, minutes=1))
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "24 hours" in endpoint.disabled_reason
    assert not WebhookDelivery.objects.filter(status__in=["pending", "retrying"]).exists()
    with sent():
        make_contact(workspace)
    assert WebhookDelivery.objects.filter(event__type="contact.created").count() == 2  # nothing new queued

    client.force_login(user)
    page = client.get(reverse("webhooks")).content.decode()
    assert "was disabled" in page and "24 hours" in page


def test_a_success_ends_the_failure_streak(workspace, endpoint, receiver, sent):
    receiver.script = [500]
    with sent():
        make_contact(workspace)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None
    delivery.deliver_due(now=timezone.now() + timedelta(seconds=10))
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_410_gone_disables_the_endpoint_at_once(workspace, endpoint, receiver, sent):
    receiver.script = [410]
    with sent():
        make_contact(workspace)
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "410" in endpoint.disabled_reason
    assert only_delivery().status == DeliveryStatus.FAILED


# --- destinations: no private networks, no redirects, a deadline ---

@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/hook", "http://localhost/hook", "https://10.1.2.3/x", "http://192.168.0.10/",
    "http://169.254.169.254/latest/meta-data", "http://[::1]/", "http://0.0.0.0/", "http://100.64.0.1/",
    "http://[::ffff:127.0.0.1]/",
])
def test_private_destinations_are_refused_without_the_setting(workspace, url):
    with override_settings(WEBHOOKS_ALLOW_PRIVATE=False), pytest.raises(services.ValidationFailed) as exc:
        services.webhook_endpoint_create(workspace=workspace, url=url)
    assert "url" in exc.value.details


@pytest.mark.parametrize("url", ["ftp://example.com/", "example.com/hook", "https://", "javascript:alert(1)"])
def test_only_http_urls(workspace, url):
    with pytest.raises(services.ValidationFailed):
        services.webhook_endpoint_create(workspace=workspace, url=url)


def test_private_destination_is_checked_again_at_delivery(workspace, endpoint, receiver, sent):
    with override_settings(WEBHOOKS_ALLOW_PRIVATE=False), sent():
        make_contact(workspace)
    d = only_delivery()
    assert receiver.requests == []
    assert d.status == DeliveryStatus.RETRYING and "private" in d.last_error and d.last_status_code is None


def test_redirects_are_not_followed(workspace, receiver, sent):
    endpoint, secret = services.webhook_endpoint_create(workspace=workspace, url=receiver.url("/redirect"))
    receiver.secrets.append(secret)
    with sent():
        make_contact(workspace)
    assert [r["path"] for r in receiver.requests] == ["/redirect"]  # /hook never asked
    d = only_delivery()
    assert (d.status, d.last_status_code) == (DeliveryStatus.RETRYING, 302)


@override_settings(WEBHOOKS_TIMEOUT=0.5)
def test_a_slow_receiver_times_out(workspace, receiver, sent):
    services.webhook_endpoint_create(workspace=workspace, url=receiver.url("/slow"))
    started = time.monotonic()
    with sent():
        make_contact(workspace)
    assert time.monotonic() - started < 1.9
    d = only_delivery()
    assert d.status == DeliveryStatus.RETRYING and "Timed out" in d.last_error


# --- at least once: a worker killed mid-delivery ---

class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after the request runs, no exception handler sees it."""


def test_a_delivery_left_in_flight_by_a_killed_worker_is_sent_again(workspace, endpoint, receiver, monkeypatch):
    make_contact(workspace)  # on-commit callbacks not run: the delivery waits, as if the queue had not got to it
    d = only_delivery()
    now = timezone.now()

    def killed(*args, **kwargs):
        raise WorkerKilled

    monkeypatch.setattr(delivery, "record", killed)
    with pytest.raises(WorkerKilled):
        delivery.deliver(d.pk, now=now)  # the POST went out, then the worker died before recording it
    monkeypatch.undo()
    d.refresh_from_db()
    assert d.status == DeliveryStatus.PENDING and d.locked_until is not None and d.attempts == 1
    assert len(receiver.requests) == 1

    assert delivery.deliver_due(now=now + timedelta(seconds=30)) == []  # the lease is still held
    delivery.deliver_due(now=now + delivery.LEASE + timedelta(seconds=1))
    d.refresh_from_db()
    assert (d.status, d.attempts, d.locked_until) == (DeliveryStatus.SUCCEEDED, 2, None)
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["headers"]["webhook-id"] == receiver.requests[1]["headers"]["webhook-id"]
    assert_all_verified(receiver)


def test_an_endpoint_deleted_during_the_request_is_not_an_error(workspace, endpoint, monkeypatch):
    make_contact(workspace)
    d = only_delivery()

    def post_then_delete(*args, **kwargs):
        services.webhook_endpoint_delete(endpoint=WebhookEndpoint.objects.get())
        return delivery.Outcome(status_code=200, latency_ms=3)

    monkeypatch.setattr(delivery, "post", post_then_delete)
    assert delivery.deliver(d.pk) is None
    assert not WebhookDelivery.objects.exists()


def test_emit_takes_dates_in_data(workspace, endpoint, receiver, sent):
    when = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
    with sent():
        services.webhook_emit(workspace=workspace, event_type="campaign.started",
                              data={"id": "campaign_x", "started_at": when})
    assert receiver.requests[0]["json"]["data"] == {"id": "campaign_x", "started_at": "2026-05-01T09:30:00Z"}
    with pytest.raises(ValueError, match="Unknown webhook event type"):
        services.webhook_emit(workspace=workspace, event_type="campaign.exploded", data={})


def test_the_sweep_command_sends_what_is_due(workspace, endpoint, receiver, capsys):
    make_contact(workspace)  # never queued (say the queue was down at commit)
    call_command("deliver_webhooks", concurrency=1)
    assert receiver.types == ["contact.created"]
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == {"sent": 1, "succeeded": 1}
    assert only_delivery().status == DeliveryStatus.SUCCEEDED


# --- the task queue: a burst queues a few drains, none is left behind, retries are scheduled ---

@pytest.fixture
def dummy_queue():
    """A backend that records tasks (with run_after) instead of running them."""
    from django_tasks import task_backends

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}):
        backend = task_backends["default"]
        yield backend
        backend.clear()


def test_a_burst_queues_one_drain_and_a_drain_leaves_nothing_behind(workspace, endpoint, receiver, sent,
                                                                      dummy_queue):
    from contacts.webhooks.tasks import drain_webhook_endpoint

    for _ in range(10):
        with sent():
            make_contact(workspace)  # ten commits
    drains = [r for r in dummy_queue.results if r.task.name == "drain_webhook_endpoint"]
    assert len(drains) == 1 and drains[0].args == [endpoint.pk]
    assert drain_webhook_endpoint.call(endpoint.pk) == {"succeeded": 10}
    assert len(receiver.requests) == 10
    endpoint.refresh_from_db()
    assert endpoint.drain_requested_at is None  # the next commit requests a new drain
    with sent():
        make_contact(workspace)
    assert len([r for r in dummy_queue.results if r.task.name == "drain_webhook_endpoint"]) == 2

    receiver.script = [500]
    assert drain_webhook_endpoint.call(endpoint.pk) == {"retrying": 1}
    retry = dummy_queue.results[-1]
    assert retry.task.run_after == only_retrying().next_attempt_at  # the next drain waits for the retry


def only_retrying() -> WebhookDelivery:
    return WebhookDelivery.objects.get(status=DeliveryStatus.RETRYING)


# --- secrets rotate without a gap; resend ---

def test_rotation_signs_with_both_secrets_for_a_day(workspace, endpoint, receiver, sent):
    old = receiver.secrets[0]
    new = services.webhook_endpoint_rotate_secret(endpoint=endpoint, actor="test")
    receiver.secrets.append(new)
    with sent():
        make_contact(workspace)
    request = receiver.requests[0]
    assert len(request["headers"]["webhook-signature"].split(" ")) == 2
    assert request["verified"] == {old: True, new: True}
    endpoint.refresh_from_db()
    endpoint.previous_secret_expires_at = timezone.now() - timedelta(seconds=1)
    endpoint.save()
    with sent():
        make_contact(workspace)
    assert receiver.requests[1]["verified"] == {old: False, new: True}


def test_deliveries_list_and_resend_through_the_api(api, workspace, endpoint, receiver, sent):
    receiver.script = [500]
    with sent():
        make_contact(workspace)
    listed = api.get(f"/v1/webhooks/{endpoint.public_id}/deliveries").json()
    assert listed["meta"]["total"] == 1
    row = listed["data"][0]
    assert (row["event_type"], row["status"], row["attempts"], row["last_status_code"]) == (
        "contact.created", "retrying", 1, 500)
    assert row["response_excerpt"] == "error 500" and row["next_attempt_at"]
    with sent():
        again = api.post(f"/v1/webhooks/{endpoint.public_id}/deliveries/{row['id']}/resend")
    assert again.status_code == 202
    assert again.json()["data"]["webhook_id"] == row["webhook_id"] and again.json()["data"]["id"] != row["id"]
    assert len(receiver.requests) == 2
    assert receiver.requests[1]["headers"]["webhook-id"] == row["webhook_id"]
    assert api.get(f"/v1/webhooks/{endpoint.public_id}/deliveries?status=succeeded").json()["meta"]["total"] == 1
    missing = api.post(f"/v1/webhooks/{endpoint.public_id}/deliveries/dlv_nope/resend")
    assert missing.status_code == 404


def test_resend_refused_while_the_endpoint_is_disabled(workspace, endpoint, sent):
    make_contact(workspace)
    services.webhook_endpoint_update(endpoint=endpoint, data={"enabled": False})
    with pytest.raises(services.EndpointDisabled):
        services.webhook_delivery_resend(delivery=only_delivery())


# --- permissions and isolation ---

@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER, Role.COMPLIANCE])
def test_roles_without_manage_get_403_on_the_page_and_api(client, workspace, role, endpoint):
    user = make_user(f"r-{role}", workspace=workspace, role=role)
    client.force_login(user)
    assert client.get(reverse("webhooks")).status_code == 403
    assert client.get(reverse("webhook_detail", args=[endpoint.public_id])).status_code == 403
    assert client.post(reverse("webhooks"), {"url": "https://example.com/x"}).status_code == 403
    assert b"Webhooks" not in client.get("/").content  # no header link

    _, raw = services.api_key_create(workspace=workspace, name=f"{role} key", role=role)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    for response in (
        client.get("/v1/webhooks", **headers),
        client.post("/v1/webhooks", {"url": "https://example.com/x"}, content_type="application/json", **headers),
        client.get(f"/v1/webhooks/{endpoint.public_id}/deliveries", **headers),
        client.post(f"/v1/webhooks/{endpoint.public_id}/rotate-secret", **headers),
    ):
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert WebhookEndpoint.objects.count() == 1


def test_another_workspaces_endpoint_is_not_found(client, other_workspace, other_user, endpoint):
    _, raw = services.api_key_create(workspace=other_workspace, name="other")
    response = client.get(f"/v1/webhooks/{endpoint.public_id}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 404
    client.force_login(other_user)
    assert client.get(reverse("webhook_detail", args=[endpoint.public_id])).status_code == 404


# --- the settings page ---

def test_settings_page_flow(client, user, workspace, receiver, sent):
    client.force_login(user)
    page = client.get(reverse("webhooks"))
    assert page.status_code == 200 and b"No webhook endpoints yet" in page.content
    assert b'href="/settings/webhooks/"' in page.content  # linked from the header

    created = client.post(reverse("webhooks"), {"url": receiver.url(), "events": ["contact.created",
                                                                                  "contact.deleted"]})
    endpoint = WebhookEndpoint.objects.get()
    assert created.status_code == 200 and endpoint.secret in created.content.decode()
    assert endpoint.events == ["contact.created", "contact.deleted"]
    assert endpoint.secret not in client.get(reverse("webhooks")).content.decode()  # shown once
    receiver.secrets.append(endpoint.secret)

    receiver.script = [500]
    with sent():
        make_contact(workspace)
    detail = client.get(reverse("webhook_detail", args=[endpoint.public_id])).content.decode()
    assert "contact.created" in detail and "500" in detail and "error 500" in detail
    d = only_delivery()
    with sent():
        client.post(reverse("webhook_resend", args=[endpoint.public_id, d.public_id]))
    assert len(receiver.requests) == 2

    client.post(reverse("webhook_toggle", args=[endpoint.public_id]))
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    client.post(reverse("webhook_toggle", args=[endpoint.public_id]))
    endpoint.refresh_from_db()
    assert endpoint.enabled

    old = endpoint.secret
    rotated = client.post(reverse("webhook_rotate", args=[endpoint.public_id])).content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in rotated

    assert client.get(reverse("webhook_delete", args=[endpoint.public_id])).status_code == 200  # confirm page
    client.post(reverse("webhook_delete", args=[endpoint.public_id]))
    assert not WebhookEndpoint.objects.exists()


def test_settings_page_refuses_a_bad_url(client, user):
    client.force_login(user)
    with override_settings(WEBHOOKS_ALLOW_PRIVATE=False):
        page = client.post(reverse("webhooks"), {"url": "http://127.0.0.1/hook"})
    assert page.status_code == 200 and b"private" in page.content and not WebhookEndpoint.objects.exists()


def test_done_when_the_calling_loop_is_heard_signed_end_to_end(client, api, workspace, endpoint, receiver, sent):
    """Issue 12's path: Call now, claim through the API, complete with dnc_requested; the receiver hears
    call.queued, call.completed and contact.dnc_added, all signed; the contact is DNC and nothing more is handed out."""
    # The receiver checks signatures against the real clock, so the clock stays real: call whichever of these
    # numbers the compliance decision allows right now (one of them is always in its daytime on a weekday).
    candidates = ["+14155550123", "+12125550123", "+442079460123", "+493012345678", "+81312345678",
                  "+61291234567", "+919876543210", "+5511912345678", "+6591234567", "+27211234567"]
    with sent():
        contacts = [make_contact(workspace, phone=p, first_name="Ada") for p in candidates]
    allowed = [c for c in contacts if api.post("/v1/compliance/check", {"phone": c.phone},
                                               content_type="application/json").json()["data"]["allowed"]]
    if not allowed:
        pytest.skip("no candidate number is inside its calling hours right now (a weekend or holiday everywhere)")
    contact = allowed[0]
    receiver.requests.clear()
    with sent():
        client.force_login(make_user("caller", workspace=workspace))
        assert client.post(f"/contacts/{contact.public_id}/call/").status_code == 302  # Call now in the dashboard
    with sent():
        claimed = api.post("/v1/calls/claim", {"limit": 5, "agent": "ava"}, content_type="application/json")
    [call] = claimed.json()["data"]
    assert call["dial"] == contact.phone
    with sent():
        done = api.patch(f"/v1/calls/{call['id']}", {"status": "completed", "outcome": "dnc_requested"},
                         content_type="application/json")
    assert done.status_code == 200
    assert receiver.types == ["call.queued", "call.completed", "contact.dnc_added"]
    assert_all_verified(receiver)
    assert receiver.of_type("contact.dnc_added")[0]["json"]["data"]["contact_ids"] == [contact.public_id]
    contact.refresh_from_db()
    assert contact.status == "dnc"
    assert api.post("/v1/calls/claim", {}, content_type="application/json").json()["data"] == []
