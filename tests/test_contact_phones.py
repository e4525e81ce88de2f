"""Several numbers per contact (issue 13, item 4): the API's `phones`, one number per workspace in the database,
DNC per number, dialing the first callable number, search, the dashboard and imports that keep every number."""
from __future__ import annotations

import csv
import io
import json

import phonenumbers
import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts import services
from contacts.contacts.numbers import dial_number
from contacts.imports import Options, TableSource, batch_revert, import_file
from contacts.models import Call, Contact, ContactPhone, ImportBatch
from tests.factories import give_consent, make_contact

pytestmark = pytest.mark.django_db

A, B, C, D = "+14155550121", "+14155550122", "+14155550123", "+14155550124"


class Api:
    def __init__(self, client, raw: str):
        self.client, self.headers = client, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, path, params=None):
        return self.client.get(path, params or {}, **self.headers)

    def send(self, method, path, body=None):
        return getattr(self.client, method)(path, json.dumps(body) if body is not None else "",
                                            content_type="application/json", **self.headers)


@pytest.fixture
def api(client, workspace):
    _, raw = services.api_key_create(workspace=workspace, name="phones")
    return Api(client, raw)


def numbers_of(contact: Contact) -> list[str]:
    return list(ContactPhone.objects.filter(contact=contact).values_list("e164", flat=True))


# --- API -----------------------------------------------------------------------------------------------------

def test_api_create_read_update_phones(api, workspace):
    response = api.send("post", "/v1/contacts", {"phone": A, "first_name": "Ada", "phones": [
        {"number": "(415) 555-0122", "label": "work"}, {"number": B, "label": "mobile"}, C]})
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["phone"] == A  # the primary stays as it was on the wire
    assert data["phones"] == [{"number": B, "label": "work"}, {"number": C, "label": "other"}]
    got = api.get(f"/v1/contacts/{data['id']}").json()["data"]
    assert got["phones"] == data["phones"]
    listed = api.get("/v1/contacts").json()["data"]
    assert listed[0]["phones"] == data["phones"]

    updated = api.send("patch", f"/v1/contacts/{data['id']}", {"phones": [{"number": D, "label": "home"}]})
    assert updated.status_code == 200, updated.content
    assert updated.json()["data"]["phones"] == [{"number": D, "label": "home"}]
    assert sorted(numbers_of(Contact.objects.get(public_id=data["id"]))) == [A, D]


def test_api_refuses_a_number_another_contact_holds_either_way(api, workspace):
    holder = make_contact(workspace, phone=A, phones=[{"number": B, "label": "work"}])
    as_primary = api.send("post", "/v1/contacts", {"phone": B})
    assert as_primary.status_code == 409
    assert as_primary.json()["error"]["code"] == "duplicate_phone"
    assert as_primary.json()["error"]["details"]["existing_id"] == holder.public_id
    as_extra = api.send("post", "/v1/contacts", {"phone": C, "phones": [{"number": A, "label": "mobile"}]})
    assert as_extra.status_code == 409 and as_extra.json()["error"]["details"]["phone"] == A
    other = make_contact(workspace, phone=D)
    moved = api.send("patch", f"/v1/contacts/{other.public_id}", {"phones": [B]})
    assert moved.status_code == 409
    assert Contact.objects.count() == 2 and numbers_of(other) == [D]


@pytest.mark.parametrize("phones, field", [
    ([{"number": B, "label": "fax"}], "phones[0].label"),
    ("not a list", "phones"),
    ([{"label": "work"}], "phones[0].number"),
    ([{"number": B, "colour": "red"}], "phones[0]"),
])
def test_api_bad_phones_are_422_with_the_item(api, workspace, phones, field):
    response = api.send("post", "/v1/contacts", {"phone": A, "phones": phones})
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error" and field in error["details"]
    assert not Contact.objects.exists()


def test_api_an_invalid_additional_number_is_invalid_phone(api, workspace):
    response = api.send("post", "/v1/contacts", {"phone": A, "phones": [{"number": "12", "label": "work"}]})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_phone"
    assert response.json()["error"]["details"]["field"] == "phones[0]"


