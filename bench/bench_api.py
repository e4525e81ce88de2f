"""API v1 at 1,000,000 contacts (SQLite): list page 1 with and without search, and a 1,000-contact import.

Usage:
    .venv/bin/python bench/bench_api.py            # reuses/builds bench/out/dashboard.sqlite3 (bench_dashboard's)
    .venv/bin/python bench/bench_api.py --runs 25

Whole responses through the Django test Client with a Bearer key (auth, throttle, FilterSet, serialisation).
Targets (issue 5): list median <= 100 ms; POST /v1/contacts/import of 1,000 contacts <= 1 s.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_dashboard  # noqa: E402  (same 1M-contact data set and Django setup)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "dashboard.sqlite3")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    fresh = not args.db.exists()
    bench_dashboard.setup_django(args.db)
    if fresh:
        print(f"Building {args.rows:,} contacts in {args.db} ...", flush=True)
        bench_dashboard.build(args.rows)

    from django.test import Client, override_settings

    from contacts import services
    from contacts.models import Contact, Workspace

    ws = Workspace.objects.get(slug="bench")
    _, raw = services.api_key_create(workspace=ws, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    total = Contact.objects.filter(workspace=ws).count()

    def get(params):
        def run():
            response = client.get("/v1/contacts", params)
            assert response.status_code == 200, response.content[:300]
            return response
        return run

    rows = []
    for label, params in (
        ("GET /v1/contacts (page 1, no search)", {}),
        ("GET /v1/contacts?status=active", {"status": "active"}),
        ("GET /v1/contacts?search=smith", {"search": "smith"}),
        ("GET /v1/contacts?search=(415) 200-12", {"search": "(415) 200-12"}),
        ("GET /v1/contacts?search=jennifer.garcia", {"search": "jennifer.garcia"}),
        ("GET /v1/contacts?search=acme dental&status=active", {"search": "acme dental", "status": "active"}),
    ):
        med, worst = bench_dashboard.timed(get(params), args.runs)
        matched = get(params)().json()["meta"]["total"]
        rows.append((label, med, worst, f"{matched:,} match"))

    rng = random.Random(7)
    used: set[str] = set()

    def batch() -> list[dict]:
        contacts = []
        while len(contacts) < 1000:
            candidates = {f"+1907{rng.randrange(2_000_000, 9_999_999):07d}" for _ in range(1200)} - used
            taken = Contact.objects.filter(workspace=ws, phone__in=candidates).values_list("phone", flat=True)
            candidates -= set(taken)
            for number in sorted(candidates)[: 1000 - len(contacts)]:
                used.add(number)
                contacts.append({"phone": number})
        for i, contact in enumerate(contacts):
            contact.update({"first_name": "Api", "last_name": f"Bench{i}", "email": f"api{i}@example.com",
                            "company": "Bench Co", "metadata": {"source": "bench"}})
        return contacts

    samples = []
    with override_settings(API_RATE_LIMIT="100000/min"):
        for _ in range(max(3, args.runs // 3)):
            body = json.dumps({"contacts": batch()})
            t0 = time.perf_counter()
            response = client.post("/v1/contacts/import", body, content_type="application/json")
            samples.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200 and response.json()["data"]["imported"] == 1000, response.content[:300]
    rows.append(("POST /v1/contacts/import (1,000 new contacts)", statistics.median(samples), max(samples),
                 f"{len(samples)} runs"))

    print(f"\nAPI v1 with {total:,} contacts in one workspace ({args.db}, SQLite)\n")
    print(f"{'request':<56} {'median ms':>10} {'max ms':>9}  note")
    print("-" * 92)
    for label, med, worst, note in rows:
        print(f"{label:<56} {med:>10.1f} {worst:>9.1f}  {note}")
    print("-" * 92)
    print("Targets: list median <= 100 ms; import of 1,000 <= 1,000 ms.")
    print(f"Reproduce: .venv/bin/python bench/bench_api.py --db {args.db} --runs {args.runs}")
    # Leave the shared data set as it was for the next run.
    Contact.objects.filter(workspace=ws, phone__in=list(used)).delete()
    ws.api_keys.filter(name="bench").delete()


if __name__ == "__main__":
    main()
