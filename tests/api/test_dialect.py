"""The API dialect (api/dialect.py): one error mapper, one getter, one set of schema builders,
one naming scheme, and path ids that are UUIDs — held for every resource module."""

import ast
import inspect
import uuid
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import URLPattern, get_resolver
from django.urls.converters import IntConverter, UUIDConverter
from rest_framework import exceptions, serializers

from api.dialect import Conflict, _AnyId, api_field, service_errors
from tests.factories import InterviewFactory

pytestmark = pytest.mark.django_db

API = Path(__file__).resolve().parents[2] / "api"
HOME = API / "dialect.py"
MODULES = sorted(p for p in API.rglob("*.py") if p != HOME and "management" not in p.parts)


def _django_validation_error_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.core.exceptions":
            names |= {a.asname or a.name for a in node.names if a.name == "ValidationError"}
    return names


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(API)))
def test_no_module_but_the_dialect_maps_service_errors(module):
    tree = ast.parse(module.read_text())
    django_errors = _django_validation_error_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            caught = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
            assert not caught & django_errors, (
                f"{module.name}:{node.lineno} maps a service's ValidationError itself; "
                "use api.dialect.service_errors"
            )


def _looks_up_by_pk(node: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr in {"filter", "get"}
        and any(k.arg == "pk" for k in n.keywords)
        for n in ast.walk(node)
    )


