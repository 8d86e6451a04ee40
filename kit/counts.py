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
    planner's estimate of the query's rows (never below the exact part).

    One statement whatever the size, so a page's query count does not grow with its table:
    on PostgreSQL the estimate comes from ``panelist_row_estimate`` (accounts migration 0009,
    EXPLAIN inside a function), asked for only when the capped count reaches the bound."""
    rows = queryset.order_by().values("pk")
    if connection.vendor != "postgresql":
        capped = rows[: COUNT_EXACT_UP_TO + 1].count()
        return capped, capped <= COUNT_EXACT_UP_TO
    capped_sql, capped_params = rows[: COUNT_EXACT_UP_TO + 1].query.sql_with_params()
    whole = connection.ops.compose_sql(*rows.query.sql_with_params())  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        # capped_sql is Django's own compiled query; its values stay parameters.
        statement = (
            "SELECT n, CASE WHEN n > %s THEN panelist_row_estimate(%s) END "  # noqa: S608
            f"FROM (SELECT count(*) AS n FROM ({capped_sql}) AS capped) AS counted"
        )
        cursor.execute(statement, [COUNT_EXACT_UP_TO, whole, *capped_params])
        capped, estimate = cursor.fetchone()
    if capped <= COUNT_EXACT_UP_TO:
        return capped, True
    return max(capped, int(estimate or 0)), False
