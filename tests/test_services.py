"""Services: contacts, plan limits, DNC list, calls and campaigns, always inside one workspace."""
import re
from datetime import UTC, datetime, time

import pytest

from contacts import services
from contacts.models import (
    AuditEvent,
    Call,
    CampaignMembership,
    Contact,
    DncAction,
    DncAuditLog,
    DncEntry,
    DncSource,
    Plan,
)
from tests.factories import make_contact, make_user, make_workspace, next_phone

pytestmark = pytest.mark.django_db


def test_create_normalises_phone_and_gets_a_public_id(workspace):
    contact = services.contact_create(workspace=workspace, phone="(415) 555-0166", first_name=" Ada ")
    assert contact.phone == "+14155550166"
    assert contact.first_name == "Ada"
    assert re.fullmatch(r"contact_[0-9a-f]{16}", contact.public_id)
    assert contact.status == "active"


def test_duplicate_phone_in_same_workspace_is_refused_with_existing_id(workspace):
    first = make_contact(workspace, "+14155550166")
    with pytest.raises(services.DuplicatePhone) as err:
        services.contact_create(workspace=workspace, phone="415-555-0166")
    assert err.value.code == "duplicate_phone"
    assert err.value.details["existing_id"] == first.public_id


def test_same_number_may_live_in_two_workspaces(workspace, other_workspace):
    a = make_contact(workspace, "+14155550166")
    b = make_contact(other_workspace, "+14155550166")
    assert a.pk != b.pk and a.phone == b.phone


def test_invalid_phone_is_refused_with_reason(workspace):
    with pytest.raises(services.InvalidPhone) as err:
        services.contact_create(workspace=workspace, phone="555-1234")
    assert err.value.code == "invalid_phone"
    assert "area code" in err.value.message
    assert not Contact.objects.exists()


def test_invalid_email_is_a_validation_error(workspace):
    with pytest.raises(services.ValidationFailed) as err:
        services.contact_create(workspace=workspace, phone=next_phone(), email="not-an-email")
    assert "email" in err.value.details


def test_workspace_default_country_and_lenient_mode(db):
    de = make_workspace("berlin", default_country="DE")
    assert make_contact(de, "030 23125463").phone == "+493023125463"
    lenient = make_workspace("uk", default_country="GB", phone_validation="lenient")
    assert make_contact(lenient, "07700 900123").phone == "+447700900123"
    strict = make_workspace("uk-strict", default_country="GB")
    with pytest.raises(services.InvalidPhone):
        make_contact(strict, "07700 900123")


def test_professional_plan_refuses_the_1001st_contact(db):
    ws = make_workspace("small", plan=Plan.PROFESSIONAL)
    Contact.objects.bulk_create([Contact(workspace=ws, phone=next_phone("212")) for _ in range(1000)])
    with pytest.raises(services.ContactLimitReached) as err:
        services.contact_create(workspace=ws, phone=next_phone())
    assert err.value.code == "contact_limit_reached"
    assert err.value.details == {"limit": 1000, "current": 1000, "plan": "professional"}
    assert Contact.objects.filter(workspace=ws).count() == 1000


def test_update_is_partial_and_merges_metadata(workspace):
    contact = make_contact(workspace, first_name="John", company="Acme", metadata={"source": "web"})
    services.contact_update(contact=contact, data={"company": "New Co", "metadata": {"interest": "enterprise"}})
    contact.refresh_from_db()
    assert (contact.first_name, contact.company) == ("John", "New Co")
    assert contact.metadata == {"source": "web", "interest": "enterprise"}


def test_update_to_a_taken_number_is_a_duplicate(workspace):
    make_contact(workspace, "+14155550166")
    other = make_contact(workspace)
    with pytest.raises(services.DuplicatePhone):
        services.contact_update(contact=other, data={"phone": "(415) 555-0166"})


def test_unknown_fields_are_refused(workspace):
    contact = make_contact(workspace)
    with pytest.raises(services.ValidationFailed):
        services.contact_update(contact=contact, data={"workspace": 99})


