"""Garbage-collector settings for long-running web processes (gunicorn workers; bench/bench_pages.py mirrors them)."""
from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000  # allocations between young-generation collections (CPython's default: 700)


def tune_gc() -> None:
    """Freeze what start-up loaded (Django, the app, URL and template caches: never garbage) so collections skip it,
    and collect the young generation less often: one API list request allocates tens of thousands of short-lived
    objects, and with the default threshold the collections it triggers cost about 10% of the request (profiled
    with bench/bench_pages.py --profile: the time shows up in whichever constructor triggers them)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 50, 100)
