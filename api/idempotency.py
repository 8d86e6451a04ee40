"""``Idempotency-Key`` for POST endpoints: the first response is kept for 24 hours and replayed.

Records live in Django's default cache, keyed by the API key and the client's Idempotency-Key,
with a fingerprint of the method, path and parsed body. The same key with a different request is
a 422. Only responses the view returned are kept: a request refused by validation (raised as an
exception before anything was written) leaves no record, so the client may fix it and retry
with the same key. A second request arriving while the first still runs gets a 409.
"""

from __future__ import annotations

import hashlib
import json
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from rest_framework.response import Response

from api.responses import problem

if TYPE_CHECKING:
    from collections.abc import Callable

    from rest_framework.request import Request

HEADER = "Idempotency-Key"
TTL_SECONDS = 24 * 60 * 60
LOCK_SECONDS = 60
MAX_KEY_LENGTH = 255


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _cache_key(request: Request, idempotency_key: str) -> str:
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()
    return f"api:idempotency:{request.auth.pk}:{digest}"


def idempotent(method: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a view's ``post`` (or any unsafe method) to honour ``Idempotency-Key``."""

    @wraps(method)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Any:
        idempotency_key = request.headers.get(HEADER, "").strip()
        if not idempotency_key or request.auth is None:
            return method(view, request, *args, **kwargs)
        if len(idempotency_key) > MAX_KEY_LENGTH:
            return problem(
                request, 400, f"The {HEADER} header must be {MAX_KEY_LENGTH} characters or fewer."
            )
        key = _cache_key(request, idempotency_key)
        fingerprint = _fingerprint(request)
        stored = cache.get(key)
        if stored is None:
            if not cache.add(f"{key}:lock", 1, LOCK_SECONDS):
                return problem(
                    request,
                    409,
                    f"A request with this {HEADER} is still being processed; retry shortly.",
                )
            try:
                response = method(view, request, *args, **kwargs)
                if isinstance(response, Response) and response.status_code < 500:
                    cache.set(
                        key,
                        {
                            "fingerprint": fingerprint,
                            "status": response.status_code,
                            "body": response.data,
                            "content_type": response.content_type,
                        },
                        TTL_SECONDS,
                    )
                return response
            finally:
                cache.delete(f"{key}:lock")
        if stored["fingerprint"] != fingerprint:
            return problem(
                request,
                422,
                f"This {HEADER} was already used with a different request; "
                "use a new key for a new request.",
            )
        replay = Response(
            stored["body"], status=stored["status"], content_type=stored["content_type"]
        )
        replay["Idempotent-Replayed"] = "true"
        return replay

    return wrapper
