"""Roles, end to end: every dashboard page and every /v1 endpoint, with every role, answers as the role matrix says.

The test walks the URL patterns (a page or endpoint added later fails loudly until it is added to a table below)
and reads "may this role do this" from its own expectation table, not from contacts.workspaces.permissions, so a
change to the matrix or a view that checks the wrong permission fails here. Allowed requests answer 2xx/3xx;
forbidden ones answer 403 and change nothing in the database. Each request runs in a savepoint rolled back
afterwards, so every request starts from the same data.
"""
from __future__ import annotations

import json
import re
from contextlib import contextmanager
from datetime import date, time

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, get_resolver, reverse

from contacts import services
from contacts.api import urls as api_urls
from contacts.compliance import manage
from contacts.imports import import_records, upload_create
from contacts.models import (
    ApiKey,
    AuditEvent,
    Contact,
    CustomField,
    DncAuditLog,
    DncEntry,
    Membership,
    Role,
    SavedView,
    Tag,
    WorkspaceRule,
)
from tests.factories import make_contact, make_user, make_workspace
from tests.test_tenant_isolation import EXCLUDED_PREFIXES, walk

pytestmark = pytest.mark.django_db

ROLES = ("owner", "admin", "member", "compliance", "viewer")

# What each role may do, written out here on purpose (the product's matrix must agree with it).
MAY = {
    "owner": {"view", "edit", "dnc_add", "dnc_manage", "destroy", "export", "manage"},
    "admin": {"view", "edit", "dnc_add", "dnc_manage", "destroy", "export", "manage"},
    "member": {"view", "edit", "dnc_add", "export"},
    "compliance": {"view", "dnc_add", "dnc_manage", "export"},
    "viewer": {"view"},
}

