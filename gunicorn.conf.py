"""gunicorn settings for `make serve-prod` (override any of them with GUNICORN_* environment variables)."""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# gthread: one process per core, 4 threads each, picked by measurement (bench/bench_workers.py; README "Worker
# class"). 2-core machine, 1,000,000 contacts, 8 keep-alive clients on the list, a contact page and the API list,
# four runs while other work loaded the machine (load average 7-11):
#   sync 5 workers         req/s 74.2, 23.8, 24.6, 26.7  (mean 37)
#   gthread 2 x 4 threads  req/s 66.3, 46.7, 32.4, 34.0  (mean 45)
#   gthread 5 x 2 threads  req/s 64.5, 25.8, 32.5, 26.2  (mean 37)
# Sync won only the calmest run (by 12%). Each request waits on PostgreSQL 7-15 times (about 1 ms a round trip
# here); threads overlap those waits without putting 5 processes on 2 cores that PostgreSQL also needs, and a
# streaming export or a slow request holds one thread, not a whole worker. GUNICORN_WORKER_CLASS=sync with
# GUNICORN_WORKERS=5 remains available.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", 4))
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
