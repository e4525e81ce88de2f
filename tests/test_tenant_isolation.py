"""Tenant isolation: every HTML page that takes an object id answers 404 for another workspace's object.

The test walks the URL patterns, so a page added later (by any area) is covered by its kwarg names.
A kwarg name this test does not know fails loudly: add it to OBJECTS below.
"""
from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from contacts import services
from contacts.compliance import manage
from contacts.models import (
    ApiKey,
    Call,
    Campaign,
    CampaignAdd,
    Contact,
    DncEntry,
    ImportBatch,
    Membership,
    SavedView,
    WebhookEndpoint,
)
from tests.factories import make_contact, make_user

pytestmark = pytest.mark.django_db

EXCLUDED_PREFIXES = ("admin/", "v1/", "accounts/", "healthz", "static/", "media/", "__")

# kwarg name -> how to get that kind of object's URL id from a workspace's objects.
OBJECTS = {
    "contact_id": lambda objs: objs["contact"].public_id,
    "other_id": lambda objs: objs["other_contact"].public_id,  # merge: the contact merged into this one
    "campaign_id": lambda objs: objs["campaign"].public_id,
    "call_id": lambda objs: objs["call"].public_id,
    "batch_id": lambda objs: objs["batch"].public_id,
    "key_id": lambda objs: str(objs["key"].pk),
    "view_id": lambda objs: str(objs["view"].pk),
    "member_id": lambda objs: str(objs["membership"].pk),
    "add_id": lambda objs: objs["add"].public_id,
    "phone": lambda objs: objs["contact"].phone,
    "entry_id": lambda objs: str(objs["dnc_entry"].pk),
    "token": lambda objs: objs["upload_token"],  # a DNC upload lives in its uploader's session and workspace
    "endpoint_id": lambda objs: objs["webhook"].public_id,
    "delivery_id": lambda objs: objs["delivery"].public_id,
    "source_id": lambda objs: objs["registry"].public_id,
    "rule_pk": lambda objs: str(objs["rule"].pk),
    "list_id": lambda objs: objs["contact_list"].public_id,
    "tag_id": lambda objs: str(objs["tag"].pk),
    "field_id": lambda objs: str(objs["custom_field"].pk),
}


def walk(patterns, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def id_patterns() -> list[tuple[str, list[str]]]:
    found = []
    for route, entry in walk(get_resolver().url_patterns):
        if route.startswith(EXCLUDED_PREFIXES):
            continue
        if not isinstance(entry.pattern, RoutePattern) and entry.pattern.regex.groupindex:
            pytest.fail(f"{route}: regex URL patterns with groups are not understood by this test; use path()")
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if names:
            found.append((route, names))
    return found


def fill(route: str, values: dict[str, str]) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route)


def objects_of(workspace, owner) -> dict:
    contact = make_contact(workspace, first_name="Secret", company="Hidden")
    other = make_contact(workspace, first_name="Other")
    campaign = services.campaign_create(workspace=workspace, name="Their campaign")
    call = services.call_log(workspace=workspace, contact=contact, transcript="private words",
                             created_at=datetime(2026, 1, 1, tzinfo=UTC))
    batch = ImportBatch.objects.create(workspace=workspace, file_name="theirs.csv")
    key, _ = services.api_key_create(workspace=workspace, name="their key")
    view = SavedView.objects.create(workspace=workspace, owner=owner, name="theirs", query="status=dnc")
    membership = Membership.objects.get(workspace=workspace, user=owner)
    add = CampaignAdd.objects.create(campaign=campaign, description="an add without members")
    dnc_entry = services.dnc_add_number(workspace=workspace, phone="+12025550143", reason="Their DNC number")
    webhook, _ = services.webhook_endpoint_create(workspace=workspace, url="https://example.com/theirs")
    services.webhook_emit(workspace=workspace, event_type="contact.event", data={"name": "x"})
    contact_list, _ = services.list_create_from(workspace=workspace, name="Their list",
                                                contacts=Contact.objects.filter(pk=contact.pk))
    tag = services.tag_create(workspace=workspace, name="Their tag")
    custom_field = services.field_create(workspace=workspace, key="their_field")
    return {"contact_list": contact_list, "tag": tag, "custom_field": custom_field,
            "contact": contact, "other_contact": other, "campaign": campaign, "call": call, "batch": batch,
            "key": key, "view": view, "membership": membership, "add": add, "dnc_entry": dnc_entry,
            "upload_token": secrets.token_urlsafe(18), "webhook": webhook, "delivery": webhook.deliveries.get(),
            "registry": manage.registry_import(workspace=workspace, lines=["2025550143"], name="theirs",
                                               downloaded_on=date(2026, 1, 1))[0],
            "rule": manage.workspace_rule_add(workspace=workspace, data={
                "id": "their-rule", "jurisdiction": "US", "kind": "closed_days", "weekdays": ["sat"],
                "applies_to": ["telemarketing"], "source": "policy", "effective": "2026-01-01"})}


