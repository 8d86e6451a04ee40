"""Bad input on every list and every JSON body: a clear 4xx naming the field, never a 500.

- Every signed-in list page (``ROUTES`` of kind LIST) and its htmx table with a page number
  far past the end (``?page=99999999999999999999``) answers without a server error.
- Every API list (an operation with a ``page`` parameter) refuses a huge ``page`` and an
  out-of-range ``pageSize`` with a 400 problem naming the parameter.
- Every API operation that takes a JSON body refuses one nested 100,000 deep with a 400
  problem naming ``body``.
- Every door that sets a webhook's URL (each API operation whose body has a ``url``, the
  dashboard's create and edit forms) refuses an internal address, changing nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from tests.security.conftest import CANARY, World
from tests.security.sweep import LIST, OBJECT, ROUTES, body_of, build_url, call
from tests.security.test_api_sweep import _url

pytestmark = pytest.mark.django_db

HUGE_PAGE = "99999999999999999999"
DEEP_BODY = "[" * 100_000 + "]" * 100_000

LIST_ROUTES = sorted(name for name, route in ROUTES.items() if route.kind == LIST)
OBJECT_ROUTES = sorted(name for name, route in ROUTES.items() if route.kind == OBJECT)


SCHEMA = SchemaGenerator().get_schema(request=None, public=True)


def _schema_operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = SCHEMA
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


OPERATIONS = _schema_operations()
PAGED = [
    (m, p)
    for m, p, op in OPERATIONS
    if any(param.get("name") == "page" for param in op.get("parameters", []))
]
WITH_JSON_BODY = [
    (m, p)
    for m, p, op in OPERATIONS
    if "application/json" in op.get("requestBody", {}).get("content", {})
]


def _body_properties(operation: dict[str, Any]) -> set[str]:
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    ref = schema.get("schema", {}).get("$ref", "")
    component = SCHEMA["components"]["schemas"].get(ref.rpartition("/")[2], {})
    return set(component.get("properties", {}))


SETS_WEBHOOK_URL = [
    (m, p) for m, p, op in OPERATIONS if "webhooks" in p and "url" in _body_properties(op)
]
INTERNAL_URLS = ("http://127.0.0.1:8000/x", "http://169.254.169.254/latest/", "http://[fd00::1]/")


def _api(method: str, url: str, key: str, body: str | None = None) -> tuple[int, dict[str, Any]]:
    client = Client(raise_request_exception=False)
    with transaction.atomic():
        if body is None:
            response = client.generic(method, url, headers={"X-API-Key": key})
        else:
            response = client.generic(
                method, url, body, content_type="application/json", headers={"X-API-Key": key}
            )
        transaction.set_rollback(True)
    return response.status_code, json.loads(body_of(response) or "{}")


def _fields(problem: dict[str, Any]) -> set[str]:
    return {error["field"] for error in problem.get("errors", [])}


def test_the_sweep_finds_the_lists_and_bodies():
    assert len(LIST_ROUTES) > 20
    assert len(PAGED) >= 8
    assert len(WITH_JSON_BODY) >= 10


@pytest.mark.parametrize("name", LIST_ROUTES)
def test_a_huge_page_on_a_list_page_is_never_a_server_error(world: World, name: str):
    url = build_url(name, ROUTES[name], dict.fromkeys(ROUTES[name].args, world.a))
    for query in (f"?page={HUGE_PAGE}", "?page=1000001", "?page=-1", "?page=abc", "?page=1e400"):
        for headers in ({}, {"HX-Request": "true"}):
            result = call("GET", url + query, user=world.a.users["owner"], headers=headers)
            print(f"{name:40} {query:28} {headers} -> {result.status}")
            assert result.status < 500, f"{url}{query} -> {result.status}"


@pytest.mark.parametrize("name", OBJECT_ROUTES)
def test_a_huge_page_on_an_object_page_is_never_a_server_error(world: World, name: str):
    """Object pages hold tables too (an interview's results, a webhook's deliveries)."""
    url = build_url(name, ROUTES[name], dict.fromkeys(ROUTES[name].args, world.a))
    result = call("GET", f"{url}?page={HUGE_PAGE}", user=world.a.users["owner"])
    assert result.status < 500, f"{url}?page={HUGE_PAGE} -> {result.status}"


def test_a_page_past_the_end_of_a_big_table_shows_the_last_page(world: World):
    url = reverse("candidates:candidate_list")
    result = call("GET", f"{url}?page={HUGE_PAGE}", user=world.a.users["owner"])
    assert result.status == 200
    assert CANARY in result.body  # team A's candidate, on the last (only) page


@pytest.mark.parametrize(("method", "path"), PAGED, ids=str)
def test_a_huge_page_on_an_api_list_is_a_400_naming_it(world: World, method: str, path: str):
    url = _url(path, world.a)
    for query, field in (
        (f"page={HUGE_PAGE}", "page"),
        ("page=1000001", "page"),
        ("page=-1", "page"),
        ("pageSize=0", "pageSize"),
        ("pageSize=101", "pageSize"),
        (f"pageSize={HUGE_PAGE}", "pageSize"),
    ):
        status, problem = _api(method, f"{url}?{query}", world.a.api_key)
        print(f"{method:6} {url}?{query} -> {status}")
        assert status == 400, problem
        assert field in _fields(problem), problem
    status, _ = _api(method, f"{url}?page=1000000&pageSize=100", world.a.api_key)
    assert status == 200


@pytest.mark.parametrize(("method", "path"), WITH_JSON_BODY, ids=str)
def test_a_deeply_nested_body_is_a_400_naming_it(world: World, method: str, path: str):
    url = _url(path, world.a)
    for body in (DEEP_BODY, '{"a":' * 65 + "1" + "}" * 65):
        status, problem = _api(method, url, world.a.api_key, body)
        print(f"{method:6} {url} nested {body.count('[') + body.count('{')} deep -> {status}")
        assert status == 400, problem
        assert "body" in _fields(problem), problem


def test_the_sweep_finds_the_webhook_url_doors():
    assert SETS_WEBHOOK_URL == [
        ("POST", "/qsi/gather/webhooks"),
        ("PATCH", "/qsi/gather/webhooks/{id}"),
    ]


@pytest.mark.parametrize(("method", "path"), SETS_WEBHOOK_URL, ids=str)
def test_the_api_refuses_a_webhook_on_the_internal_network(world: World, settings, method, path):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    url = _url(path, world.a)
    endpoint = world.a.objects["endpoint"]
    for target in INTERNAL_URLS:
        body = json.dumps({"url": target, "eventTypes": ["interview.updated"]})
        status, problem = _api(method, url, world.a.api_key, body)
        assert status == 400, problem
        assert _fields(problem) == {"url"}, problem
    endpoint.refresh_from_db()
    assert endpoint.url not in INTERNAL_URLS


@pytest.mark.parametrize("name", ["webhooks:endpoint_create", "webhooks:endpoint_edit"])
def test_the_dashboard_refuses_a_webhook_on_the_internal_network(world: World, settings, name):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    url = build_url(name, ROUTES[name], dict.fromkeys(ROUTES[name].args, world.a))
    watch = [world.a.objects["endpoint"]]
    for target in INTERNAL_URLS:
        data = {"url": target, "event_types": ["interview.updated"]}
        result = call("POST", url, user=world.a.users["owner"], data=data, watch=watch)
        assert result.status == 422, result.status
        assert "webhooks may only reach public addresses" in result.body
        assert not result.changes
