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
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        request.request_id = str(uuid.uuid4())  # type: ignore[attr-defined]
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if response.status_code >= 400 and "json" not in content_type:
            # Django's own pages (an unknown URL, a CSRF failure) speak JSON here too.
            return _problem(request, response.status_code, _DETAILS.get(response.status_code))
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(API_PREFIX):
            return None
        logger.exception("API request %s failed", getattr(request, "request_id", ""))
        return _problem(request, 500, _DETAILS[500])


_DETAILS = {
    404: "No API operation at this path. See /qsi/gather/docs.",
    405: "This path does not take that method.",
    500: "Something went wrong on our side. Quote the requestId to support.",
}


def _problem(request: HttpRequest, status: int, detail: str | None) -> JsonResponse:
    from api.responses import TITLES

    return JsonResponse(
        {
            "type": "about:blank",
            "title": TITLES.get(status, "Error"),
            "status": status,
            "detail": detail or TITLES.get(status, "Error"),
            "instance": request.path,
            "requestId": getattr(request, "request_id", ""),
        },
        status=status,
        content_type="application/problem+json",
    )
