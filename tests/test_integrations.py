"""Merging contacts (service and dashboard page) and the API keys settings page."""
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from contacts import services
from contacts.models import ApiKey, AuditEvent, Call, CampaignMembership, Contact, DncEntry
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(workspace):
    target = make_contact(workspace, first_name="Ada", email="", company="Acme Dental",
                          metadata={"tier": "gold", "source": "web"})
    source = make_contact(workspace, first_name="Adeline", last_name="Lovelace", email="ada@example.com",
                          company="Other Co", title="CTO", metadata={"source": "fair", "shoe": "38"})
    return target, source


def test_merge_fills_empty_fields_combines_metadata_and_moves_calls_and_campaigns(workspace, pair):
    target, source = pair
    shared = services.campaign_create(workspace=workspace, name="Shared")
    only_source = services.campaign_create(workspace=workspace, name="Only source")
    services.campaign_add_contacts(campaign=shared, contacts=Contact.objects.filter(pk__in=[target.pk, source.pk]))
    services.campaign_add_contacts(campaign=only_source, contacts=Contact.objects.filter(pk=source.pk))
    services.call_log(workspace=workspace, contact=target, created_at=datetime(2026, 3, 1, tzinfo=UTC))
    late = services.call_log(workspace=workspace, contact=source, created_at=datetime(2026, 5, 1, tzinfo=UTC))
    services.call_log(workspace=workspace, contact=source, created_at=datetime(2026, 4, 1, tzinfo=UTC))

    merged = services.contact_merge(target=target, source=source, actor="test")

    merged.refresh_from_db()
    assert (merged.first_name, merged.last_name, merged.email, merged.company, merged.title) == (
        "Ada", "Lovelace", "ada@example.com", "Acme Dental", "CTO")  # target's values win, empties filled
    assert merged.metadata == {"tier": "gold", "source": "web", "shoe": "38"}
    assert not Contact.objects.filter(pk=source.pk).exists()
    assert Call.objects.filter(contact=merged).count() == 3
    assert merged.calls_count == 3 and merged.last_called_at == late.created_at
    assert set(CampaignMembership.objects.filter(contact=merged).values_list("campaign__name", flat=True)) == {
        "Shared", "Only source"}
    event = AuditEvent.objects.get(action="contact.merge")
    assert event.details["source_id"] == source.public_id and event.details["calls_moved"] == 2
    assert event.details["campaigns_moved"] == 1


def test_merging_a_dnc_contact_makes_the_result_dnc(workspace, pair):
    target, source = pair
    services.contact_mark_dnc(contact=source, reason="Asked not to be called")
    merged = services.contact_merge(target=target, source=source)
    assert merged.status == "dnc"
    assert DncEntry.objects.filter(workspace=workspace, phone=target.phone).exists()
    assert DncEntry.objects.filter(workspace=workspace, phone=source.phone).exists()  # the old number stays DNC


def test_merge_refuses_itself_and_other_workspaces(workspace, other_workspace, pair):
    target, _ = pair
    with pytest.raises(services.ValidationFailed):
        services.contact_merge(target=target, source=target)
    foreign = make_contact(other_workspace, first_name="Foreign")
    with pytest.raises(services.ContactNotFound):
        services.contact_merge(target=target, source=foreign)
    assert Contact.objects.filter(pk=foreign.pk).exists()


def test_merge_page_finds_compares_and_merges(client_logged_in, pair):
    target, source = pair
    pick = client_logged_in.get(reverse("contact_merge_pick", args=[target.public_id]), {"q": "Lovelace"})
    assert pick.status_code == 200
    compare_url = reverse("contact_merge_confirm", args=[target.public_id, source.public_id])
    assert compare_url in pick.content.decode()
    compare = client_logged_in.get(compare_url)
    body = compare.content.decode()
    assert compare.status_code == 200
    assert "ada@example.com" in body and "Acme Dental" in body
    # Field by field: the empty email is filled from the other record, the company stays this one's.
    assert 'value="b" checked data-testid="keep-email-b"' in body
    assert 'value="a" checked data-testid="keep-company-a"' in body
    assert Contact.objects.filter(pk=source.pk).exists()  # nothing changes before the confirmation
    done = client_logged_in.post(compare_url, follow=True)
    assert done.redirect_chain[-1][0] == reverse("contact_detail", args=[target.public_id])
    assert "Merged" in done.content.decode()
    assert not Contact.objects.filter(pk=source.pk).exists()


def test_merge_page_says_when_nothing_matches(client_logged_in, pair):
    target, _ = pair
    page = client_logged_in.get(reverse("contact_merge_pick", args=[target.public_id]), {"q": "zzzz-nobody"})
    assert "No other contact matches" in page.content.decode()


def test_merge_with_itself_is_refused_with_a_message(client_logged_in, pair):
    target, _ = pair
    url = reverse("contact_merge_confirm", args=[target.public_id, target.public_id])
    page = client_logged_in.post(url, follow=True)
    assert "cannot be merged into itself" in page.content.decode()
    assert Contact.objects.filter(pk=target.pk).exists()


def test_api_keys_page_creates_shows_once_and_revokes(client_logged_in, workspace):
    url = reverse("api_keys")
    empty = client_logged_in.get(url)
    assert "No API keys yet" in empty.content.decode()
    created = client_logged_in.post(url, {"name": "Voice agent"})
    body = created.content.decode()
    key = ApiKey.objects.get(workspace=workspace, name="Voice agent")
    raw = created.context["new_key"]
    assert raw in body and raw.startswith(key.prefix)
    assert services.api_key_authenticate(raw) == key
    again = client_logged_in.get(url).content.decode()
    assert raw not in again and key.prefix in again  # shown once, then only its prefix
    client_logged_in.post(reverse("api_key_revoke", args=[key.pk]))
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert services.api_key_authenticate(raw) is None
    assert "Revoked" in client_logged_in.get(url).content.decode()


def test_api_key_needs_a_name(client_logged_in, workspace):
    page = client_logged_in.post(reverse("api_keys"), {"name": "  "})
    assert "Give the key a name" in page.content.decode()
    assert not ApiKey.objects.filter(workspace=workspace).exists()
