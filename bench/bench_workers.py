"""gunicorn worker class by measurement: sync vs gthread under concurrent clients.

Starts gunicorn (gunicorn.conf.py, production settings) once per configuration against the given database,
then N client threads with keep-alive connections request the dashboard list (a signed-in session), a contact
page and the API list in turn for D seconds. Prints requests/s and latency percentiles per configuration.

Usage (the 1,000,000-contact database of bench_postgres_search.py; its `bench` workspace):
    .venv/bin/python bench/bench_workers.py --database-url postgres://postgres@127.0.0.1:5432/sa_perf_bench
"""
from __future__ import annotations

import argparse
import http.client
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONFIGS = [  # (label, environment for gunicorn.conf.py)
    ("sync, 5 workers", {"GUNICORN_WORKER_CLASS": "sync", "GUNICORN_WORKERS": "5", "GUNICORN_THREADS": "1"}),
    ("gthread, 2 workers x 4 threads", {"GUNICORN_WORKER_CLASS": "gthread", "GUNICORN_WORKERS": "2",
                                        "GUNICORN_THREADS": "4"}),
    ("gthread, 5 workers x 2 threads", {"GUNICORN_WORKER_CLASS": "gthread", "GUNICORN_WORKERS": "5",
                                        "GUNICORN_THREADS": "2"}),
]


def prepare(database_url: str, secret_key: str) -> tuple[str, str, str]:
    """A session cookie for a workspace owner, an API key and a contact id (in-process, once)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "smartalex.settings.test"
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from contacts import services
    from contacts.models import Contact, Membership, Workspace

    settings.SECRET_KEY = secret_key  # the server's key: sessions are signed with it and hold a hash made with it
    ws = Workspace.objects.get(slug="bench")
    user, _ = get_user_model().objects.get_or_create(username="bench-pages")
    Membership.objects.get_or_create(user=user, workspace=ws, defaults={"role": "owner"})
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"  # (the first one is axes)
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    _, key = services.api_key_create(workspace=ws, name=f"bench-workers-{time.time():.0f}")
    contact = Contact.objects.filter(workspace=ws).order_by("-created_at", "-id").first()
    return session.session_key, key, contact.public_id


def client(port: int, paths: list[tuple[str, dict]], until: float, out: list, errors: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = 0
    while time.perf_counter() < until:
        path, headers = paths[i % len(paths)]
        i += 1
        t0 = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
        except (OSError, http.client.HTTPException) as exc:
            errors.append(type(exc).__name__)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        out.append((time.perf_counter() - t0) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--reverse", action="store_true",
                        help="configurations in reverse order (alternate runs so drifting load favours none)")
    args = parser.parse_args()
    secret_key = secrets.token_urlsafe(50)
    session_key, api_key, contact_id = prepare(args.database_url, secret_key)
    cookie = {"Cookie": f"sessionid={session_key}", "Host": "127.0.0.1"}
    paths = [("/contacts/", cookie), (f"/contacts/{contact_id}/", cookie),
             ("/v1/contacts", {"Authorization": f"Bearer {api_key}", "Host": "127.0.0.1"})]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "smartalex.settings.production", "DATABASE_URL": args.database_url,
           "SECRET_KEY": secret_key, "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "false",
           "SECURE_COOKIES": "false", "GUNICORN_BIND": f"127.0.0.1:{args.port}", "GUNICORN_ACCESS_LOG": "/dev/null",
           "LOG_LEVEL": "WARNING", "API_RATE_LIMIT": "1000000/min"}  # measure the server, not the limiter
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    print(f"\n{args.clients} clients, {args.seconds} s each, keep-alive; dashboard list, contact page, API list")
    print(f"{'gunicorn':<34} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>7}")
    print("-" * 74)
    for label, extra in (CONFIGS[::-1] if args.reverse else CONFIGS):
        server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py"], cwd=ROOT,
                                  env={**env, **extra}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):  # wait for the workers
                try:
                    probe = http.client.HTTPConnection("127.0.0.1", args.port, timeout=5)
                    probe.request("GET", "/v1/contacts", headers=paths[2][1])
                    probe.getresponse().read()
                    break
                except OSError:
                    time.sleep(0.2)
            warm_until = time.perf_counter() + 2
            threads = [threading.Thread(target=client, args=(args.port, paths, warm_until, [], []))
                       for _ in range(args.clients)]
            [t.start() for t in threads]
            [t.join() for t in threads]
            samples: list[float] = []
            errors: list = []
            until = time.perf_counter() + args.seconds
            threads = [threading.Thread(target=client, args=(args.port, paths, until, samples, errors))
                       for _ in range(args.clients)]
            started = time.perf_counter()
            [t.start() for t in threads]
            [t.join() for t in threads]
            elapsed = time.perf_counter() - started
            samples.sort()
            q = statistics.quantiles(samples, n=100)
            print(f"{label:<34} {len(samples) / elapsed:>7.1f} {q[49]:>7.1f} {q[94]:>7.1f} {q[98]:>7.1f} "
                  f"{len(errors):>7} {dict(Counter(errors)) if errors else ''}")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    load = os.getloadavg()
    print(f"\nmachine load (uptime): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"Reproduce: .venv/bin/python bench/bench_workers.py --database-url {args.database_url} "
          f"--clients {args.clients} --seconds {args.seconds}{' --reverse' if args.reverse else ''}")


if __name__ == "__main__":
    main()
