"""Every operation of the OpenAPI schema, called across the tenant line and without rights.

- A key of team B (every scope) on team A's ids: 404, and nothing of team A changes; on a list,
  nothing of team A in the body.
- A key lacking the operation's scope: 403 whose detail names the scope.
- No key: 401 with an application/problem+json body.

Fuzzing for 5xx is tests/api/test_schemathesis.py's job.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from api.keys import SCOPES, api_key_create
from tests.security.conftest import CANARY, TeamWorld, World
from tests.security.sweep import body_of, changed, snapshot

pytestmark = pytest.mark.django_db

# What each path argument of each operation points at: a team-A object by name, or a number.
PATH_ARGS: dict[str, dict[str, str]] = {
    "/qsi/gather/narrators": {},
    "/qsi/gather/questions": {},
    "/qsi/gather/questions/{id}": {"id": "audio"},
    "/qsi/gather/questions/{id}/audio.mp3": {"id": "audio"},
    "/qsi/gather/questions/interview/{interview_id}": {"interview_id": "interview"},
    "/qsi/gather/survey-questions": {},
    "/qsi/gather/survey-questions/{id}": {"id": "survey"},
    "/qsi/gather/ai-text-questions": {},
    "/qsi/gather/ai-text-questions/{id}": {"id": "ai_text"},
    "/qsi/gather/interviews": {},
    "/qsi/gather/interviews/bulk": {},
    "/qsi/gather/interviews/bulk-update": {},
    "/qsi/gather/interviews/{id}": {"id": "interview"},
    "/qsi/gather/interviews/{id}/copy": {"id": "interview"},
    "/qsi/gather/interviews/{id}/agent-secret": {"id": "interview"},
    "/qsi/gather/candidates": {},
    "/qsi/gather/candidates/{id}": {"id": "candidate"},
    "/qsi/gather/candidates/{id}/export": {"id": "candidate"},
    "/qsi/gather/candidate-interviews": {},
    "/qsi/gather/candidate-interviews/decisions": {},
    "/qsi/gather/candidate-interviews/{id}": {"id": "invite"},
    "/qsi/gather/candidate-interviews/{id}/cancel": {"id": "invite"},
    "/qsi/gather/candidate-interviews/{id}/remind": {"id": "invite"},
    "/qsi/gather/candidate-interviews/{id}/resend": {"id": "invite"},
    "/qsi/gather/candidate-interviews/{id}/resend-invite": {"id": "invite"},
    "/qsi/gather/candidate-interviews/{id}/results": {"id": "invite"},
    "/qsi/gather/candidate-interviews/{id}/status": {"id": "invite"},
    "/qsi/gather/candidate-interviews/{id}/accommodations": {"id": "invite"},
    "/qsi/gather/candidate-interviews/{id}/decision-files": {"id": "invite"},
    "/qsi/gather/candidate-interviews/{id}/integrity-facts": {"id": "invite"},
    "/qsi/gather/decision-files": {},
    "/qsi/gather/decision-files/{id}": {"id": "decision_file"},
    "/qsi/gather/decision-files/{id}/send": {"id": "decision_file"},
    "/qsi/gather/candidate-interviews/{id}/turns": {"id": "invite"},
    "/qsi/gather/candidate-interviews/{id}/turns/{turn_number}": {
        "id": "invite",
        "turn_number": "#1",
    },
    "/qsi/gather/candidate-interviews/{id}/history": {"id": "invite"},
    "/qsi/gather/candidate-interviews/{id}/finalize": {"id": "invite"},
    "/qsi/gather/candidate-interviews/{id}/evaluations/rerun": {"id": "invite"},
    "/qsi/gather/evaluation-runs/{id}": {"id": "evaluation_run"},
    "/qsi/gather/webhooks": {},
    "/qsi/gather/webhooks/{id}": {"id": "endpoint"},
    "/qsi/gather/webhooks/{id}/deliveries": {"id": "endpoint"},
    "/qsi/gather/webhooks/{id}/deliveries/{delivery_id}/redeliver": {
        "id": "endpoint",
        "delivery_id": "delivery",
    },
}


def _operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]


OPERATIONS = _operations()
OBJECT_OPERATIONS = [(m, p) for m, p in OPERATIONS if PATH_ARGS.get(p)]
LIST_OPERATIONS = [(m, p) for m, p in OPERATIONS if m == "GET" and PATH_ARGS.get(p) == {}]


def _url(path: str, side: TeamWorld) -> str:
    def value(match: re.Match[str]) -> str:
        source = PATH_ARGS[path][match.group(1)]
        return source[1:] if source.startswith("#") else str(side.objects[source].pk)

    return re.sub(r"\{(\w+)\}", value, path)


def _targets(path: str, side: TeamWorld) -> list[Any]:
    return [side.objects[s] for s in PATH_ARGS[path].values() if not s.startswith("#")]


def _call(
    method: str, url: str, key: str = "", watch: list[Any] | None = None
) -> tuple[Any, str, list[str]]:
    """One API request in a savepoint that is rolled back."""
    client = Client(raise_request_exception=False)
    headers = {"X-API-Key": key} if key else {}
    with transaction.atomic():
        before = snapshot(watch) if watch is not None else {}
        if method in ("POST", "PUT", "PATCH"):
            response = client.generic(
                method, url, json.dumps({}), content_type="application/json", headers=headers
            )
        else:
            response = client.generic(method, url, headers=headers)
        body = body_of(response)
        after = snapshot(watch) if watch is not None else {}
        transaction.set_rollback(True)
    return response, body, changed(before, after)


def _scope(method: str, url: str) -> str | None:
    view = resolve(url).func
    cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
    return getattr(cls, "scopes", {}).get(method)


def _key_without(world: World, scope: str) -> str:
    _key, raw = api_key_create(
        organization=world.a.team.organization,
        name="Sweep key without a scope",
        scopes=[s for s in SCOPES if s != scope],
        team=world.a.team,
        by=world.a.users["owner"],
    )
    return raw


def test_every_api_operation_is_in_the_table():
    unknown = sorted({p for _m, p in OPERATIONS} - set(PATH_ARGS))
    assert not unknown, f"add these paths to PATH_ARGS in {__file__}: {unknown}"
    assert len(OPERATIONS) > 30


@pytest.mark.parametrize(("method", "path"), OBJECT_OPERATIONS, ids=lambda v: str(v))
def test_another_teams_ids_are_404(world, method, path):
    url = _url(path, world.a)
    response, body, changes = _call(method, url, world.b.api_key, _targets(path, world.a))
    print(f"{method:6} {url:100} team B key -> {response.status_code}")
    assert response.status_code == 404, body
    assert response["Content-Type"].startswith("application/problem+json")
    assert CANARY not in body
    assert not changes
    # The same URL with team A's own key is not a 404: the sweep's ids are right.
    own, own_body, _ = _call(method, url, world.a.api_key)
    assert own.status_code != 404, own_body


@pytest.mark.parametrize("path", [p for _m, p in LIST_OPERATIONS])
def test_lists_show_only_the_keys_team(world, path):
    response, body, _ = _call("GET", path, world.b.api_key)
    assert response.status_code == 200, body
    assert CANARY not in body
    for name in ("interview", "candidate", "invite", "audio", "survey", "ai_text", "endpoint"):
        assert str(world.a.objects[name].pk) not in body
    mine, _mine_body, _ = _call("GET", path, world.a.api_key)
    assert mine.status_code == 200


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=lambda v: str(v))
def test_a_key_without_the_scope_is_403_naming_it(world, method, path):
    url = _url(path, world.a)
    scope = _scope(method, url)
    assert scope in SCOPES, f"{method} {path} needs no scope"
    response, body, changes = _call(
        method, url, _key_without(world, scope), _targets(path, world.a)
    )
    print(f"{method:6} {url:100} without {scope} -> {response.status_code}")
    assert response.status_code == 403, body
    assert response["Content-Type"].startswith("application/problem+json")
    assert scope in json.loads(body)["detail"]
    assert not changes


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=lambda v: str(v))
def test_no_key_is_401_problem_json(world, method, path):
    url = _url(path, world.a)
    response, body, changes = _call(method, url, "", _targets(path, world.a))
    print(f"{method:6} {url:100} no key -> {response.status_code}")
    assert response.status_code == 401, body
    assert response["Content-Type"].startswith("application/problem+json")
    problem = json.loads(body)
    assert problem["status"] == 401
    assert problem["title"]
    assert CANARY not in body
    assert not changes
