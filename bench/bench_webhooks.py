"""Webhook fan-out: N events to a local receiver through the real task workers, with a receiver outage.

Usage (PostgreSQL on 127.0.0.1; the database smartalex_bench_webhooks is dropped and recreated):
    .venv/bin/python bench/bench_webhooks.py                          # 10,000 events, 60 s outage
    .venv/bin/python bench/bench_webhooks.py --events 2000 --outage 5  # a quick run

The bench process emits events with `webhook_emit` (each in its own transaction, so each is queued on commit) at
--rate per second. --workers `db_worker` processes deliver them and `deliver_webhooks --loop` sweeps, as deployed.
A receiver in its own process verifies every signature with standardwebhooks and records when each webhook-id
first arrived; --outage-at seconds into the run it stops listening for --outage seconds (connection refused), so
the events of that window are retried (5 s, then 1 min, ...). Delay = first receipt - commit of the event.
Prints p50/p95/p99/max delay (all events, and those emitted during the outage), lost and duplicate counts.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
OUT = ROOT / "bench" / "out"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def receiver_main(port: int, secret: str, log_path: str, outage_start, outage_seconds: float) -> None:
    """Verify and record every request; stop listening for the outage, from `outage_start` (a shared value
    set by the bench once the run starts, as time.time())."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from standardwebhooks import Webhook

    hook = Webhook(secret)
    lock = threading.Lock()
    log = open(log_path, "a", buffering=1)  # noqa: SIM115 - closed when the process ends

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_POST(self):  # noqa: N802
            received = time.time()
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            try:
                payload = hook.verify(body, {k.lower(): v for k, v in self.headers.items()})
                ok = 1
            except Exception:
                payload, ok = json.loads(body), 0
            data = payload["data"]
            with lock:
                log.write(f"{self.headers['webhook-id']} {data['seq']} {data['emitted_at']} {received} {ok}\n")
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    def serve() -> ThreadingHTTPServer:
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    server = serve()
    if outage_seconds > 0:
        while not outage_start.value:
            time.sleep(0.05)
        time.sleep(max(0.0, outage_start.value - time.time()))
        server.shutdown()
        server.server_close()
        time.sleep(outage_seconds)
        server = serve()
    while True:
        time.sleep(3600)


def env_for(database_url: str) -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "smartalex.settings.production", "SECRET_KEY": "bench-" * 10,
            "ALLOWED_HOSTS": "127.0.0.1", "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING",
            "WEBHOOKS_ALLOW_PRIVATE": "true", "SECURE_SSL_REDIRECT": "false", "SECURE_COOKIES": "false"}


def recreate_database(name: str) -> str:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * len(values)) - 1))]


