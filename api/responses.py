"""The Gather envelope, paging, and RFC 9457 problem details."""

from __future__ import annotations

import math
import uuid
from typing import TYPE_CHECKING, Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

# Totals follow the dashboard tables' rule: exact up to a bound, then PostgreSQL's estimate.
from kit.counts import bounded_count

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from rest_framework.request import Request

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
# Far past any real list (100 million rows at the largest page size), and small enough that
# the row offset always fits the database's integers.
MAX_PAGE = 1_000_000


def request_id(request: Any) -> str:
    rid = getattr(request, "request_id", None)
    if rid is None:
        rid = str(uuid.uuid4())
        request.request_id = rid
    return rid


def _meta(request: Any) -> dict[str, str]:
    return {"requestId": request_id(request), "timestamp": timezone.now().isoformat()}


def envelope(request: Any, data: dict[str, Any], status_code: int = 200) -> Response:
    """``{"data": data, "meta": {"requestId", "timestamp"}}``."""
    response = Response({"data": data, "meta": _meta(request)}, status=status_code)
    response["X-Request-Id"] = request_id(request)
    return response


def page_params(request: Request) -> tuple[int, int]:
    """``page`` is 1-based; ``page=0`` is read as the first page too (the seeds use both).
    ``pageSize`` defaults to 20 and is capped at 100; ``page`` at MAX_PAGE."""
    errors = {}
    try:
        page = int(request.query_params.get("page", 1))
    except ValueError:
        errors["page"] = ["Must be a whole number (1 is the first page; 0 also means the first)."]
        page = 1
    try:
        size = int(request.query_params.get("pageSize", DEFAULT_PAGE_SIZE))
    except ValueError:
        errors["pageSize"] = ["Must be a whole number."]
        size = DEFAULT_PAGE_SIZE
    if not 0 <= page <= MAX_PAGE:
        errors["page"] = [f"Must be between 1 and {MAX_PAGE} (0 also means the first page)."]
    if not 1 <= size <= MAX_PAGE_SIZE:
        errors["pageSize"] = [f"Must be between 1 and {MAX_PAGE_SIZE}."]
    if errors:
        raise exceptions.ValidationError(errors)
    return max(page, 1), size


def paginate(request: Request, queryset: QuerySet[Any], key: str, render: Any) -> Response:
    """A page of ``queryset`` under ``key`` with
    ``pagination {total, totalIsExact, page, pages, pageSize}`` (see ``bounded_count``)."""
    page, size = page_params(request)
    total, exact = bounded_count(queryset)
    rows = list(queryset[(page - 1) * size : page * size])
    return envelope(
        request,
        {
            key: [render(row) for row in rows],
            "pagination": {
                "total": total,
                "totalIsExact": exact,
                "page": page,
                "pages": max(1, math.ceil(total / size)),
                "pageSize": size,
            },
        },
    )


def _field_errors(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key in ("non_field_errors", "__all__"):
                name = prefix
            out.extend(_field_errors(value, name))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, (dict, list)):
                out.extend(_field_errors(value, f"{prefix}[{index}]" if prefix else str(index)))
            else:
                out.extend(_field_errors(value, prefix))
    else:
        out.append(
            {"field": prefix, "message": str(detail), "code": getattr(detail, "code", "invalid")}
        )
    return out


TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
}


def problem(request: Any, status_code: int, detail: str, **extra: Any) -> Response:
    body = {
        "type": "about:blank",
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        "instance": getattr(request, "path", ""),
        "requestId": request_id(request),
        **extra,
    }
    response = Response(body, status=status_code, content_type="application/problem+json")
    response["X-Request-Id"] = request_id(request)
    return response


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error as problem details; validation errors list each field and rule."""
    request = context.get("request")
    if isinstance(exc, RequestDataTooBig):
        return problem(request, 413, "The request body is too large.")
    if isinstance(exc, SuspiciousOperation):
        return problem(request, 400, "The request was refused as malformed.")
    if isinstance(exc, DjangoValidationError):
        # A service error no view mapped still speaks the API's field names.
        from api.dialect import api_validation_error

        exc = api_validation_error(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        summary = "; ".join(f"{e['field'] or 'request'}: {e['message']}" for e in errors[:5])
        result = problem(request, status.HTTP_400_BAD_REQUEST, summary, errors=errors)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        result = problem(request, response.status_code, str(detail))
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            result[header] = response[header]
    return result
