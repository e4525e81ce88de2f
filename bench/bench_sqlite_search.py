"""Contact search on SQLite at 1,000,000 contacts: page 1 + bounded count per term (FTS5 words and digits tables).

Usage:
    .venv/bin/python bench/bench_sqlite_search.py                 # creates/reuses /tmp/smartalex_bench_search.sqlite3
    .venv/bin/python bench/bench_sqlite_search.py --rows 200000 --rebuild --db /tmp/other.sqlite3
Same data shapes and terms as bench_postgres_search.py.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TERMS = ["First42", "Last0a", "user1234@", "Company 9f", "9f", "j", "f", "fi", "first", "zz", "q", "a1b2c",
         "5550123", "(212) 200-01"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", default="/tmp/smartalex_bench_search.sqlite3")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--terms", nargs="*", default=TERMS)
    args = parser.parse_args()
    if args.rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(args.db + suffix).unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{args.db}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "smartalex.settings.test"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from contacts import selectors
    from contacts.counting import bounded_count
    from contacts.models import Contact, Workspace

    call_command("migrate", verbosity=0)
    ws, _ = Workspace.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    if not Contact.objects.filter(workspace=ws).exists():
        print(f"Seeding {args.rows:,} contacts ...", flush=True)
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            # md5 does not exist in SQLite: hex of a multiplicative hash stands in for it
            cursor.execute(
                """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s)
                   INSERT INTO contacts_contact (workspace_id, public_id, phone, first_name, last_name, email, company,
                     title, notes, status, dnc_at, metadata, created_at, updated_at, calls_count)
                   SELECT %s, 'contact_b' || i, '+1' || (200 + i %% 700) || substr('0000000' || (i %% 10000000), -7),
                          'First' || (i %% 5000), 'Last' || lower(printf('%%08x', (i * 2654435761) %% 4294967296)),
                          'user' || i || '@example.com',
                          'Company ' || lower(printf('%%06x', (i * 40503 * 7) %% 16777216)),
                          '', '', CASE WHEN i %% 20 = 0 THEN 'dnc' ELSE 'active' END,
                          CASE WHEN i %% 20 = 0 THEN datetime('now') END, '{}',
                          strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now', '-' || i || ' seconds'),
                          datetime('now'), 0
                   FROM n""", [args.rows, ws.pk])
            cursor.execute("ANALYZE")
        print(f"seeded in {time.perf_counter() - t0:.0f} s", flush=True)
    total = Contact.objects.filter(workspace=ws).count()
    print(f"\nSQLite {connection.Database.sqlite_version}, {total:,} contacts in one workspace ({args.db})\n")
    print(f"{'search (page 1 + bounded count)':<34} {'median ms':>10} {'max ms':>9} {'matches':>12}")
    print("-" * 70)
    base = Contact.objects.filter(workspace=ws).order_by("-created_at", "-id")
    for term in args.terms:
        samples = []
        for run in range(args.runs + 1):
            t0 = time.perf_counter()
            qs = selectors.contact_search(base, term, workspace=ws)
            found = bounded_count(qs)
            list(qs[:21])
            if run:  # the first run warms the caches
                samples.append((time.perf_counter() - t0) * 1000)
        print(f"{term!r:<34} {statistics.median(samples):>10.1f} {max(samples):>9.1f} {found.label:>12}")
    load = os.getloadavg()
    print(f"\nmachine load (uptime): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"Reproduce: .venv/bin/python bench/bench_sqlite_search.py --rows {args.rows} --db {args.db}")


if __name__ == "__main__":
    main()
