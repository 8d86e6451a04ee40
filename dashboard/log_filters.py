"""Log filters: secrets that travel in URLs never reach a log line."""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger as _GunicornLogger

# Candidate invite links (/i/<token>/), share links (/s/<token>/…) and team invitations.
_TOKEN_IN_PATH = re.compile(r"(/(?:i|s|accounts/invitations)/)[^/\s?#'\"]+")


def redact(text: str) -> str:
    return _TOKEN_IN_PATH.sub(r"\1[token]", text)


class RedactTokens(logging.Filter):
    """Replace the token in any URL path of the message (``Not Found: /i/<token>/``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


class QuietPermissionDenied(logging.Filter):
    """Keep the one-line "Forbidden" warning for a routine 403 but drop its traceback:
    a PermissionDenied is an expected answer, not a fault to debug."""

    def filter(self, record: logging.LogRecord) -> bool:
        from django.core.exceptions import PermissionDenied

        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, PermissionDenied):
            record.exc_info, record.exc_text = None, None
        return True


class GunicornLogger(_GunicornLogger):
    """gunicorn's logger with tokens redacted from access-log lines (request line, path,
    referer): ``--logger-class dashboard.log_filters.GunicornLogger``."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f", "{referer}i"):
            value = atoms.get(key)
            if isinstance(value, str):
                atoms[key] = redact(value)
        return atoms