# Dashboard URL name -> {method: what it needs}. A third element in a tuple names the objects its URL uses
# when they differ from the default ones (a DNC contact to reactivate, a finished import to revert).
DASHBOARD = {
    "overview": {"get": "view"},
    "webhooks": {"get": "manage", "post": "manage"},
    "webhook_detail": {"get": "manage"},
    "webhook_toggle": {"post": "manage"},
    "webhook_rotate": {"post": "manage"},
    "webhook_delete": {"get": "manage", "post": "manage"},
    "webhook_resend": {"post": "manage"},
    "campaign_queue_panel": {"get": "view"},
    "campaign_queue_start": {"post": "edit"},
    "campaign_queue_pause": {"post": "edit"},
    "campaign_queue_stop": {"post": "edit"},
    "contact_call_state": {"get": "view"},
    "call_cancel": {"post": "edit"},
    "dnc_list": {"get": "view"},
    "dnc_add": {"get": "dnc_add", "post": "dnc_add"},
    "dnc_upload": {"get": "dnc_manage", "post": "dnc_manage"},
    "dnc_upload_preview": {"get": "dnc_manage"},
    "dnc_upload_report": {"get": "dnc_manage"},
    "dnc_remove": {"get": "dnc_manage", "post": "dnc_manage"},
    "dnc_audit": {"get": "view"},
    "dnc_audit_csv": {"get": "dnc_manage"},
    "contact_list": {"get": "view"},
    "contact_duplicates": {"get": "view"},
    "contact_create": {"get": "edit", "post": "edit"},
    "contacts_export": {"get": "export", "post": "export"},
    "contacts_bulk": {"post": "view"},  # no action chosen; each action is checked in test_bulk_actions_by_role
    "saved_view_create": {"post": "edit"},
    "saved_view_open": {"get": "view"},
    "saved_view_delete": {"post": "edit"},
    "contact_detail": {"get": "view"},
    "contact_edit": {"get": "edit", "post": "edit"},
    "contact_delete": {"get": "edit", "post": "edit"},
    "contact_call_now": {"post": "edit"},
    "contact_mark_dnc": {"get": "dnc_add", "post": "dnc_add"},
    "contact_reactivate": {"get": "dnc_manage", "post": "dnc_manage"},
    "contact_consent": {"get": "edit", "post": "edit"},
    "contact_consent_revoke": {"get": "dnc_add", "post": "dnc_add"},
    "campaign_list": {"get": "view"},
    "campaign_create": {"get": "edit", "post": "edit"},
    "campaign_detail": {"get": "view"},
    "campaign_edit": {"get": "edit", "post": "edit"},
    "campaign_add_members": {"post": "edit"},
    "campaign_remove_members": {"post": "edit"},
    "campaign_remove_all": {"get": "edit", "post": "edit"},
    "campaign_undo_add": {"get": "edit", "post": "edit"},
    "call_list": {"get": "view"},
    "import_list": {"get": "view"},
    "import_new": {"get": "edit", "post": "edit"},
    "import_detail": {"get": "view"},
    "import_mapping": {"get": "edit", "post": "edit"},
    "import_preview": {"get": "edit", "post": "edit"},
    "import_preview_counts": {"get": "edit"},
    "import_progress": {"get": "view"},
    "import_errors_csv": {"get": "view"},
    "import_revert": {"get": "destroy", "post": "destroy"},
    "import_resume": {"post": "edit"},
    "import_discard": {"post": "edit"},
    "members": {"get": "manage", "post": "manage"},
    "member_role": {"post": "manage"},
    "member_remove": {"get": "manage", "post": "manage"},
    "api_keys": {"get": "manage", "post": "manage"},
    "api_key_revoke": {"post": "manage"},
    "contact_merge_pick": {"get": "destroy"},
    "contact_merge_confirm": {"get": "destroy", "post": "destroy"},
    "compliance_home": {"get": "dnc_manage"},
    "compliance_registry_upload": {"post": "dnc_manage"},
    "compliance_registry_delete": {"post": "dnc_manage"},
    "compliance_rule_add": {"post": "dnc_manage"},
    "compliance_rule_delete": {"post": "dnc_manage"},
    "compliance_revoke": {"post": "dnc_add"},
    "compliance_report_csv": {"get": "dnc_manage"},
    "list_index": {"get": "view", "post": "edit"},
    "list_rename": {"get": "edit", "post": "edit"},
    "list_delete": {"get": "edit", "post": "edit"},
    "list_fill_campaign": {"post": "edit"},
    "tag_index": {"get": "view", "post": "edit"},
    "tag_edit": {"get": "edit", "post": "edit"},
    "tag_delete": {"get": "edit", "post": "edit"},
    "custom_fields": {"get": "manage", "post": "manage"},
    "custom_field_delete": {"post": "manage"},
}
NOT_WORKSPACE_PAGES = {"workspace_switch"}  # any signed-in user switches between their own workspaces
# Which object fills each URL kwarg, per page when the default would not exercise the write.
# An upload token belongs to the session that uploaded: a walker's made-up one passes the permission check and
# then answers 404 (the DNC page tests follow real uploads).
TOKEN_PAGES = {"dnc_upload_preview", "dnc_upload_report"}
KWARG_OBJECTS = {"endpoint_id": "webhook", "delivery_id": "delivery", "call_id": "call",
                 "token": "upload_token", "entry_id": "dnc_entry", "add_id": "add", "contact_id": "contact",
                 "other_id": "other", "campaign_id": "campaign",
                 "batch_id": "draft",
                 "key_id": "key", "view_id": "view", "member_id": "colleague", "source_id": "registry",
                 "rule_pk": "rule", "list_id": "contact_list", "tag_id": "tag",
                 "field_id": "custom_field"}
PAGE_OBJECTS = {"contact_reactivate": {"contact_id": "dnc_contact"}, "import_revert": {"batch_id": "done"},
                "import_errors_csv": {"batch_id": "done"}, "import_detail": {"batch_id": "done"},
                "import_progress": {"batch_id": "done"}, "import_resume": {"batch_id": "done"}}

