"""The API's JSON parser: DRF's, with a limit on how deeply a body may nest."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.parsers import JSONParser

# No Gather body nests more than a few levels; 64 leaves room and keeps every later step
# (serializers, idempotency hashing, rendering) far from Python's recursion limit.
MAX_JSON_DEPTH = 64


def json_depth_exceeds(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``value`` (decoded JSON) nests deeper than ``limit`` arrays and objects.
    Walks with its own stack, so a deep value cannot exhaust Python's."""
    if not isinstance(value, (dict, list)):
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _too_deep() -> exceptions.ValidationError:
    return exceptions.ValidationError(
        {"body": [f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels."]}, code="too_deep"
    )


class DepthLimitedJSONParser(JSONParser):
    """Refuses a body nested deeper than MAX_JSON_DEPTH with a 400 naming ``body``: the
    standard decoder recurses once per level and a 100,000-deep body is a RecursionError."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise _too_deep() from exc
        if json_depth_exceeds(data):
            raise _too_deep()
        return data
