"""Dashboard at 1,000,000 contacts (SQLite): list page with search + filter, search baselines, CSV export.

Usage:
    .venv/bin/python bench/bench_dashboard.py                 # builds bench/out/dashboard.sqlite3 once, then measures
    .venv/bin/python bench/bench_dashboard.py --rows 200000 --rebuild --runs 9

Prints a table: list page first-page time (whole response through the Django test Client) for a few
searches combined with a filter, a plain ORM icontains+count baseline and the admin changelist search
for comparison, then export rows/s and the export process's peak RSS (measured in a fresh process).
Targets (issue 3): list median <= 150 ms, export >= 80,000 rows/s, peak RSS <= 150 MB.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST = str.split(
    "James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa Anthony Betty Mark Margaret "
    "Donald Sandra Steven Ashley Paul Kimberly Andrew Emily Joshua Donna Kenneth Michelle Kevin Dorothy "
    "Brian Carol George Amanda Timothy Melissa Ronald Deborah Edward Stephanie Jason Rebecca Jeffrey "
    "Sharon Ryan Laura Jacob Cynthia Gary Kathleen Nicholas Amy Eric Angela Jonathan Shirley Stephen Anna "
    "Larry Brenda Justin Pamela Scott Emma Brandon Nicole Benjamin Helen Samuel Samantha Gregory "
    "Katherine Alexander Christine Frank Debra Patrick Rachel Raymond Carolyn Jack Janet Dennis Catherine "
    "Jerry Maria Tyler Heather Aaron Diane Jose Ruth Adam Julie "
)
LAST = str.split(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
    "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker "
    "Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper "
    "Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James "
    "Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez "
)
WORDS = str.split(
    "Acme Apex Beacon Bright Cedar Summit Harbor Pioneer Pinnacle Silver Golden Blue River Oak Maple Pine "
    "Valley North South East West Metro Urban Coastal Prairie Liberty Eagle Falcon Lakeside Evergreen "
    "Sunrise Horizon Crescent Redwood Granite Atlas Orion Nova Vertex "
)
SUFFIX = ("Dental", "Realty", "Clinic", "Group", "Partners", "Holdings", "Labs", "Homes", "Health", "Insurance",
          "Motors", "Legal", "Capital", "Properties", "Orthodontics")
AREAS = ("212", "213", "305", "312", "347", "404", "415", "503", "512", "602", "617", "646", "702", "713", "718",
         "720", "808", "917", "206", "310")
OUTCOMES = (("booked", "positive", "completed"), ("callback", "neutral", "completed"),
            ("not_interested", "negative", "completed"), ("", "", "no_answer"), ("", "", "voicemail"))


def setup_django(db_path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "smartalex.settings.test"
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    import django

    django.setup()


def stamp(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f")


def build(rows: int) -> None:
    """Bulk insert with raw executemany; the FTS index is filled once at the end, then its triggers come back."""
    import importlib

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction

    from contacts.models import Campaign, Membership, Workspace

    call_command("migrate", verbosity=0)
    fts = importlib.import_module("contacts.migrations.0003_dashboard_search")
    ws = Workspace.objects.create(name="Bench Realty", slug="bench")
    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "bench-pw-123")
    Membership.objects.create(user=user, workspace=ws, role="owner")
    campaign = Campaign.objects.create(workspace=ws, name="Spring push", status="active")
    rng = random.Random(42)
    now = datetime.now(UTC)
    started = time.perf_counter()
    with connection.cursor() as cur:
        for sql in fts.DROP[:3]:
            cur.execute(sql)
        cur.execute(f"DELETE FROM {fts.FTS}")
    per_area = rows // len(AREAS) + 1
    chunk = 50_000
    with transaction.atomic(), connection.cursor() as cur:
        contacts, calls, members = [], [], []
        for i in range(1, rows + 1):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            area = AREAS[i % len(AREAS)]
            phone = f"+1{area}{2_000_000 + (i // len(AREAS)) % per_area:07d}"
            created = now - timedelta(seconds=rng.randrange(730 * 86400))
            called = rng.random() < 0.2
            dnc = rng.random() < 0.05
            last_called = created + timedelta(seconds=rng.randrange(max(1, int((now - created).total_seconds()))))
            metadata = f'{{"source": "trade show", "score": "{rng.randrange(100)}"}}' if i % 10 == 0 else "{}"
            contacts.append((i, ws.pk, f"contact_{i:016x}", phone, first, last,
                             f"{first.lower()}.{last.lower()}{i}@example.com",
                             f"{rng.choice(WORDS)} {rng.choice(SUFFIX)}", "", "", "dnc" if dnc else "active",
                             stamp(created) if dnc else None, metadata, None, stamp(created), stamp(created),
                             stamp(last_called) if called else None, 1 if called else 0))
            if called:
                outcome, sentiment, status = rng.choice(OUTCOMES)
                calls.append((ws.pk, f"call_{i:016x}", i, campaign.pk if i % 10 == 0 else None, phone, "outbound",
                              status, rng.randrange(20, 400), sentiment, outcome, "", "", stamp(last_called), None))
            if i % 10 == 0:
                members.append((campaign.pk, i, stamp(now)))
            if len(contacts) >= chunk or i == rows:
                cur.executemany(
                    "INSERT INTO contacts_contact (id, workspace_id, public_id, phone, first_name, last_name, email, "
                    "company, title, notes, status, dnc_at, metadata, import_batch_id, created_at, updated_at, "
                    "last_called_at, calls_count) VALUES ({})".format(",".join(["%s"] * 18)), contacts)
                cur.executemany(
                    "INSERT INTO contacts_call (workspace_id, public_id, contact_id, campaign_id, phone, direction, "
                    "status, duration, sentiment, outcome, recording_url, transcript, created_at, ended_at) "
                    "VALUES ({})".format(",".join(["%s"] * 14)), calls)
                cur.executemany("INSERT INTO contacts_campaignmembership (campaign_id, contact_id, added_at) "
                                "VALUES (%s, %s, %s)", members)
                contacts, calls, members = [], [], []
                print(f"  inserted {i:,} contacts ({time.perf_counter() - started:.0f} s)", flush=True)
        for sql in fts.CREATE[1:]:
            cur.execute(sql)
        cur.execute("ANALYZE")
    print(f"  built {rows:,} contacts with FTS index in {time.perf_counter() - started:.0f} s", flush=True)


def timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm-up: page cache, statement cache
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples), max(samples)


def measure_list(runs: int) -> list[tuple[str, float, float, str]]:
    from django.contrib.auth import get_user_model
    from django.db.models import Q
    from django.test import Client

    from contacts.models import Campaign, Contact, Workspace

    ws = Workspace.objects.get(slug="bench")
    campaign = Campaign.objects.get(workspace=ws)
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    results = []
    cases = [
        ("list: search 'smith' + status=active", {"search": "smith", "status": "active"}),
        ("list: search '(415) 200-12' + status=active", {"search": "(415) 200-12", "status": "active"}),
        ("list: search 'acme dental' + campaign", {"search": "acme dental", "campaign_id": campaign.public_id}),
        ("list: search 'jennifer.garcia' + status=dnc", {"search": "jennifer.garcia", "status": "dnc"}),
        ("list: no search, status=active (1st page)", {"status": "active"}),
    ]
    for label, params in cases:
        def get(params=params):
            response = client.get("/contacts/", params)
            assert response.status_code == 200, response.status_code
            return response

        total = re.search(r'data-testid="total">([\d,]+)', get().content.decode()).group(1)
        med, worst = timed(get, runs)
        results.append((label, med, worst, f"{total} match"))

    def orm(term="smith"):
        qs = Contact.objects.filter(workspace=ws, status="active").filter(
            Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(email__icontains=term)
            | Q(company__icontains=term))
        return qs.count(), list(qs.order_by("-created_at")[:20])

    med, worst = timed(orm, runs)
    results.append(("baseline: ORM icontains 'smith' + count + 20 rows", med, worst, f"{orm()[0]:,} match"))

    def admin():
        response = client.get("/admin/contacts/contact/", {"q": "smith"})
        assert response.status_code == 200, response.status_code

    med, worst = timed(admin, max(3, runs // 3))
    results.append(("baseline: admin changelist ?q=smith", med, worst, ""))
    return results


def export_only() -> None:
    """Runs in a fresh process so its peak RSS is the export's alone."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    t0 = time.perf_counter()
    response = client.get("/contacts/export.csv")
    rows = -1
    size = 0
    for chunk in response.streaming_content:
        rows += chunk.count(b"\n")
        size += len(chunk)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak, "bytes": size}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "dashboard.sqlite3")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--export-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_only:
        setup_django(args.db)
        export_only()
        return
    args.db.parent.mkdir(parents=True, exist_ok=True)
    if args.rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    fresh = not args.db.exists()
    setup_django(args.db)
    if fresh:
        print(f"Building {args.rows:,} contacts in {args.db} ...", flush=True)
        build(args.rows)
    from contacts.models import Contact

    count = Contact.objects.count()
    print(f"\nWorkspace with {count:,} contacts ({args.db}, SQLite)\n")
    print(f"{'measure':<52} {'median ms':>10} {'max ms':>9}  note")
    print("-" * 90)
    for label, med, worst, note in measure_list(args.runs):
        print(f"{label:<52} {med:>10.1f} {worst:>9.1f}  {note}")
    out = subprocess.run([sys.executable, __file__, "--export-only", "--db", str(args.db)], check=True,
                         capture_output=True, text=True)
    export = json.loads(out.stdout.strip().splitlines()[-1])
    print("-" * 90)
    print(f"{'export: rows':<52} {export['rows']:>10,}")
    print(f"{'export: seconds':<52} {export['seconds']:>10.1f}")
    rate = export["rows"] / export["seconds"]
    print(f"{'export: rows/s (call stats + escaping)':<52} {rate:>10,.0f}   target >= 80,000")
    print(f"{'export: peak RSS of the export process (MB)':<52} {export['peak_mb']:>10.0f}   target <= 150")
    print(f"{'export: CSV size (MB)':<52} {export['bytes'] / 1e6:>10.0f}")
    print(f"\nReproduce: .venv/bin/python bench/bench_dashboard.py --db {args.db} --runs {args.runs}"
          f"{'' if args.rows == 1_000_000 else f' --rows {args.rows}'}")


if __name__ == "__main__":
    main()
