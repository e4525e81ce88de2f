"""Cheap pages at 1,000,000 contacts: in-process medians of the dashboard list, search, contact detail, API list
and overview (Django test client, whole request), with a cProfile summary of the slowest page.

Usage (reuses the 1,000,000-contact databases of bench_postgres_search.py / bench_sqlite_search.py; seed there):
    .venv/bin/python bench/bench_pages.py --database-url postgres://postgres@127.0.0.1:5432/sa_perf_bench
    .venv/bin/python bench/bench_pages.py --database-url sqlite:////tmp/sa_perf_bench.sqlite3
Targets (issue 14 item 3): list <= 15 ms, detail <= 15 ms, API list <= 8 ms, overview <= 100 ms.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--default-gc", action="store_true", help="CPython's GC settings, not the web workers' tuning")
    parser.add_argument("--profile", action="store_true", help="print the top functions of each page")
    parser.add_argument("--test-instrumentation", action="store_true",
                        help="render templates as tests do (a copy of every context per template, as measured "
                             "before 2026-11-30); off by default, as in production")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "smartalex.settings.test"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from contacts import services
    from contacts.models import Contact, Membership, Workspace

    if args.test_instrumentation:
        setup_test_environment()
    if not args.default_gc:
        from smartalex.gc_tuning import tune_gc

        tune_gc()  # as smartalex/wsgi.py does in each gunicorn worker
    from django.conf import settings
    settings.ALLOWED_HOSTS = ["testserver"]
    ws = Workspace.objects.get(slug="bench")
    user, _ = get_user_model().objects.get_or_create(username="bench-pages")
    Membership.objects.get_or_create(user=user, workspace=ws, defaults={"role": "owner"})
    client = Client()
    client.force_login(user)
    _, key = services.api_key_create(workspace=ws, name=f"bench-pages-{time.time():.0f}")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    contact = Contact.objects.filter(workspace=ws).order_by("-created_at", "-id").first()
    pages = [
        ("dashboard list", client, "/contacts/", {}),
        ("dashboard list, status=active", client, "/contacts/", {"status": "active"}),
        ("dashboard search 'Last0a'", client, "/contacts/", {"search": "Last0a"}),
        ("dashboard search 'f' (most rows)", client, "/contacts/", {"search": "f"}),
        ("contact detail", client, f"/contacts/{contact.public_id}/", {}),
        ("API list", api, "/v1/contacts", {}),
        ("API search 'user1234@'", api, "/v1/contacts", {"search": "user1234@"}),
        ("overview", client, "/", {}),
    ]
    from django.db import connection

    print(f"\n{connection.vendor}, {Contact.objects.filter(workspace=ws).count():,} contacts ({args.database_url})\n")
    # CPU ms: this process's CPU time per request (median), which a loaded machine inflates far less than the
    # wall-clock median (the database server's own work is not in it on PostgreSQL).
    print(f"{'page (in-process, whole request)':<36} {'median ms':>10} {'p90 ms':>8} {'CPU ms':>8} {'SQL ms':>8} "
          f"{'queries':>8}")
    print("-" * 85)
    for name, who, url, params in pages:
        response = who.get(url, params)
        assert response.status_code == 200, (name, response.status_code, response.content[:300])
        samples, sql, cpu = [], [], []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as queries:
                t0, c0 = time.perf_counter(), time.process_time()
                who.get(url, params)
                samples.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
            sql.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
        samples.sort()
        print(f"{name:<36} {statistics.median(samples):>10.1f} {samples[int(len(samples) * 0.9) - 1]:>8.1f} "
              f"{statistics.median(cpu):>8.1f} {statistics.median(sql):>8.1f} {len(queries.captured_queries):>8}")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(5):
                who.get(url, params)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
            print(out.getvalue()[-3500:])
    load = os.getloadavg()
    print(f"\nmachine load (uptime): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    extra = " --test-instrumentation" if args.test_instrumentation else ""
    extra += " --default-gc" if args.default_gc else ""
    print(f"Reproduce: .venv/bin/python bench/bench_pages.py --database-url {args.database_url} --runs {args.runs}"
          f"{extra}")


if __name__ == "__main__":
    main()
