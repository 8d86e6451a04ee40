"""Sign-in throttling: failed attempts counted per email and per IP in a sliding window.

Failures are counted in one-minute buckets in Django's default cache, which every web and
worker process shares (``cache.incr`` is atomic on Redis and on the default SQLite cache,
``dashboard.cache``); the window is the sum of the last ``LOGIN_THROTTLE_WINDOW`` seconds
of buckets, so it slides a minute at a time. Once an email
reaches ``LOGIN_THROTTLE_EMAIL_LIMIT`` failures (or an IP ``LOGIN_THROTTLE_IP_LIMIT``), a lock
is set for ``LOGIN_THROTTLE_LOCKOUT`` seconds; attempts while locked are refused without being
checked or counted, so the lock ends on time however hard it is hammered.

Emails are counted whether or not an account has them, so a lock says nothing about which
accounts exist. Keys are hashed: the cache never holds an email or an IP in clear.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

BUCKET_SECONDS = 60


def _now() -> float:
    # One clock for the module, so tests can move time forward.
    return time.time()


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


@dataclass(frozen=True)
class Rule:
    scope: str
    limit: int
    window: int
    lockout: int


def email_rule() -> Rule:
    return Rule(
        "login-email",
        _setting("LOGIN_THROTTLE_EMAIL_LIMIT", 5),
        _setting("LOGIN_THROTTLE_WINDOW", 15 * 60),
        _setting("LOGIN_THROTTLE_LOCKOUT", 15 * 60),
    )


def ip_rule() -> Rule:
    return Rule(
        "login-ip",
        _setting("LOGIN_THROTTLE_IP_LIMIT", 20),
        _setting("LOGIN_THROTTLE_WINDOW", 15 * 60),
        _setting("LOGIN_THROTTLE_LOCKOUT", 15 * 60),
    )


def password_reset_rule() -> Rule:
    window = _setting("PASSWORD_RESET_IP_WINDOW", 60 * 60)
    return Rule("password-reset-ip", _setting("PASSWORD_RESET_IP_LIMIT", 5), window, window)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _lock_key(rule: Rule, key: str) -> str:
    return f"throttle:{rule.scope}:lock:{_digest(key)}"


def _bucket_key(rule: Rule, key: str, bucket: int) -> str:
    return f"throttle:{rule.scope}:{_digest(key)}:{bucket}"


def _buckets(rule: Rule, now: float) -> range:
    current = int(now // BUCKET_SECONDS)
    return range(current - math.ceil(rule.window / BUCKET_SECONDS) + 1, current + 1)


def locked_for(rule: Rule, key: str | None) -> int:
    """Seconds left on ``key``'s lock under ``rule`` (0 when it is not locked)."""
    if not key:
        return 0
    until = cache.get(_lock_key(rule, key))
    if until is None:
        return 0
    return max(0, math.ceil(float(until) - _now()))


def failure_count(rule: Rule, key: str) -> int:
    keys = [_bucket_key(rule, key, b) for b in _buckets(rule, _now())]
    return sum(int(v) for v in cache.get_many(keys).values())


def hit(rule: Rule, key: str | None) -> bool:
    """Count one failure (or one use) for ``key``; True when it has just locked the key."""
    if not key:
        return False
    now = _now()
    bucket_key = _bucket_key(rule, key, int(now // BUCKET_SECONDS))
    timeout = rule.window + BUCKET_SECONDS
    cache.add(bucket_key, 0, timeout=timeout)
    try:
        cache.incr(bucket_key)
    except ValueError:
        cache.set(bucket_key, 1, timeout=timeout)
    if failure_count(rule, key) < rule.limit:
        return False
    # ``add`` so that two failures racing past the limit set (and report) one lock.
    return bool(cache.add(_lock_key(rule, key), now + rule.lockout, timeout=rule.lockout))


def clear(rule: Rule, key: str | None) -> None:
    if not key:
        return
    keys = [_bucket_key(rule, key, b) for b in _buckets(rule, _now())]
    cache.delete_many([*keys, _lock_key(rule, key)])


@dataclass(frozen=True)
class Lock:
    retry_after: int
    scope: str


def login_locked(*, email: str, ip: str | None) -> Lock | None:
    """The lock refusing this sign-in attempt, if any (the email's is checked first)."""
    for rule, key in ((email_rule(), normalise_email(email)), (ip_rule(), ip)):
        seconds = locked_for(rule, key)
        if seconds:
            return Lock(retry_after=seconds, scope=rule.scope)
    return None


def login_failed(*, email: str, ip: str | None) -> Lock | None:
    """Count a failed password or code. Returns the lock this failure started, if any."""
    started = None
    for rule, key in ((email_rule(), normalise_email(email)), (ip_rule(), ip)):
        if hit(rule, key) and started is None:
            started = Lock(retry_after=rule.lockout, scope=rule.scope)
    return started


def login_succeeded(*, email: str) -> None:
    """A right password (and code) forgets the email's failures; the IP's stay counted."""
    clear(email_rule(), normalise_email(email))


def password_reset_allowed(*, ip: str | None) -> int:
    """Count a password reset request; returns 0 if allowed, else seconds to wait."""
    rule = password_reset_rule()
    seconds = locked_for(rule, ip)
    if seconds:
        return seconds
    # The request that reaches the limit still goes through; the lock refuses the next.
    hit(rule, ip)
    return 0
