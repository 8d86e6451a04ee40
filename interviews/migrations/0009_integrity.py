from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0008_interview_counters"),
    ]

    operations = []
