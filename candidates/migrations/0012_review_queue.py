# Issue 13: reviewers are told once of each completed candidate (candidates.ReviewNotice).
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0011_invite_links"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ReviewNotice",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                (
                    "kind",
                    models.CharField(
                        choices=[("each", "Email"), ("digest", "Daily digest")], max_length=10
                    ),
                ),
                ("sent_at", models.DateTimeField(auto_now_add=True)),
                (
                    "candidate_interview",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="review_notices",
                        to="candidates.candidateinterview",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "candidate_interview"), name="reviewnotice_once"
                    )
                ],
            },
        ),
    ]
