from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0022_message_templates"),
        ("interviews", "0009_integrity"),
    ]

    operations = []
