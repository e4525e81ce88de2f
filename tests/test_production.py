"""Production settings: `check --deploy` is clean, security headers on every response, /healthz tells the truth."""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parent.parent
PROD_ENV = {"DJANGO_SETTINGS_MODULE": "smartalex.settings.production", "LOG_FORMAT": "text",
            "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "contacts.example.com"}


def manage(*args: str, env: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    dropped = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")  # the browser tests set the last
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}", **env})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=120)


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_are_hardened(tmp_path):
    code = ("from django.conf import settings as s; import json; print(json.dumps({'debug': s.DEBUG, "
            "'hsts': s.SECURE_HSTS_SECONDS, 'secure': s.SESSION_COOKIE_SECURE and s.CSRF_COOKIE_SECURE, "
            "'ssl': s.SECURE_SSL_REDIRECT, 'xfo': s.X_FRAME_OPTIONS, 'ref': s.SECURE_REFERRER_POLICY, "
            "'csp': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src']}))")
    result = manage("shell", "-c", code, env={**PROD_ENV, "SECURE_HSTS_SECONDS": "600"}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {"debug": False, "hsts": 600, "secure": True, "ssl": True, "xfo": "DENY", "ref": "same-origin",
                      "csp": ["'self'"]}


def test_admin_path_is_configurable(tmp_path):
    code = "from django.urls import reverse; print(reverse('admin:index'))"
    result = manage("shell", "-c", code, env={**PROD_ENV, "ADMIN_PATH": "back-office"}, tmp_path=tmp_path)
    assert result.stdout.strip().splitlines()[-1] == "/back-office/"


@pytest.mark.django_db
def test_every_page_sends_csp_and_security_headers(client_logged_in):
    for path in ("/", "/contacts/", "/accounts/login/"):
        response = client_logged_in.get(path)
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp.split(
            "style-src")[0]
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_healthz_answers_200_when_database_and_tasks_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "tasks": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_task_backend_is_down(client):
    down = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    queues = {"default": {"URL": "redis://127.0.0.1:1/0", "DEFAULT_TIMEOUT": 10}}
    with override_settings(TASKS=down, RQ_QUEUES=queues):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["tasks"].startswith("error") and response.json()["database"] == "ok"
