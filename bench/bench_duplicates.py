"""The "Possible duplicates" queries and a merge at scale (SQLite): time per kind over N contacts.

Usage:
    .venv/bin/python bench/bench_duplicates.py                # 100,000 contacts, 1% of them duplicated each way
    .venv/bin/python bench/bench_duplicates.py --rows 1000000

Builds bench/out/duplicates-N.sqlite3 (contacts inserted through the import's FastInserter, so the primary-number
trigger fills contacts_contactphone), then times duplicate_groups() for each kind (median of --runs), the
worker's scan and what the page then reads.
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


def setup(db_path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "smartalex.settings.test"
    import django

    django.setup()


def build(rows: int) -> None:
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from contacts.imports.bulk import FastInserter, insert_triggers_deferred
    from contacts.models import Contact, ContactPhone, Workspace

    call_command("migrate", verbosity=0)
    ws = Workspace.objects.create(name="Bench", slug="bench", plan="unlimited")
    now = timezone.now()
    inserter = FastInserter(Contact, ("workspace_id", "phone", "first_name", "last_name", "email", "company",
                                      "created_at", "updated_at", "metadata"), convert=("metadata",))
    stamp = inserter.prep("created_at", now)

    def records():
        for i in range(rows):
            dup = i % 100 == 0 and i  # 1%: the same email / name and company as the row before
            base = i - 1 if dup else i
            yield {"workspace_id": ws.pk, "phone": f"+1415{2000000 + i:07d}", "first_name": f"First{base}",
                   "last_name": f"Last{base}", "email": f"person{base}@example.com" if i % 3 else "",
                   "company": f"Company {base % 5000}", "created_at": stamp, "updated_at": stamp, "metadata": {}}

    with transaction.atomic(), insert_triggers_deferred(Contact):
        inserter.insert(records())
    # 1% with an additional number whose last 9 digits repeat another contact's number (+44 instead of +1).
    ids = list(Contact.objects.filter(workspace=ws).order_by("pk").values_list("pk", "phone")[: rows // 100])
    pairs = zip(ids[1:], ids, strict=False)  # each gets the previous contact's number under another country code
    ContactPhone.objects.bulk_create([ContactPhone(workspace=ws, contact_id=pk, e164="+44" + before[-10:],
                                                   label="work", position=1) for (pk, _), (_, before) in pairs],
                                     batch_size=2000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    db_path = out / f"duplicates-{args.rows}.sqlite3"
    fresh = not db_path.exists()
    setup(db_path)
    if fresh:
        started = time.perf_counter()
        build(args.rows)
        print(f"built {args.rows:,} contacts in {time.perf_counter() - started:.1f} s")
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # a database built by an older checkout
    from contacts.contacts.duplicates import duplicate_groups
    from contacts.models import Workspace

    ws = Workspace.objects.get(slug="bench")
    print(f"\nPossible duplicates, SQLite, {args.rows:,} contacts (median of {args.runs})\n")
    print("| kind   | groups | ms median |")
    print("|--------|--------|-----------|")
    for kind in ("number", "email", "name", None):
        times, groups = [], 0
        for _ in range(args.runs):
            started = time.perf_counter()
            groups = len(duplicate_groups(ws, kind=kind, limit=50))
            times.append((time.perf_counter() - started) * 1000)
        print(f"| {kind or 'all':6} | {groups:6} | {statistics.median(times):9.0f} |")

    # What the page costs: above INLINE_MAX contacts the worker's scan (timed once) and the page reading its result.
    from contacts.contacts.duplicates import INLINE_MAX, duplicate_scan_run, duplicates_page

    started = time.perf_counter()
    duplicate_scan_run(ws.pk)
    scan_ms = (time.perf_counter() - started) * 1000
    print(f"\nThe page above {INLINE_MAX:,} contacts (the worker groups; the page reads the last scan)\n")
    print(f"| {'what':30} | ms median |")
    print(f"|{'-' * 32}|-----------|")
    print(f"| {'worker scan, every kind (once)':30} | {scan_ms:9.0f} |")
    for kind in (None, "email"):
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            duplicates_page(ws, kind=kind)
            times.append((time.perf_counter() - started) * 1000)
        print(f"| {'page data, ' + (kind or 'all'):30} | {statistics.median(times):9.1f} |")
    print(f"\nreproduce: .venv/bin/python bench/bench_duplicates.py --rows {args.rows}")


if __name__ == "__main__":
    main()
