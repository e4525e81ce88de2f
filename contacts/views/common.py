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


@login_required
@require_POST
def workspace_switch(request: HttpRequest) -> HttpResponse:
    workspace = get_object_or_404(user_workspaces(request.user), slug=request.POST.get("workspace", ""))
    request.session[SESSION_KEY] = workspace.pk
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)


def _task_backend_status() -> str:
    """'ok' when the configured task backend answers (Redis for RQ, its table for the database backend)."""
    from django_tasks import task_backends

    backend = task_backends["default"]
    kind = type(backend).__name__
    if kind == "RQBackend":
        import django_rq

        django_rq.get_connection("default").ping()
    elif kind == "DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.order_by().values_list("pk").first()
    return "ok"


def healthz(request: HttpRequest) -> HttpResponse:
    """200 only when the database and the task backend both answer (load balancers and `make` use it)."""
    status = {"status": "ok", "database": "ok", "tasks": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means unhealthy
        status.update(status="error", database=f"error: {exc.__class__.__name__}")
    try:
        _task_backend_status()
    except Exception as exc:  # Redis down, queue table missing...
        status.update(status="error", tasks=f"error: {exc.__class__.__name__}")
    return JsonResponse(status, status=200 if status["status"] == "ok" else 503)
