"""Log filters: secrets that travel in URLs never reach a log line."""

from __future__ import annotations

import logging
import re

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