# API v1 URL name -> {METHOD: (what it needs, body)}.
API = {
    "api_contacts": {"GET": ("view", None), "POST": ("edit", {"phone": "+14155550161", "first_name": "New"})},
    "api_contacts_import": {"POST": ("edit", {"contacts": [{"phone": "+14155550162"}]})},
    "api_contacts_normalize": {"POST": ("view", {"phone": "(415) 555-0163"})},
    "api_contacts_search": {"GET": ("view", None), "POST": ("view", {"query": "Secret"})},
    "api_contact": {"GET": ("view", None), "PUT": ("edit", {"first_name": "Changed"}),
                    "PATCH": ("edit", {"first_name": "Changed"}), "DELETE": ("edit", None)},
    "api_contact_dnc": {"POST": ("dnc_add", {"reason": "asked"}), "DELETE": ("dnc_manage", {"reason": "opted in"})},
    "api_contact_merge": {"POST": ("destroy", "merge")},
    "api_contact_call": {"POST": ("edit", {})},
    "api_dnc": {"GET": ("view", None), "POST": ("dnc_add", {"phone": "+14155550164", "reason": "asked"})},
    "api_dnc_number": {"DELETE": ("dnc_manage", {"reason": "opted in"})},
    "api_campaigns": {"GET": ("view", None), "POST": ("edit", {"name": "Spring"})},
    "api_campaign": {"GET": ("view", None), "PATCH": ("edit", {"script": "Hi {{first_name|there}}"})},
    "api_campaign_contacts": {"POST": ("edit", "members")},
    "api_calls": {"GET": ("view", None), "POST": ("edit", "call")},
    "api_calls_claim": {"POST": ("edit", {"limit": 1})},
    "api_call": {"GET": ("view", None), "PATCH": ("edit", {"transcript": "later words"})},
    "api_campaign_start": {"POST": ("edit", None)},
    "api_campaign_pause": {"POST": ("edit", None)},
    "api_campaign_stop": {"POST": ("edit", None)},
    "api_campaign_script": {"GET": ("view", None)},
    "api_contact_events": {"POST": ("edit", {"name": "appointment_booked"})},
    "api_webhooks": {"GET": ("manage", None), "POST": ("manage", {"url": "https://example.com/new-hook"})},
    "api_webhook": {"GET": ("manage", None), "PATCH": ("manage", {"enabled": False}), "DELETE": ("manage", None)},
    "api_webhook_rotate_secret": {"POST": ("manage", None)},
    "api_webhook_deliveries": {"GET": ("manage", None)},
    "api_webhook_delivery_resend": {"POST": ("manage", None)},
    "api_contact_consents": {"GET": ("view", None), "POST": ("edit", {
        "kind": "express_written", "source": "web_form", "proof_url": "https://example.com/form"})},
    "api_consents_revoke": {"POST": ("dnc_add", {"phone": "+14155550165", "note": "said stop"})},
    "api_compliance_check": {"POST": ("view", {"phone": "+14155550166"})},
    "api_lists": {"GET": ("view", None), "POST": ("edit", {"name": "Hot leads"})},
    "api_list": {"GET": ("view", None), "PATCH": ("edit", {"name": "Warm leads"}), "DELETE": ("edit", None)},
    "api_list_contacts": {"POST": ("edit", "members"), "DELETE": ("edit", "members")},
    "api_custom_fields": {"GET": ("view", None), "POST": ("manage", {"key": "budget", "type": "number"})},
    "api_custom_field": {"GET": ("view", None), "PATCH": ("manage", {"label": "Plan"}), "DELETE": ("manage", None)},
}
NOT_ROLE_ENDPOINTS = {"api_schema", "api_docs"}  # public documentation, no key
API_OBJECTS = {("api_contact_dnc", "DELETE"): {"contact_id": "dnc_contact"}}


# --- data --------------------------------------------------------------------------------------------------

