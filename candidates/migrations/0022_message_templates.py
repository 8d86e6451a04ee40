import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0021_sms_opt_in_and_note"),
    ]

    operations = [
        migrations.CreateModel(
            name="MessageTemplate",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("invite", "Invitation"),
                            ("reminder", "Reminder"),
                            ("received", "Answers received"),
                            ("advance", "Decision: advance"),
                            ("reject", "Decision: reject"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "channel",
                    models.CharField(choices=[("email", "Email"), ("sms", "SMS")], max_length=5),
                ),
                (
                    "language",
                    models.CharField(
                        choices=[("en", "English"), ("fr", "French"), ("es", "Spanish")],
                        max_length=2,
                    ),
                ),
                ("subject", models.CharField(blank=True, max_length=200)),
                (
                    "body",
                    models.TextField(
                        max_length=5000,
                        validators=[django.core.validators.MaxLengthValidator(5000)],
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "team",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.team",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["kind", "channel", "language"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("team", "kind", "channel", "language"),
                        name="messagetemplate_unique_per_team_kind_channel_language",
                    )
                ],
            },
        ),
    ]
