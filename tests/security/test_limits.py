"""Poison work (issue 12, item 7): no free text without a bound, in the models, the OpenAPI
schema and the API itself. The walks below cover every model and every operation, so a new
unbounded field or request property fails here."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.core.validators import MaxLengthValidator
from django.db import models
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from api.keys import SCOPES, api_key_create
from interviews.models import AudioQuestion
from kit import limits

pytestmark = pytest.mark.django_db

OUR_APPS = ("accounts", "interviews", "candidates", "webhooks", "uploads")

# JSON only the system writes, with what bounds it; anything else needs a validator.
SYSTEM_JSON = {
    "accounts.ApiKey.scopes": "scope names, checked against api.keys.SCOPES",
    "accounts.AuditEvent.data": "written by accounts.audit from known fields",
    "candidates.CandidateInterview.delivery_types": "channel names",
    "candidates.CandidateInterview.question_order": "the interview's question ids",
    "candidates.ImportJob.rows": "parsed CSV rows: the upload's size and MAX_ROWS bound them",
    "candidates.ImportJob.errors": "one short message per refused row",
    "candidates.ImportJob.delivery_types": "channel names",
    "candidates.CandidateInterview.accommodation_request_kinds": "at most the three kind "
    "names candidates.services.accommodations.REQUEST_KINDS allows",
    "candidates.Answer.keyword_hits": "counts of the interview's keywords",
    "candidates.Answer.processing": "step states; their errors are clipped to limits.REASON",
    "uploads.Upload.metadata": "tus Upload-Metadata: one request header",
    "webhooks.Endpoint.event_types": "event type names",
    "webhooks.Event.payload": "built by webhooks.services from stored (bounded) fields",
}


def _fields() -> list[tuple[str, models.Field[Any, Any]]]:
    found = []
    for app in OUR_APPS:
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.concrete_fields:
                found.append((f"{app}.{model.__name__}.{field.name}", field))
    return found


def test_it_bounds_every_text_field_of_every_model():
    unbounded = []
    for name, field in _fields():
        if isinstance(field, models.TextField):
            checks = [v for v in field.validators if isinstance(v, MaxLengthValidator)]
            if not field.max_length or [v.limit_value for v in checks] != [field.max_length]:
                unbounded.append(f"{name}: use kit.limits.bounded_text")
        elif isinstance(field, models.CharField) and not field.max_length:
            unbounded.append(f"{name}: CharField without max_length")
        elif (
            isinstance(field, models.JSONField) and not field.validators and name not in SYSTEM_JSON
        ):
            unbounded.append(f"{name}: JSON without a validator (or a reason in SYSTEM_JSON)")
    assert unbounded == []


def test_the_system_json_list_names_only_fields_that_exist():
    assert set(SYSTEM_JSON) <= {name for name, _field in _fields()}


# --- the OpenAPI schema --------------------------------------------------------------------

NOT_FREE_TEXT = {"uuid", "date-time", "date", "binary", "decimal", "email"}


def _schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _free_text(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(path, property) of every writable free-text string in the request bodies."""
    components = schema["components"]["schemas"]

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[-1]]
        return node

    found: list[tuple[str, dict[str, Any]]] = []

    def walk(node: dict[str, Any], where: str) -> None:
        node = resolve(node)
        for key in ("allOf", "oneOf", "anyOf"):
            for sub in node.get(key, []):
                walk(sub, where)
        if node.get("type") == "array" and "items" in node:
            walk(node["items"], f"{where}[]")
        for name, prop in node.get("properties", {}).items():
            target = resolve(prop)
            if prop.get("readOnly"):
                continue
            is_text = target.get("type") == "string" and "enum" not in target
            if is_text and target.get("format") not in NOT_FREE_TEXT:
                found.append((f"{where}.{name}", target))
            walk(prop, f"{where}.{name}")

    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                walk(content["schema"], f"{method.upper()} {path}")
    return found


def test_the_schema_gives_every_free_text_request_field_a_max_length():
    found = _free_text(_schema())
    assert any(where.endswith(".questionScript") for where, _prop in found)
    assert [where for where, prop in found if "maxLength" not in prop] == []


def test_the_schema_says_how_long_a_question_script_may_be():
    found = dict(_free_text(_schema()))
    assert found["POST /qsi/gather/questions.questionScript"]["maxLength"] == (
        limits.QUESTION_SCRIPT
    )


# --- the API refuses, naming the field, and saves nothing -------------------------------------

BASE = "/qsi/gather"


@pytest.fixture
def api(team, owner):
    _key, raw = api_key_create(
        organization=team.organization,
        name="Limits",
        scopes=list(SCOPES),
        team=team,
        default_team=None,
        by=owner,
    )
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    return client


def _too_long(schema: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per POST path without path parameters: each top-level free-text field and its limit."""
    bodies: dict[str, dict[str, int]] = {}
    for where, prop in _free_text(schema):
        operation, _, field = where.partition(".")
        method, path = operation.split(" ", 1)
        if method == "POST" and "{" not in path and "." not in field and "[]" not in field:
            bodies.setdefault(path, {})[field] = prop["maxLength"]
    return bodies


def test_every_over_long_field_is_a_400_naming_it(api):
    bodies = _too_long(_schema())
    assert f"{BASE}/questions" in bodies
    for path, fields in bodies.items():
        body = {field: "x" * (limit + 1) for field, limit in fields.items()}
        response = api.post(path, body, format="json")
        assert response.status_code == 400, (path, response.status_code)
        named = {error["field"] for error in response.json()["errors"]}
        assert set(fields) <= named, (path, set(fields) - named)


def test_a_one_megabyte_script_is_refused_and_nothing_is_saved(api):
    body = {"title": "Poison", "questionScript": "word " * 200_000}
    response = api.post(f"{BASE}/questions", body, format="json")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "questionScript"
    assert f"{limits.QUESTION_SCRIPT}" in error["message"]
    assert not AudioQuestion.objects.exists()
