"""gunicorn settings for `make serve-prod` (override any of them with GUNICORN_* environment variables)."""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers, (2 x cores) + 1 of them, picked by measurement (bench/bench_workers.py, README "Page cost"): with
# 1,000,000 contacts on 2 cores, 8 keep-alive clients on the list, contact page and API list got 74 req/s (p95 196 ms)
# from 5 sync workers against 66 (p95 232 ms) from gthread 2x4 and 65 (p95 269 ms) from gthread 5x2. The pages
# are CPU-bound Python (the SQL is a few ms), so threads wait on the GIL while processes use every core; since
# searches and counts are bounded, no request holds a sync worker for long. GUNICORN_WORKER_CLASS=gthread with
# GUNICORN_THREADS=N remains available.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))  # exports stream; long imports run in the task worker
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))  # recycle workers to bound memory growth
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
wsgi_app = "smartalex.wsgi:application"
