"""`backup` writes a consistent copy that restores to the same row counts (SQLite; PostgreSQL via pg_restore)."""
from __future__ import annotations

import io
import shutil
import sqlite3
import subprocess
import uuid

import pytest
from django.core.management import call_command
from django.db import connection

from contacts import services
from contacts.models import Call, Contact, DncEntry
from tests.factories import make_contact

TABLES = ("contacts_contact", "contacts_call", "contacts_dncentry", "contacts_workspace", "auth_user")


def seed(workspace) -> None:
    for _ in range(25):
        contact = make_contact(workspace)
        services.call_log(workspace=workspace, contact=contact)
    services.dnc_add_number(workspace=workspace, phone="+14155550177", reason="asked")


def live_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed table names
            counts[table] = cursor.fetchone()[0]
        return counts


def run_backup(path) -> str:
    out = io.StringIO()
    call_command("backup", "--output", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue().strip().splitlines()[-1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite backup")
def test_sqlite_backup_restores_to_the_same_row_counts(workspace, tmp_path):
    seed(workspace)
    path = tmp_path / "backup.sqlite3"
    assert run_backup(path) == str(path)
    restored = tmp_path / "restored.sqlite3"
    shutil.copy(path, restored)  # the documented restore: put the file in place of db.sqlite3
    db = sqlite3.connect(restored)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}  # noqa: S608
    assert counts == live_counts()
    assert counts["contacts_contact"] == Contact.objects.count() == 25
    assert counts["contacts_call"] == Call.objects.count() and counts["contacts_dncentry"] == DncEntry.objects.count()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL backup (CI's second pass)")
def test_postgres_backup_restores_into_a_fresh_database(workspace, tmp_path):
    if not shutil.which("pg_restore"):
        pytest.skip("pg_restore is not installed")
    seed(workspace)
    path = tmp_path / "backup.dump"
    run_backup(path)
    settings_db = connection.settings_dict
    name = f"smartalex_restore_{uuid.uuid4().hex[:8]}"
    base = ["--host", settings_db.get("HOST") or "127.0.0.1", "--port", str(settings_db.get("PORT") or 5432),
            "--username", settings_db.get("USER") or "postgres"]
    subprocess.run(["createdb", *base, name], check=True)
    try:
        subprocess.run(["pg_restore", *base, "--no-owner", "--dbname", name, str(path)], check=True,
                       capture_output=True)
        counts = {}
        for table in TABLES:
            sql = f"SELECT COUNT(*) FROM {table}"  # noqa: S608 - fixed table names
            out = subprocess.run(["psql", *base, "-tAc", sql, name], check=True,
                                 capture_output=True, text=True)
            counts[table] = int(out.stdout.strip())
        assert counts == live_counts()
    finally:
        subprocess.run(["dropdb", *base, name], check=False)
