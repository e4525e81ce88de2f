"""One rule, one place: the DNC selector, a workspace's phone rules and plan room serve every path."""
from __future__ import annotations

import pytest
from django.urls import reverse

from contacts import selectors, services
from contacts.models import AuditEvent, Call, CampaignMembership, Contact, DncAuditLog, Plan
from contacts.workspaces.rules import normalize_for_workspace, plan_room, workspace_country
from tests.factories import make_contact, make_workspace


def test_a_number_stored_under_lenient_rules_can_be_marked_dnc_and_reactivated(db, client):
    # +1 555 0100 has the right length but is not a valid NANP number: only lenient mode stores it.
    workspace = make_workspace(phone_validation="lenient")
    contact = make_contact(workspace, phone="+15550100123")
    workspace.phone_validation = "strict"  # the workspace tightens its rules later
    workspace.save()
    with pytest.raises(services.InvalidPhone):
        normalize_for_workspace(workspace, contact.phone)
    services.contact_mark_dnc(contact=contact, reason="Asked to stop")
    assert contact.status == "dnc" and selectors.dnc_is_listed(workspace, "+15550100123")
    services.contact_reactivate(contact=contact, reason="Consent by email")
    assert contact.status == "active" and not selectors.dnc_is_listed(workspace, "+15550100123")


def test_the_dnc_selector_answers_for_numbers_with_no_contact(workspace):
    assert not selectors.dnc_is_listed(workspace, "+14155550199")
    services.dnc_add_number(workspace=workspace, phone="(415) 555-0199", reason="registry")
    assert selectors.dnc_is_listed(workspace, "+14155550199")
    assert selectors.dnc_entry_for(workspace, "+14155550199").reason == "registry"
    assert selectors.dnc_numbers_among(workspace, ["+14155550199", "+14155550198"]) == {"+14155550199"}


def test_plan_room_is_the_one_answer_for_dashboard_import_and_api(db):
    workspace = make_workspace(plan=Plan.PROFESSIONAL)
    assert plan_room(workspace) == 1000
    make_contact(workspace)
    assert plan_room(workspace) == 999
    assert plan_room(make_workspace(plan=Plan.UNLIMITED)) is None


