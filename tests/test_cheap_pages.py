"""Issue 14 item 3 (cheap pages): the lighter code paths show what the pages showed before, in a bounded number of
queries. Speed itself is measured in bench/bench_pages.py, never here."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contacts import counting
from contacts.compliance.services import dnc_add_number
from contacts.counting import Total, bounded_count
from contacts.models import Call, Contact, Role
from tests.factories import make_contact, make_user

pytestmark = pytest.mark.django_db


def test_contacts_table_rows_show_every_column_escaped(client_logged_in, workspace):
    called = make_contact(workspace, "+14155550101", first_name="<b>Ann</b>", last_name="Archer",
                          email="ann@acme.test", company="Acme & Sons")
    Contact.objects.filter(pk=called.pk).update(last_called_at=datetime(2026, 1, 5, 12, tzinfo=UTC), calls_count=3)
    make_contact(workspace, "+442079460000", email="x@y.test")
    body = client_logged_in.get("/contacts/").content.decode()
    assert f'href="/contacts/{called.public_id}/" class="fw-medium">&lt;b&gt;Ann&lt;/b&gt; Archer</a>' in body
    assert 'aria-label="Select &lt;b&gt;Ann&lt;/b&gt; Archer"' in body  # the bulk checkbox names the row
    assert '<span class="phone-number" title="+14155550101" data-e164="+14155550101">(415) 555-0101</span>' in body
    assert "+44 20 7946 0000" in body and "(no name)" in body  # abroad: international; no name: said so
    assert "Acme &amp; Sons" in body and "ann@acme.test" in body
    assert '<span class="badge bg-green-lt">Active</span>' in body
    assert '<time datetime="2026-01-05T12:00:00+00:00" title="' in body and ">Jan 5, 2026</time>" in body
    assert ">Never</td>" in body
    assert '<td class="text-end font-tabular stack-hide">3</td>' in body


def test_contacts_table_has_no_checkboxes_for_a_viewer(client, workspace):
    make_contact(workspace, "+14155550101", first_name="Ann")
    client.force_login(make_user("watcher", workspace=workspace, role=Role.VIEWER))
    body = client.get("/contacts/").content.decode()
    assert "Ann" in body and "row-check" not in body


def test_contact_page_reads_numbers_dnc_and_consent_once(client_logged_in, workspace, user,
                                                         django_assert_max_num_queries):
    contact = make_contact(workspace, "+14155550101", first_name="Ann",
                           phones=[{"number": "+14155550202", "label": "work"}])
    dnc_add_number(workspace=workspace, phone="+14155550101", reason="asked on a call", actor=user, stored=True)
    Call.objects.create(workspace=workspace, contact=contact, phone="+14155550202", status="queued")
    with django_assert_max_num_queries(21):  # 18 reads (the contact's lists and tags included) + the session save
        body = client_logged_in.get(f"/contacts/{contact.public_id}/").content.decode()
    assert "asked on a call" in body  # the primary's DNC entry, read because the primary is listed
    assert "A call is <strong>queued</strong>" in body  # the open call, found among the calls already read
    assert "(415) 555-0202" in body


def test_api_list_rows_and_phones_in_a_fixed_number_of_queries(client, workspace, django_assert_max_num_queries):
    from contacts import services

    _, key = services.api_key_create(workspace=workspace, name="list")
    for i in range(30):
        make_contact(workspace, f"+1415555{1000 + i}", first_name=f"P{i}",
                     phones=[{"number": f"+1415555{3000 + i}", "label": "mobile"},
                             {"number": f"+1415555{5000 + i}", "label": ""}] if i % 2 else None)
    from django.db import connection

    # the page's numbers, lists and tags: one query each; PostgreSQL asks the planner before counting
    with django_assert_max_num_queries(8 if connection.vendor == "postgresql" else 7):
        response = client.get("/v1/contacts", {"per_page": 30}, HTTP_AUTHORIZATION=f"Bearer {key}")
    rows = {row["first_name"]: row for row in response.json()["data"]}
    assert rows["P1"]["phones"] == [{"number": "+14155553001", "label": "mobile"},
                                    {"number": "+14155555001", "label": "other"}]
    assert rows["P2"]["phones"] == []
    assert set(rows["P1"]) == {"id", "phone", "phones", "first_name", "last_name", "email", "company", "title",
                               "status", "calls_count", "last_called_at", "created_at", "updated_at", "lists", "tags"}


def test_a_plan_estimate_far_above_the_cap_is_shown_without_counting(workspace, monkeypatch,
                                                                     django_assert_num_queries):
    make_contact(workspace)
    monkeypatch.setattr(counting, "planner_estimate", lambda queryset: 1_200_000)
    with django_assert_num_queries(0):
        total = bounded_count(Contact.objects.filter(workspace=workspace))
    assert total == Total(1_200_000, exact=False, estimated=True) and total.label == "about 1.2M"
    monkeypatch.setattr(counting, "planner_estimate", lambda queryset: 20_000)  # not far enough: counted
    assert bounded_count(Contact.objects.filter(workspace=workspace)) == Total(1)


@pytest.mark.parametrize("extra", [{"company__icontains": "acme"},
                                   {"created_at__gte": datetime(2020, 1, 1, tzinfo=UTC)}, {"calls__status": "queued"}])
def test_an_estimate_is_not_trusted_for_patterns_ranges_or_joins(workspace, monkeypatch, extra):
    """The planner can be off by orders of magnitude there: a small result stays exact."""
    make_contact(workspace, company="Acme")
    Call.objects.create(workspace=workspace, contact=Contact.objects.get(), status="queued")
    monkeypatch.setattr(counting, "planner_estimate", lambda queryset: 1_200_000)
    assert bounded_count(Contact.objects.filter(workspace=workspace, **extra)) == Total(1)
