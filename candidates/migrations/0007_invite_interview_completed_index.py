"""The results table's order — one interview's invites, latest completion first — as an index.

PostgreSQL only: SQLite cannot index ``NULLS LAST``, and a SQLite install is one small team.
"""

from django.db import migrations

INDEX = "invite_interview_completed"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON candidates_candidateinterview "
            "(interview_id, completed_at DESC NULLS LAST, created_at DESC, id)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("candidates", "0006_compliance")]
    operations = [migrations.RunPython(create, drop)]
