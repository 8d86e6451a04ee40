# Issue 13: the invite link can be shown again (re-derived from this nonce and SECRET_KEY).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("candidates", "0010_recordings")]

    operations = [
        migrations.AddField(
            model_name="candidateinterview",
            name="link_nonce",
            field=models.CharField(
                blank=True,
                default="",
                help_text="With SECRET_KEY, re-derives the current link so it can be shown again "
                "(candidates.tokens); the link itself is never stored.",
                max_length=64,
            ),
        ),
    ]
