"""Load test against the machine's own ceiling: gunicorn (production settings) + PostgreSQL, one invocation.

    .venv/bin/python bench/load/run.py                                    # defaults below: about 2 minutes
    .venv/bin/python bench/load/run.py --database-url postgres://postgres@127.0.0.1:5432/sa_load \\
        --contacts 1000000 --users 40 --duration 60 --import-rows 50000  # the issue's scale

Steps: seed (or reuse) workspace `bench` with --contacts contacts (bench_postgres_search.py's seeding); import a
generated CSV with `manage.py import_contacts` while nothing else runs (idle rate); start gunicorn with
gunicorn.conf.py; phase 1, the ceiling: --users locust users fetch the signed-out login page for --duration s;
phase 2, the mixed workload with the same users, duration and server: users sign in once and reuse their session for
the dashboard list, search (short words included), contact detail, API list and API create, while the same CSV is
imported again into another workspace. Each phase measures --duration s, starting once --warmup s have passed and
every user has signed in; bench/load/report.py summarises it. Needs locust: `pip install -e ".[dev]"`.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE), str(ROOT / "bench")]
from report import ImportResult, ImportRun, Phase, import_under_load, load_samples, render, summarize  # noqa: E402

PY = sys.executable
BIN = Path(PY).parent
OUT = ROOT / "bench" / "out" / "load"
WORKSPACE = "bench"  # the slug bench_postgres_search.py seeds, so a database it filled is reused
IMPORT_WORKSPACES = ("load-import-idle", "load-import-busy")
SIGN_IN_ALLOWANCE = 120  # seconds the mixed phase waits for every user to sign in before measuring anyway
IMPORT_GRACE = 30  # seconds an import that outlasts the load may go on before it is stopped (its rate is known)


def env_for(database_url: str, **extra: str) -> dict[str, str]:
    """Production settings for plain http on loopback (README "Running in production")."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "smartalex.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url, "SECURE_SSL_REDIRECT": "false", "SECURE_COOKIES": "false",
            "LOG_LEVEL": "WARNING", "GUNICORN_ACCESS_LOG": "/dev/null",
            # The load is one API key and one address: neither the rate limit nor lock-outs are under test here.
            "API_RATE_LIMIT": "10000000/min", "AXES_FAILURE_LIMIT": "1000",
            "REDIS_URL": os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/12"), **extra}


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True).stdout


def ensure_database(url: str) -> None:
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    pg = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    names = subprocess.run(["psql", *pg, "-d", "postgres", "-tAc", "SELECT datname FROM pg_database"],
                           capture_output=True, text=True, check=True).stdout.split()
    if name not in names:
        subprocess.run(["createdb", *pg, name], check=True)


def prepare(contacts: int) -> dict:
    """In this process (env already set): migrate, seed up to `contacts`, the signed-in user, an API key, ids."""
    import django

    django.setup()
    from bench_postgres_search import seed_contacts
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from contacts.models import Contact, Membership, Role, Workspace

    call_command("migrate", verbosity=0)
    ws, _ = Workspace.objects.get_or_create(slug=WORKSPACE, defaults={"name": "Bench"})
    have = Contact.objects.filter(workspace=ws).count()
    if have < contacts:
        with connection.cursor() as cursor:
            cursor.execute(r"SELECT coalesce(max(substr(public_id, 10)::bigint), 0) FROM contacts_contact "
                           r"WHERE workspace_id = %s AND public_id ~ '^contact_b[0-9]+$'", [ws.pk])
            last = cursor.fetchone()[0]
            print(f"Seeding {contacts - have:,} contacts (workspace has {have:,}) ...", flush=True)
            t0 = time.perf_counter()
            seed_contacts(cursor, ws.pk, last + 1, last + contacts - have)
            print(f"  seeded in {time.perf_counter() - t0:.0f} s", flush=True)
    for slug in IMPORT_WORKSPACES:  # each import starts from an empty workspace, so both do the same work
        target, _ = Workspace.objects.get_or_create(slug=slug, defaults={"name": slug})
        Contact.objects.filter(workspace=target).delete()
    password = secrets.token_urlsafe(16)
    user = get_user_model().objects.filter(username="load").first() or get_user_model()(username="load")
    user.set_password(password)
    user.save()
    Membership.objects.update_or_create(user=user, workspace=ws, defaults={"role": Role.MEMBER})
    out = io.StringIO()
    call_command("create_api_key", workspace=WORKSPACE, name="load test", role=Role.MEMBER, stdout=out,
                 stderr=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT public_id FROM contacts_contact WHERE workspace_id = %s ORDER BY random() LIMIT 500",
                       [ws.pk])
        ids = [row[0] for row in cursor.fetchall()]
    total = Contact.objects.filter(workspace=ws).count()
    connection.close()  # gunicorn and the imports get the database to themselves
    return {"key": out.getvalue().strip().splitlines()[-1], "password": password, "ids": ids, "total": total}


