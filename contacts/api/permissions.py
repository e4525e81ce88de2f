"""API v1 roles: each endpoint declares the permission of each method; the key's role must allow it.

The services check again (they are the rule); checking here first answers 403 `forbidden` before a body is read
or anything is written, also for requests the service would have no work to do for.
"""
from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from contacts.workspaces.permissions import Perm, require


class RolePermission(BasePermission):
    def has_permission(self, request, view) -> bool:
        if not hasattr(view, request.method.lower()):
            return True  # the view answers 405 for a method it does not have
        declared: dict[str, Perm] = getattr(view, "perms", {})
        # An undeclared write needs the strongest permission: a new method fails closed, not open.
        perm = declared.get(request.method) or (Perm.VIEW if request.method in SAFE_METHODS else Perm.MANAGE)
        require(request.auth, request.user.workspace, perm)
        return True
