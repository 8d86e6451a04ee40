"""Per-interview counters (questions, open and completed invites), backfilled from a recount.

The backfill walks the interviews in primary-key chunks and sets each chunk's counters with one
UPDATE of correlated counts (plain SQL that SQLite and PostgreSQL both run), so no step reads
every invite of every interview at once.
"""

from django.db import migrations, models
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

CHUNK = 500


def _count_of(model, **filters):
    rows = (
        model.objects.filter(interview=OuterRef("pk"), **filters)
        .order_by()
        .values("interview")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def backfill(apps, schema_editor):
    Interview = apps.get_model("interviews", "Interview")
    InterviewQuestion = apps.get_model("interviews", "InterviewQuestion")
    CandidateInterview = apps.get_model("candidates", "CandidateInterview")
    ids = list(Interview.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        Interview.objects.filter(pk__in=ids[start : start + CHUNK]).update(
            question_count=_count_of(InterviewQuestion),
            open_invite_count=_count_of(CandidateInterview, status__in=["INVITED", "IN_PROGRESS"]),
            completed_invite_count=_count_of(CandidateInterview, status="COMPLETED"),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0007_one_scorecard_template"),
        ("candidates", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="interview",
            name="question_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="interview",
            name="open_invite_count",
            field=models.PositiveIntegerField(
                default=0, editable=False, help_text="Invites invited or in progress."
            ),
        ),
        migrations.AddField(
            model_name="interview",
            name="completed_invite_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
