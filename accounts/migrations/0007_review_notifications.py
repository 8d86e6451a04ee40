# Issue 13: each reviewer chooses how they hear of completed candidates.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_text_limits")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="review_emails",
            field=models.CharField(
                choices=[
                    ("each", "An email for each completed candidate"),
                    ("daily", "One email a day listing them"),
                    ("none", "No emails (the home page lists them)"),
                ],
                default="daily",
                help_text="When a candidate completes an interview this person reviews.",
                max_length=10,
            ),
        ),
    ]
