"""PostgreSQL: trigram (pg_trgm) GIN indexes for contact search; SQLite keeps its FTS5 table (0003).

contact_search's PostgreSQL path filters with `icontains` (UPPER(col) LIKE UPPER('%term%')) on names, email and
company, and `phone LIKE '%digits%'`: these expression indexes serve exactly those predicates.
"""
from django.db import migrations

INDEXES = {
    "contact_trgm_first_name": "upper(first_name::text) gin_trgm_ops",
    "contact_trgm_last_name": "upper(last_name::text) gin_trgm_ops",
    "contact_trgm_email": "upper(email::text) gin_trgm_ops",
    "contact_trgm_company": "upper(company::text) gin_trgm_ops",
    "contact_trgm_phone": "phone gin_trgm_ops",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON contacts_contact USING gin ({expression})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0003_dashboard_search")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
