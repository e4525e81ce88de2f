"""Create an API key for a workspace; the key is printed alone on the last line and never stored."""
from django.core.management.base import BaseCommand, CommandError

from contacts import services
from contacts.models import Role, Workspace


class Command(BaseCommand):
    help = "Create an API v1 key for a workspace. Only its hash is stored: copy it now."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True, help="Workspace slug")
        parser.add_argument("--name", default="CLI key", help="A name to tell keys apart")
        parser.add_argument("--role", default=Role.ADMIN.value,
                            help=f"What requests with the key may do: {', '.join(Role.values)} (default admin)")

    def handle(self, *args, workspace: str, name: str, role: str, **options):
        ws = Workspace.objects.filter(slug=workspace).first()
        if ws is None:
            raise CommandError(f"No workspace with slug {workspace!r}.")
        if role not in Role.values:
            raise CommandError(f"Unknown role {role!r}: use one of {', '.join(Role.values)}.")
        key, raw = services.api_key_create(workspace=ws, name=name, role=role, actor="create_api_key command")
        self.stderr.write(f"Created {key.role} API key {key.name!r} for workspace {ws.slug!r}. It is shown once:")
        self.stdout.write(raw)
