import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0020_candidate_messages"),
        ("accounts", "0014_sms_quiet_hours"),
    ]

    operations = [
        migrations.AddField(
            model_name="candidateinterview",
            name="personal_note",
            field=models.TextField(
                blank=True,
                default="",
                max_length=1000,
                help_text="The recruiter's own words, quoted in the invite's message (and reminders).",
                validators=[django.core.validators.MaxLengthValidator(1000)],
            ),
            preserve_default=False,
        ),
    ]
