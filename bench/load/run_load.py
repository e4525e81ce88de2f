"""Load test: gunicorn + PostgreSQL + 1,000,000 contacts, a mixed locust workload and a bulk import at once.

Usage (PostgreSQL on 127.0.0.1; `pip install -e ".[bench]"` for locust):
    .venv/bin/python bench/bench_postgres_search.py          # seeds database smartalex_bench_search (1M contacts)
    .venv/bin/python bench/load/run_load.py --users 40 --seconds 60

Prints requests/s, p50/p95/p99 and failures per request type, and the import's rows/s idle vs under load.
Targets (issue 6): >= 300 req/s on 2 cores, p95 <= 150 ms, zero failures, import under load >= 50% of idle.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
OUT = ROOT / "bench" / "out" / "load"
SECRET_KEY = secrets.token_urlsafe(50)  # production settings refuse short or patterned keys


def env_for(db: str, **extra: str) -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "smartalex.settings.production", "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost", "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}",
            "SECURE_SSL_REDIRECT": "false", "SECURE_COOKIES": "false", "LOG_LEVEL": "WARNING",
            "API_RATE_LIMIT": "10000000/min", "AXES_FAILURE_LIMIT": "1000",
            "REDIS_URL": "redis://127.0.0.1:6379/12", **extra}


def manage(env: dict, *args: str) -> str:
    return subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True).stdout


def setup(env: dict) -> tuple[str, list[str]]:
    code = """
import json
from django.contrib.auth import get_user_model
from contacts import services
from contacts.models import Contact, Membership, Workspace
ws = Workspace.objects.get(slug="bench")
User = get_user_model()
user = User.objects.filter(username="load").first() or User.objects.create_user("load", password="load-Password-123")
Membership.objects.get_or_create(user=user, workspace=ws, defaults={"role": "owner"})
for slug in ("load-idle", "load-busy"):
    w, _ = Workspace.objects.get_or_create(slug=slug, defaults={"name": slug})
    Contact.objects.filter(workspace=w).delete()
_, raw = services.api_key_create(workspace=ws, name="load test")
ids = list(Contact.objects.filter(workspace=ws).order_by("-id").values_list("public_id", flat=True)[:500])
print(json.dumps({"key": raw, "ids": ids}))
"""
    data = json.loads(manage(env, "shell", "-c", code).strip().splitlines()[-1])
    return data["key"], data["ids"]


def make_csv(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["First Name", "Last Name", "Mobile Phone", "E-mail 1 - Value", "Company"])
        for n in range(rows):
            number = f"({rng.choice([212, 312, 415, 646, 718])}) {rng.randrange(200, 999)}-{rng.randrange(0, 9999):04d}"
            writer.writerow([f"Lead{n}", "Load", number, f"lead{n}@example.com", "Load Co"])


def run_import(env: dict, path: Path, workspace: str) -> tuple[float, dict]:
    t0 = time.perf_counter()
    out = manage(env, "import_contacts", str(path), "--workspace", workspace)
    return time.perf_counter() - t0, json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="smartalex_bench_search")
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--import-rows", type=int, default=50_000, help="0: no concurrent import")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--import-rows-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    env = env_for(args.db)
    if args.workers:
        env["GUNICORN_WORKERS"] = str(args.workers)
    key, ids = setup(env)
    idle_csv, busy_csv = OUT / "import_idle.csv", OUT / "import_busy.csv"
    make_csv(idle_csv, args.import_rows, 1)
    make_csv(busy_csv, args.import_rows, 1)  # same shape and numbers, another workspace

    idle_seconds, idle_counts = run_import(env, idle_csv, "load-idle") if args.import_rows else (1, {})
    server = subprocess.Popen([str(Path(PY).parent / "gunicorn"), "-c", "gunicorn.conf.py", "--bind",
                               "127.0.0.1:8100", "--access-logfile", "/dev/null"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        for _ in range(60):
            try:
                if urllib.request.urlopen("http://127.0.0.1:8100/healthz", timeout=2).status == 200:  # noqa: S310
                    break
            except OSError:
                time.sleep(0.5)
        stats = OUT / "locust"
        locust_env = {**os.environ, "LOAD_API_KEY": key, "LOAD_CONTACT_IDS": ",".join(ids)}
        locust = subprocess.Popen([str(Path(PY).parent / "locust"), "-f", str(Path(__file__).parent / "locustfile.py"),
                                   "--headless", "-u", str(args.users), "-r", str(args.users), "-t",
                                   f"{args.seconds}s", "--host", "http://127.0.0.1:8100", "--csv", str(stats),
                                   "--only-summary", "--stop-timeout", "5"], cwd=ROOT, env=locust_env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(min(10, args.seconds / 4))  # let the load settle, then import alongside it
        busy_seconds, busy_counts = run_import(env, busy_csv, "load-busy") if args.import_rows else (1, {})
        locust.wait(timeout=args.seconds + 120)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    rows = list(csv.DictReader((stats.parent / "locust_stats.csv").open()))
    print(f"\nLoad test: gunicorn ({env.get('GUNICORN_WORKERS', 'cpu*2+1')} workers) + PostgreSQL ({args.db}), "
          f"{args.users} users for {args.seconds}s, {os.cpu_count()} cores\n")
    print(f"{'request':<22} {'requests':>9} {'fails':>6} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    print("-" * 72)
    for row in rows:
        print(f"{row['Name'][:22]:<22} {int(row['Request Count']):>9,} {int(row['Failure Count']):>6} "
              f"{float(row['Requests/s']):>8.1f} {row['50%']:>7} {row['95%']:>7} {row['99%']:>7}")
    steady = [r for r in rows if r["Name"] not in ("Aggregated", "login", "login page")]
    count = sum(int(r["Request Count"]) for r in steady)
    fails = sum(int(r["Failure Count"]) for r in steady)
    rate = sum(float(r["Requests/s"]) for r in steady)
    p95 = max(float(r["95%"]) for r in steady)
    print(f"{'steady state (no login)':<22} {count:>9,} {fails:>6} {rate:>8.1f} {'':>7} {'<=' + str(int(p95)):>7}")
    if not args.import_rows:
        return
    idle_rate = args.import_rows / idle_seconds
    busy_rate = args.import_rows / busy_seconds
    print("-" * 72)
    print(f"import of {args.import_rows:,} rows: idle {idle_rate:,.0f} rows/s, under load {busy_rate:,.0f} rows/s "
          f"({busy_rate / idle_rate:.0%} of idle); counts idle {idle_counts['imported']:,} / under load "
          f"{busy_counts['imported']:,} imported")
    print("Targets: >= 300 req/s, p95 <= 150 ms, 0 failures, import under load >= 50% of idle.")
    print(f"Reproduce: .venv/bin/python bench/load/run_load.py --users {args.users} --seconds {args.seconds}")


if __name__ == "__main__":
    main()
