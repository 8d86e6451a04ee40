"""A fixed-window request limit per API key, kept in the default cache.

``API_RATE_LIMIT`` requests per ``API_RATE_WINDOW`` seconds (settings, from the environment;
600 per 60 unless set), counted in the default cache that every process shares. Every
response to an authenticated request says where the key stands (``RateLimit-Limit``,
``RateLimit-Remaining``, ``RateLimit-Reset`` in seconds); beyond the limit the answer is a 429
problem with ``Retry-After``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

if TYPE_CHECKING:
    from django.http import HttpResponseBase
    from rest_framework.request import Request


@dataclass(frozen=True)
class RateState:
    limit: int
    remaining: int
    reset: int


def _limits() -> tuple[int, int]:
    return settings.API_RATE_LIMIT, max(1, settings.API_RATE_WINDOW)


class ApiKeyRateThrottle(BaseThrottle):
    def __init__(self) -> None:
        self.reset = 0

    def allow_request(self, request: Request, view: Any) -> bool:
        api_key = request.auth
        if api_key is None:
            return True
        limit, window = _limits()
        now = int(time.time())
        window_start = now - now % window
        key = f"api:ratelimit:{api_key.pk}:{window_start}"
        # add() is a no-op when the window already has a counter; incr() is atomic on Redis
        # and on the default SQLite cache.
        cache.add(key, 0, window + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # the counter expired between add() and incr()
            cache.set(key, 1, window + 1)
            count = 1
        self.reset = window_start + window - now
        request.rate_limit = RateState(
            limit=limit, remaining=max(0, limit - count), reset=self.reset
        )
        return count <= limit

    def wait(self) -> float:
        return self.reset


def add_rate_limit_headers(request: Request, response: HttpResponseBase) -> None:
    state: RateState | None = getattr(request, "rate_limit", None)
    if state is None:
        return
    response["RateLimit-Limit"] = str(state.limit)
    response["RateLimit-Remaining"] = str(state.remaining)
    response["RateLimit-Reset"] = str(state.reset)
