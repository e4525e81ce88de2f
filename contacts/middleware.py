"""Per-request middleware: the signed-in user's current workspace (`request.workspace`) and private caching."""
from __future__ import annotations

from collections.abc import Callable

from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from contacts.errors import Forbidden
from contacts.selectors import user_workspaces
from contacts.workspaces.permissions import remember_role

SESSION_KEY = "workspace_id"


def current_workspace(request: HttpRequest):
    """The workspace picked in the header switcher, else the user's first; None for anonymous users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    # The user's role comes with the workspace, so permission checks on this request cost no query.
    # All of them in one query: the header's switcher lists the same rows, so the page reads them once.
    workspaces = list(user_workspaces(user).annotate(member_role=F("memberships__role")))
    request.user_workspace_list = workspaces
    chosen = request.session.get(SESSION_KEY)
    workspace = next((w for w in workspaces if w.pk == chosen), None) if chosen else None
    if workspace is None and workspaces:
        workspace = workspaces[0]
        request.session[SESSION_KEY] = workspace.pk
    if workspace is not None:
        remember_role(user, workspace, workspace.member_role)
    return workspace


class CurrentWorkspaceMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.workspace = current_workspace(request)
        return self.get_response(request)


def forbidden_response(request: HttpRequest, exc: Forbidden) -> HttpResponse:
    """The dashboard's 403 page: what the role cannot do, and where to go instead."""
    from django.template.loader import render_to_string

    body = render_to_string("403.html", {"message": exc.message, "workspace": getattr(request, "workspace", None)},
                            request=request)
    return HttpResponse(body, status=403)


class ForbiddenMiddleware:
    """A service's Forbidden becomes a 403 page (the API answers its own `forbidden` JSON)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, Forbidden):
            return forbidden_response(request, exc)
        return None


PRIVATE_DIRECTIVES = frozenset({"private", "no-store"})


def cache_directives(response: HttpResponse) -> set[str]:
    return {part.split("=", 1)[0].strip().lower() for part in response.get("Cache-Control", "").split(",")}


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on every response to a signed-in user, session or API key.

    Workspace data must stay out of shared caches and the browser's disk cache. A view's own Cache-Control is
    kept when it already says both; otherwise they are added (and `public` dropped). Static files never get here:
    WhiteNoise answers them earlier in the chain.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Read after the view: DRF sets request.user only once the API key has been checked.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not cache_directives(response) >= PRIVATE_DIRECTIVES:
            patch_cache_control(response, private=True, no_store=True)
        return response