def test_api_list_prefetches_numbers(api, workspace, django_assert_max_num_queries):
    for i in range(3):
        make_contact(workspace, phones=[f"+1415555{7000 + i}"])
    with django_assert_max_num_queries(8) as small:
        api.get("/v1/contacts")
    for i in range(30):
        make_contact(workspace, phones=[f"+1415555{7100 + i}"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(api.get("/v1/contacts", {"per_page": 50}).json()["data"]) == 33


def test_search_finds_a_contact_by_an_additional_number(api, workspace):
    contact = make_contact(workspace, phone=A, first_name="Grace", phones=[{"number": "+442079460018"}])
    make_contact(workspace, phone=B)
    found = api.get("/v1/contacts", {"search": "020 7946 0018"}).json()["data"]
    assert [c["id"] for c in found] == [contact.public_id]
    found = api.get("/v1/contacts", {"search": "79460018"}).json()["data"]
    assert [c["id"] for c in found] == [contact.public_id]


def test_dashboard_list_search_finds_a_contact_by_an_additional_number(client_logged_in, workspace):
    contact = make_contact(workspace, phone=A, first_name="Grace", phones=[{"number": C, "label": "home"}])
    make_contact(workspace, phone=B, first_name="Linus")
    page = client_logged_in.get("/contacts/", {"search": "(415) 555-0123"}).content.decode()
    assert contact.public_id in page and "Linus" not in page


# --- the database ----------------------------------------------------------------------------------------------

def test_the_database_keeps_one_number_per_workspace_whatever_the_path(workspace, other_workspace):
    contact = make_contact(workspace, phone=A, phones=[B])
    # The primary row comes from the database trigger, even for a plain ORM insert.
    plain = Contact.objects.create(workspace=workspace, phone=C)
    assert numbers_of(plain) == [C]
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(workspace=workspace, phone=B)  # someone's additional number
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactPhone.objects.create(workspace=workspace, contact=plain, e164=A)  # someone's primary
    # Another workspace may hold the same numbers.
    assert make_contact(other_workspace, phone=B, phones=[A]).phone == B
    # The primary row follows a change of the primary number.
    services.contact_update(contact=contact, data={"phone": D})
    assert sorted(numbers_of(contact)) == [B, D]


def test_making_an_additional_number_the_primary(workspace):
    contact = make_contact(workspace, phone=A, phones=[B])
    services.contact_update(contact=contact, data={"phone": B, "phones": [A]})
    contact.refresh_from_db()
    assert contact.phone == B and sorted(numbers_of(contact)) == [A, B]


# --- DNC and dialing -------------------------------------------------------------------------------------------

def test_dnc_per_number_and_a_contact_is_dnc_when_every_number_is_listed(workspace):
    contact = make_contact(workspace, phone=A, phones=[B])
    services.dnc_add_number(workspace=workspace, phone=B, reason="Asked")
    contact.refresh_from_db()
    assert contact.status == "active"
    services.dnc_add_number(workspace=workspace, phone=A, reason="Asked")
    contact.refresh_from_db()
    assert contact.status == "dnc"
    services.dnc_remove_number(workspace=workspace, phone=B, reason="Opted in")
    contact.refresh_from_db()
    assert contact.status == "active"


def test_mark_dnc_lists_every_number_and_reactivate_takes_them_all_off(workspace):
    contact = make_contact(workspace, phone=A, phones=[B, C])
    services.contact_mark_dnc(contact=contact, reason="Asked by text")
    assert set(services.dnc_numbers_among(workspace, [A, B, C])) == {A, B, C}
    assert contact.status == "dnc"
    services.contact_reactivate(contact=contact, reason="Opted in")
    assert services.dnc_numbers_among(workspace, [A, B, C]) == set() and contact.status == "active"


def test_call_now_and_claims_dial_the_first_number_not_listed(api, workspace, monkeypatch):
    from datetime import UTC, datetime

    from django.utils import timezone
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 6, 15, 19, 0, tzinfo=UTC))  # noon in SF
    contact = make_contact(workspace, phone=A, phones=[B, C])
    give_consent(workspace, B)
    services.dnc_add_number(workspace=workspace, phone=A, reason="Asked")
    assert dial_number(contact) == B
    queued = api.send("post", f"/v1/contacts/{contact.public_id}/call")
    assert queued.status_code == 201, queued.content
    assert Call.objects.get().phone == B
    [call] = api.send("post", "/v1/calls/claim", {"limit": 5}).json()["data"]
    assert call["dial"] == B
    # A number listed after queueing: the claim moves on to the next callable number.
    api.send("patch", f"/v1/calls/{call['id']}", {"status": "completed", "duration": 3})
    services.dnc_add_number(workspace=workspace, phone=B, reason="Asked again")
    give_consent(workspace, C)
    again = api.send("post", f"/v1/contacts/{contact.public_id}/call")
    assert again.status_code == 201 and again.json()["data"]["phone"] == C


