"""Safe defaults (issue 11): production settings by default, strong secret keys, private caching, CSV formula
escaping in every writer, password reset only with email, sample files found or loudly missing."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import tablib
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, override_settings

from contacts import services
from contacts.models import Contact, ImportBatch, Workspace
from contacts.resources import ContactResource, DncEntryResource
from tests.conftest import sample_file, samples_dir
from tests.factories import make_contact, make_workspace

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


def test_production_keeps_database_connections_with_health_checks(tmp_path):
    code = ("import django; django.setup(); from django.conf import settings; d = settings.DATABASES['default']; "
            "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])")
    result = run_python(code, DJANGO_SETTINGS_MODULE="smartalex.settings.production",
                        SECRET_KEY=secrets.token_urlsafe(38), ALLOWED_HOSTS="contacts.example.com",
                        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["600", "True"]


def test_production_accepts_a_random_50_character_key(tmp_path):
    result = run_python("import django; django.setup(); print('started')",
                        DJANGO_SETTINGS_MODULE="smartalex.settings.production", SECRET_KEY=secrets.token_urlsafe(38),
                        ALLOWED_HOSTS="contacts.example.com", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


# --- 2. Cache-Control: private, no-store for signed-in users ---

def directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


def upload_csv(client, text: str, name: str = "leads.csv"):
    response = client.post("/imports/new/", {"file": SimpleUploadedFile(name, text.encode())})
    assert response.status_code == 302, response.content[:300]
    return ImportBatch.objects.get(public_id=response["Location"].split("/")[2])


@pytest.mark.django_db
def test_every_dashboard_response_to_a_signed_in_user_is_private_no_store(client_logged_in, workspace):
    contact = make_contact(workspace, "+14155550101", first_name="Ann")
    batch = upload_csv(client_logged_in, "Phone,Name\n+14155550199,Bo\n")
    responses = {path: client_logged_in.get(path) for path in (
        "/", "/contacts/", f"/contacts/{contact.public_id}/", "/campaigns/", "/calls/", "/imports/",
        f"/imports/{batch.public_id}/mapping/", "/contacts/export.csv", f"/imports/{batch.public_id}/errors.csv",
        "/healthz")}
    responses["htmx partial"] = client_logged_in.get("/contacts/", {"search": "Ann"}, HTTP_HX_REQUEST="true")
    responses["redirect"] = client_logged_in.get(f"/imports/{batch.public_id}/")  # unmapped batch: to mapping
    for name, response in responses.items():
        assert response.status_code in (200, 302), name
        assert directives(response) == {"private", "no-store"}, (name, response.get("Cache-Control"))


@pytest.mark.django_db
def test_a_views_own_cache_control_gains_what_it_lacks_and_keeps_the_rest(client_logged_in, admin_client_ws):
    batch = upload_csv(client_logged_in, "Phone\n+14155550199\n")
    progress = client_logged_in.get(f"/imports/{batch.public_id}/progress/")  # the view says `no-store`
    assert directives(progress) == {"no-store", "private"}
    admin = admin_client_ws.get("/admin/")  # never_cache already says both: left exactly as Django wrote it
    assert admin["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_public_directive_is_replaced_for_a_signed_in_user(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse

    from contacts.middleware import PrivateCacheMiddleware

    def view(request):
        response = HttpResponse("hi")
        response["Cache-Control"] = "public, max-age=600"
        return response

    request = rf.get("/")
    request.user = type("Signed", (), {"is_authenticated": True})()
    assert directives(PrivateCacheMiddleware(view)(request)) == {"private", "no-store", "max-age=600"}
    request.user = AnonymousUser()
    assert PrivateCacheMiddleware(view)(request)["Cache-Control"] == "public, max-age=600"


@pytest.mark.django_db
def test_api_responses_to_a_key_are_private_no_store(client, workspace):
    _, raw = services.api_key_create(workspace=workspace, name="cache test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    make_contact(workspace, "+14155550101")
    for response in (client.get("/v1/contacts", **auth), client.get("/v1/dnc", **auth),
                     client.get("/v1/contacts/contact_nope", **auth)):
        assert directives(response) == {"private", "no-store"}, response.status_code
    refused = client.get("/v1/contacts", HTTP_AUTHORIZATION="Bearer sak_wrong")
    assert refused.status_code == 401 and "private" not in directives(refused)


@pytest.mark.django_db
def test_anonymous_and_static_responses_are_left_alone(client_logged_in):
    assert "private" not in directives(Client().get("/healthz"))  # a fresh anonymous client
    static = client_logged_in.get("/static/css/app.css")
    assert static.status_code == 200
    assert not directives(static) & {"private", "no-store"}  # WhiteNoise's own caching headers


# --- 3. One formula-escaping rule for every CSV the product writes ---

PAYLOADS = ['=HYPERLINK("http://x")', "+SUM(1)", "@cmd", "-2+3"]


def read_csv_response(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def run_import_command(path: Path, workspace_slug: str) -> dict:
    out = io.StringIO()
    call_command("import_contacts", str(path), "--workspace", workspace_slug, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.mark.django_db
def test_dashboard_export_escapes_text_cells_and_custom_field_headers(client_logged_in, workspace, tmp_path):
    make_contact(workspace, "+14155550101", first_name=PAYLOADS[0], last_name=PAYLOADS[1], company=PAYLOADS[2],
                 notes=PAYLOADS[3], metadata={PAYLOADS[0]: PAYLOADS[3]})
    make_contact(workspace, "+442079460000", first_name="Cy")
    header, *rows = read_csv_response(client_logged_in.get("/contacts/export.csv"))
    assert header[-1] == "'" + PAYLOADS[0]  # a custom field's name is a header cell too
    evil = dict(zip(header, rows[0], strict=True))
    assert [evil[k] for k in ("First name", "Last name", "Company", "Notes", "'" + PAYLOADS[0])] == \
        ["'" + p for p in PAYLOADS] + ["'" + PAYLOADS[3]]
    assert [dict(zip(header, r, strict=True))["Phone"] for r in rows] == ["+14155550101", "+442079460000"]
    # Phone cells round-trip through the import command into another workspace.
    path = tmp_path / "export.csv"
    path.write_bytes(b"".join(client_logged_in.get("/contacts/export.csv").streaming_content))
    make_workspace("copy")
    assert run_import_command(path, "copy")["imported"] == 2
    copied = Contact.objects.for_workspace(Workspace.objects.get(slug="copy"))
    assert set(copied.values_list("phone", flat=True)) == {"+14155550101", "+442079460000"}
    assert copied.get(phone="+14155550101").first_name == "'" + PAYLOADS[0]  # stays inert


@pytest.mark.django_db
def test_import_error_report_escapes_every_cell_including_the_files_header_row(client_logged_in, workspace,
                                                                                 tmp_path):
    source = tmp_path / "leads.csv"
    with source.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["Phone", *PAYLOADS])
        out.writerow(["+1 415-555-0101", "a", "b", "c", "d"])
        out.writerow(["+1 (415) 555-0101", *PAYLOADS])  # duplicate in the file: skipped, reported
        out.writerow(["+1 (999) 555-0100", *PAYLOADS])  # no such area code: invalid, reported
    counts = run_import_command(source, "acme")
    assert (counts["imported"], counts["duplicates_skipped"], counts["invalid_skipped"]) == (1, 1, 1)
    batch = ImportBatch.objects.get(workspace=workspace)
    response = client_logged_in.get(f"/imports/{batch.public_id}/errors.csv")
    header, duplicate, invalid = read_csv_response(response)
    assert header == ["row", "Phone", *("'" + p for p in PAYLOADS), "reason", "error_code", "error"]
    assert duplicate[1:6] == ["'+1 (415) 555-0101", *("'" + p for p in PAYLOADS)]
    assert invalid[1:6] == ["'+1 (999) 555-0100", *("'" + p for p in PAYLOADS)]
    # The report re-imports: Excel's leading ' is stripped from phone cells.
    report = tmp_path / "errors.csv"
    report.write_bytes(b"".join(client_logged_in.get(f"/imports/{batch.public_id}/errors.csv").streaming_content))
    make_workspace("retry")
    assert run_import_command(report, "retry")["imported"] == 1
    assert list(Contact.objects.filter(workspace__slug="retry").values_list("phone", flat=True)) == ["+14155550101"]


def admin_export(client, fmt: str) -> bytes:
    """POST the admin's export form for contacts, every field ticked, in the format labelled `fmt`."""
    page = client.get("/admin/contacts/contact/export/").content.decode()
    formats = dict((label.lower(), value) for value, label in re.findall(r'<option value="(\d+)">([^<]+)</option>',
                                                                         page))
    fields = set(re.findall(r'name="(contactresource_\w+)"', page))
    response = client.post("/admin/contacts/contact/export/", {"format": formats[fmt], "resource": "0",
                                                               **dict.fromkeys(fields, "on")})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    return response.content


