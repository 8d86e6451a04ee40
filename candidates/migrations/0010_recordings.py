# Reserved for issue 13 (filled in by the work it names); operations are added as models change.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("candidates", "0009_share_reviewers")]

    operations = [
        migrations.AddField(
            model_name="answer",
            name="playback",
            field=models.FileField(
                blank=True,
                help_text="The recording's packets rewritten with a duration and cues, so players "
                "can seek; empty when the recording as uploaded has them (or until made).",
                max_length=255,
                upload_to="answers/%Y/%m/",
            ),
        ),
        migrations.AddField(
            model_name="answer",
            name="rendition",
            field=models.FileField(
                blank=True,
                help_text="The recording as MP4 (H.264, AAC) or M4A, for Safari; empty until made.",
                max_length=255,
                upload_to="answers/%Y/%m/",
            ),
        ),
        migrations.AddField(
            model_name="answer",
            name="rendition_type",
            field=models.CharField(
                blank=True, help_text="The rendition's MIME type with its codecs.", max_length=100
            ),
        ),
    ]