def make_csv(path: Path, rows: int) -> None:
    """A Google Contacts-style export with (212)-style numbers; the same file for the idle and the busy import."""
    rng = random.Random(1)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["First Name", "Last Name", "Mobile Phone", "E-mail 1 - Value", "Company"])
        for n in range(rows):
            number = f"({rng.choice([212, 312, 415, 646, 718])}) {rng.randrange(200, 999)}-{rng.randrange(10000):04d}"
            writer.writerow([f"Lead{n}", "Load", number, f"lead{n}@example.com", "Load Co"])


PROGRESS = re.compile(r"\] ([\d,]+)/[\d,]+ rows")


def run_import(env: dict[str, str], path: Path, workspace: str,
               started: list[subprocess.Popen] | None = None) -> ImportResult:
    """One `import_contacts` run: start and end (monotonic, start-up included), rows imported (-1: stopped), and
    its progress lines as (when, rows done), read from stderr (a line per 10% of the file or per chunk)."""
    t0 = time.monotonic()
    process = subprocess.Popen([PY, "manage.py", "import_contacts", str(path), "--workspace", workspace], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if started is not None:
        started.append(process)
    progress = [(time.monotonic(), int(m.group(1).replace(",", "")))
                for line in process.stderr if (m := PROGRESS.search(line))]
    out = process.stdout.read()
    if process.wait() == -signal.SIGTERM:
        return t0, time.monotonic(), -1, progress
    if process.returncode:
        raise SystemExit(f"import_contacts failed ({process.returncode})")
    return t0, time.monotonic(), json.loads(out.strip().splitlines()[-1])["imported"], progress


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}): {server.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # loopback
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer {url} within {seconds:.0f} s")


def run_locust(user_class: str, args: argparse.Namespace, host: str, extra_env: dict[str, str], name: str,
               during=None) -> tuple[Phase, list[str]]:
    """One headless locust phase: --warmup s (and every sign-in), then --duration s measured, `during()` at its start.

    Returns the phase and locust's warnings (it warns when its own CPU is saturated: the figures are then the
    harness's, not the server's).
    """
    samples, ready = OUT / f"{name}_samples.json", OUT / f"{name}_ready"
    samples.unlink(missing_ok=True)
    ready.unlink(missing_ok=True)
    signs_in = user_class == "Manager"
    limit = args.warmup + args.duration + SIGN_IN_ALLOWANCE  # a safety stop; run.py stops it before
    command = [str(BIN / "locust"), "-f", str(HERE / "locustfile.py"), "--headless", "-u", str(args.users),
               "-r", str(args.users), "-t", f"{limit}s", "--host", host, "--csv", str(OUT / name), "--only-summary",
               "--stop-timeout", "5", "--loglevel", "WARNING", user_class]
    print(f"{name}: {args.users} users, {args.warmup} s warm-up + {args.duration} s measured ...", flush=True)
    log_path = OUT / f"{name}_locust.log"
    with log_path.open("w") as log:
        started = time.monotonic()
        locust = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                  env={**os.environ, **extra_env, "LOAD_SAMPLES": str(samples),
                                       "LOAD_READY": str(ready), "LOAD_USERS": str(args.users)})
        time.sleep(args.warmup)
        while signs_in and not ready.exists() and time.monotonic() - started < args.warmup + SIGN_IN_ALLOWANCE:
            time.sleep(0.2)
        begin = time.time()
        if during:
            during()
        time.sleep(args.duration)
        end = time.time()
        locust.send_signal(signal.SIGTERM)  # locust stops its users, writes the samples and its CSV files
        locust.wait(timeout=60)
    if not samples.exists():
        raise SystemExit(f"locust wrote no samples; see {log_path}")
    warnings = [line.strip() for line in log_path.read_text().splitlines() if "CPU usage" in line]
    return summarize(load_samples(samples), begin, end), warnings[:1]


