"""Import a CSV/XLSX file of contacts through the same pipeline as the wizard.

Progress goes to stderr (a bar on a terminal, a line per 10% otherwise); the last stdout line is
one JSON object with the counts, so scripts can read it with `tail -n1 | jq`.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contacts import phone as phone_rules
from contacts import services
from contacts.imports import FileProblem, ImportResult, Options, TableSource, import_file
from contacts.models import Campaign, ImportBatch, Workspace

BAR_WIDTH = 30


class Progress:
    """A terminal progress bar on stderr: rows done of total, rows/s and time left."""

    def __init__(self, stream, total: int = 0):
        self.stream = stream
        self.total = total
        self.started = time.monotonic()
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.last_decile = -1

    def update(self, done: int) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = done / elapsed
        total = max(self.total, done, 1)
        fraction = done / total
        left = (total - done) / rate if rate else 0
        filled = int(BAR_WIDTH * fraction)
        text = (f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:,}/{total:,} rows "
                f"{fraction:4.0%}  {rate:,.0f} rows/s  {left:,.0f}s left")
        if self.tty:
            self.stream.write("\r" + text)
            self.stream.flush()
        else:
            decile = int(fraction * 10)
            if decile != self.last_decile:
                self.last_decile = decile
                self.stream.write(text + "\n")
                self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = ("Import contacts from a CSV or XLSX file (headers auto-mapped). Prints progress on stderr and, as the "
            "last stdout line, a JSON object with the counts.")
    # A data command: the system checks (which import every URL, view and the API) are the server's start-up cost.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the CSV or XLSX file")
        parser.add_argument("--workspace", required=True, help="Workspace slug")
        parser.add_argument("--default-country", default=None,
                            help="ISO country code for numbers without a country code (default: the workspace's)")
        parser.add_argument("--update-existing", action="store_true",
                            help="Update contacts whose number already exists (default: skip them)")
        parser.add_argument("--campaign", default=None, help="Add imported contacts to this campaign (its id)")
        parser.add_argument("--ignore-country-column", action="store_true",
                            help="Parse every number with the default country, not the row's country column")

    def handle(self, *args, file: str, workspace: str, default_country: str | None, update_existing: bool,
               campaign: str | None, ignore_country_column: bool = False, **options):
        ws = Workspace.objects.filter(slug=workspace).first()
        if ws is None:
            raise CommandError(f"No workspace with slug {workspace!r}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        if default_country is not None:
            default_country = default_country.strip().upper()
            if not phone_rules.is_supported_region(default_country):
                raise CommandError(f"{default_country!r} is not a country code (use e.g. US, GB, DE).")
        target = None
        if campaign:
            target = Campaign.objects.for_workspace(ws).filter(public_id=campaign).first()
            if target is None:
                raise CommandError(f"No campaign {campaign!r} in workspace {ws.slug!r}.")
        run_options = Options(skip_duplicates=not update_existing, update_existing=update_existing,
                              default_country=default_country, campaign=target)
        stream = self.stderr._out if hasattr(self.stderr, "_out") else sys.stderr
        bar = Progress(stream)

        def on_start(batch: ImportBatch) -> None:
            bar.total = batch.rows
            bar.started = time.monotonic()
            stream.write(f"Importing {batch.rows:,} rows from {path.name} into {ws.slug} "
                         f"(batch {batch.public_id})\n")
            bar.update(0)

        def on_progress(result: ImportResult) -> None:
            bar.update(result.rows)

        try:
            result = import_file(workspace=ws, source=TableSource.from_path(os.fspath(path), path.name),
                                 options=run_options, actor=None, source_label="command",
                                 progress=on_progress, on_start=on_start,
                                 ignore_country_column=ignore_country_column)
        except FileProblem as exc:
            raise CommandError(f"{path.name}: {exc.message}") from exc
        except services.ServiceError as exc:
            raise CommandError(exc.message) from exc
        bar.finish()
        if result.limit_skipped:
            stream.write(f"{result.limit_skipped:,} rows were past the plan's contact limit "
                         "(contact_limit_reached).\n")
        if result.batch is not None:
            stream.write(f"Batch {result.batch.public_id}: error report at /imports/{result.batch.public_id}/"
                         "errors.csv\n")
        counts = {key: value for key, value in result.as_counts().items() if key != "limit_skipped"}
        if result.limit_skipped:
            counts["limit_skipped"] = result.limit_skipped
        self.stdout.write(json.dumps(counts))
