"""The API dialect: how every resource module under ``api/`` speaks, defined once.

- ``service_errors``: runs a service call; its Django ``ValidationError`` comes out as the
  API's 400 with each field under its camelCase API name, and a clash with the object's state
  as a 409 (``Conflict``). The exception handler uses the same mapping for any error it meets.
- ``get_or_404``: one object of a queryset already limited to what the key may see, else the
  API's 404 problem naming it ("No interview … in this team.").
- ``envelope_of`` / ``page_of``: the OpenAPI shapes of ``{"data": {key: …}, "meta": …}`` and of
  a page (``api.responses.envelope`` and ``paginate`` render them).
- Serializers are named for their direction: ``XxxIn`` parses a request body, ``XxxOut``
  renders a response, ``XxxInOut`` is a nested shape used both ways; the schema drops the
  suffix (``Xxx``, and ``XxxRequest`` for a body: ``api.schema.GatherAutoSchema``).
- ``lenient_id_routes``: path ids are ``<uuid:…>``; these twins answer an id that is not a
  UUID as an unknown id is answered.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import URLPattern, path
from django.urls.converters import UUIDConverter
from django.urls.resolvers import RoutePattern
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.exceptions import ErrorDetail

from api.serializers.fields import Text
from candidates.models import InvalidTransition
from candidates.services.turns import TurnConflict

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from rest_framework.request import Request

# Domain exceptions that always mean "the object's state forbids this".
STATE_CONFLICTS: tuple[type[Exception], ...] = (InvalidTransition, TurnConflict)


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "The resource's current state forbids this change."
    default_code = "conflict"


# ---------------------------------------------------------------- errors


def camel(name: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


def api_field(key: str, names: Mapping[str, str] | None = None) -> str:
    """A service's field as the API names it: ``names`` renames a whole key or one part of a
    dotted one, the rest is camelCased; ``options.1.is_preferred`` → ``options[1].isPreferred``
    (the serializers' own format)."""
    names = names or {}
    if key in names:
        return names[key]
    out = ""
    for part in key.split("."):
        if part.isdigit():
            out += f"[{part}]"
        else:
            name = names.get(part, camel(part))
            out += f".{name}" if out else name
    return out


def api_validation_error(
    exc: DjangoValidationError, names: Mapping[str, str] | None = None
) -> exceptions.ValidationError:
    """A service's ``ValidationError`` as DRF's, each field renamed by ``api_field`` and each
    message keeping its code."""
    if not hasattr(exc, "error_dict"):
        return exceptions.ValidationError(exc.messages)
    detail: dict[str, list[ErrorDetail]] = {}
    for field, errors in exc.error_dict.items():
        name = "non_field_errors" if field == NON_FIELD_ERRORS else api_field(field, names)
        detail.setdefault(name, []).extend(
            ErrorDetail(message, code=error.code or "invalid")
            for error in errors
            for message in error.messages
        )
    return exceptions.ValidationError(detail)


@contextmanager
def service_errors(
    names: Mapping[str, str] | None = None, *, conflicts: Collection[str] = ()
) -> Iterator[None]:
    """Run a service call in the API's terms: a ``ValidationError`` is a 400 naming the API's
    fields (``api_validation_error``), raised ``from`` the service's error. One about the
    ``conflicts`` fields only (e.g. an invite's ``status``) and the ``STATE_CONFLICTS`` are
    about the object's state, not the input: a 409."""
    try:
        yield
    except DjangoValidationError as exc:
        fields = set(getattr(exc, "error_dict", ()))
        if fields and fields <= set(conflicts):
            raise Conflict(" ".join(exc.messages)) from exc
        raise api_validation_error(exc, names) from exc
    except STATE_CONFLICTS as exc:
        raise Conflict(str(exc)) from exc


# ---------------------------------------------------------------- objects


def get_or_404(queryset: QuerySet[Any], pk: Any, what: str, *, where: str = "in this team") -> Any:
    """The row ``pk`` of ``queryset`` (already limited to what the key may see), else the
    API's 404: "No ``what`` ``pk`` ``where``." The same for another team's object as for none."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise not_found(what, pk, where=where)
    return found


def not_found(what: str, pk: Any, *, where: str = "in this team") -> exceptions.NotFound:
    """The API's 404 for an id the key cannot see: "No ``what`` ``pk`` ``where``."."""
    return exceptions.NotFound(f"No {what} {pk} {where}.")


def lenient_id_routes(patterns: list[Any]) -> list[URLPattern]:
    """For each route with ``<uuid:…>``, a twin taking any text there; put them after every
    other route. An id that is not a UUID is then answered, after the key and scope checks,
    as an unknown id is ("No interview x in this team.", named by the view's ``what``), not
    as a path without an operation; a UUID Django's converter refuses (upper case, no dashes)
    is served as before. The twins stay out of the OpenAPI schema."""
    twins = []
    for pattern in patterns:
        route = pattern.pattern
        if not isinstance(pattern, URLPattern) or not isinstance(route, RoutePattern):
            continue
        ids = [n for n, c in route.converters.items() if isinstance(c, UUIDConverter)]
        if not ids:
            continue
        view_class = pattern.callback.view_class  # type: ignore[attr-defined]
        if not getattr(view_class, "what", ""):
            raise ImproperlyConfigured(f"{view_class.__name__} reads a path id: name it (what).")
        twin: Any = type(f"{view_class.__name__}AnyId", (_AnyId, view_class), {"ids": ids})
        twins.append(path(str(route).replace("<uuid:", "<str:"), twin.as_view()))
    return twins


class _AnyId:
    """Mixed into a view taking path ids (see ``lenient_id_routes``)."""

    ids: list[str]
    what: str
    schema = None
    malformed: str | None = None

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        for name in self.ids:
            try:
                kwargs[name] = uuid.UUID(kwargs[name])
            except ValueError:
                self.malformed = kwargs[name]
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        method = (request.method or "").lower()
        if self.malformed is not None and hasattr(self, method):
            raise exceptions.NotFound(f"No {self.what} {self.malformed} in this team.")


# ---------------------------------------------------------------- schema

TEAM_PARAM = OpenApiParameter(
    "teamId",
    str,
    description="Which team; else the key's team or default team (required for an "
    "organization key without a default team).",
)
PAGE_PARAMS = [
    OpenApiParameter("page", int, description="1-based (0 also means the first page)."),
    OpenApiParameter("pageSize", int, description="1 to 100; 20 by default."),
]


class MetaOut(serializers.Serializer):
    requestId = Text()
    timestamp = serializers.DateTimeField()


class PaginationOut(serializers.Serializer):
    total = serializers.IntegerField()
    totalIsExact = serializers.BooleanField(
        help_text="False when a very large total is the database's estimate."
    )
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    pageSize = serializers.IntegerField()


@cache  # one component per name: a detail and a create view may share theirs
def envelope_of(
    name: str, key: str, out: type[serializers.Serializer], *, many: bool = False
) -> Any:
    """The schema of ``{"data": {key: out}, "meta": {…}}``, as components ``<name>Response``
    and ``<name>Data``."""
    return _envelope(name, {key: out(many=many)})


@cache
def page_of(name: str, key: str, out: type[serializers.Serializer]) -> Any:
    """The schema of a page: ``{"data": {key: [out], "pagination": {…}}, "meta": {…}}``."""
    return _envelope(name, {key: out(many=True), "pagination": PaginationOut()})


def _envelope(name: str, data: dict[str, Any]) -> Any:
    return inline_serializer(
        f"{name}Response",
        {"data": inline_serializer(f"{name}Data", data), "meta": MetaOut()},
    )
