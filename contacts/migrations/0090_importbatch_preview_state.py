from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0080_word_prefix_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="preview_state",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