def test_marking_a_number_dnc_flips_contacts_and_audits(workspace, other_workspace, user):
    contact = make_contact(workspace, "+14155550166")
    elsewhere = make_contact(other_workspace, "+14155550166")
    services.dnc_add_number(workspace=workspace, phone="(415) 555-0166", reason="Asked us to stop", actor=user)
    contact.refresh_from_db()
    elsewhere.refresh_from_db()
    assert contact.status == "dnc" and contact.dnc_at is not None
    assert elsewhere.status == "active"  # another workspace's list is its own
    log = DncAuditLog.objects.get()
    assert (log.action, log.reason, log.actor, log.contacts_affected) == (DncAction.ADDED, "Asked us to stop", user, 1)


def test_a_number_listed_before_the_contact_exists_makes_it_dnc(workspace):
    services.dnc_add_number(workspace=workspace, phone="+14155550166", reason="Complaint", source=DncSource.API)
    contact = make_contact(workspace, "415 555 0166")
    assert contact.status == "dnc"


def test_reactivation_needs_a_reason_and_logs_who_and_why(workspace, user):
    contact = make_contact(workspace)
    services.contact_mark_dnc(contact=contact, reason="Requested", actor=user)
    with pytest.raises(services.ValidationFailed):
        services.contact_reactivate(contact=contact, reason="  ", actor=user)
    services.contact_reactivate(contact=contact, reason="Customer opted back in by email", actor=user)
    assert contact.status == "active" and contact.dnc_at is None
    assert not DncEntry.objects.exists()
    removed = DncAuditLog.objects.get(action=DncAction.REMOVED)
    assert (removed.actor, removed.reason) == (user, "Customer opted back in by email")


def test_audit_log_is_append_only(workspace):
    services.dnc_add_number(workspace=workspace, phone=next_phone(), reason="x")
    log = DncAuditLog.objects.get()
    with pytest.raises(PermissionError):
        log.save()
    with pytest.raises(PermissionError):
        DncAuditLog.objects.all().delete()
    with pytest.raises(PermissionError):
        DncAuditLog.objects.update(reason="rewritten")


def test_bulk_mark_dnc_is_set_based(workspace, django_assert_max_num_queries):
    make_contact(workspace)
    for _ in range(30):
        make_contact(workspace)
    qs = Contact.objects.for_workspace(workspace)
    with django_assert_max_num_queries(12):
        added = services.contacts_mark_dnc(workspace=workspace, contacts=qs, reason="Bulk opt-out")
    assert added == 31
    assert Contact.objects.filter(status="dnc").count() == 31
    assert DncAuditLog.objects.count() == 31
    assert AuditEvent.objects.get(action="contacts.mark_dnc").count == 31


def test_status_change_through_update_goes_through_dnc_list(workspace):
    contact = make_contact(workspace)
    services.contact_update(contact=contact, data={"status": "dnc"})
    assert DncEntry.objects.filter(phone=contact.phone).exists()
    services.contact_update(contact=contact, data={"status": "active"})
    assert not DncEntry.objects.exists()


def test_call_with_dnc_requested_outcome_lists_the_number(workspace):
    contact = make_contact(workspace)
    call = services.call_log(workspace=workspace, contact=contact, outcome="dnc_requested", duration=42)
    contact.refresh_from_db()
    assert contact.status == "dnc"
    entry = DncEntry.objects.get()
    assert entry.source == DncSource.CALL and call.public_id in entry.reason
    assert contact.calls_count == 1 and contact.last_called_at == call.created_at


def test_logging_calls_keeps_count_and_last_called_current(workspace):
    contact = make_contact(workspace)
    early = datetime(2024, 1, 10, 9, tzinfo=UTC)
    late = datetime(2024, 1, 15, 14, 30, tzinfo=UTC)
    services.call_log(workspace=workspace, contact=contact, created_at=late, sentiment="positive")
    services.call_log(workspace=workspace, contact=contact, created_at=early, status="no_answer")
    contact.refresh_from_db()
    assert contact.calls_count == 2
    assert contact.last_called_at == late


