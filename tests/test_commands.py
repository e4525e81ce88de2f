"""Management commands: bootstrap_demo and create_api_key."""
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from contacts import services
from contacts.models import ApiKey, Call, Contact, Membership, Workspace, hash_api_key

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def test_bootstrap_demo_is_idempotent_and_uses_the_env_password(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Demo-pass-987")
    call_command("bootstrap_demo", stdout=StringIO())
    call_command("bootstrap_demo", stdout=StringIO())
    assert Workspace.objects.filter(slug="demo").count() == 1
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("Demo-pass-987")
    assert Membership.objects.filter(user=admin, workspace__slug="demo", role="owner").exists()


def test_bootstrap_demo_generates_and_prints_a_password_once(monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    out = StringIO()
    call_command("bootstrap_demo", stdout=out)
    password = out.getvalue().split("password: ")[1].split()[0]
    assert get_user_model().objects.get(username="admin").check_password(password)
    again = StringIO()
    call_command("bootstrap_demo", stdout=again)
    assert "password" not in again.getvalue()


def test_bootstrap_demo_adds_realistic_contacts_with_history(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Demo-pass-987")
    call_command("bootstrap_demo", "--contacts", "120", stdout=StringIO())
    ws = Workspace.objects.get(slug="demo")
    contacts = Contact.objects.for_workspace(ws)
    assert contacts.count() == 120
    assert all(c.phone.startswith("+1") and len(c.phone) == 12 for c in contacts)
    assert Call.objects.filter(workspace=ws).exists()
    called = contacts.filter(calls_count__gt=0).first()
    assert called.calls.count() == called.calls_count
    assert called.last_called_at == called.calls.order_by("-created_at").first().created_at
    assert ws.campaigns.count() == 3
    call_command("bootstrap_demo", "--contacts", "120", stdout=StringIO())  # already there: adds nothing
    assert Contact.objects.for_workspace(ws).count() == 120
    call_command("bootstrap_demo", "--contacts", "150", stdout=StringIO())
    assert Contact.objects.for_workspace(ws).count() == 150


def test_create_api_key_prints_the_key_last_and_stores_only_its_hash(workspace):
    out = StringIO()
    call_command("create_api_key", "--workspace", "acme", "--name", "Zapier", stdout=out, stderr=StringIO())
    raw = out.getvalue().strip().splitlines()[-1]
    key = ApiKey.objects.get()
    assert key.name == "Zapier" and key.workspace == workspace
    assert raw.startswith("sak_") and key.key_hash == hash_api_key(raw) and raw not in key.key_hash
    assert services.api_key_authenticate(raw) == key
    assert services.api_key_authenticate(raw + "x") is None


def test_create_api_key_unknown_workspace():
    with pytest.raises(CommandError, match="No workspace"):
        call_command("create_api_key", "--workspace", "nope")


def test_production_settings_refuse_to_start_without_secrets():
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "smartalex.settings.production"}
    code = "import django; django.setup()"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert "ALLOWED_HOSTS must be set" in result.stderr
    env["ALLOWED_HOSTS"] = "contacts.example.com"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_database_url_selects_the_database(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "smartalex.settings.local",
           "DATABASE_URL": f"sqlite:///{tmp_path}/other.sqlite3"}
    code = "from django.conf import settings; print(settings.DATABASES['default']['NAME'])"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == f"{tmp_path}/other.sqlite3"
    env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/smartalex"
    code = "from django.conf import settings; d=settings.DATABASES['default']; print(d['ENGINE'], d['NAME'])"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "django.db.backends.postgresql smartalex"
