import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0020_candidate_messages"),
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
        migrations.AddField(
            model_name="candidateinterview",
            name="sms_opt_in_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="candidateinterview",
            name="sms_opt_in_wording",
            field=models.CharField(
                blank=True,
                help_text="The words the agreement to texts was recorded under.",
                max_length=500,
            ),
        ),
        migrations.AlterField(
            model_name="candidateinterview",
            name="sms_opt_in",
            field=models.BooleanField(
                blank=True,
                help_text="The candidate agreed to texts about this invite (True); null: not "
                "stated. Texts go only when True.",
                null=True,
            ),
        ),
    ]
