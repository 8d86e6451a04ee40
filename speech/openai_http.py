"""One POST to an OpenAI-compatible endpoint, with its failures sorted the same way everywhere.

Speech (``/audio/speech``), transcription (``/audio/transcriptions``) and chat
(``/chat/completions``) providers all need it: 429, 5xx, timeouts and refused connections are
worth retrying later; any other 4xx is a refusal, reported with the server's own message.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request


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

    ``server`` names the other side in messages ("the speech server"); ``transient`` is raised
    for what a retry may fix, ``refused`` for the rest. The key travels only in the header.
    """
    headers = dict(headers)
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return bytes(response.read())
    except urllib.error.HTTPError as exc:
        detail = error_detail(exc)
        if exc.code == 429 or exc.code >= 500:
            raise transient(f"The {server} answered {exc.code}: {detail}") from exc
        raise refused(f"The {server} refused the request ({exc.code}): {detail}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise transient(f"The {server} could not be reached: {reason}") from exc
