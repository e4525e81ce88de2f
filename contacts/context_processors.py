"""Template context: the current workspace, the others the user can switch to, and account features."""
from django.conf import settings
from django.http import HttpRequest

from contacts.selectors import user_workspaces


def workspace(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {
        "workspace": getattr(request, "workspace", None),
        "user_workspaces": (lambda: list(user_workspaces(user))) if user is not None else list,
    }


def accounts(request: HttpRequest) -> dict:
    return {"password_reset_enabled": settings.PASSWORD_RESET_ENABLED}
