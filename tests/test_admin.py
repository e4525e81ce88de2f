"""Django admin: DNC list management and contact actions go through the DNC service."""
import pytest
from django.urls import reverse

from contacts.models import Contact, DncAction, DncAuditLog, DncEntry, DncSource
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", ["workspace", "membership", "contact", "campaign", "campaignmembership", "call", "importbatch",
              "dncentry", "dncauditlog", "auditevent", "apikey", "savedview", "importmappingmemory"],
)
def test_every_model_has_a_working_changelist(admin_client_ws, workspace, model):
    make_contact(workspace)
    response = admin_client_ws.get(reverse(f"admin:contacts_{model}_changelist"))
    assert response.status_code == 200


def test_mark_dnc_action_asks_for_a_reason_then_uses_the_service(admin_client_ws, workspace, admin_user_ws):
    contact = make_contact(workspace, first_name="Ada")
    url = reverse("admin:contacts_contact_changelist")
    data = {"action": "mark_dnc", "_selected_action": [contact.pk]}
    confirm = admin_client_ws.post(url, data)
    assert confirm.status_code == 200 and b"reason" in confirm.content
    contact.refresh_from_db()
    assert contact.status == "active"  # nothing happens before the reason is given
    admin_client_ws.post(url, {**data, "apply": "1", "reason": "Asked on the phone"})
    contact.refresh_from_db()
    assert contact.status == "dnc"
    entry = DncEntry.objects.get(phone=contact.phone)
    assert (entry.source, entry.reason, entry.created_by) == (DncSource.ADMIN, "Asked on the phone", admin_user_ws)


def test_reactivate_action_logs_who_and_why(admin_client_ws, workspace, admin_user_ws):
    contact = make_contact(workspace)
    from contacts import services

    services.contact_mark_dnc(contact=contact, reason="Complaint")
    url = reverse("admin:contacts_contact_changelist")
    admin_client_ws.post(url, {"action": "reactivate", "_selected_action": [contact.pk], "apply": "1",
                               "reason": "Verified consent"})
    contact.refresh_from_db()
    assert contact.status == "active"
    log = DncAuditLog.objects.get(action=DncAction.REMOVED)
    assert (log.actor, log.reason) == (admin_user_ws, "Verified consent")


def test_add_dnc_number_in_any_format_flips_the_contact(admin_client_ws, workspace):
    contact = make_contact(workspace, "+14155550166")
    response = admin_client_ws.post(reverse("admin:contacts_dncentry_add"),
                                    {"workspace": workspace.pk, "phone": "(415) 555-0166", "reason": "Litigator"})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.status == "dnc"
    assert DncEntry.objects.get().phone == "+14155550166"


def test_add_invalid_dnc_number_shows_the_reason(admin_client_ws, workspace):
    response = admin_client_ws.post(reverse("admin:contacts_dncentry_add"),
                                    {"workspace": workspace.pk, "phone": "555-1234", "reason": "x"})
    assert response.status_code == 200
    assert b"area code" in response.content
    assert not DncEntry.objects.exists()


def test_dnc_list_search_by_number_typed_any_way(admin_client_ws, workspace):
    from contacts import services

    services.dnc_add_number(workspace=workspace, phone="+14155550166", reason="r")
    services.dnc_add_number(workspace=workspace, phone="+12125550143", reason="r")
    url = reverse("admin:contacts_dncentry_changelist")
    for typed in ["(415) 555-0166", "4155550166", "+1 415 555 0166", "415-555"]:
        body = admin_client_ws.get(url, {"q": typed}).content.decode()
        assert "+14155550166" in body and "+12125550143" not in body, typed


def test_dnc_removal_needs_the_action_with_reason(admin_client_ws, workspace):
    from contacts import services

    contact = make_contact(workspace)
    entry = services.dnc_add_number(workspace=workspace, phone=contact.phone, reason="r")
    assert admin_client_ws.get(reverse("admin:contacts_dncentry_delete", args=[entry.pk])).status_code == 403
    url = reverse("admin:contacts_dncentry_changelist")
    admin_client_ws.post(url, {"action": "remove_from_list", "_selected_action": [entry.pk], "apply": "1",
                               "reason": "Number reassigned to a new owner"})
    assert not DncEntry.objects.exists()
    contact.refresh_from_db()
    assert contact.status == "active"
    assert DncAuditLog.objects.filter(action=DncAction.REMOVED, reason="Number reassigned to a new owner").exists()


def test_audit_log_is_read_only_in_admin(admin_client_ws, workspace):
    from contacts import services

    services.dnc_add_number(workspace=workspace, phone="+14155550166", reason="r")
    log = DncAuditLog.objects.get()
    assert admin_client_ws.get(reverse("admin:contacts_dncauditlog_add")).status_code == 403
    change = admin_client_ws.post(reverse("admin:contacts_dncauditlog_change", args=[log.pk]), {"reason": "x"})
    assert change.status_code == 403
    log.refresh_from_db()
    assert log.reason == "r"


