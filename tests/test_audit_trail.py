"""An audit trail that lasts: the database refuses edits, deleted users stay named, workspaces with records stay.

Runs on SQLite and on PostgreSQL (DATABASE_URL=postgres://...): the triggers differ per vendor.
"""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse

from contacts import services
from contacts.compliance.append_only import MAINTENANCE_TABLE, TRIGGERS, installed_triggers
from contacts.compliance.models import AuditEvent, DncAction, DncAuditLog, DncEntry, DncSource
from contacts.models import Contact, Role, Workspace
from contacts.selectors import user_workspaces
from tests.factories import make_contact, make_user, make_workspace

pytestmark = pytest.mark.django_db


def raw(sql: str, params=None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:  # a savepoint keeps PostgreSQL's transaction usable
        cursor.execute(sql, params)


def test_the_guard_triggers_are_installed():
    # A SQLite table rebuild (a future AlterField on DncAuditLog) drops triggers silently: this test notices.
    assert installed_triggers(connection) == set(TRIGGERS[connection.vendor])


def test_raw_update_and_delete_are_refused_and_inserts_still_work(workspace):
    services.dnc_add_number(workspace=workspace, phone="+14155550166", reason="Complaint")
    log = DncAuditLog.objects.get()
    with pytest.raises((IntegrityError, DatabaseError), match="append-only"):
        raw("UPDATE contacts_dncauditlog SET reason = 'rewritten' WHERE id = %s", [log.pk])
    with pytest.raises((IntegrityError, DatabaseError), match="append-only"):
        raw("DELETE FROM contacts_dncauditlog WHERE id = %s", [log.pk])
    with pytest.raises((IntegrityError, DatabaseError), match="append-only"):
        raw("DELETE FROM contacts_dncauditlog")
    log.refresh_from_db()
    assert log.reason == "Complaint"
    services.dnc_remove_number(workspace=workspace, phone="+14155550166", reason="Reassigned")
    assert list(DncAuditLog.objects.order_by("id").values_list("action", flat=True)) == ["added", "removed"]


def test_the_only_update_allowed_is_forgetting_a_deleted_users_link(workspace):
    user = make_user("carol", workspace=workspace, role=Role.COMPLIANCE)
    services.dnc_add_number(workspace=workspace, phone="+14155550166", reason="Complaint", actor=user)
    log = DncAuditLog.objects.get()
    with pytest.raises((IntegrityError, DatabaseError), match="append-only"):
        raw("UPDATE contacts_dncauditlog SET actor_id = NULL, actor_label = 'someone else' WHERE id = %s", [log.pk])
    other = make_user("mallory")
    with pytest.raises((IntegrityError, DatabaseError), match="append-only"):
        raw("UPDATE contacts_dncauditlog SET actor_id = %s WHERE id = %s", [other.pk, log.pk])
    raw("UPDATE contacts_dncauditlog SET actor_id = NULL WHERE id = %s", [log.pk])
    log.refresh_from_db()
    assert (log.actor_id, log.actor_label) == (None, "carol")


def test_deleting_a_user_keeps_who_acted_everywhere(client, workspace):
    carol = make_user("carol", workspace=workspace, role=Role.COMPLIANCE)
    contact = make_contact(workspace, "+14155550166")
    services.dnc_add_number(workspace=workspace, phone="+14155550166", reason="Complaint", actor=carol)
    services.contacts_mark_dnc(workspace=workspace, contacts=workspace.contacts.exclude(pk=contact.pk),
                               reason="bulk", actor=carol)
    services.dnc_add_numbers(workspace=workspace, numbers="2125550143", reason="Litigator", actor=carol)
    event_count = AuditEvent.objects.filter(actor=carol).count()
    assert event_count >= 1
    carol.delete()
    assert set(DncAuditLog.objects.values_list("actor_id", "actor_label")) == {(None, "carol")}
    assert set(DncEntry.objects.values_list("created_by_id", "created_by_label")) == {(None, "carol")}
    assert AuditEvent.objects.filter(actor__isnull=True, actor_label="carol").count() == event_count
    viewer = make_user("vic", workspace=workspace, role=Role.VIEWER)
    client.force_login(viewer)
    audit = client.get(reverse("dnc_audit"), {"actor": "carol"}).content.decode()
    assert audit.count('data-action="added"') == 2 and ">carol<" in audit
    assert "carol" in client.get(reverse("dnc_list")).content.decode()


def test_api_keys_and_system_actors_are_named(workspace):
    key, _ = services.api_key_create(workspace=workspace, name="zapier")
    services.dnc_add_number(workspace=workspace, phone="+14155550166", reason="From the CRM", actor=key,
                            source=DncSource.API)
    services.dnc_add_number(workspace=workspace, phone="+12125550143", reason="Asked", actor="call",
                            source=DncSource.CALL)
    labels = dict(DncAuditLog.objects.values_list("phone", "actor_label"))
    assert labels["+14155550166"] == f"API key zapier ({key.prefix}…)"
    assert labels["+12125550143"] == "call"
    assert DncEntry.objects.get(phone="+14155550166").created_by_label == f"API key zapier ({key.prefix}…)"


# --- workspaces with records are archived, never deleted -------------------------------------------------

@pytest.mark.parametrize("record", ["dnc_entry", "audit_only", "event_only"])
def test_a_workspace_with_dnc_or_audit_records_cannot_be_deleted(record):
    workspace = make_workspace("keep-me")
    if record == "dnc_entry":
        services.dnc_add_number(workspace=workspace, phone="+14155550166", reason="x")
    elif record == "audit_only":
        DncAuditLog.objects.create(workspace=workspace, phone="+14155550166", action=DncAction.REMOVED,
                                   reason="x", source=DncSource.MANUAL)
    else:
        AuditEvent.objects.create(workspace=workspace, action="contacts.delete", count=3)
    with pytest.raises(ProtectedError):
        workspace.delete()
    assert Workspace.objects.filter(pk=workspace.pk).exists()


def test_a_workspace_without_records_can_still_be_deleted():
    workspace = make_workspace("empty")
    Contact.objects.create(workspace=workspace, phone="+14155550100")  # data, but no DNC list or audit trail
    workspace.delete()
    assert not Workspace.objects.filter(slug="empty").exists()


def test_admin_delete_explains_and_offers_archiving(admin_client_ws, workspace):
    services.dnc_add_number(workspace=workspace, phone="+14155550166", reason="x")
    url = reverse("admin:contacts_workspace_delete", args=[workspace.pk])
    page = admin_client_ws.get(url).content.decode()
    assert "cannot be deleted" in page and "1 DNC number, 1 DNC audit record, 0 audit events" in page
    assert "Archive instead" in page and 'value="archive_workspaces"' in page
    admin_client_ws.post(url, {"post": "yes"})
    assert Workspace.objects.filter(pk=workspace.pk).exists()
    changelist = reverse("admin:contacts_workspace_changelist")
    bulk = admin_client_ws.post(changelist, {"action": "delete_selected", "_selected_action": [workspace.pk]})
    assert "Archive instead" in bulk.content.decode()
    admin_client_ws.post(changelist, {"action": "delete_selected", "_selected_action": [workspace.pk],
                                      "post": "yes"})
    assert Workspace.objects.filter(pk=workspace.pk).exists()
    done = admin_client_ws.post(changelist, {"action": "archive_workspaces", "_selected_action": [workspace.pk]},
                                follow=True)
    assert "1 workspace archived" in done.content.decode()
    workspace.refresh_from_db()
    assert workspace.archived_at is not None
    assert AuditEvent.objects.filter(workspace=workspace, action="workspace.archive").exists()


def test_archived_workspaces_disappear_for_members_and_api_keys(client, workspace, user):
    key, raw_key = services.api_key_create(workspace=workspace, name="crm")
    assert services.api_key_authenticate(raw_key) == key
    services.workspace_archive(workspace=workspace, actor=user)
    assert list(user_workspaces(user)) == []
    assert services.api_key_authenticate(raw_key) is None
    response = client.get("/v1/contacts", HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert response.status_code == 401


def test_archiving_needs_the_manage_permission(workspace):
    member = make_user("m", workspace=workspace, role=Role.MEMBER)
    with pytest.raises(services.ServiceError):
        services.workspace_archive(workspace=workspace, actor=member)


# --- flush: the test runner (and `manage.py flush`) can still empty the database --------------------------

@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_audit_log_and_the_guard_comes_back(workspace):
    services.dnc_add_number(workspace=workspace, phone="+14155550166", reason="x")
    call_command("flush", interactive=False, verbosity=0)
    assert not DncAuditLog.objects.exists()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT allow_delete FROM {MAINTENANCE_TABLE}")  # noqa: S608
            assert cursor.fetchone() == (0,)
    again = make_workspace("after-flush")
    services.dnc_add_number(workspace=again, phone="+14155550166", reason="x")
    with pytest.raises((IntegrityError, DatabaseError), match="append-only"):
        raw("DELETE FROM contacts_dncauditlog")
    assert DncAuditLog.objects.count() == 1
