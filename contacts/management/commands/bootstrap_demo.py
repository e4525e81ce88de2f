"""Create the demo workspace and its admin user (idempotent); optionally add fake contacts."""
from __future__ import annotations

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from contacts.demo import populate
from contacts.models import Membership, Plan, Role, Workspace


class Command(BaseCommand):
    help = "Create workspace 'demo' and superuser 'admin'; --contacts N adds realistic fake data."

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, default=0,
                            help="Ensure at least N contacts (fake, with campaigns and calls)")
        parser.add_argument("--workspace", default="demo", help="Workspace slug (default: demo)")

    @transaction.atomic
    def handle(self, *args, contacts: int = 0, workspace: str = "demo", **options):
        ws, created_ws = Workspace.objects.get_or_create(
            slug=workspace, defaults={"name": workspace.replace("-", " ").title(), "plan": Plan.UNLIMITED}
        )
        User = get_user_model()
        user = User.objects.filter(username="admin").first()
        if user is None:
            password = os.environ.get("DJANGO_SUPERUSER_PASSWORD") or secrets.token_urlsafe(12)
            user = User.objects.create_superuser("admin", "admin@example.com", password)
            if os.environ.get("DJANGO_SUPERUSER_PASSWORD"):
                self.stdout.write("Created superuser 'admin' with the password from DJANGO_SUPERUSER_PASSWORD.")
            else:
                self.stdout.write(self.style.WARNING(
                    f"Created superuser 'admin' with password: {password}\n(shown once; set "
                    "DJANGO_SUPERUSER_PASSWORD to choose it)"))
        Membership.objects.get_or_create(user=user, workspace=ws, defaults={"role": Role.OWNER})
        self.stdout.write(f"Workspace '{ws.slug}' {'created' if created_ws else 'ready'}; user 'admin' is its owner.")
        missing = contacts - ws.contacts.count()
        if missing > 0:
            populate(ws, missing)
            self.stdout.write(f"Added {missing} fake contacts with campaigns and call history.")
