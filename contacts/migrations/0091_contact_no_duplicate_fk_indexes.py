"""Drop Contact's single-column FK indexes (workspace_id, import_batch_id): each one is duplicated by an index
that leads with the same column, and every imported row paid a B-tree insert into both.

State-only AlterField plus plain DROP INDEX: on SQLite a real AlterField rebuilds the table, which would drop
the FTS triggers created by raw SQL in 0003.
"""
import django.db.models.deletion
from django.db import migrations, models

INDEXES = (
    ("contacts_contact_workspace_id_c425fb7f", "workspace_id"),
    ("contacts_contact_import_batch_id_5ead7823", "import_batch_id"),
)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0090_importbatch_preview_state"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="contact",
                    name="import_batch",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.SET_NULL,
                                            related_name="created_contacts", to="contacts.importbatch"),
                ),
                migrations.AlterField(
                    model_name="contact",
                    name="workspace",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="contacts", to="contacts.workspace"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "contacts_contact" ("{column}")',
                )
                for name, column in INDEXES
            ],
        ),
    ]
