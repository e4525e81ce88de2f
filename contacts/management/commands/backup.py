"""Back up the database while the server runs: SQLite's online backup API, or pg_dump for PostgreSQL."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = ("Write a consistent copy of the database (safe while the server and workers run). "
            "Prints the backup's path last. Restore: see README 'Backups'.")

    def add_arguments(self, parser):
        parser.add_argument("--output", help="File to write (default: var/backups/<db>-<UTC time>.sqlite3|.dump)")

    def handle(self, *args, output: str | None = None, **options):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        vendor = connection.vendor
        suffix = "sqlite3" if vendor == "sqlite" else "dump"
        target = Path(output) if output else Path(settings.BASE_DIR) / "var" / "backups" / f"contacts-{stamp}.{suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        if vendor == "sqlite":
            self._sqlite(target)
        elif vendor == "postgresql":
            self._postgres(target)
        else:
            raise CommandError(f"No backup method for the {vendor} database.")
        size = target.stat().st_size
        self.stderr.write(f"Backed up the {vendor} database ({size / 1e6:.1f} MB).")
        self.stdout.write(str(target))

    def _sqlite(self, target: Path) -> None:
        connection.ensure_connection()
        partial = target.with_suffix(target.suffix + ".partial")
        destination = sqlite3.connect(partial)
        try:
            # Copies pages in steps, so writers are blocked only briefly; WAL readers never are.
            connection.connection.backup(destination, pages=4096)
        finally:
            destination.close()
        partial.replace(target)

    def _postgres(self, target: Path) -> None:
        if shutil.which("pg_dump") is None:
            raise CommandError("pg_dump is not installed (apt-get install postgresql-client).")
        db = settings.DATABASES["default"]
        env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
        command = ["pg_dump", "--format=custom", "--no-owner", "--file", str(target),
                   "--host", db.get("HOST") or "127.0.0.1", "--port", str(db.get("PORT") or 5432),
                   "--username", db.get("USER") or "postgres", db["NAME"]]
        result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603 - fixed argv
        if result.returncode:
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
