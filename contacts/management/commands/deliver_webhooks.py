"""Send every webhook delivery that is due (new, retrying, or left in flight by a killed worker), once or in a loop."""
from __future__ import annotations

import json
import signal
import time
from collections import Counter

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from contacts.webhooks.delivery import deliver_due


class Command(BaseCommand):
    help = ("The webhook sweep: sends due deliveries (retries, and deliveries whose worker died mid-request, with "
            "the same webhook-id). Once by default; `--loop 15` keeps sweeping every 15 s (`make run` does).")

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, metavar="SECONDS",
                            help="Sweep again every SECONDS until stopped (0: once, then exit)")
        parser.add_argument("--concurrency", type=int, default=4, help="Requests in flight at once (threads)")

    def handle(self, *args, loop: float, concurrency: int, **options):
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        if loop:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        while True:
            results = deliver_due(threads=max(1, concurrency))
            counts = dict(Counter(r.status for r in results))
            if results or not loop:
                self.stdout.write(json.dumps({"sent": len(results), **counts}))
            if not loop or stopping:
                return
            close_old_connections()  # between sweeps, like a request's end: no connection held while idle
            for _ in range(max(1, int(loop * 10))):
                if stopping:
                    return
                time.sleep(0.1)
