import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import accounts.ids


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0022_message_templates"),
    ]

    operations = [
        migrations.CreateModel(
            name="DecisionFileRequest",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=accounts.ids.uuid7,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("requested", "Requested"),
                            ("sent", "Sent"),
                            ("cancelled", "Closed without sending"),
                        ],
                        default="requested",
                        max_length=10,
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        blank=True,
                        help_text="The language the candidate asked in (en, fr, es).",
                        max_length=2,
                    ),
                ),
                ("requested_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "note",
                    models.TextField(
                        blank=True,
                        help_text="The reviewer's note to the candidate, sent with the file.",
                        max_length=1000,
                        validators=[django.core.validators.MaxLengthValidator(1000)],
                    ),
                ),
                ("prepared_at", models.DateTimeField(blank=True, null=True)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                (
                    "sent_text",
                    models.TextField(
                        blank=True,
                        help_text="The file exactly as it was emailed.",
                        max_length=50000,
                        validators=[django.core.validators.MaxLengthValidator(50000)],
                    ),
                ),
                (
                    "closed_reason",
                    models.CharField(
                        blank=True, help_text="Why it was closed without sending.", max_length=300
                    ),
                ),
                (
                    "candidate_interview",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="decision_files",
                        to="candidates.candidateinterview",
                    ),
                ),
                (
                    "prepared_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "sent_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.team",
                    ),
                ),
            ],
            options={
                "ordering": ["-requested_at"],
                "indexes": [
                    models.Index(
                        fields=["team", "status", "-requested_at"],
                        name="decisionfile_team_status",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status", "requested")),
                        fields=("candidate_interview",),
                        name="decisionfile_one_open_per_invite",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "sent"), _negated=True),
                            ("sent_at__isnull", False),
                            _connector="OR",
                        ),
                        name="decisionfile_sent_has_sent_at",
                    ),
                ],
            },
        ),
    ]
