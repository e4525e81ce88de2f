"""Workspace switching and health check."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from contacts.middleware import SESSION_KEY
from contacts.selectors import user_workspaces
from contacts.worker.health import tasks_status


@login_required
@require_POST
def workspace_switch(request: HttpRequest) -> HttpResponse:
    workspace = get_object_or_404(user_workspaces(request.user), slug=request.POST.get("workspace", ""))
    request.session[SESSION_KEY] = workspace.pk
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)


def healthz(request: HttpRequest) -> HttpResponse:
    """200 only when the database answers and a task worker is alive (load balancers and `make` use it)."""
    status = {"status": "ok", "database": "ok", "tasks": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means unhealthy
        status.update(status="error", database=f"error: {exc.__class__.__name__}")
    try:
        status["tasks"] = tasks_status()  # "no worker" when no worker has beaten within a minute
    except Exception as exc:  # Redis down, queue table missing...
        status.update(tasks=f"error: {exc.__class__.__name__}")
    if status["tasks"] != "ok":
        status["status"] = "error"
    return JsonResponse(status, status=200 if status["status"] == "ok" else 503)
