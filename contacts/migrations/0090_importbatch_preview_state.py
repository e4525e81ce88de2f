from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0050_worker_heartbeat_no_phone"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="preview_state",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
