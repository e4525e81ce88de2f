"""Bulk actions on ticked rows and on "all matching": results, messages, audit records, pinned query counts."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts import services
from contacts.models import AuditEvent, Call, CampaignMembership, Contact, DncEntry
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(workspace):
    return services.campaign_create(workspace=workspace, name="Spring recall")


def make_many(workspace, n, **fields):
    return [make_contact(workspace, **fields) for _ in range(n)]


def test_add_ticked_rows_to_campaign(client_logged_in, workspace, campaign):
    a, b, c = make_many(workspace, 3)
    post = {"action": "add_to_campaign", "campaign_id": campaign.public_id, "ids": [a.public_id, b.public_id],
            "query": "status=active"}
    confirm = client_logged_in.post("/contacts/bulk/", post)
    assert "Add 2 contacts to Spring recall?" in confirm.content.decode()
    assert not CampaignMembership.objects.exists()  # nothing before the confirmation
    response = client_logged_in.post("/contacts/bulk/", {**post, "confirm": "1"}, follow=True)
    assert "Added 2 contacts to Spring recall." in response.content.decode()
    assert response.redirect_chain[-1][0] == "/contacts/?status=active"
    assert set(CampaignMembership.objects.values_list("contact_id", flat=True)) == {a.pk, b.pk}


def test_add_all_matching_skips_dnc_and_counts(client_logged_in, workspace, campaign, user):
    acme = make_many(workspace, 25, company="Acme")
    make_many(workspace, 3, company="Other")
    for contact in acme[:4]:
        services.contact_mark_dnc(contact=contact, reason="asked", actor=user)
    response = client_logged_in.post("/contacts/bulk/", {
        "action": "add_to_campaign", "campaign_id": campaign.public_id, "scope": "all", "query": "company=acme",
        "ids": [acme[0].public_id], "confirm": "1"}, follow=True)
    body = response.content.decode()
    assert "Added 21 contacts to Spring recall. Skipped 4 DNC contacts." in body
    assert CampaignMembership.objects.count() == 21  # every page, not only the first 20
    event = AuditEvent.objects.get(action="campaign.add_contacts")
    assert (event.count, event.actor, event.details["skipped_dnc"]) == (21, user, 4)


def test_bulk_mark_dnc_needs_reason_and_confirms_count(client_logged_in, workspace, user):
    people = make_many(workspace, 5, company="Acme")
    make_contact(workspace, company="Else")
    confirm = client_logged_in.post("/contacts/bulk/", {"action": "mark_dnc", "scope": "all", "query": "company=acme"})
    assert "<strong>5</strong> contacts" in confirm.content.decode()
    assert not DncEntry.objects.exists()
    missing = client_logged_in.post("/contacts/bulk/", {"action": "mark_dnc", "scope": "all", "query": "company=acme",
                                                        "confirm": "1", "reason": ""})
    assert "A reason is required" in missing.content.decode()
    assert not DncEntry.objects.exists()
    done = client_logged_in.post("/contacts/bulk/", {"action": "mark_dnc", "scope": "all", "query": "company=acme",
                                                     "confirm": "1", "reason": "Complaint"}, follow=True)
    assert "Marked 5 numbers Do-Not-Call." in done.content.decode()
    assert set(DncEntry.objects.values_list("phone", flat=True)) == {p.phone for p in people}
    assert Contact.objects.dnc().count() == 5
    assert AuditEvent.objects.get(action="contacts.mark_dnc").actor == user


def test_bulk_delete_confirmation_shows_count_then_deletes(client_logged_in, workspace, campaign):
    people = make_many(workspace, 4, company="Gone")
    keep = make_contact(workspace, company="Stay")
    services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.all())
    services.call_log(workspace=workspace, contact=people[0], duration=5)
    confirm = client_logged_in.post("/contacts/bulk/", {"action": "delete", "scope": "all", "query": "company=gone"})
    assert "Delete 4 contacts?" in confirm.content.decode()
    assert Contact.objects.count() == 5
    client_logged_in.post("/contacts/bulk/", {"action": "delete", "scope": "all", "query": "company=gone",
                                              "confirm": "1"})
    assert list(Contact.objects.all()) == [keep]
    assert CampaignMembership.objects.count() == 1
    assert Call.objects.get().contact is None  # history kept, link removed
    assert AuditEvent.objects.get(action="contacts.delete").count == 4


def test_bulk_needs_a_selection(client_logged_in, workspace, campaign):
    make_contact(workspace)
    response = client_logged_in.post("/contacts/bulk/", {"action": "delete"}, follow=True)
    assert "Tick at least one contact" in response.content.decode()
    response = client_logged_in.post("/contacts/bulk/", {"action": "add_to_campaign", "scope": "all"}, follow=True)
    assert "Choose the campaign" in response.content.decode()
    assert Contact.objects.count() == 1


def test_bulk_ignores_other_workspaces_ids(client_logged_in, workspace, other_workspace):
    theirs = make_contact(other_workspace)
    client_logged_in.post("/contacts/bulk/", {"action": "delete", "ids": [theirs.public_id], "confirm": "1"})
    assert Contact.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("action", ["add_to_campaign", "mark_dnc", "delete"])
def test_bulk_query_count_is_constant(client_logged_in, workspace, campaign, action):
    """The same number of queries for 3 and for 100 contacts (SQLite splits bigger INSERTs by its variable limit)."""
    post = {"action": action, "scope": "all", "query": "company=acme", "campaign_id": campaign.public_id,
            "confirm": "1", "reason": "r"}
    client_logged_in.get("/contacts/")  # warm-up (session)
    counts = []
    for n in (3, 100):
        make_many(workspace, n, company="Acme")
        with CaptureQueriesContext(connection) as ctx:
            response = client_logged_in.post("/contacts/bulk/", post)
        assert response.status_code == 302
        counts.append(len(ctx))
        Contact.objects.filter(company="Acme").update(company="Done")
    assert counts[0] == counts[1], counts
    assert counts[1] <= 20, counts