@pytest.mark.django_db
def test_admin_export_escapes_text_cells_and_phone_cells_round_trip(admin_client_ws, workspace):
    make_contact(workspace, "+14155550101", first_name=PAYLOADS[0], last_name=PAYLOADS[1], company=PAYLOADS[2],
                 notes=PAYLOADS[3])
    exported = admin_export(admin_client_ws, "csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [rows[0][k] for k in ("first_name", "last_name", "company", "notes")] == ["'" + p for p in PAYLOADS]
    assert rows[0]["phone"] == "+14155550101" and rows[0]["workspace"] == "acme"
    # XLSX too: openpyxl would store a cell starting with = as a live formula.
    sheet = openpyxl.load_workbook(io.BytesIO(admin_export(admin_client_ws, "xlsx"))).active
    cells = {c.value: v for c, v in zip(sheet[1], sheet[2], strict=True)}
    assert cells["first_name"].data_type == "s" and cells["first_name"].value == "'" + PAYLOADS[0]
    assert cells["phone"].value == "+14155550101"
    # The exported file goes back in through the admin's import resource with the same number.
    Contact.objects.all().delete()
    result = ContactResource().import_data(tablib.Dataset().load(exported, format="csv"), dry_run=False,
                                           raise_errors=True)
    assert result.totals["new"] == 1
    again = Contact.objects.for_workspace(workspace).get()
    assert (again.phone, again.first_name) == ("+14155550101", "'" + PAYLOADS[0])


@pytest.mark.django_db
def test_admin_dnc_export_escapes_the_reason(workspace):
    services.dnc_add_number(workspace=workspace, phone="+14155550166", reason=PAYLOADS[0], source="manual",
                            actor=None)
    exported = DncEntryResource().export()
    row = dict(zip(exported.headers, exported[0], strict=True))
    assert (row["phone"], row["reason"]) == ("+14155550166", "'" + PAYLOADS[0])


# --- 4. Password reset only when email is configured ---

RESET_PAGES = ("/accounts/password_reset/", "/accounts/password_reset/done/", "/accounts/reset/MQ/set-password/",
               "/accounts/reset/done/")


@pytest.mark.django_db
@override_settings(PASSWORD_RESET_ENABLED=False)
def test_password_reset_is_404_and_not_offered_without_email(client, user):
    for path in RESET_PAGES:
        assert client.get(path).status_code == 404, path
    user.email = "manager@acme.test"
    user.save()
    assert client.post("/accounts/password_reset/", {"email": user.email}).status_code == 404
    assert not mail.outbox
    login = client.get("/accounts/login/").content.decode()
    assert "Sign in" in login and "password_reset" not in login and "Forgot password" not in login


@pytest.mark.django_db
@override_settings(PASSWORD_RESET_ENABLED=True)
def test_password_reset_works_and_is_linked_when_email_is_configured(client, user):
    user.email = "manager@acme.test"
    user.save()
    login = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password_reset/"' in login and "Forgot password?" in login
    assert client.get("/accounts/password_reset/").status_code == 200
    response = client.post("/accounts/password_reset/", {"email": user.email})
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "Fresh-pass-4821",
                                                    "new_password2": "Fresh-pass-4821"})
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    user.refresh_from_db()
    assert user.check_password("Fresh-pass-4821")


