# Reserved for issue 13 (filled in by the work it names); operations are added as models change.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("uploads", "0004_upload_reserved")]

    operations: list[migrations.operations.base.Operation] = []
