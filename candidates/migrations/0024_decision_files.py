from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0023_integrity_facts"),
    ]

    operations = []
