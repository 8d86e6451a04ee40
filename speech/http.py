"""Serving stored media to browsers, with HTTP range requests so players can seek."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

if TYPE_CHECKING:
    from collections.abc import Iterator

    from django.db.models.fields.files import FieldFile

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 64 * 1024
# Only recordings are served inline; anything else is bytes to download, never a page.
_PLAYABLE = ("audio/", "video/")
_SAFE_NAME = re.compile(r"^[\w.-]+\.(?:mp3|m4a|mp4|ogg|oga|opus|wav|webm|flac|aac|bin)$")


def _safe(content_type: str, filename: str) -> tuple[str, str]:
    """A content type and file name a browser cannot take for a page (HTML, SVG, XML)."""
    if not content_type.lower().startswith(_PLAYABLE):
        content_type = "application/octet-stream"
    if not _SAFE_NAME.match(filename):
        filename = filename.rsplit(".", 1)[0] + ".bin"
    return content_type, filename


def _read(file: FieldFile, start: int, length: int) -> Iterator[bytes]:
    with file.open("rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def media_response(
    request: HttpRequest, file: FieldFile, *, content_type: str, filename: str
) -> HttpResponse:
    """The whole file, or the single byte range the browser asked for (206).

    Media players seek by asking for ranges; without them a browser cannot skip forward in an
    answer or jump to a transcript line. Only one range is served; a malformed or multi-range
    header gets the whole file, an unsatisfiable one 416.
    """
    content_type, filename = _safe(content_type, filename)
    size = file.size
    header = request.headers.get("Range", "").strip()
    match = _RANGE.match(header) if header else None
    if match and (match.group(1) or match.group(2)):
        first, last = match.groups()
        if first:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
        else:  # a suffix range: the last N bytes
            start = max(size - int(last), 0)
            end = size - 1
        if start >= size or start > end:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        length = end - start + 1
        partial = StreamingHttpResponse(
            _read(file, start, length), status=206, content_type=content_type
        )
        partial["Content-Range"] = f"bytes {start}-{end}/{size}"
        partial["Content-Length"] = str(length)
        partial["Accept-Ranges"] = "bytes"
        partial["Content-Disposition"] = f'inline; filename="{filename}"'
        return partial  # type: ignore[return-value]
    whole = FileResponse(file.open("rb"), content_type=content_type, filename=filename)
    whole["Accept-Ranges"] = "bytes"
    return whole  # type: ignore[return-value]
