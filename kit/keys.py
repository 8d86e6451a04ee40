"""Keys handed to machines (API keys, ATS connector keys): ``<scheme>_<prefix>_<secret>``.

Only the SHA-256 of the whole key is stored; the prefix finds the row, and ``key_matches``
compares in constant time. One implementation for every kind of key, so they cannot drift."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX_LENGTH = 12


def secret_digest(raw: str) -> str:
    """The hex SHA-256 stored for a key or token."""
    return hashlib.sha256(raw.encode()).hexdigest()


def key_new(scheme: str) -> tuple[str, str]:
    """A fresh ``(prefix, key)``: 12 hex characters of prefix, 43 of URL-safe secret."""
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    return prefix, f"{scheme}_{prefix}_{secrets.token_urlsafe(32)}"


def key_prefix(raw: str, scheme: str) -> str | None:
    """The prefix of ``raw`` when it has the shape of a ``scheme`` key, else None."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != scheme or len(parts[1]) != PREFIX_LENGTH:
        return None
    return parts[1]


def key_matches(stored_digest: str, raw: str) -> bool:
    return hmac.compare_digest(stored_digest, secret_digest(raw))
