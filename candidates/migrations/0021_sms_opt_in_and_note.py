from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0020_candidate_messages"),
        ("accounts", "0014_sms_quiet_hours"),
    ]

    operations = []
