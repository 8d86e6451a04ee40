# Reserved for issue 13 (filled in by the work it names); operations are added as models change.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("candidates", "0009_share_reviewers")]

    operations: list[migrations.operations.base.Operation] = []
