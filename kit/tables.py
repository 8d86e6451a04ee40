"""The table kit of every listing: column attributes, an accessible hidden header, the paginator
of every big table with its bounded "1–25 of about 1.2M", and direct cell rendering."""

from __future__ import annotations

import functools
import inspect
import math
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

import django_tables2 as tables
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import EmptyPage, Page
from django.db import models
from django.db.models import QuerySet
from django.utils import dateformat, formats, timezone
from django.utils.formats import number_format
from django.utils.html import conditional_escape, format_html
from django_tables2 import LazyPaginator
from django_tables2.utils import Accessor

from kit import counts

if TYPE_CHECKING:
    from django_tables2.columns import BoundColumn
    from django_tables2.rows import BoundRow

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
    """Body cells made without django-tables2's per-cell machinery, with the same HTML.

    For every cell django-tables2 inspects the render method's signature, walks the accessor
    through its generic lookup, rebuilds the column's attributes and, for a ``DateColumn``,
    compiles and renders a one-line template; the big lists render 25 rows on every request.
    Here each column gets a plan once per render: its ``<td>`` attributes (computed once, so
    they may not depend on the record), how to read its value, and what makes the cell:
    ``render_<column>(record, value)``, the plain value, a date formatted in Python, or a
    checkbox. Other columns (a template column, a link, a render method wanting more
    arguments) still go through django-tables2. ``components/table.html`` uses
    ``direct_rows`` when a table has it.
    """

    def direct_rows(self) -> Iterator[tuple[Any, list[tuple[str, Any]]]]:
        plan = [
            (column.attrs["td"].as_html(), self._direct_cell(column))
            for column in self.columns  # type: ignore[attr-defined]
        ]
        for row in self.paginated_rows:  # type: ignore[attr-defined]
            yield row, [(attrs, cell(row)) for attrs, cell in plan]

    def _direct_cell(self, column: BoundColumn) -> Callable[[BoundRow], Any]:
        """How ``column``'s cell is made from a row, as ``BoundRow.get_cell`` makes it."""
        name, spec = column.name, column.column
        render = getattr(self, f"render_{name}", None)
        if column.link:
            pass
        elif render is not None:
            params = set(inspect.signature(render).parameters)
            if params <= {"record", "value"}:
                return _rendered(render, params, column)
        elif type(spec).render is tables.Column.render:
            return _rendered(lambda value: value, {"value"}, column)
        elif isinstance(spec, tables.DateColumn | tables.DateTimeColumn):
            return _dated(column)
        elif isinstance(spec, tables.CheckBoxColumn):

            def checkbox(record: Any, value: Any) -> Any:
                return spec.render(value=value, bound_column=column, record=record)

            return _rendered(checkbox, {"record", "value"}, column)
        return lambda row: row.get_cell(name)


@functools.cache
def _shows_label(model: type[models.Model], name: str) -> bool:
    """Whether django-tables2 shows ``model.<name>`` by its choice's label."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return bool(getattr(field, "choices", None)) and hasattr(model, f"get_{name}_display")


def _step(current: Any, bit: str) -> Any:
    current = current[bit] if isinstance(current, dict) else getattr(current, bit)
    if callable(current) and not getattr(current, "do_not_call_in_templates", False):
        if getattr(current, "alters_data", False):
            raise ValueError(f"{bit} alters data")
        current = current()
    return current


def _reader(accessor: str) -> Callable[[Any], Any]:
    """A cell's value as django-tables2 reads it (``BoundRow._get_and_render_with``): the
    accessor's path through keys and attributes, calling what is callable, a choice field's
    label rather than its value, and None where the path breaks."""
    *path, last = Accessor(accessor).bits

    def read(record: Any) -> Any:
        if isinstance(record, dict) and accessor in record:
            return record[accessor]
        try:
            current = record
            for bit in path:
                current = _step(current, bit)
                if current is None:
                    return None
            if isinstance(current, models.Model) and _shows_label(type(current), last):
                return getattr(current, f"get_{last}_display")()
            return _step(current, last)
        except Exception:
            return None

    return read


def _rendered(
    render: Callable[..., Any], params: set[str], column: BoundColumn
) -> Callable[[BoundRow], Any]:
    """The cell of ``render(record=…, value=…)`` (the arguments it takes), or the column's
    default when the value is one of its empty values."""
    read, empty, default = _reader(column.accessor), column.column.empty_values, column.default
    wants_value = "value" in params or bool(empty)

    def cell(row: BoundRow) -> Any:
        record = row.record
        value = read(record) if wants_value else None
        if wants_value and value in empty:
            return default
        given = {"record": record, "value": value}
        return render(**{name: given[name] for name in params})

    return cell


DATE_TEMPLATE = re.compile(r'^\{\{ value\|date:"(?P<format>[^"]*)"\|default:default \}\}$')


def _dated(column: BoundColumn) -> Callable[[BoundRow], Any]:
    """A ``DateColumn`` / ``DateTimeColumn`` cell: its ``{{ value|date:"…"|default:default }}``
    in Python, the value converted to local time and formatted once."""
    match = DATE_TEMPLATE.match(column.column.template_code)
    if match is None:
        return lambda row: row.get_cell(column.name)
    read, default, fmt = _reader(column.accessor), column.default, match["format"]

    def cell(row: BoundRow) -> Any:
        return conditional_escape(_date_text(read(row.record), fmt) or default)

    return cell


def _date_text(value: Any, fmt: str) -> str:
    """What the ``date`` template filter makes of ``value``: an aware datetime in local time,
    ``fmt`` a format or the name of a format setting; "" for nothing."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime) and settings.USE_TZ and timezone.is_aware(value):
        value = timezone.localtime(value)
    try:
        return formats.date_format(value, fmt)
    except AttributeError:
        try:
            return dateformat.format(value, fmt)
        except AttributeError:
            return ""
