"""A small fixed-window rate limiter on Django's cache framework.

Each ``(scope, key)`` gets a counter per window of ``window_seconds``; the window a hit
falls in is ``floor(now / window_seconds)``, so every counter expires on its own. A fixed
window lets up to twice the limit through around a window boundary, which is fine for
slowing down form spam and email bombing; it is not a billing meter.

The counters live in the ``default`` cache, which every process shares (one SQLite file on
one machine, Redis across several), and ``cache.incr`` is atomic on both.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` hits per ``window_seconds`` for each key of ``scope``."""

    scope: str
    limit: int
    window_seconds: int


@dataclass(frozen=True)
class RateLimitResult:
    allowed: bool
    count: int
    retry_after: int
    """Seconds until the current window ends (a ``Retry-After`` value)."""


def _cache_key(scope: str, key: str, window: int) -> str:
    # Keys hold emails and IPs: hash them so they are short, safe for memcached, and not
    # readable by whoever can list the cache.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}:{window}"


def rate_limit_hit(rule: RateLimit, key: str, *, now: float | None = None) -> RateLimitResult:
    """Count one hit for ``key`` under ``rule`` and say whether it is within the limit.

    Hits over the limit are counted too, so hammering does not reopen the window early.
    """
    now = time.time() if now is None else now
    window = int(now // rule.window_seconds)
    retry_after = max(1, int((window + 1) * rule.window_seconds - now))
    cache_key = _cache_key(rule.scope, key, window)
    # Kept one extra second so the counter outlives its window and never restarts at 1
    # while the window is still current.
    timeout = retry_after + 1
    cache.add(cache_key, 0, timeout=timeout)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # The counter expired between add and incr: this is the first hit of a new counter.
        cache.set(cache_key, 1, timeout=timeout)
        count = 1
    return RateLimitResult(allowed=count <= rule.limit, count=count, retry_after=retry_after)
