"""One POST to an OpenAI-compatible endpoint, with its failures sorted the same way everywhere.

Speech (``/audio/speech``), transcription (``/audio/transcriptions``) and chat
(``/chat/completions``) providers all need it: 429, 5xx, timeouts and refused connections are
worth retrying later; any other 4xx is a refusal, reported with the server's own message.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

# The most an answer may weigh: a chat reply is kilobytes, a spoken prompt a few megabytes.
MAX_ANSWER_BYTES = 50 * 1024 * 1024
_READ = 64 * 1024


def error_detail(exc: urllib.error.HTTPError) -> str:
    """The server's error message (OpenAI's ``{"error": {"message"}}`` or the raw body)."""
    raw = exc.read()[:2000].decode(errors="replace")
    try:
        error = json.loads(raw).get("error")
        message = error.get("message") if isinstance(error, dict) else error
        if isinstance(message, str) and message:
            return message[:300]
    except (ValueError, AttributeError):
        pass
    return raw[:300]


def post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    api_key: str,
    timeout: float,
    server: str,
    transient: type[Exception],
    refused: type[Exception],
) -> bytes:
    """POST ``body`` to ``url`` (http or https, checked by the caller) and return the answer.

    ``timeout`` bounds the whole exchange, from the request to the answer's last byte: a server
    that keeps sending (a stream without end, a byte at a time) is cut off when it runs out,
    and an answer over ``MAX_ANSWER_BYTES`` is refused. ``server`` names the other side in
    messages ("the speech server"); ``transient`` is raised for what a retry may fix,
    ``refused`` for the rest. The key travels only in the header.
    """
    headers = dict(headers)
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return _read_all(response, deadline, timeout, server, transient, refused)
    except urllib.error.HTTPError as exc:
        detail = error_detail(exc)
        if exc.code == 429 or exc.code >= 500:
            raise transient(f"The {server} answered {exc.code}: {detail}") from exc
        raise refused(f"The {server} refused the request ({exc.code}): {detail}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise transient(f"The {server} could not be reached: {reason}") from exc


def _read_all(
    response: Any,
    deadline: float,
    timeout: float,
    server: str,
    transient: type[Exception],
    refused: type[Exception],
) -> bytes:
    """The answer's body, read a piece at a time so that the deadline is checked as it comes."""
    pieces: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise transient(f"The {server} did not finish answering within {timeout:g} s.")
        piece = response.read1(_READ)
        if not piece:
            return b"".join(pieces)
        size += len(piece)
        if size > MAX_ANSWER_BYTES:
            raise refused(
                f"The {server} answered more than {MAX_ANSWER_BYTES // (1024 * 1024)} MB; "
                "nothing was used."
            )
        pieces.append(piece)