def read_log(path: Path) -> list[tuple[str, int, float, float, int]]:
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 5:
                rows.append((parts[0], int(parts[1]), float(parts[2]), float(parts[3]), int(parts[4])))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=50, help="events emitted per second")
    parser.add_argument("--workers", type=int, default=4, help="db_worker processes")
    parser.add_argument("--emitters", type=int, default=8, help="threads emitting events, each its own commits")
    parser.add_argument("--outage", type=float, default=60, help="seconds the receiver is down")
    parser.add_argument("--outage-at", type=float, default=10, help="seconds after the first event")
    parser.add_argument("--sweep", type=float, default=5, help="deliver_webhooks --loop interval (0: no sweep)")
    parser.add_argument("--database", default="smartalex_bench_webhooks")
    parser.add_argument("--wait", type=float, default=0, help="give up this long after the last event "
                                                               "(default: outage + 8 min)")
    args = parser.parse_args()
    command = " ".join([".venv/bin/python bench/bench_webhooks.py", f"--events {args.events}", f"--rate {args.rate:g}",
                        f"--workers {args.workers}", f"--emitters {args.emitters}", f"--outage {args.outage:g}",
                        f"--outage-at {args.outage_at:g}"])
    OUT.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    database_url = recreate_database(args.database)
    env = env_for(database_url)
    os.environ.update(env)
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection, transaction
    from django.db.models import Count

    from contacts import services
    from contacts.models import WebhookAttempt, WebhookDelivery, Workspace

    workspace = Workspace.objects.create(name="Bench hooks", slug="bench-hooks")
    port = free_port()
    endpoint, secret = services.webhook_endpoint_create(workspace=workspace, url=f"http://127.0.0.1:{port}/hook",
                                                        actor="bench")
    log_path = OUT / "webhooks-received.log"
    log_path.unlink(missing_ok=True)
    log_path.touch()
    context = multiprocessing.get_context("spawn")
    shared_outage_start = context.Value("d", 0.0)
    receiver = context.Process(target=receiver_main, args=(port, secret, str(log_path), shared_outage_start,
                                                           args.outage), daemon=True)
    receiver.start()
    worker_log = open(OUT / "webhooks-workers.log", "w")  # noqa: SIM115 - closed at the end
    processes = [subprocess.Popen([PY, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay",
                                   "--no-reload", "--worker-id", f"bench-{i}"], cwd=ROOT, env=env,
                                  stdout=worker_log, stderr=worker_log)
                 for i in range(args.workers)]
    if args.sweep:
        processes.append(subprocess.Popen([PY, "manage.py", "deliver_webhooks", "--loop", str(args.sweep),
                                           "--concurrency", "4"], cwd=ROOT, env=env, stdout=worker_log,
                                          stderr=worker_log))
    try:
        # Warm-up: one event through a worker to the receiver, then a moment for the other workers to boot.
        with transaction.atomic():
            services.webhook_emit(workspace=workspace, event_type="contact.event",
                                  data={"seq": -1, "emitted_at": time.time()})
        while not read_log(log_path):
            time.sleep(0.2)
        time.sleep(3)
        log_path.write_text("")
        start = time.time()
        outage_start = start + args.outage_at
        shared_outage_start.value = outage_start
        print(f"Emitting {args.events:,} events at {args.rate:g}/s; receiver down from +{args.outage_at:g} s "
              f"for {args.outage:g} s; {args.workers} workers.", flush=True)

        def emit(first: int) -> None:
            # Like concurrent web requests: each thread commits its own events (one transaction each).
            try:
                for i in range(first, args.events, args.emitters):
                    pause = start + i / args.rate - time.time()
                    if pause > 0:
                        time.sleep(pause)
                    with transaction.atomic():
                        services.webhook_emit(workspace=workspace, event_type="contact.event",
                                              data={"seq": i, "emitted_at": time.time()})
            finally:
                connection.close()

        emitters = [threading.Thread(target=emit, args=(n,)) for n in range(args.emitters)]
        for thread in emitters:
            thread.start()
        for thread in emitters:
            thread.join()
        emitted_until = time.time()
        emit_rate = args.events / (emitted_until - start)
        print(f"Emitted in {emitted_until - start:.1f} s ({emit_rate:.0f}/s); waiting for deliveries ...", flush=True)
        deadline = emitted_until + (args.wait or args.outage + 480)
        seen = 0
        while time.time() < deadline:
            seen = len({row[1] for row in read_log(log_path)})
            if seen >= args.events:
                break
            time.sleep(1)
        finished = time.time()
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        receiver.terminate()
        worker_log.close()

    rows = read_log(log_path)
    first: dict[int, tuple[float, float]] = {}
    for _webhook_id, seq, emitted, received, _ok in rows:
        if seq < 0:
            continue
        if seq not in first or received < first[seq][1]:
            first[seq] = (emitted, received)
    delays = [received - emitted for emitted, received in first.values()]
    outage_end = outage_start + args.outage
    in_outage = [r - e for e, r in first.values() if outage_start <= e < outage_end]
    outside = [r - e for e, r in first.values() if not (outage_start <= e < outage_end)]
    lost = args.events - len(first)
    duplicates = len(rows) - len(first)
    bad = sum(1 for row in rows if not row[4])
    statuses = dict(WebhookDelivery.objects.values_list("status").annotate(n=Count("id")).order_by())
    attempts = WebhookAttempt.objects.count()
    connection.close()

    def line(label: str, values: list[float]) -> str:
        if not values:
            return f"| {label:<34} | {'-':>8} | {'-':>8} | {'-':>8} | {'-':>8} | {0:>7,} |"
        return (f"| {label:<34} | {percentile(values, 50):8.2f} | {percentile(values, 95):8.2f} | "
                f"{percentile(values, 99):8.2f} | {max(values):8.2f} | {len(values):>7,} |")

    print()
    print(f"Webhook fan-out: {args.events:,} events at {emit_rate:.0f}/s, {args.workers} db_worker processes + sweep, "
          f"PostgreSQL, {os.cpu_count()} CPU(s) (load average {load_before:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end); receiver down {args.outage:g} s from +{args.outage_at:g} s")
    print()
    print(f"| {'delivery delay (s)':<34} | {'p50':>8} | {'p95':>8} | {'p99':>8} | {'max':>8} | {'events':>7} |")
    print(f"|{'-' * 36}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 9}|")
    print(line("all events", delays))
    print(line("emitted outside the outage", outside))
    print(line("emitted during the outage", in_outage))
    print()
    print(f"lost: {lost:,}   duplicates: {duplicates:,}   bad signatures: {bad:,}   "
          f"attempts: {attempts:,}   deliveries: {statuses}   "
          f"finished {finished - emitted_until:.1f} s after the last event")
    print(f"reproduce: {command}")
    if lost or bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
