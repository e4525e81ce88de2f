"""Template context: the current workspace and the others the user can switch to."""
from django.http import HttpRequest

from contacts.selectors import user_workspaces


def workspace(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {
        "workspace": getattr(request, "workspace", None),
        "user_workspaces": (lambda: list(user_workspaces(user))) if user is not None else list,
    }
