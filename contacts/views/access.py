"""Dashboard access: a view declares the permission it needs; the permissions module decides."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from contacts.workspaces.permissions import Perm, require


def needs(perm: Perm, *, workspace_optional: bool = False) -> Callable:
    """Sign-in required, then `perm` in the current workspace, else a 403 page (nothing runs).

    `workspace_optional` lets a page that explains "you are in no workspace yet" (the overview) run without one.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            workspace = getattr(request, "workspace", None)
            if workspace is None:
                if workspace_optional:
                    return view(request, *args, **kwargs)
                raise Http404("No workspace.")
            require(request.user, workspace, perm)
            return view(request, *args, **kwargs)

        wrapped.needed_permission = perm  # lets tests and tools read what each page needs
        return wrapped

    return decorate
