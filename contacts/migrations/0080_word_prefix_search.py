"""Word-prefix search that ignores case, accents and apostrophes, with an index on each database.

PostgreSQL: a generated `search_doc` tsvector (unaccent, ASCII punctuation as spaces, apostrophes also removed so
"OConnor" finds "O'Connor") with a GIN index; it replaces the first name, last name and email trigram indexes
(company keeps its trigram for the company filter, phone for number fragments).
SQLite: an FTS5 table `contacts_contact_words` (unicode61, diacritics removed, prefix indexes for 1-3 characters)
kept by triggers; the trigram table of 0003 keeps only the phone digits.
contacts.contacts.selectors.contact_search builds the matching queries.
"""
from django.db import migrations

# --- PostgreSQL ------------------------------------------------------------------------------------------------
PG_FUNCTION = r"""
CREATE OR REPLACE FUNCTION contacts_search_doc(first_name text, last_name text, email text, company text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_tsvector('simple'::regconfig, regexp_replace(
           CASE WHEN s ~ '[''’ʼ`]' THEN s || ' ' || translate(s, '''’ʼ`', '') ELSE s END,
           '[!-/:-@\[-`{-~’ʼ]+', ' ', 'g'))
  FROM (SELECT public.unaccent('public.unaccent'::regdictionary,
          coalesce($1, '') || ' ' || coalesce($2, '') || ' ' || coalesce($3, '') || ' ' || coalesce($4, '')) AS s) doc
$$
"""
PG_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public",
    PG_FUNCTION,
    "ALTER TABLE contacts_contact ADD COLUMN IF NOT EXISTS search_doc tsvector GENERATED ALWAYS AS "
    "(contacts_search_doc(first_name, last_name, email, company)) STORED",
    "CREATE INDEX IF NOT EXISTS contact_search_doc ON contacts_contact USING gin (search_doc)",
    "DROP INDEX IF EXISTS contact_trgm_first_name",
    "DROP INDEX IF EXISTS contact_trgm_last_name",
    "DROP INDEX IF EXISTS contact_trgm_email",
]
PG_DROP = [
    "DROP INDEX IF EXISTS contact_search_doc",
    "ALTER TABLE contacts_contact DROP COLUMN IF EXISTS search_doc",
    "DROP FUNCTION IF EXISTS contacts_search_doc(text, text, text, text)",
    "CREATE INDEX IF NOT EXISTS contact_trgm_first_name ON contacts_contact USING gin (upper(first_name::text) "
    "gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS contact_trgm_last_name ON contacts_contact USING gin (upper(last_name::text) "
    "gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS contact_trgm_email ON contacts_contact USING gin (upper(email::text) gin_trgm_ops)",
]

# --- SQLite ----------------------------------------------------------------------------------------------------
WORDS = "contacts_contact_words"
DIGITS = "contacts_contact_fts"
_TEXT = "({p}.first_name || ' ' || {p}.last_name || ' ' || {p}.email || ' ' || {p}.company)"
# The text, plus the same text without apostrophes when it has any ("O'Connor" is found as "o", "connor", "oconnor").
_DOC = ("{t} || CASE WHEN instr({t}, '''') + instr({t}, '’') + instr({t}, 'ʼ') + instr({t}, '`') > 0 "
        "THEN ' ' || replace(replace(replace(replace({t}, '''', ''), '’', ''), 'ʼ', ''), '`', '') ELSE '' END")


def _doc(p: str) -> str:
    return _DOC.format(t=_TEXT.format(p=p))


SQLITE_CREATE = [
    f"DROP TRIGGER IF EXISTS {DIGITS}_ai", f"DROP TRIGGER IF EXISTS {DIGITS}_ad", f"DROP TRIGGER IF EXISTS {DIGITS}_au",
    f"DROP TABLE IF EXISTS {DIGITS}",
    f"CREATE VIRTUAL TABLE {DIGITS} USING fts5(phone, tokenize='trigram')",
    f"INSERT INTO {DIGITS}(rowid, phone) SELECT id, substr(phone, 2) FROM contacts_contact",
    f"""CREATE VIRTUAL TABLE {WORDS} USING fts5(doc, tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')""",
    f"INSERT INTO {WORDS}(rowid, doc) SELECT c.id, {_doc('c')} FROM contacts_contact c",
    f"""CREATE TRIGGER {DIGITS}_ai AFTER INSERT ON contacts_contact BEGIN
        INSERT INTO {DIGITS}(rowid, phone) VALUES (new.id, substr(new.phone, 2));
        INSERT INTO {WORDS}(rowid, doc) VALUES (new.id, {_doc('new')});
    END""",
    f"""CREATE TRIGGER {DIGITS}_ad AFTER DELETE ON contacts_contact BEGIN
        DELETE FROM {DIGITS} WHERE rowid = old.id;
        DELETE FROM {WORDS} WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER {DIGITS}_au AFTER UPDATE OF phone ON contacts_contact BEGIN
        DELETE FROM {DIGITS} WHERE rowid = old.id;
        INSERT INTO {DIGITS}(rowid, phone) VALUES (new.id, substr(new.phone, 2));
    END""",
    f"""CREATE TRIGGER {WORDS}_au AFTER UPDATE OF first_name, last_name, email, company ON contacts_contact BEGIN
        DELETE FROM {WORDS} WHERE rowid = old.id;
        INSERT INTO {WORDS}(rowid, doc) VALUES (new.id, {_doc('new')});
    END""",
]
_OLD_ROW = "{p}.first_name || ' ' || {p}.last_name, {p}.email, {p}.company, substr({p}.phone, 2)"
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {DIGITS}_ai", f"DROP TRIGGER IF EXISTS {DIGITS}_ad", f"DROP TRIGGER IF EXISTS {DIGITS}_au",
    f"DROP TRIGGER IF EXISTS {WORDS}_au", f"DROP TABLE IF EXISTS {WORDS}", f"DROP TABLE IF EXISTS {DIGITS}",
    # 0003's table and triggers, as they were
    f"CREATE VIRTUAL TABLE {DIGITS} USING fts5(name, email, company, phone, tokenize='trigram')",
    f"INSERT INTO {DIGITS}(rowid, name, email, company, phone) SELECT c.id, {_OLD_ROW.format(p='c')} "
    "FROM contacts_contact c",
    f"""CREATE TRIGGER {DIGITS}_ai AFTER INSERT ON contacts_contact BEGIN
        INSERT INTO {DIGITS}(rowid, name, email, company, phone) VALUES (new.id, {_OLD_ROW.format(p='new')});
    END""",
    f"""CREATE TRIGGER {DIGITS}_ad AFTER DELETE ON contacts_contact BEGIN
        DELETE FROM {DIGITS} WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER {DIGITS}_au AFTER UPDATE OF first_name, last_name, email, company, phone
        ON contacts_contact BEGIN
        DELETE FROM {DIGITS} WHERE rowid = old.id;
        INSERT INTO {DIGITS}(rowid, name, email, company, phone) VALUES (new.id, {_OLD_ROW.format(p='new')});
    END""",
]


def _sqlite_has_fts(cursor) -> bool:
    cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [DIGITS])
    return cursor.fetchone() is not None  # 0003 created it only where FTS5 trigram exists


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for sql in PG_CREATE:
            schema_editor.execute(sql)
    elif vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            if not _sqlite_has_fts(cursor):
                return
            for sql in SQLITE_CREATE:
                cursor.execute(sql)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for sql in PG_DROP:
            schema_editor.execute(sql)
    elif vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            if not _sqlite_has_fts(cursor):
                return
            for sql in SQLITE_DROP:
                cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0070_contact_phones")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
