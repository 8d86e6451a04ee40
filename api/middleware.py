from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from django.http import JsonResponse

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest, HttpResponse

API_PREFIX = "/qsi/gather/"
logger = logging.getLogger("api")


class ApiRequestMiddleware:
    """Gives every API request an id, and turns an unexpected crash into a problem response
    (never an HTML 500 page) that carries the id to quote to support."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            request.request_id = str(uuid.uuid4())  # type: ignore[attr-defined]
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(API_PREFIX):
            return None
        rid = getattr(request, "request_id", "")
        logger.exception("API request %s failed", rid)
        return JsonResponse(
            {
                "type": "about:blank",
                "title": "Internal server error",
                "status": 500,
                "detail": "Something went wrong on our side. Quote the requestId to support.",
                "instance": request.path,
                "requestId": rid,
            },
            status=500,
            content_type="application/problem+json",
        )
