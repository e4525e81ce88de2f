"""Contacts list page with list, tag and custom-field filters (SQLite), at N contacts.

Usage:
    .venv/bin/python bench/bench_lists.py                       # 200,000 contacts (builds bench/out/lists.sqlite3)
    .venv/bin/python bench/bench_lists.py --rows 1000000 --rebuild --runs 7
    .venv/bin/python bench/bench_lists.py --rows 1000000 --rebuild --database-url postgres://postgres@127.0.0.1:5432/sa_lists

Every contact has a number custom field `budget`; a list holds every 10th contact, a tag every 7th. Prints the
first-page time (whole response through the Django test Client: median and worst of --runs) per filter.
Target (issue 13): the list filter plus a custom-field filter within the plain list page's 150 ms median.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_dashboard import setup_django, stamp, timed  # noqa: E402


def build(rows: int) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction

    from contacts import services
    from contacts.models import Membership, Workspace

    call_command("migrate", verbosity=0)
    ws = Workspace.objects.create(name="Bench Lists", slug="bench")
    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "bench-pw-123")
    Membership.objects.create(user=user, workspace=ws, role="owner")
    box = services.list_create(workspace=ws, name="Open house")
    vip = services.tag_create(workspace=ws, name="VIP")
    services.field_create(workspace=ws, key="budget", label="Budget", type="number")
    now = datetime.now(UTC)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        contacts, members, tags = [], [], []
        for i in range(1, rows + 1):
            created = stamp(now - timedelta(seconds=i * 37))
            contacts.append((i, ws.pk, f"contact_{i:016x}", f"+1415{2_000_000 + i:07d}", f"First{i % 997}",
                             f"Last{i % 991}", "", "", "", "", "active", None, json.dumps({"budget": i % 5000}),
                             None, created, created, None, 0))
            if i % 10 == 0:
                members.append((box.pk, i, created))
            if i % 7 == 0:
                tags.append((vip.pk, i))
            if len(contacts) >= 50_000 or i == rows:
                cur.executemany(
                    "INSERT INTO contacts_contact (id, workspace_id, public_id, phone, first_name, last_name, email, "
                    "company, title, notes, status, dnc_at, metadata, import_batch_id, created_at, updated_at, "
                    "last_called_at, calls_count) VALUES ({})".format(",".join(["%s"] * 18)), contacts)
                cur.executemany("INSERT INTO contacts_listmembership (contact_list_id, contact_id, added_at) "
                                "VALUES (%s, %s, %s)", members)
                cur.executemany("INSERT INTO contacts_contacttag (tag_id, contact_id) VALUES (%s, %s)", tags)
                contacts, members, tags = [], [], []
        cur.execute("ANALYZE")
    print(f"  built {rows:,} contacts in {time.perf_counter() - started:.0f} s", flush=True)


def measure(runs: int) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from contacts.models import ContactList

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    list_id = ContactList.objects.get().public_id
    cases = [
        ("plain list page", {}),
        ("list filter", {"list_id": list_id}),
        ("list + custom.budget__gte=4000", {"list_id": list_id, "custom.budget__gte": "4000"}),
        ("list + custom.budget=1234", {"list_id": list_id, "custom.budget": "1234"}),
        ("tag VIP", {"tags": "VIP"}),
        ("list + tag + custom gte", {"list_id": list_id, "tags": "VIP", "custom.budget__gte": "4000"}),
        ("custom.budget__gte=4990 alone", {"custom.budget__gte": "4990"}),
        ("list, sort=-custom.budget", {"list_id": list_id, "sort": "-custom.budget"}),
    ]
    print(f"\n{'case':<36} {'matches':>18} {'median ms':>10} {'worst ms':>10}")
    for name, params in cases:
        def get(params=params):
            response = client.get("/contacts/", params)
            assert response.status_code == 200, response.status_code
            return response
        # the page's total as shown: exact up to 10,000, else "more than 10,000" / "about ..."
        shown = re.search(r'data-testid="total"[^>]*>([^<]+?) contacts?\b', get().content.decode())
        total = shown.group(1).strip() if shown else "?"
        median, worst = timed(get, runs)
        print(f"{name:<36} {total:>18} {median:>10.1f} {worst:>10.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--database-url", help="a PostgreSQL database to build in (created if missing; default: "
                                               "bench/out/lists.sqlite3)")
    args = parser.parse_args()
    if args.database_url:
        fresh = postgres_database(args.database_url, args.rebuild)
    else:
        out = ROOT / "bench" / "out"
        out.mkdir(exist_ok=True)
        db = out / "lists.sqlite3"
        if args.rebuild and db.exists():
            db.unlink()
        fresh = not db.exists()
        setup_django(db)
    if fresh:
        build(args.rows)
    from django.db import connection
    print(f"\n{connection.vendor}, {args.database_url or 'bench/out/lists.sqlite3'}")
    measure(args.runs)
    where = f" --database-url {args.database_url}" if args.database_url else ""
    print(f"\nreproduce: .venv/bin/python bench/bench_lists.py --rows {args.rows} --runs {args.runs}"
          f"{' --rebuild' if fresh else ''}{where}")


def postgres_database(url: str, rebuild: bool) -> bool:
    """Point Django at `url`, (re)creating the database; True when it is new and must be built."""
    import os
    import subprocess
    from urllib.parse import urlparse

    parts = urlparse(url)
    name, conn = parts.path.lstrip("/"), ["-h", parts.hostname or "127.0.0.1", "-U", parts.username or "postgres"]
    exists = subprocess.run(["psql", *conn, "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
                            capture_output=True, text=True, check=True).stdout.strip() == "1"
    if exists and rebuild:
        subprocess.run(["dropdb", *conn, name], check=True)
    if not exists or rebuild:
        subprocess.run(["createdb", *conn, name], check=True)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "smartalex.settings.test"
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    import django

    django.setup()
    return not exists or rebuild


if __name__ == "__main__":
    main()
