"""Attach the signed-in user's current workspace to each request (`request.workspace`)."""
from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from contacts.selectors import user_workspaces

SESSION_KEY = "workspace_id"


def current_workspace(request: HttpRequest):
    """The workspace picked in the header switcher, else the user's first; None for anonymous users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    workspaces = user_workspaces(user)
    chosen = request.session.get(SESSION_KEY)
    workspace = workspaces.filter(pk=chosen).first() if chosen else None
    if workspace is None:
        workspace = workspaces.first()
        if workspace is not None:
            request.session[SESSION_KEY] = workspace.pk
    return workspace


class CurrentWorkspaceMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.workspace = current_workspace(request)
        return self.get_response(request)
