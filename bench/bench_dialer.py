"""The calling loop on PostgreSQL: claim throughput with concurrent dialers, and starting a large campaign.

Usage (PostgreSQL on 127.0.0.1, user postgres):
    .venv/bin/python bench/bench_dialer.py                      # 100,000 queued calls, 8 claimers, 50,000 members
    .venv/bin/python bench/bench_dialer.py --calls 20000 --members 10000 --claimers 4

Each claimer is a thread with its own connection calling `calls_claim(limit=--batch)` until the queue is empty
(the same function POST /v1/calls/claim runs). Reports claims/s and duplicates (must be 0), then times
`campaign_start` over a campaign of --members contacts (target: under 5 s).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--claimers", type=int, default=8)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--db", default="smartalex_bench_dialer")
    args = parser.parse_args()
    pg = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run(["dropdb", "--if-exists", *pg, args.db], check=True)
    subprocess.run(["createdb", *pg, args.db], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.db}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "smartalex.settings.test"
    import django

    django.setup()
    from datetime import UTC, datetime

    from django.core.management import call_command
    from django.db import connection, connections
    from django.utils import timezone

    from contacts.campaigns import dialer
    from contacts.models import Campaign, Workspace

    call_command("migrate", verbosity=0)
    noon_pacific = datetime(2026, 6, 15, 19, 0, tzinfo=UTC)  # inside calling hours for the +1 415 numbers
    timezone.now = lambda: noon_pacific
    ws = Workspace.objects.create(name="Bench", slug="bench")
    total = max(args.calls, args.members)
    print(f"Seeding {total:,} contacts and {args.calls:,} queued calls ...", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO contacts_contact (workspace_id, public_id, phone, first_name, last_name, email, company,
                 title, notes, status, metadata, created_at, updated_at, calls_count)
               SELECT %s, 'contact_b' || n, '+1415' || lpad((2000000 + n)::text, 7, '0'), 'First' || n, 'Last', '',
                      '', '', '', 'active', '{}', now(), now(), 0 FROM generate_series(1, %s) AS n""", [ws.pk, total])
        cursor.execute(
            """INSERT INTO contacts_call (workspace_id, public_id, contact_id, phone, direction, status, duration,
                 sentiment, outcome, recording_url, transcript, created_at, updated_at, attempt, claim_token,
                 claim_count, agent, cancel_reason, rules_version)
               SELECT workspace_id, 'call_b' || id, id, phone, 'outbound', 'queued', 0, '', '', '', '', now(), now(),
                      1, '', 0, '', '', '' FROM contacts_contact WHERE workspace_id = %s ORDER BY id LIMIT %s""",
            [ws.pk, args.calls])
        # Every contact gave written consent (AI-voice telemarketing needs it) before the bench's noon.
        cursor.execute(
            """INSERT INTO contacts_consentrecord (workspace_id, public_id, phone, contact_id, kind, source,
                 captured_at, proof_url, proof_text, recording_id, actor_label, created_at)
               SELECT workspace_id, 'consent_b' || id, phone, id, 'express_written', 'web_form', '2026-01-01',
                      'https://example.com/form', '', '', 'bench', now()
               FROM contacts_contact WHERE workspace_id = %s""",
            [ws.pk])
        cursor.execute("ANALYZE contacts_consentrecord")
        cursor.execute("ANALYZE contacts_call")
        cursor.execute("ANALYZE contacts_contact")

    got: list[list[str]] = [[] for _ in range(args.claimers)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(args.claimers)

    def run(slot: int) -> None:
        try:
            barrier.wait()
            while True:
                claimed = dialer.calls_claim(workspace=ws, limit=args.batch, agent=f"bench-{slot}")
                if not claimed:
                    return
                got[slot].extend(c.call.public_id for c in claimed)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(args.claimers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claim_seconds = time.perf_counter() - t0
    handed = Counter(pid for ids in got for pid in ids)
    duplicates = sum(n - 1 for n in handed.values() if n > 1)
    missing = args.calls - len(handed)

    campaign = Campaign.objects.create(workspace=ws, name="Bench start")
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO contacts_campaignmembership (campaign_id, contact_id, added_at)
               SELECT %s, id, now() FROM contacts_contact WHERE workspace_id = %s ORDER BY id DESC LIMIT %s""",
            [campaign.pk, ws.pk, args.members])
        # Members whose calls are claimed above are "already open" and excluded; free them so all are eligible.
        cursor.execute("UPDATE contacts_call SET status = 'completed', created_at = now() - interval '2 days'")
        cursor.execute("ANALYZE")
    t0 = time.perf_counter()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        queued = profiler.runcall(dialer.campaign_start, campaign=campaign)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    else:
        queued = dialer.campaign_start(campaign=campaign)
    start_seconds = time.perf_counter() - t0

    print(f"\nPostgreSQL, {args.claimers} claimers, batches of {args.batch}")
    print(f"{'measurement':<48} {'value':>14}  target")
    print("-" * 80)
    print(f"{'calls claimed':<48} {len(handed):>14,}  {args.calls:,}")
    print(f"{'claims/s (all claimers together)':<48} {len(handed) / claim_seconds:>14,.0f}")
    print(f"{'duplicates (a call handed out twice)':<48} {duplicates:>14}  0")
    print(f"{'lost (queued, never handed out)':<48} {missing:>14}  0")
    print(f"{'errors':<48} {len(errors):>14}  0")
    print(f"{f'campaign_start over {args.members:,} members (s)':<48} {start_seconds:>14.2f}  < 5")
    print(f"{'calls queued by the start':<48} {queued:>14,}  {args.members:,}")
    print(f"\nReproduce: .venv/bin/python bench/bench_dialer.py --calls {args.calls} --members {args.members} "
          f"--claimers {args.claimers} --batch {args.batch}")
    if errors:
        raise errors[0]


if __name__ == "__main__":
    main()