@pytest.mark.parametrize(("env", "enabled"), [
    ({}, False),
    ({"EMAIL_HOST": "smtp.example.com"}, True),
    ({"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend", "EMAIL_HOST": "smtp.example.com"}, False),
    ({"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}, False),
    ({"EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend"}, True),
], ids=["nothing", "smtp-host", "console", "locmem", "provider-backend"])
def test_password_reset_enabled_follows_the_email_environment(env, enabled):
    result = run_python("import django; django.setup(); from django.conf import settings; "
                        "print(settings.PASSWORD_RESET_ENABLED)", DJANGO_SETTINGS_MODULE="smartalex.settings.local",
                        **env)
    assert result.stdout.strip().splitlines()[-1] == str(enabled), result.stderr


# --- 5. Sample files: ../shared/samples beside the project, or a loud skip / a CI failure ---

def run_sample_test(**env: str) -> subprocess.CompletedProcess:
    """One sample-file test in a child pytest (SQLite: never the parent's PostgreSQL test database)."""
    dropped = ("DATABASE_URL", "SAMPLES_DIR", "CI", "PYTEST_ADDOPTS")
    environment = {k: v for k, v in os.environ.items() if k not in dropped} | env
    test = "tests/test_import_command.py::test_sample_imports_with_readme_counts_default_us[google_contacts.csv]"
    return subprocess.run([sys.executable, "-m", "pytest", test, "-p", "no:cacheprovider", "-q", "--nomigrations"],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)


def test_samples_are_found_beside_the_project(monkeypatch):
    monkeypatch.delenv("SAMPLES_DIR", raising=False)
    assert samples_dir() == ROOT.parent / "shared" / "samples"
    monkeypatch.setenv("SAMPLES_DIR", "/elsewhere/samples")
    assert samples_dir() == Path("/elsewhere/samples")
    monkeypatch.setenv("SAMPLES_DIR", str(ROOT / "tests"))
    assert sample_file("conftest.py") == str(ROOT / "tests" / "conftest.py")


def test_missing_samples_fail_under_ci_and_skip_loudly_elsewhere(tmp_path):
    failed = run_sample_test(SAMPLES_DIR=str(tmp_path), CI="true")
    assert failed.returncode == 1, failed.stdout
    assert "1 failed" in failed.stdout and "SAMPLE FILE MISSING" in failed.stdout and "CI=true" in failed.stdout
    skipped = run_sample_test(SAMPLES_DIR=str(tmp_path))
    assert skipped.returncode == 0, skipped.stdout
    assert "1 skipped" in skipped.stdout and f"SAMPLE FILE MISSING: {tmp_path / 'google_contacts.csv'}" in \
        skipped.stdout
    assert "SAMPLE TESTS SKIPPED" in skipped.stdout  # the banner at the end of the run

