# Reserved for issue 13 (filled in by the work it names); operations are added as models change.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_review_notifications")]

    operations: list[migrations.operations.base.Operation] = []