def test_every_known_kwarg_is_covered():
    """Fails loudly when a page uses an id kwarg this test cannot fill."""
    unknown = {(route, name) for route, names in id_patterns() for name in names if name not in OBJECTS}
    assert not unknown, f"Add these URL kwargs to OBJECTS in {__file__}: {sorted(unknown)}"


def test_dashboard_pages_exist_to_walk():
    routes = {route for route, _ in id_patterns()}
    assert {"contacts/<str:contact_id>/", "campaigns/<str:campaign_id>/"} <= routes


def test_other_workspaces_objects_answer_404(client, workspace, other_workspace, user):
    mine = objects_of(workspace, user)
    theirs_owner = make_user("their-owner", workspace=other_workspace)
    theirs = objects_of(other_workspace, theirs_owner)
    client.force_login(user)
    post_data = {"reason": "x", "confirm": "1", "name": "x", "search": "Secret", "phone": "+14155550999",
                 "status": "active", "ids": [theirs["contact"].public_id, theirs["other_contact"].public_id]}
    checked = []
    for route, names in id_patterns():
        unknown = [n for n in names if n not in OBJECTS]
        assert not unknown, f"{route}: unknown URL kwarg(s) {unknown}; add them to OBJECTS"
        # All ids from the other workspace, then each id alone from the other workspace (others mine).
        variants = [dict.fromkeys(names, "theirs")]
        if len(names) > 1:
            variants += [{n: ("theirs" if n == target else "mine") for n in names} for target in names]
        for variant in variants:
            values = {n: OBJECTS[n](theirs if side == "theirs" else mine) for n, side in variant.items()}
            url = fill(route, values)
            statuses = {method: getattr(client, method)(url, post_data if method == "post" else None).status_code
                        for method in ("get", "post")}
            assert set(statuses.values()) <= {404, 405}, f"{url} answered {statuses}, expected 404"
            assert 404 in statuses.values(), f"{url} answered {statuses}, expected 404"
            checked.append(url)
    assert checked
    # Nothing of theirs changed through any of those requests.
    assert Contact.objects.filter(pk=theirs["contact"].pk, status="active", first_name="Secret").exists()
    assert Contact.objects.filter(pk=theirs["other_contact"].pk).exists()
    assert Campaign.objects.filter(pk=theirs["campaign"].pk, name="Their campaign").exists()
    assert Call.objects.filter(pk=theirs["call"].pk, contact=theirs["contact"]).exists()
    assert SavedView.objects.filter(pk=theirs["view"].pk).exists()
    assert ApiKey.objects.filter(pk=theirs["key"].pk, revoked_at__isnull=True).exists()
    assert Membership.objects.filter(pk=theirs["membership"].pk, role="owner").exists()
    assert not theirs["campaign"].memberships.exists()
    assert CampaignAdd.objects.get(pk=theirs["add"].pk).undone_at is None
    assert DncEntry.objects.filter(pk=theirs["dnc_entry"].pk).exists()
    assert WebhookEndpoint.objects.filter(pk=theirs["webhook"].pk, enabled=True, secret=theirs["webhook"].secret,
                                          url="https://example.com/theirs").exists()
    assert theirs["webhook"].deliveries.count() == 1  # not resent


def test_pages_require_login(client, workspace, user):
    mine = objects_of(workspace, user)
    for route, names in id_patterns():
        url = fill(route, {n: OBJECTS[n](mine) for n in names if n in OBJECTS})
        response = client.get(url)
        assert response.status_code in (302, 401, 403, 405), f"{url} answered {response.status_code} anonymously"
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"], url
