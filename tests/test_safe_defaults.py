"""Safe defaults (issue 11): production settings by default, strong secret keys, private caching, CSV formula
escaping in every writer, password reset only with email, sample files found or loudly missing."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = secrets.token_urlsafe(50)


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """`python -c code` in the project with a clean environment: no DJANGO_SETTINGS_MODULE unless given."""
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LOG_LEVEL": "WARNING", **env}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=120)


# --- 1. WSGI serves production settings; production refuses weak secret keys ---

def test_wsgi_entry_point_defaults_to_production_settings(tmp_path):
    load = "import smartalex.wsgi; from django.conf import settings; print(settings.SETTINGS_MODULE)"
    refused = run_python(load)
    assert refused.returncode != 0 and "SECRET_KEY must be set" in refused.stderr  # production, not local
    served = run_python(load, SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="contacts.example.com",
                        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert served.returncode == 0, served.stderr
    assert served.stdout.strip().splitlines()[-1] == "smartalex.settings.production"


def test_manage_py_stays_on_local_settings():
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c",
                             "from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"],
                            cwd=ROOT, env={"PATH": os.environ.get("PATH", ""), "LOG_LEVEL": "WARNING"},
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "smartalex.settings.local True", result.stderr


def test_gunicorn_config_loads_production_settings_by_default(tmp_path):
    gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "--check-config", "-c", "gunicorn.conf.py"]
    env = {"PATH": os.environ.get("PATH", ""), "LOG_LEVEL": "WARNING"}
    refused = subprocess.run(gunicorn, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "SECRET_KEY must be set" in refused.stdout + refused.stderr
    env.update(SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="contacts.example.com",
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    loaded = subprocess.run(gunicorn, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr


@pytest.mark.parametrize(("key", "message"), [
    (secrets.token_urlsafe(40)[:49], "has 49 characters; production needs at least 50"),
    ("changeme", "known placeholder"),
    ("secret", "known placeholder"),
    ("dev-insecure-key-change-me", "known placeholder"),  # the local settings' fallback
    ("django-insecure-" + secrets.token_urlsafe(50), "known placeholder"),  # startproject's generated key
    ("please-changeme-" + secrets.token_urlsafe(50), "known placeholder"),
    ("x" * 64, "short pattern repeated"),
    ("secret" * 10, "short pattern repeated"),
], ids=["49-chars", "changeme", "secret", "local-fallback", "django-insecure", "contains-changeme", "one-char",
        "repeated-word"])
def test_production_refuses_short_or_placeholder_secret_keys(key, message):
    result = run_python("import django; django.setup()", DJANGO_SETTINGS_MODULE="smartalex.settings.production",
                        SECRET_KEY=key, ALLOWED_HOSTS="contacts.example.com")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr  # says how to make a good one
    assert len(key) < 20 or key not in result.stderr  # and never logs the key


def test_production_accepts_a_random_50_character_key(tmp_path):
    result = run_python("import django; django.setup(); print('started')",
                        DJANGO_SETTINGS_MODULE="smartalex.settings.production", SECRET_KEY=secrets.token_urlsafe(38),
                        ALLOWED_HOSTS="contacts.example.com", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"
