"""Add a user to a workspace with a role (creating the account if needed), or change the role of a member."""
import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from contacts import services
from contacts.models import Membership, Role, Workspace

PASSWORD_ENV = "DJANGO_MEMBER_PASSWORD"  # noqa: S105 (the variable's name, not a password)


class Command(BaseCommand):
    help = (f"Add USERNAME to a workspace with a role, or change the role they have there. A new account gets the "
            f"password in ${PASSWORD_ENV}, else none: a one-time set-password path is printed.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--workspace", required=True, help="Workspace slug")
        parser.add_argument("--role", required=True, help=f"One of {', '.join(Role.values)}")
        parser.add_argument("--email", default="", help="Email of a new account")

    def handle(self, *args, username: str, workspace: str, role: str, email: str, **options):
        ws = Workspace.objects.filter(slug=workspace).first()
        if ws is None:
            raise CommandError(f"No workspace with slug {workspace!r}.")
        if role not in Role.values:
            raise CommandError(f"Unknown role {role!r}: use one of {', '.join(Role.values)}.")
        actor = "add_member command"
        user_model = get_user_model()
        membership = Membership.objects.select_related("user", "workspace").filter(
            workspace=ws, **{f"user__{user_model.USERNAME_FIELD}": username}).first()
        created = False
        try:
            if membership is not None:
                previous = membership.role
                services.member_set_role(membership=membership, role=role, actor=actor)
                verb = "kept" if previous == role else "changed"
            else:
                membership, created = services.member_invite(
                    workspace=ws, identifier=username, role=role, email=email,
                    password=os.environ.get(PASSWORD_ENV) or None, actor=actor)
                verb = "added"
        except services.ServiceError as exc:
            raise CommandError(exc.message) from exc
        name = membership.user.get_username()
        if verb == "changed":
            self.stdout.write(f"changed {name} in {ws.slug} from {previous} to {role}")
        else:
            self.stdout.write(f"{verb} {name} {'to' if verb == 'added' else 'in'} {ws.slug} as {role}")
        if created and not membership.user.has_usable_password():
            path = services.set_password_path(membership.user)
            hint = f"open {path} on this site" if path else f"run `manage.py changepassword {name}`"
            self.stderr.write(f"{name} has no password yet: to choose one, {hint}.")
