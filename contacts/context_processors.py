"""Template context: the current workspace, the others the user can switch to, what the user may do, and
account features."""
from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from contacts.selectors import user_workspaces
from contacts.workspaces.permissions import permissions_of, role_of


def workspace(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    current = getattr(request, "workspace", None)
    return {
        "workspace": current,
        # The middleware's list when it read one (same rows, no second query).
        "user_workspaces": (lambda: getattr(request, "user_workspace_list", None) or list(user_workspaces(user)))
        if user is not None else list,
        # `can.edit`, `can.dnc_manage`, ...: templates hide or disable what the role cannot do.
        "can": SimpleLazyObject(lambda: permissions_of(user, current)),
        "workspace_role": SimpleLazyObject(lambda: role_of(user, current) if current is not None else None),
    }


def accounts(request: HttpRequest) -> dict:
    return {"password_reset_enabled": settings.PASSWORD_RESET_ENABLED}