def build(role: str) -> dict:
    """A workspace with one of everything, and a signed-in user (and an API key) holding `role` in it."""
    workspace = make_workspace("roles", name="Roles Inc", calling_window_start=time(0, 0),
                               calling_window_end=time(23, 59, 59, 999_999))  # calls are allowed at any hour
    make_user("founder", workspace=workspace, role=Role.OWNER)  # the workspace keeps an owner whoever acts
    actor = make_user(f"as-{role}", workspace=workspace, role=role)
    colleague = make_user("colleague", workspace=workspace, role=Role.MEMBER)
    # A UK number: only the workspace's own all-day window applies, so Call now works at any hour of the test run.
    contact = make_contact(workspace, "+447911123456", first_name="Secret", company="Acme")
    other = make_contact(workspace, first_name="Twin", company="Acme")
    dnc_contact = make_contact(workspace, first_name="Quiet")
    services.contact_mark_dnc(contact=dnc_contact, reason="asked")
    campaign = services.campaign_create(workspace=workspace, name="Autumn")
    webhook, _ = services.webhook_endpoint_create(workspace=workspace, url="https://example.com/hook")
    services.webhook_emit(workspace=workspace, event_type="contact.event", data={"name": "x"})
    added = services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.filter(pk=other.pk)).add
    call = services.call_log(workspace=workspace, contact=contact, transcript="hello")
    draft, _ = upload_create(workspace=workspace, upload=SimpleUploadedFile("leads.csv", b"phone,name\n"
                                                                                      b"+14155550170,Ann\n"))
    done = import_records(workspace=workspace, records=[{"phone": "+14155550171", "first_name": "Imported"}]).batch
    key, _ = services.api_key_create(workspace=workspace, name="integration")
    view = SavedView.objects.create(workspace=workspace, owner=actor, name="Acme", query="company=acme")
    contact_list, _ = services.list_create_from(workspace=workspace, name="Open house",
                                                contacts=Contact.objects.filter(pk=contact.pk))
    tag = services.tag_create(workspace=workspace, name="VIP")
    services.contacts_tag(workspace=workspace, contacts=Contact.objects.filter(pk=contact.pk), tag=tag)
    custom_field = services.field_create(workspace=workspace, key="plan", type="choice", choices=["gold", "silver"])
    return {"contact_list": contact_list, "tag": tag, "custom_field": custom_field,
            "workspace": workspace, "actor": actor, "contact": contact, "other": other, "dnc_contact": dnc_contact,
            "campaign": campaign, "draft": draft, "done": done, "key": key, "view": view, "call": call, "add": added,
            "dnc_entry": DncEntry.objects.get(workspace=workspace, phone=dnc_contact.phone), "upload_token": "x" * 24,
            "webhook": webhook, "delivery": webhook.deliveries.order_by("pk").first(),
            "colleague": Membership.objects.get(workspace=workspace, user=colleague),
            "registry": manage.registry_import(workspace=workspace, lines=["4155550199"], name="National 415",
                                               downloaded_on=date(2026, 1, 1))[0],
            "rule": manage.workspace_rule_add(workspace=workspace, data={
                "id": "no-saturdays", "jurisdiction": "US", "kind": "closed_days", "weekdays": ["sat"],
                "applies_to": ["telemarketing"], "source": "policy", "effective": "2026-01-01"})}


def url_id(obj) -> str:
    if isinstance(obj, str):
        return obj
    if isinstance(obj, Membership | SavedView | ApiKey | DncEntry | WorkspaceRule | Tag | CustomField):
        return str(obj.pk)
    return obj.public_id


def snapshot() -> dict:
    """Every row of every model of the app (and the accounts), to prove a refused request wrote nothing."""
    state = {}
    for model in [*apps.get_app_config("contacts").get_models(), get_user_model()]:
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "last_login"]
        state[model._meta.label] = list(model._base_manager.order_by("pk").values_list(*fields))
    return state


