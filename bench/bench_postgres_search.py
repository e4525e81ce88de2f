"""Contact search on PostgreSQL at 1,000,000 contacts: what the list does (page 1 + bounded count) per term.

Terms cover the word index (long and 1-2 character words, words that match most rows or none) and the digits
index. Reports the median and max over --runs after one warm-up, the matches (exact up to the cap, else the
estimate shown to users) and the index EXPLAIN shows.

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


TERMS = ["First42", "Last0a", "user1234@", "Company 9f", "9f", "j", "f", "fi", "first", "zz", "q", "a1b2c",
         "5550123", "(212) 200-01"]


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
    parser.add_argument("--terms", nargs="*", default=TERMS)
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
    from contacts.counting import bounded_count
    from contacts.models import Contact, Workspace

    call_command("migrate", verbosity=0)
    ws, created = Workspace.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    if not Contact.objects.filter(workspace=ws).exists():
        print(f"Seeding {args.rows:,} contacts ...", flush=True)
        with connection.cursor() as cursor:
            seed_contacts(cursor, ws.pk, 1, args.rows)
    total = Contact.objects.filter(workspace=ws).count()
    print(f"\nPostgreSQL, {total:,} contacts in one workspace (database {args.db})\n")
    print(f"{'search (page 1 + bounded count)':<34} {'median ms':>10} {'max ms':>9} {'matches':>12}  plan")
    print("-" * 100)
    base = Contact.objects.filter(workspace=ws).order_by("-created_at", "-id")
    for term in args.terms:
        samples = []
        for run in range(args.runs + 1):
            t0 = time.perf_counter()
            qs = selectors.contact_search(base, term, workspace=ws)
            total = bounded_count(qs)
            list(qs[:21])
            if run:  # the first run warms the caches
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
        used = [name for name in ("contact_search_doc", "contact_trgm_phone", "contact_trgm", "contacts_contact_pkey",
                                  "contact_ws_created") if name in plan]
        if "Seq Scan on contacts_contact" in plan:
            used.append("SEQ SCAN")
        print(f"{term!r:<34} {statistics.median(samples):>10.1f} {max(samples):>9.1f} {total.label:>12}  "
              f"{', '.join(used[:2]) or '-'}")
    print(f"\nmachine load (uptime): {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    print(f"\nReproduce: .venv/bin/python bench/bench_postgres_search.py --rows {args.rows} --db {args.db}")


if __name__ == "__main__":
    main()
