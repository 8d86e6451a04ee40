"""An interview has one scorecard template (a unique key), not a list read in two orders.

Before the key, an interview with several templates (only a copy of such an interview could
make one) used its earliest; the later ones are detached from the interview, not deleted, so
ratings made on their criteria keep their rows.
"""

from django.db import migrations, models
from django.db.models import Count


def detach_extra_templates(apps, schema_editor):
    ScorecardTemplate = apps.get_model("interviews", "ScorecardTemplate")
    crowded = (
        ScorecardTemplate.objects.filter(interview__isnull=False)
        .values("interview_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("interview_id", flat=True)
    )
    for interview_id in list(crowded):
        templates = ScorecardTemplate.objects.filter(interview_id=interview_id).order_by(
            "created_at", "id"
        )
        keep = templates.first()
        templates.exclude(pk=keep.pk).update(interview=None)


class Migration(migrations.Migration):
    dependencies = [("interviews", "0006_languages")]

    operations = [
        migrations.RunPython(detach_extra_templates, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="scorecardtemplate",
            name="interview",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=models.deletion.CASCADE,
                related_name="scorecard_template",
                to="interviews.interview",
            ),
        ),
    ]
