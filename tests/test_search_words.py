"""Search by word prefix ignoring case, accents and apostrophes, served by the words index on each database."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from contacts import services
from contacts.contacts import selectors
from contacts.models import Contact
from tests.factories import make_contact
from tests.test_api import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(workspace):
    return {
        "jurgen": make_contact(workspace, "+14155550101", first_name="Jürgen", last_name="Müller",
                               email="jm@koeln.test", company="Bäckerei Köln"),
        "oconnor": make_contact(workspace, "+14155550102", first_name="Siobhán", last_name="O'Connor",
                                email="siobhan.oconnor@pub.test", company="Pub & Co"),
        "john": make_contact(workspace, "+14155550103", first_name="John", last_name="Smith",
                             email="john.smith@example.com", company="Company 9f3a2b"),
        "jones": make_contact(workspace, "+14155550104", first_name="Ada", last_name="Jones",
                              email="ada@lovelace.test", company="Analytical"),
        "bojo": make_contact(workspace, "+14155550105", first_name="Bojo", last_name="Mojo"),
    }


def found(workspace, term: str) -> list[str]:
    queryset = selectors.contact_search(Contact.objects.for_workspace(workspace), term, workspace=workspace)
    return sorted(c.first_name for c in queryset)


@pytest.mark.parametrize(("term", "expected"), [
    ("Jurgen", ["Jürgen"]), ("jürgen", ["Jürgen"]), ("JURG", ["Jürgen"]), ("Muller", ["Jürgen"]),
    ("Müller", ["Jürgen"]), ("koln", ["Jürgen"]), ("backerei koln", ["Jürgen"]),
    ("OConnor", ["Siobhán"]), ("O'Connor", ["Siobhán"]), ("O’Connor", ["Siobhán"]), ("connor", ["Siobhán"]),
    ("siobhan", ["Siobhán"]), ("siobhan.oconnor", ["Siobhán"]),
    ("jo", ["Ada", "John"]),  # a word prefix: John and Jones, not Bojo
    ("j", ["Ada", "John", "Jürgen"]), ("9f", ["John"]), ("9f3a2b", ["John"]), ("john.smith@", ["John"]),
    ("ada jones", ["Ada"]), ("ada smith", []),
    ("onnor", []), ("mith", []),  # not a substring search any more: words start where the user types
    ("zzz", []), ("'", []),
    ("555-0103", ["John"]), ("(415) 555-0104", ["Ada"]),  # number fragments keep the digits index
])
def test_search_matches_word_prefixes_ignoring_case_accents_and_apostrophes(workspace, people, term, expected):
    assert found(workspace, term) == expected


def test_search_follows_edits_and_deletes(workspace, people):
    people["bojo"].last_name = "Ñúñez"
    people["bojo"].save()
    assert found(workspace, "nunez") == ["Bojo"]
    assert found(workspace, "mojo") == []
    people["bojo"].delete()
    assert found(workspace, "nunez") == []


def test_accent_free_search_on_the_dashboard_and_the_api(client_logged_in, workspace, people):
    api = Api(Client(), services.api_key_create(workspace=workspace, name="tests")[1])
    response = client_logged_in.get("/contacts/", {"search": "Jurgen Muller"})
    assert [c.first_name for c in response.context["contacts"]] == ["Jürgen"]
    assert "1 contact matches" in response.content.decode()
    listed = api.get("/v1/contacts", {"search": "oconnor"}).json()
    assert [c["last_name"] for c in listed["data"]] == ["O'Connor"] and listed["meta"]["total"] == 1
    searched = api.get("/v1/contacts/search", {"query": "muller"}).json()
    assert [c["first_name"] for c in searched["data"]] == ["Jürgen"]


def test_search_stays_in_its_workspace(workspace, other_workspace, people):
    make_contact(other_workspace, "+14155550199", first_name="Jürgen")
    assert found(workspace, "jurgen") == ["Jürgen"]
    assert found(other_workspace, "jurgen") == ["Jürgen"]
    assert Contact.objects.filter(first_name="Jürgen").count() == 2


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite: the FTS5 words table")
def test_sqlite_search_reads_the_fts5_words_table(workspace, people, monkeypatch):
    monkeypatch.setattr(selectors, "DENSE_SHARE", 2.0)  # never "most rows match" (5 rows here)
    queryset = selectors.contact_search(Contact.objects.for_workspace(workspace), "Jurgen", workspace=workspace)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "contacts_contact_words VIRTUAL TABLE INDEX" in plan, plan
    phone = selectors.contact_search(Contact.objects.for_workspace(workspace), "555-0103", workspace=workspace)
    assert "contacts_contact_fts" in str(phone.query)  # the digits (trigram) table


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL: the tsvector GIN index")
@pytest.mark.postgres
@pytest.mark.parametrize("term", ["Jurgen", "j", "9f", "oconnor zz"])
def test_postgres_search_uses_the_search_doc_gin_index(workspace, people, term, monkeypatch):
    monkeypatch.setattr(selectors, "PG_PREFETCH_IDS", -1)  # the plain predicate (a broad search's plan)
    monkeypatch.setattr(selectors, "DENSE_SHARE", 2.0)  # never "most rows match" (5 rows here)
    queryset = selectors.contact_search(Contact.objects.all(), term, workspace=workspace)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a 5-row table would rightly be scanned
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "contact_search_doc" in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL: dense words walk the list")
@pytest.mark.postgres
def test_postgres_words_most_rows_match_walk_the_list_with_an_estimated_total(workspace, people, monkeypatch):
    from contacts.counting import bounded_count

    monkeypatch.setattr(selectors, "DENSE_PROBE", 4)  # sample the newest 4 of 5 rows
    queryset = selectors.contact_search(Contact.objects.for_workspace(workspace), "j", workspace=workspace)
    assert "ts_match_vq" in str(queryset.query)  # not the GIN index: its bitmap would hold every match
    assert sorted(c.first_name for c in queryset) == ["Ada", "John", "Jürgen"]
    monkeypatch.setattr("contacts.counting.COUNT_CAP", 1)
    total = bounded_count(queryset)
    assert not total.exact and total.estimated and total.value >= 2
    assert bounded_count(queryset.filter(first_name="Ada")).value == 1  # another filter: counted again
    rare = selectors.contact_search(Contact.objects.for_workspace(workspace), "zz", workspace=workspace)
    assert list(rare) == [] and bounded_count(rare).exact  # a rare word: the index's id list, counted exactly


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL: the index looks up the rare words only")
@pytest.mark.postgres
def test_postgres_a_rare_word_beside_a_common_one_uses_the_index_for_the_rare_one(workspace, people, monkeypatch):
    monkeypatch.setattr(selectors, "DENSE_SHARE", 0.5)  # "j" (3 of 5) counts as common, "9f" (1 of 5) as rare
    queryset = selectors.contact_search(Contact.objects.for_workspace(workspace), "j 9f", workspace=workspace)
    assert [c.first_name for c in queryset] == ["John"]
    monkeypatch.setattr(selectors, "PG_PREFETCH_IDS", -1)
    plain = selectors.contact_search(Contact.objects.all(), "j 9f", workspace=workspace)
    sql = str(plain.query)
    assert "search_doc @@ to_tsquery('simple'::regconfig, (9f:*))" in sql and "ts_match_vq" in sql, sql


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite: dense words walk the list")
def test_sqlite_words_most_rows_match_walk_the_list_and_rare_ones_use_the_fts_table(workspace, people, monkeypatch):
    from contacts.counting import bounded_count

    monkeypatch.setattr(selectors, "SQLITE_PROBE", 4)  # sample the newest 4 of 5 rows
    dense = selectors.contact_search(Contact.objects.for_workspace(workspace), "j", workspace=workspace)
    sql = str(dense.query)
    assert "contacts_words_match" in sql and "contacts_contact_words" not in sql  # no materialised match list
    assert sorted(c.first_name for c in dense) == ["Ada", "John", "Jürgen"]
    monkeypatch.setattr("contacts.counting.COUNT_CAP", 1)
    assert not bounded_count(dense).exact
    monkeypatch.setattr(selectors, "DENSE_SHARE", 0.5)  # "j" (3 of 5) common, "9f" rare
    both = selectors.contact_search(Contact.objects.for_workspace(workspace), "j 9f", workspace=workspace)
    assert [c.first_name for c in both] == ["John"] and bounded_count(both).exact
    rare = selectors.contact_search(Contact.objects.for_workspace(workspace), "zz", workspace=workspace)
    assert "contacts_contact_words" in str(rare.query) and list(rare) == []


def test_words_match_agrees_with_the_index():
    pattern = selectors.search_pattern
    assert selectors.words_match("Siobhán", "O'Connor", "", "", pattern([["oconnor"]]))
    assert selectors.words_match("Siobhán", "O'Connor", "", "", pattern([["connor"], ["siob"]]))
    assert not selectors.words_match("Siobhán", "O'Connor", "", "", pattern([["onnor"]]))
    assert selectors.words_match("Bob", "", "bob@beta.test", "", pattern([["beta", "te"]]))
