"""Return expired dialer claims to the queue (once, then fail them), once or in a loop."""
from __future__ import annotations

import json
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from contacts.campaigns.dialer import calls_expire_leases


class Command(BaseCommand):
    help = ("The dialer sweep: claims nobody reported on before their lease ended go back to the queue once, then "
            "fail, even when no dialer claims again. Once by default; `--loop 30` repeats every 30 s (`make run`).")

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, metavar="SECONDS",
                            help="Sweep again every SECONDS until stopped (0: once, then exit)")

    def handle(self, *args, loop: float, **options):
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        if loop:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        while True:
            counts = calls_expire_leases()
            if any(counts.values()) or not loop:
                self.stdout.write(json.dumps(counts))
            if not loop or stopping:
                return
            close_old_connections()
            time.sleep(loop)
