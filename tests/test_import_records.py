"""import_records: the one pipeline the API, admin, command and wizard share."""
import pytest

from contacts import services
from contacts.imports import import_records
from contacts.models import CampaignMembership, Contact, ImportBatch, ImportRow, Plan
from tests.factories import make_contact, make_workspace

pytestmark = pytest.mark.django_db


def test_counts_and_row_errors(workspace):
    make_contact(workspace, "+14155550100")
    result = import_records(workspace=workspace, records=[
        {"phone": "(415) 555-0166", "first_name": "Ada"},
        {"phone": "415-555-0166", "first_name": "Again"},
        {"phone": "+14155550100"},
        {"phone": "12"},
        {"phone": ""},
        {"phone": "+14155550177", "email": "not-an-email"},
    ])
    assert result.as_counts() == {"rows": 6, "imported": 1, "updated": 0, "duplicates_skipped": 2,
                                  "invalid_skipped": 3, "dnc": 0, "limit_skipped": 0}
    assert [(e.index, e.code) for e in result.errors] == [
        (1, "duplicate_phone"), (2, "duplicate_phone"), (3, "invalid_phone"), (4, "invalid_phone"),
        (5, "validation_error")]
    ada = Contact.objects.get(workspace=workspace, phone="+14155550166")
    assert ada.first_name == "Ada" and ada.import_batch == result.batch
    assert result.batch.source == "api" and result.batch.status == "completed"
    assert ImportRow.objects.filter(batch=result.batch).count() == 5


def test_update_existing_merges_and_keeps_previous_for_revert(workspace):
    contact = make_contact(workspace, "+14155550100", first_name="Old", company="Keep", metadata={"a": 1})
    result = import_records(workspace=workspace, update_existing=True, records=[
        {"phone": "+1 415 555 0100", "first_name": "New", "company": "", "metadata": {"b": 2}}])
    assert (result.updated, result.imported) == (1, 0)
    contact.refresh_from_db()
    assert (contact.first_name, contact.company, contact.metadata) == ("New", "Keep", {"a": 1, "b": 2})
    row = ImportRow.objects.get(batch=result.batch)
    assert row.previous == {"first_name": "Old", "metadata": {"a": 1}}


def test_plan_limit_reports_rows_past_it(db):
    ws = make_workspace("small", plan=Plan.PROFESSIONAL)
    records = [{"phone": f"+1415555{n:04d}"} for n in range(1005)]
    result = import_records(workspace=ws, records=records)
    assert (result.imported, result.limit_skipped) == (1000, 5)
    assert Contact.objects.filter(workspace=ws).count() == 1000
    assert {e.code for e in result.errors} == {"contact_limit_reached"}
    assert [e.index for e in result.errors] == [1000, 1001, 1002, 1003, 1004]


def test_dnc_numbers_are_imported_as_dnc_and_never_added_to_the_campaign(workspace):
    services.dnc_add_number(workspace=workspace, phone="+14155550111", reason="asked")
    campaign = services.campaign_create(workspace=workspace, name="Spring")
    result = import_records(workspace=workspace, campaign=campaign, records=[
        {"phone": "+14155550111"}, {"phone": "+14155550112"}])
    assert (result.imported, result.dnc) == (2, 1)
    assert Contact.objects.get(workspace=workspace, phone="+14155550111").status == "dnc"
    members = CampaignMembership.objects.filter(campaign=campaign).values_list("contact__phone", flat=True)
    assert list(members) == ["+14155550112"]


def test_one_query_budget_per_chunk(workspace, django_assert_max_num_queries):
    records = [{"phone": f"+1415555{n:04d}", "first_name": "X"} for n in range(1500)]
    # A handful per chunk plus multi-row INSERTs (SQLite caps parameters per statement); never one per row.
    with django_assert_max_num_queries(45):
        result = import_records(workspace=workspace, records=records)
    assert result.imported == 1500
    assert ImportBatch.objects.get(pk=result.batch.pk).imported == 1500


def test_imported_contacts_are_found_by_search_and_triggers_survive(workspace):
    from django.db import connection

    from contacts.selectors import contact_search

    def triggers():
        if connection.vendor != "sqlite":
            return []
        with connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            return cursor.fetchall()

    before = triggers()
    import_records(workspace=workspace, records=[
        {"phone": "+14155550166", "first_name": "Zebulon", "last_name": "Quartermain", "company": "Hidden Peak"},
        {"phone": "+14155550167", "first_name": "Other"}])
    assert triggers() == before  # the deferred insert triggers are back, unchanged
    everyone = Contact.objects.for_workspace(workspace)
    assert [c.first_name for c in contact_search(everyone, "Quartermain", workspace=workspace)] == ["Zebulon"]
    assert [c.first_name for c in contact_search(everyone, "hidden peak", workspace=workspace)] == ["Zebulon"]
    make_contact(workspace, "+14155550168", first_name="Quartermainer")  # created later: the trigger still fires
    assert contact_search(everyone, "Quartermain", workspace=workspace).count() == 2


def test_admin_lists_batches_links_the_wizard_and_reverts(admin_client_ws, workspace):
    result = import_records(workspace=workspace, records=[{"phone": "+14155550166"}, {"phone": "+14155550167"}])
    page = admin_client_ws.get("/admin/contacts/importbatch/")
    assert page.status_code == 200
    assert b'href="/imports/new/"' in page.content and f"/imports/{result.batch.public_id}/".encode() in page.content
    response = admin_client_ws.post("/admin/contacts/importbatch/", {
        "action": "revert_batches", "_selected_action": [result.batch.pk]}, follow=True)
    assert b"2 contacts deleted" in response.content
    assert not Contact.objects.filter(workspace=workspace).exists()
    assert ImportBatch.objects.get(pk=result.batch.pk).status == "reverted"


def test_nul_characters_are_dropped_not_fatal(workspace):
    """PostgreSQL refuses NUL in text and JSON; a stray one in a file must not fail the import."""
    result = import_records(workspace=workspace, records=[
        {"phone": "+14155550166", "first_name": "A\x00da", "metadata": {"k\x00": ["v\x00"]}},
        {"phone": "12\x00", "first_name": "Bad"}])
    assert (result.imported, result.invalid_skipped) == (1, 1)
    ada = Contact.objects.get(workspace=workspace, phone="+14155550166")
    assert (ada.first_name, ada.metadata) == ("Ada", {"k": ["v"]})
    assert "\x00" not in ImportRow.objects.get(batch=result.batch).message
