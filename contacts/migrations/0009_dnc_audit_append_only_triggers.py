"""The DNC audit table refuses UPDATE and DELETE in the database itself, not only through the ORM.

One update is let through: Django's SET_NULL of `actor_id` when a user is deleted (every other column
unchanged), because `actor_label` keeps who acted. SQLite has no TRUNCATE, so `manage.py flush` (and the
test runner's flush after transactional tests) deletes rows one by one; the DELETE trigger lets that through
only while the one-row table `contacts_audit_maintenance` says so, which contacts' `flush` command sets
inside the flush's own transaction. PostgreSQL's flush is a TRUNCATE, which row triggers do not see.
"""
from django.db import migrations

COLUMNS = ("id", "workspace_id", "phone", "action", "reason", "source", "actor_label", "contacts_affected",
           "created_at")
SQLITE_UNCHANGED = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in COLUMNS)

SQLITE_FORWARD = [
    "CREATE TABLE contacts_audit_maintenance ("
    " id INTEGER PRIMARY KEY CHECK (id = 1), allow_delete INTEGER NOT NULL DEFAULT 0)",
    "INSERT INTO contacts_audit_maintenance (id, allow_delete) VALUES (1, 0)",
    "CREATE TRIGGER contacts_dncauditlog_no_update BEFORE UPDATE ON contacts_dncauditlog "
    f"WHEN NOT (NEW.actor_id IS NULL AND OLD.actor_id IS NOT NULL AND {SQLITE_UNCHANGED}) "
    "BEGIN SELECT RAISE(ABORT, 'contacts_dncauditlog is append-only: UPDATE refused'); END",
    "CREATE TRIGGER contacts_dncauditlog_no_delete BEFORE DELETE ON contacts_dncauditlog "
    "WHEN coalesce((SELECT allow_delete FROM contacts_audit_maintenance WHERE id = 1), 0) != 1 "
    "BEGIN SELECT RAISE(ABORT, 'contacts_dncauditlog is append-only: DELETE refused'); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS contacts_dncauditlog_no_delete",
    "DROP TRIGGER IF EXISTS contacts_dncauditlog_no_update",
    "DROP TABLE IF EXISTS contacts_audit_maintenance",
]

POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION contacts_dncauditlog_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL AND OLD.actor_id IS NOT NULL
           AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
            RETURN NEW;  -- the user was deleted: the link goes, actor_label keeps who acted
        END IF;
        RAISE EXCEPTION 'contacts_dncauditlog is append-only: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END
    $$
    """,
    "CREATE TRIGGER contacts_dncauditlog_append_only BEFORE UPDATE OR DELETE ON contacts_dncauditlog "
    "FOR EACH ROW EXECUTE FUNCTION contacts_dncauditlog_append_only()",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS contacts_dncauditlog_append_only ON contacts_dncauditlog",
    "DROP FUNCTION IF EXISTS contacts_dncauditlog_append_only()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("contacts", "0008_audit_labels_protect_archive"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
