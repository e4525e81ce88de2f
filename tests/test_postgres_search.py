"""PostgreSQL search: the words (tsvector) and digits (trigram) GIN indexes serve the list's search (EXPLAIN)."""
from __future__ import annotations

import pytest
from django.db import connection

from contacts.contacts import selectors
from contacts.models import Contact
from tests.factories import make_workspace

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="vendor-specific: PostgreSQL trigram indexes"),
    pytest.mark.django_db,
]


def seed(workspace, rows: int = 5_000) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO contacts_contact (workspace_id, public_id, phone, first_name, last_name, email, company,
                 title, notes, status, metadata, created_at, updated_at, calls_count)
               SELECT %s, 'contact_pg' || n, '+1415' || lpad((2000000 + n)::text, 7, '0'), 'First' || n,
                      'Last' || md5(n::text), 'user' || n || '@example.com', 'Company ' || md5((n * 7)::text),
                      '', '', 'active', '{}', now(), now(), 0
               FROM generate_series(1, %s) AS n""", [workspace.pk, rows])
        cursor.execute("ANALYZE contacts_contact")


def plan(queryset) -> str:
    """The plan with sequential scans priced out: shows which index serves the predicate (on a small test table
    the planner would rightly prefer a sequential scan; at 1,000,000 rows it picks these indexes by itself)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_search_indexes_exist():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'contacts_contact' AND (indexname LIKE "
                       "'contact_trgm_%%' OR indexname = 'contact_search_doc')")
        names = {row[0] for row in cursor.fetchall()}
    # names and email are in search_doc (word prefixes); company keeps its trigram for the company filter
    assert names == {"contact_search_doc", "contact_trgm_company", "contact_trgm_phone"}


@pytest.mark.parametrize(("term", "index"), [
    ("First42", "contact_search_doc"),
    ("user1234@", "contact_search_doc"),
    ("2004321", "contact_trgm_phone"),
])
def test_search_uses_the_words_and_digits_indexes(term, index, monkeypatch):
    monkeypatch.setattr(selectors, "PG_PREFETCH_IDS", -1)  # the plain predicate (a broad search's plan)
    monkeypatch.setattr(selectors, "DENSE_SHARE", 2.0)  # the index, however dense the sample (tested elsewhere)
    workspace = make_workspace("pg")
    seed(workspace)
    # The search predicate alone (the workspace's own index would win on a 5,000-row table).
    explained = plan(selectors.contact_search(Contact.objects.all(), term, workspace=workspace))
    assert index in explained, explained
    assert "Seq Scan on contacts_contact" not in explained, explained
    found = list(selectors.contact_search(Contact.objects.filter(workspace=workspace), term, workspace=workspace)[:5])
    assert found
    assert all(term.lower() in " ".join((c.first_name, c.last_name, c.email, c.company, c.phone)).lower()
               for c in found)


def test_a_narrow_search_becomes_an_id_list(monkeypatch):
    workspace = make_workspace("pg")
    seed(workspace)
    queryset = selectors.contact_search(Contact.objects.filter(workspace=workspace), "user1234@", workspace=workspace)
    assert "contacts_contact_pkey" in plan(queryset) or '"id" IN' in str(queryset.query)
    assert [c.email for c in queryset] == ["user1234@example.com"]