def test_workspace_country_applies_to_api_normalize_and_search(db, client):
    workspace = make_workspace(default_country="GB")
    assert workspace_country(workspace) == "GB" and workspace_country(workspace, "de") == "DE"
    contact = make_contact(workspace, phone="020 7946 0018")
    assert contact.phone == "+442079460018"
    found = selectors.contact_search(Contact.objects.for_workspace(workspace), "020 7946 0018", workspace=workspace)
    assert list(found) == [contact]
    key, raw = services.api_key_create(workspace=workspace, name="k")
    response = client.post("/v1/contacts/normalize", {"phone": "07911 123456"}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200 and response.json()["data"]["normalized"] == "+447911123456"


def test_admin_search_uses_the_filtered_workspace_country(admin_client_ws, db):
    workspace = make_workspace(default_country="GB")
    contact = make_contact(workspace, phone="+442079460018", first_name="London")
    url = reverse("admin:contacts_contact_changelist")
    body = admin_client_ws.get(url, {"q": "020 7946 0018", "workspace__id__exact": workspace.pk}).content.decode()
    assert contact.public_id in body or "London" in body


# --- the admin goes through the services ---------------------------------------------------------------------

def test_admin_bulk_delete_goes_through_the_service_and_is_audited(admin_client_ws, workspace):
    contacts = [make_contact(workspace) for _ in range(3)]
    url = reverse("admin:contacts_contact_changelist")
    admin_client_ws.post(url, {"action": "delete_selected", "_selected_action": [c.pk for c in contacts],
                               "post": "yes"})
    assert not Contact.objects.filter(workspace=workspace).exists()
    event = AuditEvent.objects.get(workspace=workspace, action="contacts.delete")
    assert event.count == 3 and event.actor_label == "boss"  # kept as text: outlives the user


def test_admin_refuses_a_dnc_contact_as_campaign_member(admin_client_ws, workspace):
    campaign = services.campaign_create(workspace=workspace, name="Spring")
    dnc = make_contact(workspace)
    services.contact_mark_dnc(contact=dnc, reason="asked")
    response = admin_client_ws.post(reverse("admin:contacts_campaignmembership_add"),
                                    {"campaign": campaign.pk, "contact": dnc.pk})
    assert response.status_code == 200 and "Do-Not-Call" in response.content.decode()
    assert not CampaignMembership.objects.exists()
    ok = make_contact(workspace)
    admin_client_ws.post(reverse("admin:contacts_campaignmembership_add"), {"campaign": campaign.pk, "contact": ok.pk})
    assert list(CampaignMembership.objects.values_list("contact_id", flat=True)) == [ok.pk]
    assert AuditEvent.objects.filter(action="campaign.add_contacts").exists()


def test_admin_call_goes_through_call_log(admin_client_ws, workspace):
    contact = make_contact(workspace)
    response = admin_client_ws.post(reverse("admin:contacts_call_add"), {
        "workspace": workspace.pk, "contact": contact.pk, "direction": "outbound", "status": "completed",
        "duration": 30, "sentiment": "negative", "outcome": "dnc_requested", "recording_url": "", "transcript": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    contact.refresh_from_db()
    assert Call.objects.get().phone == contact.phone
    assert (contact.calls_count, contact.status) == (1, "dnc")  # counted and listed, as every call path does
    assert DncAuditLog.objects.get().source == "call"


def test_admin_api_keys_are_revoked_never_restored_or_moved(admin_client_ws, workspace, other_workspace):
    key, _ = services.api_key_create(workspace=workspace, name="dialer")
    change = reverse("admin:contacts_apikey_change", args=[key.pk])
    admin_client_ws.post(change, {"name": "renamed", "workspace": other_workspace.pk, "revoked_at_0": "",
                                  "revoked_at_1": ""})
    key.refresh_from_db()
    assert key.workspace_id == workspace.pk
    admin_client_ws.post(reverse("admin:contacts_apikey_changelist"),
                         {"action": "revoke_keys", "_selected_action": [key.pk]})
    key.refresh_from_db()
    revoked = key.revoked_at
    assert revoked is not None
    admin_client_ws.post(change, {"name": "again", "revoked_at_0": "", "revoked_at_1": ""})
    key.refresh_from_db()
    assert key.revoked_at == revoked
    assert admin_client_ws.get(reverse("admin:contacts_apikey_delete", args=[key.pk])).status_code == 403


def test_admin_contact_import_is_the_wizard_not_row_by_row(admin_client_ws, workspace):
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        reverse("admin:contacts_contact_import")
    assert reverse("admin:contacts_contact_export")  # export stays
    body = admin_client_ws.get(reverse("admin:contacts_contact_changelist")).content.decode()
    assert "/imports/new/" in body


def test_admin_membership_changes_go_through_the_member_services(admin_client_ws, workspace, admin_user_ws):
    from contacts.models import Membership

    owner = Membership.objects.get(workspace=workspace, user=admin_user_ws)
    for other in Membership.objects.filter(workspace=workspace, role="owner").exclude(pk=owner.pk):
        other.delete()
    change = reverse("admin:contacts_membership_change", args=[owner.pk])
    response = admin_client_ws.post(change, {"role": "viewer"}, follow=True)
    owner.refresh_from_db()
    assert owner.role == "owner" and "last owner" in response.content.decode()  # the service's rule holds here too
    admin_client_ws.post(reverse("admin:contacts_membership_delete", args=[owner.pk]), {"post": "yes"})
    assert Membership.objects.filter(pk=owner.pk).exists()
    assert AuditEvent.objects.filter(action__startswith="member.").count() == 0
