# Issue 13: share links can hide names and let outside reviewers rate (candidates.ShareRating).
import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

import accounts.ids


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("candidates", "0008_text_limits"),
    ]

    operations = [
        migrations.AddField(
            model_name="sharelink",
            name="hide_names",
            field=models.BooleanField(
                default=False, help_text="Show candidates by their initials only."
            ),
        ),
        migrations.AddField(
            model_name="sharelink",
            name="allow_ratings",
            field=models.BooleanField(
                default=False, help_text="Let whoever opens the link rate each shared candidate."
            ),
        ),
        migrations.CreateModel(
            name="ShareRating",
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
                ("reviewer_name", models.CharField(max_length=100)),
                (
                    "rating",
                    models.PositiveSmallIntegerField(
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(5),
                        ]
                    ),
                ),
                (
                    "comment",
                    models.TextField(
                        blank=True,
                        max_length=2000,
                        validators=[django.core.validators.MaxLengthValidator(2000)],
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "candidate_interview",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="outside_ratings",
                        to="candidates.candidateinterview",
                    ),
                ),
                (
                    "share_link",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="ratings",
                        to="candidates.sharelink",
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
                "ordering": ["-updated_at"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("share_link", "candidate_interview", "reviewer_name"),
                        name="sharerating_one_per_reviewer",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("rating__gte", 1), ("rating__lte", 5)),
                        name="sharerating_1_to_5",
                    ),
                ],
            },
        ),
    ]
