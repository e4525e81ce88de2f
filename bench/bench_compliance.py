"""Compliance engine: decisions per second for 100,000 numbers, and registry bit sets at 10M and 100M numbers.

Usage:
    .venv/bin/python bench/bench_compliance.py                              # defaults below, SQLite in a temp dir
    .venv/bin/python bench/bench_compliance.py --numbers 20000 --registry 10000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smartalex_bench_compliance .venv/bin/python bench/...

1. Decisions: --numbers contacts over eight area codes (FL, OK, AL, LA, MS, UT, CA, NY), half with written
   consent, some revoked, 1 in 10 on a registry file, 1 in 5 with recent calls; `decide_many` (what claim, start
   and /v1/compliance/check run) over all of them in batches of --batch, then a single-number `decide` loop.
2. Registry in memory: `AreaCodeBits` (a 1.25 MB bytearray per area code) filled with N synthetic numbers
   (random bytes, half the bits set: 5,000,000 numbers per area code); memory is measured with tracemalloc,
   lookups are 1,000,000 random 10-digit numbers (hits and misses).
3. Registry files: parsing a synthetic file of --file-lines lines, and the stored form (1,250-byte blocks
   per exchange) answering `registry_numbers_among` for 10,000 numbers.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
AREAS = ("305", "405", "205", "504", "601", "801", "415", "212")


def setup_django(tmp: str) -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench_compliance.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "smartalex.settings.test"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def bench_decisions(n: int, batch: int) -> list[tuple[str, str]]:
    from datetime import UTC, date, datetime, timedelta

    from contacts.compliance import manage
    from contacts.compliance.decision import Target, decide, decide_many
    from contacts.models import (
        Call,
        Campaign,
        ConsentRecord,
        ConsentRevocation,
        Contact,
        Workspace,
    )

    at = datetime(2026, 3, 11, 18, 0, tzinfo=UTC)  # Wednesday 14:00 in Miami
    ws = Workspace.objects.create(name="Bench", slug=f"bench-{int(time.time())}")
    campaign = Campaign.objects.create(workspace=ws, name="Solar", type="telemarketing", subject="solar")
    rng = random.Random(7)
    phones = [f"+1{AREAS[i % len(AREAS)]}{2000000 + i:07d}" for i in range(n)]
    t0 = time.perf_counter()
    Contact.objects.bulk_create([Contact(workspace=ws, phone=p, metadata={"state": "FL"} if i % 17 == 0 else {})
                                 for i, p in enumerate(phones)], batch_size=5000)
    ConsentRecord.objects.bulk_create([
        ConsentRecord(workspace=ws, phone=p, kind="express_written", source="web_form",
                      captured_at=at - timedelta(days=30), proof_url="https://example.com/f")
        for i, p in enumerate(phones) if i % 2 == 0], batch_size=5000)
    ConsentRevocation.objects.bulk_create([
        ConsentRevocation(workspace=ws, phone=p, channel="api", revoked_at=at - timedelta(days=1))
        for i, p in enumerate(phones) if i % 20 == 0], batch_size=5000)
    contacts = dict(Contact.objects.filter(workspace=ws).values_list("phone", "pk"))
    Call.objects.bulk_create([
        Call(workspace=ws, contact_id=contacts[p], campaign=campaign, phone=p, status="completed",
             created_at=at - timedelta(hours=h + 1), rules_version="")
        for i, p in enumerate(phones) if i % 5 == 0 for h in range(rng.randint(1, 4))], batch_size=5000)
    Call.objects.filter(workspace=ws, created_at__gt=at).update(created_at=at - timedelta(hours=2))
    manage.registry_import(workspace=ws, lines=[p[2:] for i, p in enumerate(phones) if i % 10 == 3], name="bench",
                           downloaded_on=date(2026, 3, 1))
    seed = time.perf_counter() - t0
    metadata = dict(Contact.objects.filter(workspace=ws).values_list("phone", "metadata"))
    targets = [Target(p, metadata[p], campaign, contact_id=contacts[p]) for p in phones]

    t0 = time.perf_counter()
    allowed = 0
    for start in range(0, n, batch):
        allowed += sum(d.allowed for d in decide_many(workspace=ws, targets=targets[start:start + batch], at=at))
    batched = time.perf_counter() - t0
    single_n = min(2000, n)
    t0 = time.perf_counter()
    for p in phones[:single_n]:
        decide(workspace=ws, phone=p, campaign=campaign, at=at)
    single = time.perf_counter() - t0
    return [
        ("seed (contacts, consents, calls, registry)", f"{seed:.1f} s"),
        (f"decide_many, {n:,} numbers in batches of {batch:,}", f"{batched:.2f} s = {n / batched:,.0f} decisions/s"),
        ("  of which allowed", f"{allowed:,}"),
        (f"decide, one number at a time ({single_n:,})", f"{single_n / single:,.0f} decisions/s"),
    ]


def bench_registry_memory(total: int, lookups: int) -> list[tuple[str, str]]:
    from contacts.compliance.registry import AreaCodeBits

    per_area = 5_000_000  # random bytes set half of the 10,000,000 bits of an area code
    areas = max(1, round(total / per_area))
    rng = random.Random(11)
    tracemalloc.start()
    bits = AreaCodeBits()
    t0 = time.perf_counter()
    codes = [200 + i * 3 for i in range(areas)]
    for code in codes:
        bits.areas[code] = bytearray(rng.randbytes(1_250_000))
    build = time.perf_counter() - t0
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    count = bits.count()
    probes = [rng.choice(codes) * 10_000_000 + rng.randrange(10_000_000) for _ in range(lookups // 2)]
    probes += [rng.randrange(2_000_000_000, 10_000_000_000) for _ in range(lookups - len(probes))]
    t0 = time.perf_counter()
    hits = sum(1 for number in probes if number in bits)
    lookup = time.perf_counter() - t0
    return [(f"registry {count:,} numbers in {areas} area codes", f"{current / 1e6:,.1f} MB "
             f"({current / count * 8:.2f} bits per number), built in {build:.2f} s"),
            (f"  {lookups:,} lookups ({hits:,} hits)", f"{lookup / lookups * 1e9:,.0f} ns per lookup "
             f"({lookups / lookup:,.0f}/s)")]


def bench_registry_files(lines: int) -> list[tuple[str, str]]:
    from datetime import date

    from contacts.compliance import manage, registry
    from contacts.models import Workspace

    rng = random.Random(3)
    numbers = [f"305{rng.randrange(2000000, 10000000):07d}\n" for _ in range(lines)]
    t0 = time.perf_counter()
    parsed = registry.parse_lines(numbers)
    parse = time.perf_counter() - t0
    ws = Workspace.objects.create(name="Registry", slug=f"registry-{int(time.time())}")
    t0 = time.perf_counter()
    manage.registry_import(workspace=ws, lines=numbers, name="file", downloaded_on=date(2026, 3, 1))
    stored = time.perf_counter() - t0
    probe = [f"+1{n.strip()}" for n in numbers[:5000]] + [f"+1305{rng.randrange(2000000, 10000000):07d}"
                                                           for _ in range(5000)]
    t0 = time.perf_counter()
    found = registry.registry_numbers_among(ws, probe)
    among = time.perf_counter() - t0
    return [(f"parse a {lines:,}-line file", f"{parse:.2f} s = {lines / parse:,.0f} lines/s "
             f"({parsed.numbers:,} distinct, {len(parsed.blocks):,} blocks of 1,250 bytes)"),
            ("  store it (parse + bulk insert)", f"{stored:.2f} s"),
            (f"registry_numbers_among, {len(probe):,} numbers", f"{among * 1000:.0f} ms ({len(found):,} listed)")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--numbers", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--registry", default="10000000,100000000", help="comma-separated totals")
    parser.add_argument("--lookups", type=int, default=1_000_000)
    parser.add_argument("--file-lines", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(tmp)
        from django.db import connection

        rows = [("database", connection.vendor)]
        rows += bench_decisions(args.numbers, args.batch)
        for total in (int(x) for x in args.registry.split(",") if x):
            rows += bench_registry_memory(total, args.lookups)
        rows += bench_registry_files(args.file_lines)
        width = max(len(name) for name, _ in rows)
        print(f"\n{'measure':<{width}}  result")
        for name, value in rows:
            print(f"{name:<{width}}  {value}")
        print(f"\nreproduce: .venv/bin/python bench/bench_compliance.py {' '.join(sys.argv[1:])}".rstrip())


if __name__ == "__main__":
    main()
