"""The table kit of every listing: column attributes, an accessible hidden header, the paginator
of every big table with its bounded "1–25 of about 1.2M", and direct cell rendering."""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterator
from functools import cached_property
from typing import Any

from django.core.paginator import EmptyPage, Page
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.html import format_html
from django_tables2 import LazyPaginator

from kit import counts

# Columns that phones can do without: shown from the md breakpoint (768 px) up.
WIDE_ONLY = {"th": {"class": "d-none d-md-table-cell"}, "td": {"class": "d-none d-md-table-cell"}}
NUMBER = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}


def hidden_header(text: str) -> str:
    """A column header that screen readers announce but the table does not show (an actions
    column): an empty header cell is an accessibility violation (axe: empty-table-header)."""
    return format_html('<span class="visually-hidden">{}</span>', text)


NUMBER_WIDE_ONLY = {
    "th": {"class": "text-end d-none d-md-table-cell"},
    "td": {"class": "text-end d-none d-md-table-cell"},
}


def _queryset_of(rows: Any) -> QuerySet[Any] | None:
    """The queryset behind django-tables2's rows (BoundRows → TableQuerysetData → QuerySet)."""
    data = getattr(getattr(rows, "data", None), "data", None)
    return data if isinstance(data, QuerySet) else None


def approximate(n: int) -> str:
    """A large number as people say it: 12K, 350K, 1.2M."""
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if n >= size:
            value = n / size
            text = f"{value:.1f}".removesuffix(".0") if value < 10 else f"{round(value)}"
            return f"{text}{suffix}"
    return number_format(n, force_grouping=True)


class PageTotals:
    """ "1–25 of 1,234" for a page of a BoundedLazyPaginator, worked out only when shown.

    The last page knows the total without a query. Any other page counts with
    ``kit.counts.bounded_count``: exactly up to 10,000 rows, then "about 1.2M" from
    PostgreSQL's estimate for the filtered query, or "more than 10,000" on SQLite.
    """

    def __init__(self, page: Page, paginator: BoundedLazyPaginator) -> None:
        self.page, self.paginator = page, paginator

    @property
    def first(self) -> int:
        return (self.page.number - 1) * self.paginator.per_page + 1

    @property
    def last(self) -> int:
        return self.first + len(self.page.object_list) - 1

    @cached_property
    def total(self) -> tuple[int, bool]:
        """(rows, exact)."""
        if not self.page.has_next():
            return self.last, True
        queryset = _queryset_of(self.paginator.object_list)
        if queryset is None:
            return len(self.paginator.object_list), True
        return counts.bounded_count(queryset)

    @property
    def of(self) -> str:
        total, exact = self.total
        if exact:
            return number_format(total, force_grouping=True)
        if total > counts.COUNT_EXACT_UP_TO + 1:
            return f"about {approximate(total)}"
        return f"more than {number_format(counts.COUNT_EXACT_UP_TO, force_grouping=True)}"

    @property
    def label(self) -> str:
        first, last = (number_format(n, force_grouping=True) for n in (self.first, self.last))
        return f"{first}–{last} of {self.of}"


class BoundedLazyPaginator(LazyPaginator):
    """django-tables2's LazyPaginator (no full COUNT for every page) for every big table, with
    a bounded total (``page.totals``, see ``PageTotals``). A page number past the end, however
    large, shows the last page: the plain one slices the query at ``(page - 1) * per_page``,
    and ``?page=99999999999999999999`` overflowed the database's integers (a 500)."""

    # Past any real table, and small enough that the row offset fits every database.
    max_page = 1_000_000

    def page(self, number: Any) -> Page:
        page = self._page(number)
        page.totals = PageTotals(page, self)  # type: ignore[attr-defined]
        return page

    def _page(self, number: Any) -> Page:
        number = self.validate_number(number or 1)
        if number <= self.max_page:
            try:
                return super().page(number)
            except EmptyPage:
                if number == 1:
                    raise
        # Only a page past the end pays for a full count.
        return super().page(max(1, math.ceil(len(self.object_list) / self.per_page)))


class DirectCellsMixin:
    """Body cells rendered by calling the table's ``render_<column>(record)`` methods directly.

    django-tables2 inspects the render method's signature, resolves the accessor and rebuilds
    the column's attributes for every cell (about 3 ms a row of six columns); the big lists
    render 25 rows on every request. Columns whose render method wants more than the record
    (or that have none) still go through django-tables2, so the cells are the same.
    ``components/table.html`` uses ``direct_rows`` when a table has it.
    """

    def direct_rows(self) -> Iterator[tuple[Any, list[tuple[str, Any]]]]:
        columns = list(self.columns)  # type: ignore[attr-defined]
        plan = []
        for column in columns:
            render = getattr(self, f"render_{column.name}", None)
            if render is not None and set(inspect.signature(render).parameters) != {"record"}:
                render = None
            plan.append((column.name, column.attrs["td"].as_html(), render))
        for row in self.paginated_rows:  # type: ignore[attr-defined]
            yield (
                row,
                [
                    (attrs, render(record=row.record) if render else row.get_cell(name))
                    for name, attrs, render in plan
                ],
            )
