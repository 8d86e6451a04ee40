# Issue 13: a team's logo for candidate pages and emails.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_review_notifications")]

    operations = [
        migrations.AddField(
            model_name="team",
            name="logo",
            field=models.FileField(
                blank=True,
                help_text="PNG, JPEG or WebP shown on candidate pages and emails "
                "(accounts.branding).",
                max_length=200,
                upload_to="branding/",
            ),
        ),
    ]
