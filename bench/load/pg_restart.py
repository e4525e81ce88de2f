"""Fault: restart PostgreSQL during a stream of API creates; acknowledged writes must all survive, errors be clean.

Usage (root, PostgreSQL 15 cluster 'main' on 127.0.0.1):
    .venv/bin/python bench/load/pg_restart.py --seconds 12

Starts gunicorn on a scratch database, sends POST /v1/contacts from several threads, restarts PostgreSQL
(`pg_ctlcluster 15 main restart`) a few seconds in, then checks that every 201 it got is in the database and that
every error was a JSON error envelope (503 `service_unavailable`), never an HTML page or a hang.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))
from run import env_for, manage  # noqa: E402

DB = "smartalex_restart"
PORT = 8101


def post(key: str, phone: str) -> tuple[int, str, dict | None]:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}/v1/contacts", method="POST",
                                     data=json.dumps({"phone": phone}).encode(),
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, response.headers.get("Content-Type", ""), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        return exc.code, exc.headers.get("Content-Type", ""), parsed
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        return 0, type(exc).__name__, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument("--threads", type=int, default=6)
    args = parser.parse_args()
    pg = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run(["dropdb", "--if-exists", *pg, DB], check=True)
    subprocess.run(["createdb", *pg, DB], check=True)
    env = env_for(f"postgres://postgres@127.0.0.1:5432/{DB}", GUNICORN_WORKERS="3")
    manage(env, "migrate", "--noinput")
    manage(env, "bootstrap_demo")
    key = manage(env, "create_api_key", "--workspace", "demo").strip().splitlines()[-1]
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "--bind",
                               f"127.0.0.1:{PORT}", "--access-logfile", "/dev/null"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    acknowledged: list[str] = []
    outcomes: Counter = Counter()
    unclean: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + args.seconds
    counter = iter(range(10**9))
    time.sleep(3)

    def worker(tid: int) -> None:
        while time.monotonic() < stop:
            with lock:
                n = next(counter)
            phone = f"+1415{2_000_000 + n:07d}"
            status, content_type, body = post(key, phone)
            with lock:
                outcomes[status] += 1
                if status == 201:
                    acknowledged.append(body["data"]["id"])
                elif status and not (content_type.startswith("application/json") and body and "error" in body):
                    unclean.append(f"{status} {content_type}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.threads)]
    for t in threads:
        t.start()
    time.sleep(args.seconds / 3)
    t0 = time.monotonic()
    subprocess.run(["pg_ctlcluster", "15", "main", "restart"], check=True)
    outage = time.monotonic() - t0
    for t in threads:
        t.join()
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)
    code = ("import json; from contacts.models import Contact; "
            "ids = set(json.load(open('/tmp/pg_restart_ids.json'))); "
            "print(len(ids & set(Contact.objects.values_list('public_id', flat=True))))")
    Path("/tmp/pg_restart_ids.json").write_text(json.dumps(acknowledged))
    present = int(manage(env, "shell", "-c", code).strip().splitlines()[-1])
    subprocess.run(["dropdb", "--if-exists", *pg, DB], check=True)
    print(f"\nPostgreSQL restarted during {args.seconds:.0f} s of API creates ({args.threads} threads); "
          f"restart took {outage:.1f} s\n")
    print(f"{'outcome':<44} {'count':>8}")
    print("-" * 54)
    for status, count in sorted(outcomes.items()):
        label = {201: "201 created (acknowledged)", 503: "503 service_unavailable (JSON)",
                 0: "no HTTP answer (connection refused/reset)"}.get(status, f"{status}")
        print(f"{label:<44} {count:>8,}")
    print(f"{'acknowledged creates found afterwards':<44} {present:>8,} of {len(acknowledged):,}")
    print(f"{'error answers that were not a JSON error':<44} {len(unclean):>8,}")
    print("-" * 54)
    print("Pass: every acknowledged create is present, and every error is a JSON envelope."
          if present == len(acknowledged) and not unclean else f"FAIL: {unclean[:5]}")
    print("Reproduce: .venv/bin/python bench/load/pg_restart.py --seconds 12")


if __name__ == "__main__":
    main()