def changed(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def consume(response) -> None:
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # an export writes its audit record when fully read


def form_data(objs: dict) -> dict:
    """One body every dashboard form accepts enough of to do its work."""
    return {"reason": "role test", "confirm": "1", "name": "Role test", "search": "Secret", "status": "active",
            "phone": "+14155550180", "ids": [objs["contact"].public_id], "role": Role.VIEWER, "user": "newcomer",
            "query": "company=acme", "key": "role_test",
            "file": SimpleUploadedFile("more.csv", b"phone\n+14155550181\n"),
            "kind": "express", "source": "web_form", "proof_text": "I agree.", "note": "role test"}


# --- the walk ---------------------------------------------------------------------------------------------

def dashboard_routes() -> list[tuple[str, str]]:
    return [(route, entry.name) for route, entry in walk(get_resolver().url_patterns)
            if not route.startswith(EXCLUDED_PREFIXES) and entry.name]


def test_every_dashboard_page_is_in_the_table():
    names = {name for _, name in dashboard_routes()}
    unknown = names - set(DASHBOARD) - NOT_WORKSPACE_PAGES
    assert not unknown, f"Add these pages to DASHBOARD in {__file__} with the permission they need: {unknown}"
    assert not set(DASHBOARD) - names, "DASHBOARD names pages that no longer exist"


def test_every_api_endpoint_is_in_the_table():
    names = {p.name for p in api_urls.urlpatterns if isinstance(p, URLPattern) and p.name}
    unknown = names - set(API) - NOT_ROLE_ENDPOINTS
    assert not unknown, f"Add these endpoints to API in {__file__} with the permission they need: {unknown}"


def test_every_dashboard_view_declares_its_permission():
    undeclared = [name for route, entry in walk(get_resolver().url_patterns) if (name := entry.name) in DASHBOARD
                  and not hasattr(entry.callback, "needed_permission")]
    assert not undeclared, f"Decorate these views with @needs(Perm.X): {undeclared}"


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_answers_each_role_as_the_table_says(client, role):
    objs = build(role)
    client.force_login(objs["actor"])
    client.get("/")  # the session picks the workspace
    checked = []
    for route, name in dashboard_routes():
        if name in NOT_WORKSPACE_PAGES:
            continue
        kwargs = {kw: url_id(objs[PAGE_OBJECTS.get(name, {}).get(kw, obj)]) for kw, obj in KWARG_OBJECTS.items()
                  if f"<str:{kw}>" in route or f"<int:{kw}>" in route or f"<{kw}>" in route}
        url = reverse(name, kwargs=kwargs)
        for method, needs in DASHBOARD[name].items():
            allowed = needs in MAY[role]
            with rolled_back():
                before = snapshot()
                response = client.get(url) if method == "get" else client.post(url, form_data(objs))
                consume(response)
                after = snapshot()
            where = f"{role}: {method.upper()} {url}"
            if allowed and name in TOKEN_PAGES:
                assert response.status_code in (200, 302, 404), f"{where} answered {response.status_code}"
            elif allowed:
                assert 200 <= response.status_code < 400, f"{where} answered {response.status_code}, expected 2xx/3xx"
            else:
                assert response.status_code == 403, f"{where} answered {response.status_code}, expected 403"
                assert "can't do that here" in response.content.decode()
                assert not changed(before, after), f"{where} was refused but changed {changed(before, after)}"
            checked.append((where, allowed))
    assert len(checked) >= 50
    assert any(allowed for _, allowed in checked)
    assert any(not allowed for _, allowed in checked) == (MAY[role] != MAY["owner"])


BULK = {"delete": "destroy", "mark_dnc": "dnc_add", "add_to_campaign": "edit"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(BULK))
@pytest.mark.parametrize("scope", ["ids", "all"])
def test_bulk_actions_by_role(client, role, action, scope):
    """Each bulk action checks its own permission before the confirmation page and before any write."""
    objs = build(role)
    client.force_login(objs["actor"])
    data = {"action": action, "campaign_id": objs["campaign"].public_id, "query": "company=acme"}
    data.update({"ids": [objs["contact"].public_id, objs["other"].public_id]} if scope == "ids" else {"scope": "all"})
    for step in ({}, {"confirm": "1", "reason": "bulk test"}):  # the confirmation page, then the confirmed write
        before = snapshot()
        with rolled_back():
            response = client.post("/contacts/bulk/", {**data, **step})
            inner = snapshot()
        if BULK[action] in MAY[role]:
            assert response.status_code in (200, 302), response.status_code
            if step:  # campaign adds, like the rest, write only once confirmed
                assert changed(before, inner), f"{role} {action} {step}: allowed but nothing happened"
            else:
                assert not changed(before, inner), f"{role} {action}: wrote before the confirmation"
        else:
            assert response.status_code == 403, f"{role} {action} {step}: {response.status_code}"
            assert not changed(before, inner), changed(before, inner)


# --- API ---------------------------------------------------------------------------------------------------

def api_body(spec, objs: dict):
    if spec == "merge":
        return {"source_id": objs["other"].public_id}
    if spec == "members":
        return {"contact_ids": [objs["contact"].public_id]}
    if spec == "call":
        return {"contact_id": objs["contact"].public_id}
    return spec


def api_routes() -> list[tuple[str, str]]:
    return [(str(p.pattern), p.name) for p in api_urls.urlpatterns
            if isinstance(p, URLPattern) and p.name in API]


@pytest.mark.parametrize("role", ROLES)
def test_api_answers_each_key_role_as_the_table_says(client, role):
    objs = build(role)
    key, raw = services.api_key_create(workspace=objs["workspace"], name=f"{role} key", role=role)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/v1/contacts", **auth).status_code == 200  # warm-up: the key's last use is recorded once
    values = {"contact_id": objs["contact"].public_id, "campaign_id": objs["campaign"].public_id,
              "phone": objs["dnc_contact"].phone, "call_id": objs["call"].public_id,
              "webhook_id": objs["webhook"].public_id, "delivery_id": objs["delivery"].public_id,
              "list_id": objs["contact_list"].public_id, "key": objs["custom_field"].key}
    checked = []
    for route, name in api_routes():
        for method, (needs, spec) in API[name].items():
            fill = {**values, **{k: url_id(objs[v]) for k, v in API_OBJECTS.get((name, method), {}).items()}}
            url = "/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m, fill=fill: fill[m.group(1)], route)
            body = api_body(spec, objs)
            with rolled_back():
                before = snapshot()
                if method == "GET":
                    response = client.get(url, **auth)
                else:
                    response = client.generic(method, url, json.dumps(body) if body is not None else "",
                                              content_type="application/json", **auth)
                after = snapshot()
            where = f"{role} key: {method} {url}"
            if needs in MAY[role]:
                assert 200 <= response.status_code < 400, f"{where} answered {response.status_code}: {response.content}"
            else:
                assert response.status_code == 403, f"{where} answered {response.status_code}, expected 403"
                assert response.json()["error"]["code"] == "forbidden", where
                assert not changed(before, after), f"{where} was refused but changed {changed(before, after)}"
            checked.append(where)
    assert len(checked) >= 20


def test_api_writes_record_the_key_as_actor(client):
    objs = build("member")
    key, raw = services.api_key_create(workspace=objs["workspace"], name="zapier", role=Role.MEMBER)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    label = f"API key zapier ({key.prefix}…)"
    created = client.post("/v1/contacts", json.dumps({"phone": "+14155550190"}), content_type="application/json",
                          **auth)
    assert created.status_code == 201
    contact_id = created.json()["data"]["id"]
    assert client.patch(f"/v1/contacts/{contact_id}", json.dumps({"company": "Zap"}),
                        content_type="application/json", **auth).status_code == 200
    assert client.post(f"/v1/contacts/{contact_id}/dnc", json.dumps({"reason": "asked"}),
                       content_type="application/json", **auth).status_code == 200
    events = AuditEvent.objects.filter(workspace=objs["workspace"], actor_label=label, actor=None)
    assert {"contact.create", "contact.update"} <= set(events.values_list("action", flat=True))
    dnc = DncAuditLog.objects.get(workspace=objs["workspace"], phone="+14155550190")
    assert (dnc.actor, dnc.actor_label, dnc.source) == (None, label, "api")


def test_a_member_cannot_create_keys_remove_dnc_or_bulk_delete(client):
    objs = build("member")
    _, raw = services.api_key_create(workspace=objs["workspace"], name="member key", role=Role.MEMBER)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client.get("/v1/dnc", **auth)  # the key's first use is recorded before the snapshot
    client.force_login(objs["actor"])
    before = snapshot()
    assert client.post("/settings/api-keys/", {"name": "mine", "role": "member"}).status_code == 403
    assert client.post(f"/settings/api-keys/{objs['key'].pk}/revoke/").status_code == 403
    assert client.post(f"/contacts/{objs['dnc_contact'].public_id}/reactivate/",
                       {"reason": "please"}).status_code == 403
    for scope in ({"scope": "all", "query": ""}, {"ids": [objs["contact"].public_id]}):
        assert client.post("/contacts/bulk/", {"action": "delete", "confirm": "1", **scope}).status_code == 403
    removed = client.delete(f"/v1/dnc/{objs['dnc_contact'].phone}", json.dumps({"reason": "x"}),
                            content_type="application/json", **auth)
    assert removed.status_code == 403 and removed.json()["error"]["code"] == "forbidden"
    assert "remove numbers from the Do-Not-Call list" in removed.json()["error"]["message"]
    reactivated = client.delete(f"/v1/contacts/{objs['dnc_contact'].public_id}/dnc", **auth)
    assert reactivated.status_code == 403 and reactivated.json()["error"]["code"] == "forbidden"
    assert not changed(before, snapshot())
    assert DncEntry.objects.filter(workspace=objs["workspace"], phone=objs["dnc_contact"].phone).exists()
    assert Contact.objects.filter(workspace=objs["workspace"]).count() == 4
    assert ApiKey.objects.filter(workspace=objs["workspace"]).count() == 2


# --- what each role sees ------------------------------------------------------------------------------------

SEEN = {  # text on a page -> what a role needs to see it
    ("contact_detail", "Call now"): "edit", ("contact_detail", ">Edit<"): "edit",
    ("contact_detail", "Mark DNC"): "dnc_add", ("contact_detail", "Merge<"): "destroy",
    ("contact_detail", "Delete<"): "edit", ("dnc_detail", "Reactivate"): "dnc_manage",
    ("contact_detail", "Record consent<"): "edit", ("contact_detail", "Revoke consent<"): "dnc_add",
    ("contact_list", "New contact"): "edit", ("contact_list", 'id="contacts-export"'): "export",
    ("contact_list", 'value="delete"'): "destroy", ("contact_list", 'value="mark_dnc"'): "dnc_add",
    ("contact_list", 'value="add_to_campaign"'): "edit", ("contact_list", "Name this view"): "edit",
    ("contact_list", "/settings/api-keys/"): "manage", ("contact_list", "/settings/members/"): "manage",
    ("campaign_detail", "Add matching contacts"): "edit", ("campaign_list", "New campaign"): "edit",
    ("import_list", "Import contacts"): "edit", ("import_detail", "Revert"): "destroy",
}


@pytest.mark.parametrize("role", ROLES)
def test_pages_hide_what_the_role_cannot_do(client, role):
    objs = build(role)
    client.force_login(objs["actor"])
    pages = {"contact_detail": f"/contacts/{objs['contact'].public_id}/",
             "dnc_detail": f"/contacts/{objs['dnc_contact'].public_id}/", "contact_list": "/contacts/",
             "campaign_detail": f"/campaigns/{objs['campaign'].public_id}/", "campaign_list": "/campaigns/",
             "import_list": "/imports/", "import_detail": f"/imports/{objs['done'].public_id}/"}
    html = {page: client.get(url).content.decode() for page, url in pages.items()}
    for (page, text), needs in SEEN.items():
        shown = text in html[page]
        assert shown == (needs in MAY[role]), f"{role}: {text!r} on {page} {'shown' if shown else 'hidden'}"
    role_label = Role(role).label
    assert f'as-{role}<span class="whoami-role"> · {role_label}</span>' in html["contact_list"]
