"""OpenAPI extensions: the x-api-key authentication, shared errors and paging bounds."""

import re
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from api.responses import DEFAULT_PAGE_SIZE, MAX_PAGE, MAX_PAGE_SIZE


class GatherAutoSchema(AutoSchema):
    """A PATCH body is partial, as DRF makes it, unless the view reads its serializer whole
    (``whole_on_patch = True``, as the bulk update does): then its required fields say so.
    Components are named for the object, not for the direction (``InterviewOut`` and
    ``InterviewCreateIn`` become ``Interview`` and ``InterviewCreateRequest``)."""

    def get_serializer_name(self, serializer: Any, direction: Any) -> str:
        name = str(super().get_serializer_name(serializer, direction))
        return re.sub(r"(?<=[a-z])(InOut|In|Out)$", "", name)

    def _get_request_for_media_type(self, serializer: Any, direction: str = "request") -> Any:
        if self.method != "PATCH" or not getattr(serializer, "whole_on_patch", False):
            return super()._get_request_for_media_type(serializer, direction)
        self.method = "PUT"
        try:
            return super()._get_request_for_media_type(serializer, direction)
        finally:
            self.method = "PATCH"


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "x-api-key"}


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "requestId": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "For validation errors: each field and the rule it broke.",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
                "required": ["field", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail", "requestId"],
}

ERROR_STATUSES = {
    "400": "The request is malformed or breaks a rule; `errors` names each field.",
    "401": "No valid key in the x-api-key header.",
    "403": "The key lacks a scope (named in `detail`), or the action is not allowed.",
    "404": "No such object in the team this key reaches (other teams' objects included).",
    "409": "The request conflicts with the object's state.",
    "413": "The request body is too large.",
    "422": "The Idempotency-Key was used before with a different body.",
    "429": "Too many requests for this key; see Retry-After.",
}


def add_problem_responses(result: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """Document the shared error responses on every operation (drf-spectacular hook)."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for path, operations in result.get("paths", {}).items():
        if path.endswith(("openapi.json", "/docs")):
            continue
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, text in ERROR_STATUSES.items():
                operation["responses"].setdefault(
                    code,
                    {"description": text, "content": {"application/problem+json": {"schema": ref}}},
                )
            for code, response in operation["responses"].items():
                # Errors are always problem details, whatever a view's own schema declared.
                if str(code)[0] in "45" and isinstance(response, dict):
                    response["content"] = {"application/problem+json": {"schema": ref}}
    return result


def describe_shared_query_parameters(result: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """Describe the query parameters every view reads the same way as the server reads them
    (drf-spectacular hook), whatever a view declared: ``page`` and ``pageSize`` within the
    bounds ``page_params`` enforces; ``teamId`` any string (one that is not a team the key
    reaches is a 404); and any other filter may be sent empty, which means not sent."""
    bounds = {
        "page": {"type": "integer", "minimum": 0, "maximum": MAX_PAGE, "default": 1},
        "pageSize": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_PAGE_SIZE,
            "default": DEFAULT_PAGE_SIZE,
        },
        "teamId": {"type": "string"},
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") != "query":
                    continue
                if parameter["name"] in bounds:
                    parameter["schema"] = bounds[parameter["name"]]
                if not parameter["name"].startswith("page"):
                    parameter["allowEmptyValue"] = True
    return result


# One character that neither DRF's trimming (``str.strip``) nor JSON Schema's ``\s`` calls space.
VISIBLE_TEXT = r"[^\s\x1c-\x1f\x85]"


def require_visible_text(result: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """DRF trims text fields before checking them, so a non-blank field (``minLength: 1``)
    refuses "   " too: say so with a pattern (at least one character that is not space) on
    every such string of a request body, nested lists and objects included (drf-spectacular
    hook). Python's ``str.strip`` (what DRF trims with) also takes U+001C-U+001F and U+0085,
    which an ECMA ``\\S`` lets through, so the class names them."""

    def walk(schema: Any) -> None:
        if isinstance(schema, dict):
            if (
                schema.get("type") == "string"
                and schema.get("minLength") == 1
                and not {"pattern", "format", "enum"} & schema.keys()
            ):
                schema["pattern"] = VISIBLE_TEXT
            for value in schema.values():
                walk(value)
        elif isinstance(schema, list):
            for value in schema:
                walk(value)

    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            walk(component)
    return result
