"""CSV downloads: streamed row by row, and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

from django.http import StreamingHttpResponse

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

# Spreadsheets run a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """The cell as text, with a leading quote if a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file-like object whose ``write`` hands back the line for the streaming response."""

    def write(self, value: str) -> str:
        return value


def csv_response(rows: Iterable[Sequence[object]], *, filename: str) -> StreamingHttpResponse:
    """``rows`` (the header first) as a streamed CSV download, every cell made safe."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([csv_safe(cell) for cell in row]) for row in rows),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
