# Reserved for issue 13 (filled in by the work it names); operations are added as models change.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("interviews", "0005_text_limits_and_synthesis_interrupted")]

    operations: list[migrations.operations.base.Operation] = []