def test_campaign_start_queues_a_member_with_one_callable_number_and_claims_dial_it(api, workspace, monkeypatch):
    from datetime import UTC, datetime

    from django.utils import timezone

    from contacts.campaigns import dialer
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 6, 15, 19, 0, tzinfo=UTC))  # noon in SF
    campaign = services.campaign_create(workspace=workspace, name="Spring")
    partly = make_contact(workspace, phone=A, phones=[B])
    fully = make_contact(workspace, phone=C, phones=[D])
    give_consent(workspace, B)
    services.dnc_add_numbers(workspace=workspace, numbers=[A, C, D], reason="Asked")
    services.campaign_add_contacts(campaign=campaign, contacts=Contact.objects.filter(pk__in=[partly.pk, fully.pk]))
    assert dialer.campaign_start(campaign=campaign) == 1
    [claimed] = dialer.calls_claim(workspace=workspace, limit=5)
    assert claimed.call.contact_id == partly.pk and claimed.call.phone == B


def test_call_now_refuses_when_every_number_is_listed(api, workspace):
    contact = make_contact(workspace, phone=A, phones=[B])
    services.dnc_add_numbers(workspace=workspace, numbers=[A, B], reason="Asked")
    contact.refresh_from_db()
    assert contact.status == "dnc"
    response = api.send("post", f"/v1/contacts/{contact.public_id}/call")
    assert response.status_code == 409 and response.json()["error"]["code"] == "contact_dnc"
    assert not Call.objects.exists()


def test_number_level_dnc_page_names_the_contact_of_an_additional_number(client_logged_in, workspace):
    make_contact(workspace, phone=A, first_name="Linus", phones=[B])
    services.dnc_add_number(workspace=workspace, phone=B, reason="Asked")
    page = client_logged_in.get("/dnc/", {"q": "415 555 0122"}).content.decode()
    assert "Linus" in page


def test_bulk_mark_dnc_lists_every_number_of_each_contact(workspace, django_assert_max_num_queries):
    for i in range(5):
        make_contact(workspace, phones=[f"+1415555{7200 + i}", f"+1415555{7300 + i}"])
    with django_assert_max_num_queries(20):
        added = services.contacts_mark_dnc(workspace=workspace, contacts=Contact.objects.all(), reason="Campaign")
    assert added == 15 and not Contact.objects.filter(status="active").exists()


# --- dashboard -------------------------------------------------------------------------------------------------

def test_detail_shows_every_number_and_the_one_dialed(client_logged_in, workspace):
    contact = make_contact(workspace, phone=A, phones=[{"number": B, "label": "work"}])
    services.dnc_add_number(workspace=workspace, phone=A, reason="Asked")
    page = client_logged_in.get(f"/contacts/{contact.public_id}/").content.decode()
    assert 'data-testid="other-numbers"' in page and "Work" in page and "Dialed" in page and "DNC" in page


