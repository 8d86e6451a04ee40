from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0021_sms_opt_in_and_note"),
    ]

    operations = []
