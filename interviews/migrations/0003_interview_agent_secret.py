from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0002_builder_fields"),
    ]

    operations = [
        migrations.AddField(
            model_name="interview",
            name="agent_secret_hash",
            field=models.CharField(
                blank=True,
                help_text="SHA-256 of the secret the AI voice agent sends as X-Agent-Secret; empty until one is issued.",
                max_length=64,
            ),
        ),
    ]