def test_edit_form_edits_additional_numbers(client_logged_in, workspace):
    contact = make_contact(workspace, phone=A, first_name="Ada", phones=[{"number": B, "label": "work"}])
    form = client_logged_in.get(f"/contacts/{contact.public_id}/edit/").content.decode()
    assert 'name="other_numbers"' in form and f"{B} work" in form
    response = client_logged_in.post(f"/contacts/{contact.public_id}/edit/", {
        "phone": A, "first_name": "Ada", "other_numbers": "(415) 555-0123 mobile\n+1 415 555 0124"})
    assert response.status_code == 302
    assert sorted(numbers_of(contact)) == [A, C, D]
    assert list(ContactPhone.objects.filter(contact=contact, is_primary=False).values_list("label", flat=True)) \
        == ["mobile", "other"]


def test_edit_form_says_which_additional_number_is_taken(client_logged_in, workspace):
    make_contact(workspace, phone=C)
    contact = make_contact(workspace, phone=A)
    response = client_logged_in.post(f"/contacts/{contact.public_id}/edit/", {"phone": A, "other_numbers": C})
    assert response.status_code == 200
    assert "already exists" in response.content.decode() and numbers_of(contact) == [A]


def test_mark_dnc_page_lists_every_number(client_logged_in, workspace):
    contact = make_contact(workspace, phone=A, phones=[B])
    page = client_logged_in.get(f"/contacts/{contact.public_id}/dnc/").content.decode()
    assert 'data-testid="dnc-numbers"' in page and "555-0121" in page and "555-0122" in page
    client_logged_in.post(f"/contacts/{contact.public_id}/dnc/", {"reason": "Asked"})
    assert services.dnc_numbers_among(workspace, [A, B]) == {A, B}


# --- imports ---------------------------------------------------------------------------------------------------

def run_csv(workspace, rows: list[list[str]], **options):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["First Name", "Mobile Phone", "Business Phone", "Home Phone"])
    writer.writerows(rows)
    return import_file(workspace=workspace, source=TableSource.from_bytes(buffer.getvalue().encode(), "x.csv"),
                       options=Options(**options))


def test_import_keeps_every_number_mobile_first_and_any_match_is_a_duplicate(workspace):
    result = run_csv(workspace, [
        ["Ada", "", "(415) 555-0121", ""],               # office only
        ["Ada", "(415) 555-0122", "(415) 555-0121", ""],  # office and mobile: a duplicate of the first row
        ["Bob", "(415) 555-0123", "", "(415) 555-0124"],
        ["Eve", "", "", "(415) 555-0124"],                # Bob's home number
    ])
    assert result.as_counts() | {} == {"rows": 4, "imported": 2, "updated": 0, "duplicates_skipped": 2,
                                        "invalid_skipped": 0, "dnc": 0, "limit_skipped": 0}
    bob = Contact.objects.get(first_name="Bob")
    assert bob.phone == C  # the mobile column comes first
    assert list(ContactPhone.objects.filter(contact=bob, is_primary=False).values_list("e164", "label")) == \
        [(D, "home")]


@pytest.mark.parametrize("chunk", [1, 2, 1000])
@pytest.mark.parametrize("update", [False, True])
def test_import_counts_do_not_depend_on_the_chunk_size(workspace, monkeypatch, chunk, update):
    from contacts.imports.pipeline import run
    monkeypatch.setattr(run, "CHUNK_SIZE", chunk)
    make_contact(workspace, phone=D, consent=None)
    result = run_csv(workspace, [
        ["Ada", "(415) 555-0121", "", ""],
        ["Ada", "(415) 555-0121", "(415) 555-0122", ""],  # duplicate of the first row, with a new number
        ["Bea", "", "(415) 555-0122", ""],                # only that new number: a duplicate too
        ["Dan", "(415) 555-0124", "", "(415) 555-0125"],  # an existing contact, with a new number
        ["Eve", "", "", "(415) 555-0125"],                # only that number: a duplicate (skip) or of Dan (update)
    ], update_existing=update)
    assert (result.imported, result.duplicates_skipped, result.updated) == ((1, 3, 1) if update else (1, 4, 0))
    numbers = list(ContactPhone.objects.values_list("e164", flat=True))
    assert len(numbers) == len(set(numbers))


