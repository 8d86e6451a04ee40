# Issue 16: one statement for a list's bounded total (kit.counts.bounded_count). PostgreSQL
# only: the planner's row estimate of a query, which plain SQL cannot ask for (EXPLAIN is not
# an expression). Other databases count up to the bound and say "more than".
from typing import Any

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION panelist_row_estimate(query text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    plan json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
    RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END
$$
"""
DROP = "DROP FUNCTION IF EXISTS panelist_row_estimate(text)"


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0008_team_branding")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
