from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0013_candidate_messages"),
    ]

    operations = []