def test_import_update_existing_merges_new_numbers_and_revert_takes_them_off(workspace, user):
    ada = make_contact(workspace, phone=A, first_name="Ada")
    result = run_csv(workspace, [["Ada L", "(415) 555-0122", "(415) 555-0121", ""]], update_existing=True)
    assert (result.updated, result.imported) == (1, 0)
    ada.refresh_from_db()
    assert ada.first_name == "Ada L" and sorted(numbers_of(ada)) == [A, B]
    assert ada.phone == A  # the existing primary stays
    batch_revert(batch=ImportBatch.objects.get(), actor=user)
    ada.refresh_from_db()
    assert ada.first_name == "Ada" and numbers_of(ada) == [A]


def test_import_row_whose_numbers_are_all_listed_is_dnc(workspace):
    services.dnc_add_numbers(workspace=workspace, numbers=[A, B], reason="Asked")
    result = run_csv(workspace, [["Ada", "(415) 555-0121", "(415) 555-0122", ""],
                                 ["Bob", "(415) 555-0123", "", "(415) 555-0121"]])
    assert result.dnc == 1 and result.duplicates_skipped == 1
    assert Contact.objects.get(first_name="Ada").status == "dnc"


def test_api_bulk_import_takes_phones(api, workspace):
    response = api.send("post", "/v1/contacts/import", {"contacts": [
        {"phone": A, "phones": [{"number": B, "label": "work"}]}, {"phone": C, "phones": [B]}]})
    assert response.status_code in (200, 201), response.content
    contact = Contact.objects.get(phone=A)
    assert list(ContactPhone.objects.filter(contact=contact, is_primary=False).values_list("e164", "label")) == \
        [(B, "work")]
    assert Contact.objects.count() == 1


POOL = [f"+1415555{n:04d}" for n in range(130, 142)] + ["12", "n/a", ""]


def _formats(e164: str) -> st.SearchStrategy[str]:
    if not e164.startswith("+"):
        return st.just(e164)
    national = phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.NATIONAL)
    return st.sampled_from([e164, national, e164[2:], f"tel:{e164}"])


row_st = st.lists(st.sampled_from(POOL).flatmap(_formats), min_size=3, max_size=3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row_st, min_size=1, max_size=12), existing=st.lists(st.sampled_from(POOL[:12]), max_size=3),
       update=st.booleans())
def test_property_an_import_never_gives_two_contacts_one_number(workspace, rows, existing, update):
    """Rows with several numbers each, in several formats, some already held: no number ever ends up on two
    contacts, every contact keeps every valid number of the row that created it, and the counts add up with the
    rule "a row whose numbers match any earlier number is a duplicate"."""
    with transaction.atomic():
        for number in dict.fromkeys(existing):
            make_contact(workspace, phone=number, consent=None)
        before = set(ContactPhone.objects.values_list("e164", flat=True))
        result = run_csv(workspace, [["P", *row] for row in rows], update_existing=update)
        numbers = list(ContactPhone.objects.filter(workspace=workspace).values_list("e164", flat=True))
        assert len(numbers) == len(set(numbers))
        counts = result.as_counts()
        assert counts["rows"] == len(rows)
        assert counts["rows"] == counts["imported"] + counts["updated"] + counts["duplicates_skipped"] + \
            counts["invalid_skipped"]
        # The rule, applied by hand: which rows create a contact.
        seen, expected_new = set(before), 0
        for row in rows:
            valid = [services.normalize_for_workspace(workspace, cell) for cell in row if cell not in ("12", "n/a", "")]
            if not valid:
                continue
            if not set(valid) & seen:
                expected_new += 1
            seen.update(valid)  # a skipped row's numbers still count as seen in the file
        assert counts["imported"] == expected_new
        assert Contact.objects.filter(workspace=workspace).count() == len(set(existing)) + expected_new
        assert set(numbers) <= seen
        transaction.set_rollback(True)