class WaitSampler(threading.Thread):
    """Samples pg_stat_activity twice a second: what the database's busy backends are doing (or waiting on)."""

    def __init__(self, database_url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.stop, self.counts, self.samples = database_url, threading.Event(), Counter(), 0

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.wait(0.5):
                rows = conn.execute("SELECT coalesce(wait_event_type || ':' || wait_event, 'on CPU') FROM "
                                    "pg_stat_activity WHERE datname = current_database() AND state = 'active' "
                                    "AND pid <> pg_backend_pid()").fetchall()
                self.samples += 1
                self.counts.update(row[0] for row in rows)

    def summary(self) -> str:
        if not self.samples:
            return ""
        busy = sum(self.counts.values()) / self.samples
        top = ", ".join(f"{name} {n / self.samples:.1f}" for name, n in self.counts.most_common(4))
        return f"PostgreSQL during the mixed phase: {busy:.1f} active backends on average ({top})"


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/sa_load")
    parser.add_argument("--contacts", type=int, default=100_000, help="contacts in the load's workspace")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=int, default=30, help="measured seconds per phase")
    parser.add_argument("--warmup", type=int, default=5, help="seconds per phase before measuring (at least until "
                        "every user has signed in)")
    parser.add_argument("--import-rows", type=int, default=10_000, help="0: the web load alone")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: gunicorn.conf.py's)")
    args = parser.parse_args()
    command = " ".join([".venv/bin/python bench/load/run.py", shlex.join(sys.argv[1:])]).strip()
    OUT.mkdir(parents=True, exist_ok=True)
    load_before = uptime()
    env = env_for(args.database_url, **({"GUNICORN_WORKERS": str(args.workers)} if args.workers else {}))
    ensure_database(args.database_url)
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL",
                                           "SECURE_SSL_REDIRECT", "SECURE_COOKIES", "REDIS_URL", "LOG_LEVEL")})
    setup = prepare(args.contacts)

    idle = busy = None
    csv_path = OUT / "import.csv"
    if args.import_rows:
        make_csv(csv_path, args.import_rows)
        print(f"Idle import of {args.import_rows:,} rows ...", flush=True)
        start, end, imported, _ = run_import(env, csv_path, IMPORT_WORKSPACES[0])
        idle = ImportRun(args.import_rows, end - start, imported)

    port = free_port()
    host = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"], cwd=ROOT,
                              env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, start_new_session=True)
    busy_result: list[ImportResult] = []
    threads: list[threading.Thread] = []
    imports: list[subprocess.Popen] = []

    sampler = WaitSampler(args.database_url)

    def during_mixed() -> None:
        sampler.start()
        if args.import_rows:
            thread = threading.Thread(target=lambda: busy_result.append(run_import(env, csv_path,
                                                                                   IMPORT_WORKSPACES[1], imports)))
            thread.start()
            threads.append(thread)

    try:
        wait_ready(host + "/accounts/login/", server)
        ceiling, warnings = run_locust("Ceiling", args, host, {}, "ceiling")
        users = {"LOAD_USERNAME": "load", "LOAD_PASSWORD": setup["password"], "LOAD_API_KEY": setup["key"],
                 "LOAD_CONTACT_IDS": ",".join(setup["ids"])}
        mixed, more = run_locust("Manager", args, host, users, "mixed", during_mixed)
        warnings += more
        load_ended = time.monotonic()
        sampler.stop.set()
        sampler.join(timeout=5)
        for thread in threads:
            thread.join(timeout=IMPORT_GRACE)
            if thread.is_alive():  # its rate while the load ran is in its progress lines already
                imports[0].terminate()
                thread.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    if busy_result:
        busy = import_under_load(busy_result[0], args.import_rows, load_ended)

    workers = args.workers or os.cpu_count() * 2 + 1  # gunicorn.conf.py's default
    heading = (f"Load test: gunicorn ({workers} sync workers, production settings) + PostgreSQL "
               f"({urlparse(args.database_url).path.lstrip('/')}), {setup['total']:,} contacts in workspace "
               f"'{WORKSPACE}', {args.users} users, {args.duration} s measured per phase after a {args.warmup} s "
               f"warm-up and every sign-in, {os.cpu_count()} cores")
    text = render(ceiling, mixed, idle, busy, heading=heading, command=command, load_before=load_before,
                  load_after=uptime(), notes=(*(f"locust: {w}" for w in warnings), sampler.summary()))
    (OUT / "report.txt").write_text(text + "\n")
    print("\n" + text)


if __name__ == "__main__":
    main()
