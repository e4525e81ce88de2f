"""SQLite only: a trigram FTS5 index over name, email, company and phone digits, kept in sync by triggers.

contacts.selectors.contact_search uses it for substring search at a million rows; on PostgreSQL
(and on a SQLite without FTS5 trigram) nothing is created and the search falls back to icontains.
"""
from django.db import migrations

FTS = "contacts_contact_fts"
ROW = "{p}.first_name || ' ' || {p}.last_name, {p}.email, {p}.company, substr({p}.phone, 2)"

CREATE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(name, email, company, phone, tokenize='trigram')",
    f"INSERT INTO {FTS}(rowid, name, email, company, phone) SELECT c.id, {ROW.format(p='c')} FROM contacts_contact c",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON contacts_contact BEGIN
        INSERT INTO {FTS}(rowid, name, email, company, phone) VALUES (new.id, {ROW.format(p='new')});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON contacts_contact BEGIN
        DELETE FROM {FTS} WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE OF first_name, last_name, email, company, phone
        ON contacts_contact BEGIN
        DELETE FROM {FTS} WHERE rowid = old.id;
        INSERT INTO {FTS}(rowid, name, email, company, phone) VALUES (new.id, {ROW.format(p='new')});
    END""",
]
DROP = [f"DROP TRIGGER IF EXISTS {FTS}_ai", f"DROP TRIGGER IF EXISTS {FTS}_ad", f"DROP TRIGGER IF EXISTS {FTS}_au",
        f"DROP TABLE IF EXISTS {FTS}"]


def _trigram_supported(cursor) -> bool:
    try:
        cursor.execute("CREATE VIRTUAL TABLE temp._fts_probe USING fts5(x, tokenize='trigram')")
        cursor.execute("DROP TABLE temp._fts_probe")
    except Exception:  # no FTS5 or no trigram tokenizer (SQLite < 3.34): search uses icontains
        return False
    return True


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        if not _trigram_supported(cursor):
            return
        for sql in CREATE:
            cursor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        for sql in DROP:
            cursor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ("contacts", "0002_import_rows"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
