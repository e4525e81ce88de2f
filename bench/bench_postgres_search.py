"""Contact search on PostgreSQL at 1,000,000 contacts: the list query (page 1 + count) with the trigram indexes.

Usage (PostgreSQL on 127.0.0.1, user postgres):
    .venv/bin/python bench/bench_postgres_search.py              # creates/reuses database smartalex_bench_search
    .venv/bin/python bench/bench_postgres_search.py --rows 200000 --rebuild
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def seed_contacts(cursor, workspace_id: int, first: int, last: int) -> None:
    """Insert contacts numbered first..last in one statement (bench/load/run.py seeds with it too).

    Names, companies and e-mails vary like real lists: "First42", "Last0a3f...", "Company 9f3a2b", user<n>@example.com.
    """
    cursor.execute(
        """INSERT INTO contacts_contact (workspace_id, public_id, phone, first_name, last_name, email,
             company, title, notes, status, dnc_at, metadata, created_at, updated_at, calls_count)
           SELECT %s, 'contact_b' || n, '+1' || (200 + n %% 700)::text || lpad((n %% 10000000)::text, 7, '0'),
                  'First' || (n %% 5000), 'Last' || substr(md5(n::text), 1, 8),
                  'user' || n || '@example.com', 'Company ' || substr(md5((n * 7)::text), 1, 6),
                  '', '', CASE WHEN n %% 20 = 0 THEN 'dnc' ELSE 'active' END,
                  CASE WHEN n %% 20 = 0 THEN now() END, '{}',
                  now() - (n || ' seconds')::interval, now(), 0
           FROM generate_series(%s, %s) AS n""", [workspace_id, first, last])
    cursor.execute("ANALYZE contacts_contact")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", default="smartalex_bench_search")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    pg = ["-h", "127.0.0.1", "-U", "postgres"]
    exists = args.db in subprocess.run(["psql", *pg, "-tAc", "SELECT datname FROM pg_database"], capture_output=True,
                                       text=True, check=True).stdout.split()
    if exists and args.rebuild:
        subprocess.run(["dropdb", *pg, args.db], check=True)
        exists = False
    if not exists:
        subprocess.run(["createdb", *pg, args.db], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.db}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "smartalex.settings.test"
    import django

    django.setup()
    from django.core.exceptions import EmptyResultSet
    from django.core.management import call_command
    from django.db import connection

    from contacts import selectors
    from contacts.models import Contact, Workspace

    call_command("migrate", verbosity=0)
    ws, created = Workspace.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    if not Contact.objects.filter(workspace=ws).exists():
        print(f"Seeding {args.rows:,} contacts ...", flush=True)
        with connection.cursor() as cursor:
            seed_contacts(cursor, ws.pk, 1, args.rows)
    total = Contact.objects.filter(workspace=ws).count()
    print(f"\nPostgreSQL, {total:,} contacts in one workspace (database {args.db})\n")
    print(f"{'search (list page 1 + total count)':<44} {'median ms':>10} {'max ms':>9} {'matches':>9}  plan")
    print("-" * 100)
    for term in ("a1b2c", "user1234@", "5550123", "Company 9f", "(212) 200-01"):
        qs = selectors.contact_search(Contact.objects.filter(workspace=ws), term, workspace=ws)
        samples = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            qs = selectors.contact_search(Contact.objects.filter(workspace=ws), term, workspace=ws)
            count = qs.count()
            list(qs.order_by("-created_at", "-id")[:20])
            samples.append((time.perf_counter() - t0) * 1000)
        try:
            sql, params = qs.query.sql_with_params()
        except EmptyResultSet:
            sql, params = "", []
        plan = ""
        if sql:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN " + sql, params)
                plan = " ".join(r[0] for r in cursor.fetchall())
        if not sql or "contacts_contact_pkey" in plan:
            used = "trigram bitmap -> id list"
        else:
            used = "trigram bitmap" if "contact_trgm" in plan else ("seq scan" if "Seq Scan" in plan else "index")
        print(f"{term!r:<44} {statistics.median(samples):>10.1f} {max(samples):>9.1f} {count:>9,}  {used}")
    print(f"\nReproduce: .venv/bin/python bench/bench_postgres_search.py --rows {args.rows}")


if __name__ == "__main__":
    main()
