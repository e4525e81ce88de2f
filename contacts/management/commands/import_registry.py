"""Store a National DNC Registry area-code file (or a state list) as a registry source of a workspace."""
import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contacts import services
from contacts.compliance import registry
from contacts.models import RegistryKind, Workspace


class Command(BaseCommand):
    help = "Import a registry file (one 10-digit number per line); its numbers are refused for telemarketing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the file")
        parser.add_argument("--workspace", required=True, help="Workspace slug")
        parser.add_argument("--downloaded-on", required=True, help="When the file was downloaded (YYYY-MM-DD)")
        parser.add_argument("--name", default="", help="A name for the file (default: its file name)")
        parser.add_argument("--state", default="", help="For a state list: its state (e.g. FL)")

    def handle(self, *args, file: str, workspace: str, downloaded_on: str, name: str, state: str, **options):
        ws = Workspace.objects.filter(slug=workspace).first()
        if ws is None:
            raise CommandError(f"No workspace with slug {workspace!r}.")
        try:
            day = date.fromisoformat(downloaded_on)
        except ValueError as exc:
            raise CommandError(f"--downloaded-on {downloaded_on!r} is not a date (YYYY-MM-DD).") from exc
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file at {file}.")
        kind = RegistryKind.STATE if state else RegistryKind.NATIONAL
        with path.open("rb") as handle:
            try:
                source, parsed = services.registry_import(
                    workspace=ws, lines=registry.text_lines(handle), name=name or path.name, downloaded_on=day,
                    kind=kind, state=state, actor="import_registry command")
            except services.ValidationFailed as exc:
                raise CommandError(exc.message) from exc
        self.stdout.write(json.dumps({"registry": source.public_id, "numbers": parsed.numbers,
                                      "area_codes": parsed.area_codes, "lines_rejected": parsed.rejected}))