def _raises_not_found(node: ast.AST) -> bool:
    """Raises the 404 of a team-scoped object ("No … in this team.")."""
    return any(
        isinstance(n, ast.Raise)
        and n.exc is not None
        and {getattr(x, "id", getattr(x, "attr", "")) for x in ast.walk(n.exc)}
        & {"NotFound", "Http404"}
        and "in this team" in ast.unparse(n.exc)
        for n in ast.walk(node)
    )


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(API)))
def test_no_module_but_the_dialect_has_its_own_getter_or_id_parser(module):
    tree = ast.parse(module.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            assert not (_looks_up_by_pk(node) and _raises_not_found(node)), (
                f"{module.name}: {node.name} is a getter of its own; use api.dialect.get_or_404"
            )
    if "urlpatterns" in module.read_text():
        assert "uuid.UUID(" not in module.read_text(), f"{module.name} parses ids by hand"
        assert "<str:" not in module.read_text(), f"{module.name} has a <str:…> path id"


def _api_routes():
    api = next(p for p in get_resolver().url_patterns if getattr(p, "namespace", "") == "api")
    return [
        p
        for p in api.url_patterns
        if isinstance(p, URLPattern)
        and not issubclass(getattr(p.callback, "view_class", object), _AnyId)
    ]


def test_every_path_id_is_a_uuid_or_a_number():
    routes = _api_routes()
    assert len(routes) > 20
    for route in routes:
        for name, converter in route.pattern.converters.items():
            assert isinstance(converter, UUIDConverter | IntConverter), (route.pattern, name)


def test_every_serializer_is_named_for_its_direction():
    import api.urls  # noqa: F401  (imports every resource module)

    found = []
    for module in MODULES:
        if module.name == "__init__.py":
            continue
        name = ".".join(module.relative_to(API.parent).with_suffix("").parts)
        python = __import__(name, fromlist=["_"])
        for cls_name, cls in inspect.getmembers(python, inspect.isclass):
            if cls.__module__ == name and issubclass(cls, serializers.Serializer):
                found.append(cls_name)
                assert cls_name.endswith(("In", "Out")), f"{name}.{cls_name}: name it XxxIn/XxxOut"
    assert len(found) > 30


def test_schema_components_are_named_for_the_object(api):
    components = api.get("/qsi/gather/openapi.json").json()["components"]["schemas"]
    assert {"Interview", "InterviewCreateRequest", "AITextQuestionCreateRequest"} <= set(components)
    for name in components:
        assert not name.endswith(("Out", "InRequest", "OutRequest", "Serializer")), name
    page = components["Pagination"]["properties"]
    assert set(page) == {"total", "totalIsExact", "page", "pages", "pageSize"}


def test_path_ids_are_typed_as_uuids_in_the_schema(api):
    paths = api.get("/qsi/gather/openapi.json").json()["paths"]
    ids = [
        parameter
        for operations in paths.values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path" and parameter["name"] not in {"delivery_id", "turn_number"}
    ]
    assert len(ids) > 20
    assert all(p["schema"] == {"type": "string", "format": "uuid"} for p in ids), ids


# ---------------------------------------------------------------- the error mapper


def test_it_names_service_fields_as_the_api_does():
    assert api_field("max_character_length") == "maxCharacterLength"
    assert api_field("options.1.is_preferred", {"is_preferred": "preferred"}) == (
        "options[1].preferred"
    )
    assert api_field("narrator", {"narrator": "narratorId"}) == "narratorId"


def test_it_keeps_each_message_code_and_the_non_field_errors():
    error = ValidationError(
        {
            "first_name": ValidationError("Required.", code="required"),
            "__all__": ValidationError("Both at once.", code="clash"),
        }
    )
    with pytest.raises(exceptions.ValidationError) as raised, service_errors():
        raise error
    detail = raised.value.detail
    assert detail["firstName"][0].code == "required"
    assert detail["non_field_errors"] == ["Both at once."]
    assert raised.value.__cause__ is error


def test_it_answers_a_state_error_as_a_conflict():
    with pytest.raises(Conflict, match="Already done"), service_errors(conflicts={"status"}):
        raise ValidationError({"status": "Already done."})
    with pytest.raises(exceptions.ValidationError), service_errors(conflicts={"status"}):
        raise ValidationError({"status": "Already done.", "until": "Too late."})


# ---------------------------------------------------------------- malformed ids


def _requests():
    for route in _api_routes():
        ids = {
            name
            for name, converter in route.pattern.converters.items()
            if isinstance(converter, UUIDConverter)
        }
        if not ids:
            continue
        view = getattr(route.callback, "view_class", None)  # None: api.media's signed links
        for method in ("get", "post", "patch", "delete"):
            if hasattr(view, method):
                yield pytest.param(str(route.pattern), ids, method, id=f"{method} {route.pattern}")


def _url(route, ids, value):
    url = route
    for name in ids:
        url = url.replace(f"<uuid:{name}>", value)
    return "/qsi/gather/" + url.replace("<int:delivery_id>", "1").replace("<int:turn_number>", "1")


@pytest.mark.parametrize(("route", "ids", "method"), list(_requests()))
def test_a_malformed_id_is_answered_as_an_unknown_id(api, route, ids, method):
    unknown = str(uuid.uuid4())
    known = getattr(api, method)(_url(route, ids, unknown), {}, format="json")
    malformed = getattr(api, method)(_url(route, ids, "not-a-uuid"), {}, format="json")
    assert known.status_code == 404, known.json()
    assert malformed.status_code == 404
    assert malformed["Content-Type"] == "application/problem+json"
    body, expected = malformed.json(), known.json()
    assert body["detail"] == expected["detail"].replace(unknown, "not-a-uuid")
    assert body["title"] == expected["title"]
    assert body["instance"] == expected["instance"].replace(unknown, "not-a-uuid")


def test_a_malformed_id_still_needs_a_key_and_its_method(anonymous_api, api):
    assert anonymous_api.get("/qsi/gather/interviews/not-a-uuid").status_code == 401
    assert api.put("/qsi/gather/interviews/not-a-uuid", {}, format="json").status_code == 405


def test_an_upper_case_id_is_still_found(api, team):
    interview = InterviewFactory(team=team)
    response = api.get(f"/qsi/gather/interviews/{str(interview.pk).upper()}")
    assert response.status_code == 200
    assert response.json()["data"]["interview"]["id"] == str(interview.pk)
