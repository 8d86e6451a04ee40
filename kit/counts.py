"""How many rows a list has, without counting a million rows on every page.

One rule for the API's ``pagination.total`` and the dashboard tables' "1–25 of about 1.2M":
count exactly up to ``COUNT_EXACT_UP_TO`` rows (a COUNT over a LIMITed subquery, so its cost is
bounded); past that, PostgreSQL's planner estimate for the filtered query (EXPLAIN's row
estimate, which follows the filters, unlike ``pg_class.reltuples``); other databases (SQLite)
only know that there are more than ``COUNT_EXACT_UP_TO``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import connection

if TYPE_CHECKING:
    from django.db.models import QuerySet

COUNT_EXACT_UP_TO = 10_000


def bounded_count(queryset: QuerySet[Any]) -> tuple[int, bool]:
    """(total, exact): an exact count of at most COUNT_EXACT_UP_TO + 1 rows, else the
    planner's estimate of the query's rows (never below the exact part)."""
    capped = queryset.order_by()[: COUNT_EXACT_UP_TO + 1].count()
    if capped <= COUNT_EXACT_UP_TO or connection.vendor != "postgresql":
        return capped, capped <= COUNT_EXACT_UP_TO
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    return max(capped, int(plan[0]["Plan"]["Plan Rows"])), False
