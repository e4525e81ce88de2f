"""CSV export: columns, call statistics, formula-injection safety, phone cells, streaming and the round trip."""
from __future__ import annotations

import csv
import io

import pytest
from django.http import StreamingHttpResponse

from contacts import services
from contacts.exports import HEADER
from contacts.imports import Options, TableSource, import_file, import_records
from contacts.labels import column_headers
from contacts.models import AuditEvent, Contact
from tests.factories import make_contact, make_workspace

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[dict[str, str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


@pytest.fixture
def sample(workspace, user):
    ann = make_contact(workspace, "+14155550101", first_name="Ann", last_name="Archer", email="ann@acme.test",
                       company="Acme", title="Owner", notes="likes mornings", metadata={"tier": "gold", "seats": 3})
    evil = make_contact(workspace, "+14155550102", first_name="=HYPERLINK(\"http://x\",\"y\")", last_name="@SUM(1)",
                        company="+cmd|' /C calc'!A0", notes="-2+3", metadata={"formula": "=1+1"})
    plain = make_contact(workspace, "+442079460000", first_name="Cy")
    campaign = services.campaign_create(workspace=workspace, name="Spring")
    services.call_log(workspace=workspace, contact=ann, campaign=campaign, outcome="callback", sentiment="neutral")
    services.call_log(workspace=workspace, contact=ann, campaign=campaign, outcome="booked", sentiment="positive")
    services.contact_mark_dnc(contact=plain, reason="asked", actor=user)
    return {"ann": ann, "evil": evil, "plain": plain}


def test_export_columns_stats_and_safety(client_logged_in, sample):
    rows = read_csv(client_logged_in.get("/contacts/export.csv"))
    assert len(rows) == 3
    assert list(rows[0].keys()) == [*column_headers(HEADER), "formula", "seats", "tier"]
    assert list(rows[0])[:3] == ["Phone", "First name", "Last name"]  # headers in words, codes in the API
    by_phone = {r["Phone"]: r for r in rows}
    ann = by_phone["+14155550101"]
    assert (ann["First name"], ann["Email"], ann["Company"], ann["Title"], ann["Notes"]) == (
        "Ann", "ann@acme.test", "Acme", "Owner", "likes mornings")
    assert (ann["Calls count"], ann["Last call outcome"], ann["Last call sentiment"]) == ("2", "booked", "positive")
    assert ann["Last called at"] and ann["Contact ID"] == sample["ann"].public_id
    assert (ann["tier"], ann["seats"]) == ("gold", "3")
    evil = by_phone["+14155550102"]
    assert evil["First name"] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert evil["Last name"] == "'@SUM(1)" and evil["Company"] == "'+cmd|' /C calc'!A0"
    assert evil["Notes"] == "'-2+3" and evil["formula"] == "'=1+1"
    assert evil["Calls count"] == "0" and evil["Last call outcome"] == ""
    plain = by_phone["+442079460000"]
    assert plain["Contact status"] == "dnc" and plain["DNC since"]


def test_export_uses_the_list_filters(client_logged_in, sample):
    rows = read_csv(client_logged_in.get("/contacts/export.csv", {"status": "dnc"}))
    assert [r["First name"] for r in rows] == ["Cy"]
    rows = read_csv(client_logged_in.get("/contacts/export.csv", {"search": "(415) 555-0101"}))
    assert [r["First name"] for r in rows] == ["Ann"]


def test_export_of_ticked_rows_and_audit(client_logged_in, sample, user):
    rows = read_csv(client_logged_in.post("/contacts/export.csv", {"ids": [sample["ann"].public_id]}))
    assert [r["First name"] for r in rows] == ["Ann"]
    event = AuditEvent.objects.get(action="contacts.export")
    assert (event.count, event.actor) == (1, user)


def test_export_is_workspace_scoped(client_logged_in, sample, other_workspace):
    make_contact(other_workspace, "+14155550999", first_name="Theirs")
    rows = read_csv(client_logged_in.get("/contacts/export.csv"))
    assert "Theirs" not in {r["First name"] for r in rows}


def test_export_query_count_is_constant(client_logged_in, workspace, django_assert_max_num_queries):
    for _ in range(50):
        make_contact(workspace, metadata={"k": "v"})
    client_logged_in.get("/")
    with django_assert_max_num_queries(13):  # +3: the most additional numbers, then tags and lists per chunk
        rows = read_csv(client_logged_in.get("/contacts/export.csv"))
    assert len(rows) == 50


def test_round_trip_through_import_file_into_a_new_workspace(client_logged_in, sample):
    data = b"".join(client_logged_in.get("/contacts/export.csv").streaming_content)
    target = make_workspace("copy")
    result = import_file(workspace=target, source=TableSource.from_bytes(data, "contacts.csv"), options=Options())
    assert (result.imported, result.invalid_skipped, result.duplicates_skipped) == (3, 0, 0)
    fields = ("phone", "first_name", "last_name", "email", "company", "title", "notes")
    copied = {c.phone: c for c in Contact.objects.for_workspace(target)}
    for original in Contact.objects.for_workspace(sample["ann"].workspace).exclude(pk=sample["evil"].pk):
        twin = copied[original.phone]  # phone cells came back unchanged
        assert [getattr(twin, f) for f in fields] == [getattr(original, f) for f in fields]
        assert twin.metadata == {k: str(v) for k, v in original.metadata.items()}  # no derived columns kept
    evil = copied["+14155550102"]
    assert evil.first_name.startswith("'=")  # neutralised text stays inert after a re-import


def test_round_trip_into_the_same_contacts(client_logged_in, workspace, sample):
    Contact.objects.filter(pk=sample["evil"].pk).delete()
    data = b"".join(client_logged_in.get("/contacts/export.csv").streaming_content)
    before = {c.pk: (c.phone, c.first_name, c.email) for c in Contact.objects.all()}
    result = import_file(workspace=workspace, source=TableSource.from_bytes(data, "contacts.csv"),
                         options=Options(update_existing=True))
    assert result.imported == 0 and result.invalid_skipped == 0
    after = {c.pk: (c.phone, c.first_name, c.email) for c in Contact.objects.all()}
    assert after == before


def test_round_trip_through_import_records(client_logged_in, sample):
    text = b"".join(client_logged_in.get("/contacts/export.csv").streaming_content).decode()[1:]
    records = [{"phone": r["Phone"], "first_name": r["First name"], "email": r["Email"]}
               for r in csv.DictReader(io.StringIO(text))]
    target = make_workspace("copy2")
    result = import_records(workspace=target, records=records)
    assert result.imported == 3
    assert set(Contact.objects.for_workspace(target).values_list("phone", flat=True)) == {
        "+14155550101", "+14155550102", "+442079460000"}


def test_export_has_tags_lists_and_every_number_and_they_re_import(client_logged_in, workspace,
                                                                   django_assert_max_num_queries):
    ann = make_contact(workspace, "+14155550101", first_name="Ann")
    services.contact_update(contact=ann, data={"phones": [{"number": "+14155550111", "label": "work"},
                                                          {"number": "+14155550112", "label": "home"}]})
    bob = make_contact(workspace, "+14155550102", first_name="Bob")
    vip = services.tag_create(workspace=workspace, name="VIP")
    services.contacts_tag(workspace=workspace, contacts=Contact.objects.filter(pk__in=[ann.pk, bob.pk]), tag=vip)
    services.contacts_tag(workspace=workspace, contacts=Contact.objects.filter(pk=ann.pk),
                          tag=services.tag_create(workspace=workspace, name="Hot"))
    services.list_create_from(workspace=workspace, name="Open house", contacts=Contact.objects.filter(pk=ann.pk))
    for i in range(30):
        make_contact(workspace, f"+1415555{i:04d}")
    client_logged_in.get("/")
    with django_assert_max_num_queries(14):  # tags, lists and numbers are one query each per chunk of rows
        rows = read_csv(client_logged_in.get("/contacts/export.csv"))
    by_name = {r["First name"]: r for r in rows}
    assert (by_name["Ann"]["Phone 2"], by_name["Ann"]["Phone 3"]) == ("+14155550111", "+14155550112")
    assert (by_name["Ann"]["Tags"], by_name["Ann"]["Contact lists"]) == ("Hot; VIP", "Open house")
    assert (by_name["Bob"]["Phone 2"], by_name["Bob"]["Tags"], by_name["Bob"]["Contact lists"]) == ("", "VIP", "")

    data = b"".join(client_logged_in.get("/contacts/export.csv").streaming_content)
    target = make_workspace("copy")
    result = import_file(workspace=target, source=TableSource.from_bytes(data, "contacts.csv"), options=Options())
    assert result.imported == 32 and result.invalid_skipped == 0
    twin = Contact.objects.for_workspace(target).get(phone="+14155550101")
    assert sorted(twin.numbers.values_list("e164", flat=True)) == ["+14155550101", "+14155550111", "+14155550112"]
    assert sorted(twin.taggings.values_list("tag__name", flat=True)) == ["Hot", "VIP"]
    assert "Contact lists" not in twin.metadata and "contact_lists" not in twin.metadata