def test_admin_contact_create_uses_service_rules(admin_client_ws, workspace):
    make_contact(workspace, "+14155550166")
    response = admin_client_ws.post(reverse("admin:contacts_contact_add"),
                                    {"workspace": workspace.pk, "phone": "415 555 0166", "metadata": "{}"})
    assert response.status_code == 200 and b"already exists" in response.content
    response = admin_client_ws.post(reverse("admin:contacts_contact_add"),
                                    {"workspace": workspace.pk, "phone": "212 555 0143", "first_name": "Bo",
                                     "metadata": "{}"})
    assert response.status_code == 302
    assert Contact.objects.get(first_name="Bo").phone == "+12125550143"


def test_dnc_numbers_import_and_export_through_import_export(workspace):
    import tablib

    from contacts.resources import DncEntryResource

    contact = make_contact(workspace, "+14155550166")
    dataset = tablib.Dataset(headers=["workspace", "phone", "reason"])
    dataset.append(["acme", "(415) 555-0166", "Complaint"])
    dataset.append(["acme", "212 555 0143", "Litigator list"])
    dataset.append(["acme", "555-1234", "bad number"])
    dataset.append(["acme", "646 555 0112", ""])
    result = DncEntryResource().import_data(dataset, dry_run=True, raise_errors=False)
    assert not result.has_errors() and result.has_validation_errors()  # row errors, never a traceback
    assert {row.number for row in result.invalid_rows} == {3, 4}
    assert not DncEntry.objects.exists()  # the dry run writes nothing
    result = DncEntryResource().import_data(dataset, dry_run=False, raise_errors=False)
    assert result.totals["new"] == 2 and result.totals["invalid"] == 2  # the good rows go in, the bad are skipped
    assert set(DncEntry.objects.values_list("phone", flat=True)) == {"+14155550166", "+12125550143"}
    assert set(DncEntry.objects.values_list("source", flat=True)) == {DncSource.IMPORT}
    contact.refresh_from_db()
    assert contact.status == "dnc"
    exported = DncEntryResource().export()
    assert sorted(exported["phone"]) == ["+12125550143", "+14155550166"]


def _admin_import(client, workspace, text: str, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("dnc.csv", text.encode("utf-8"), content_type="text/csv")
    return client.post(reverse("admin:contacts_dncentry_import"),
                       {"workspace": workspace.pk, "import_file": upload, "format": "0", "resource": "0", **extra})


def test_admin_import_of_a_plain_phone_reason_file_shows_row_errors_and_imports_the_good_rows(
    admin_client_ws, workspace, admin_user_ws
):
    contact = make_contact(workspace, "+14155550166")
    text = ("phone,reason\n(415) 555-0166,Complaint\n12,typo\n212 555 0143,Litigator list\n"
            "646 555 0112,\n(212) 555-0143,again\n")
    preview = _admin_import(admin_client_ws, workspace, text)
    body = preview.content.decode()
    assert preview.status_code == 200
    assert "Traceback" not in body and "ValueError" not in body
    assert "Rows that will be skipped" in body and "A reason is required" in body and "12: " in body
    assert "Confirm import" in body
    assert not DncEntry.objects.exists()
    confirm = preview.context["confirm_form"]
    data = {name: confirm[name].value() for name in confirm.fields}
    done = admin_client_ws.post(reverse("admin:contacts_dncentry_process_import"), data, follow=True)
    assert "Traceback" not in done.content.decode()
    assert set(DncEntry.objects.values_list("phone", flat=True)) == {"+14155550166", "+12125550143"}
    entry = DncEntry.objects.get(phone="+12125550143")
    assert (entry.reason, entry.source, entry.created_by, entry.created_by_label) == (
        "Litigator list", DncSource.IMPORT, admin_user_ws, "boss")
    contact.refresh_from_db()
    assert contact.status == "dnc"
    assert DncAuditLog.objects.filter(actor_label="boss").count() == 2


def test_admin_import_headerless_file_uses_the_form_reason(admin_client_ws, workspace):
    preview = _admin_import(admin_client_ws, workspace, "+14155550166\n212 555 0143\n",
                            default_reason="State list 2026")
    assert "Traceback" not in preview.content.decode()
    confirm = preview.context["confirm_form"]
    data = {name: confirm[name].value() for name in confirm.fields}
    admin_client_ws.post(reverse("admin:contacts_dncentry_process_import"), data)
    assert set(DncEntry.objects.values_list("reason", flat=True)) == {"State list 2026"}
    assert DncEntry.objects.count() == 2


def test_admin_import_needs_a_workspace(admin_client_ws, workspace):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("dnc.csv", b"phone,reason\n4155550166,x\n", content_type="text/csv")
    response = admin_client_ws.post(reverse("admin:contacts_dncentry_import"),
                                    {"import_file": upload, "format": "0", "resource": "0"})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not DncEntry.objects.exists()


def test_contacts_export_from_admin(admin_client_ws, workspace):
    from contacts.resources import ContactResource

    make_contact(workspace, "+14155550166", first_name="Ada")
    exported = ContactResource().export()
    row = dict(zip(exported.headers, exported[0], strict=True))
    summary = (row["phone"], row["first_name"], row["workspace"], row["status"])
    assert summary == ("+14155550166", "Ada", "acme", "active")
    assert admin_client_ws.get(reverse("admin:contacts_contact_export")).status_code == 200