def test_call_log_validates_choices(workspace):
    contact = make_contact(workspace)
    with pytest.raises(services.ValidationFailed):
        services.call_log(workspace=workspace, contact=contact, sentiment="ecstatic")
    assert not Call.objects.exists()


NOON_NY = datetime(2024, 1, 15, 17, 0, tzinfo=UTC)  # 12:00 in New York
LATE_NY = datetime(2024, 1, 16, 3, 0, tzinfo=UTC)  # 22:00 in New York


def test_queue_call_refuses_dnc_first(workspace):
    contact = make_contact(workspace, "+12025550143")
    services.contact_mark_dnc(contact=contact, reason="Requested")
    with pytest.raises(services.ContactDnc) as err:
        services.call_queue_outbound(contact=contact, now=LATE_NY)  # DNC is checked before hours
    assert err.value.code == "contact_dnc"
    assert not Call.objects.exists()


def test_queue_call_inside_and_outside_calling_hours(workspace):
    contact = make_contact(workspace, "+12025550143")
    call = services.call_queue_outbound(contact=contact, now=NOON_NY)
    assert call.status == "queued" and call.direction == "outbound" and not call.reused
    assert services.call_queue_outbound(contact=contact, now=NOON_NY).pk == call.pk  # no second call
    other = make_contact(workspace, "+12025550144")
    with pytest.raises(services.OutsideCallingHours) as err:
        services.call_queue_outbound(contact=other, now=LATE_NY)
    assert err.value.details["timezones"] == ["America/New_York"]
    assert err.value.details["local_time"].startswith("2024-01-15T22:00")
    assert err.value.details["opens_at"] == "2024-01-16T13:00:00+00:00"  # 08:00 New York


def test_number_spanning_zones_must_be_inside_everywhere(workspace):
    toll_free = make_contact(workspace, "+18005550199")  # every US zone, Guam to Puerto Rico
    window = services.calling_window(workspace=workspace, phone=toll_free.phone, now=NOON_NY)
    assert not window.allowed  # noon in New York is 07:00 in Honolulu
    assert len(window.timezones) > 10
    workspace.calling_window_start, workspace.calling_window_end = time(0, 0), time(23, 59)
    assert services.calling_window(workspace=workspace, phone=toll_free.phone, now=NOON_NY).allowed


def test_campaign_add_skips_dnc_and_counts(workspace, django_assert_max_num_queries):
    campaign = services.campaign_create(workspace=workspace, name="January Outreach")
    contacts = [make_contact(workspace) for _ in range(5)]
    services.contact_mark_dnc(contact=contacts[0], reason="no")
    with django_assert_max_num_queries(10):
        change = services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.all())
    assert (change.added, change.skipped_dnc, change.already_members) == (4, 1, 0)
    again = services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.all())
    assert (again.added, again.already_members) == (0, 4)
    assert not CampaignMembership.objects.filter(contact=contacts[0]).exists()


def test_services_never_touch_another_workspace(workspace, other_workspace):
    mine = make_contact(workspace)
    theirs = make_contact(other_workspace)
    campaign = services.campaign_create(workspace=workspace, name="Mine")
    change = services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.all())
    assert change.added == 1
    assert not CampaignMembership.objects.filter(contact=theirs).exists()
    services.contacts_mark_dnc(workspace=workspace, contacts=Contact.objects.all(), reason="bulk")
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (mine.status, theirs.status) == ("dnc", "active")
    from contacts.selectors import contact_get

    with pytest.raises(services.ContactNotFound):
        contact_get(workspace, theirs.public_id)


def test_delete_detaches_calls_and_memberships(workspace):
    contact = make_contact(workspace)
    campaign = services.campaign_create(workspace=workspace, name="C")
    services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.all())
    call = services.call_log(workspace=workspace, contact=contact)
    services.contact_delete(contact=contact, actor=make_user(workspace=workspace))
    call.refresh_from_db()
    assert call.contact is None and call.phone
    assert not CampaignMembership.objects.exists()
    assert AuditEvent.objects.filter(action="contact.delete").exists()
