"""Authentication, scopes, team resolution, the envelope and problem details."""

import re

import pytest
from django.core.management import CommandError, call_command

from accounts.models import ApiKey, Role
from api.keys import api_key_check, api_key_revoke
from tests.factories import MembershipFactory, NarratorFactory, TeamFactory

pytestmark = pytest.mark.django_db
URL = "/qsi/gather/narrators"


def test_it_wraps_data_in_the_gather_envelope(api, team):
    NarratorFactory(team=team, name="Ava")
    response = api.get(URL)
    body = response.json()
    assert response.status_code == 200
    assert [n["name"] for n in body["data"]["narrators"]] == ["Ava"]
    assert set(body["meta"]) == {"requestId", "timestamp"}
    assert response["X-Request-Id"] == body["meta"]["requestId"]


def test_it_answers_a_missing_key_with_a_401_problem(anonymous_api):
    response = anonymous_api.get(URL)
    body = response.json()
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert body["status"] == 401
    assert "x-api-key" in body["detail"]
    assert body["requestId"]


def test_it_refuses_a_wrong_or_revoked_key(anonymous_api, make_key):
    raw = make_key()
    anonymous_api.credentials(HTTP_X_API_KEY=raw[:-2] + "xx")
    assert anonymous_api.get(URL).status_code == 401
    api_key_revoke(api_key=api_key_check(raw), by=None)
    anonymous_api.credentials(HTTP_X_API_KEY=raw)
    assert anonymous_api.get(URL).status_code == 401


def test_it_stores_only_a_hash_of_the_key(make_key):
    raw = make_key()
    stored = ApiKey.objects.get()
    secret = raw.split("_", 2)[2]  # the secret itself may contain "_"
    assert secret not in stored.secret_hash
    assert len(secret) > 30
    assert stored.prefix == raw.split("_")[1]


def test_it_names_the_missing_scope(anonymous_api, make_key):
    anonymous_api.credentials(HTTP_X_API_KEY=make_key(scopes=["interviews:read"]))
    response = anonymous_api.get(URL)
    assert response.status_code == 403
    assert "questions:read" in response.json()["detail"]


def test_it_needs_a_team_for_an_organization_key_without_a_default(anonymous_api, make_key, team):
    anonymous_api.credentials(HTTP_X_API_KEY=make_key(team_level=False))
    response = anonymous_api.get(URL)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "teamId"
    assert anonymous_api.get(URL, {"teamId": str(team.pk)}).status_code == 200


def test_it_uses_the_default_team_of_an_organization_key(anonymous_api, make_key, team):
    NarratorFactory(team=team, name="Default voice")
    anonymous_api.credentials(HTTP_X_API_KEY=make_key(team_level=False, default_team=team))
    names = [n["name"] for n in anonymous_api.get(URL).json()["data"]["narrators"]]
    assert names == ["Default voice"]


def test_it_lets_an_organization_key_pick_any_team_of_its_organization(
    anonymous_api, make_key, team, owner
):
    sibling = TeamFactory(organization=team.organization)
    MembershipFactory(team=sibling, user=owner, role=Role.OWNER)
    NarratorFactory(team=sibling, name="Sibling voice")
    anonymous_api.credentials(HTTP_X_API_KEY=make_key(team_level=False, default_team=team))
    response = anonymous_api.get(URL, {"teamId": str(sibling.pk)})
    assert [n["name"] for n in response.json()["data"]["narrators"]] == ["Sibling voice"]


@pytest.mark.parametrize("team_level", [True, False])
def test_it_answers_404_for_a_team_out_of_reach(
    anonymous_api, make_key, team, other_team, team_level
):
    anonymous_api.credentials(HTTP_X_API_KEY=make_key(team_level=team_level, default_team=team))
    response = anonymous_api.get(URL, {"teamId": str(other_team.pk)})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_the_command_prints_the_key_alone_on_its_last_line(team, owner, capsys):
    call_command(
        "create_api_key", "--team", team.slug, "--name", "ATS", "--scopes", "interviews:read"
    )
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("pk_")
    assert api_key_check(last).scopes == ["interviews:read"]
    assert api_key_check(last).created_by == owner


def test_the_command_refuses_to_act_as_someone_who_cannot_manage_the_team(team, recruiter):
    with pytest.raises(CommandError, match="owners and admins"):
        call_command("create_api_key", "--team", team.slug, "--by", recruiter.email)
    assert not ApiKey.objects.exists()


def test_the_schema_is_served_without_a_key(anonymous_api):
    response = anonymous_api.get("/qsi/gather/openapi.json")
    assert response.status_code == 200
    assert "/qsi/gather/narrators" in response.content.decode()


def test_it_answers_malformed_json_with_a_problem(api):
    response = api.generic(
        "POST", "/qsi/gather/candidates", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "JSON" in response.json()["detail"]


def test_it_answers_an_oversize_body_with_a_problem(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"firstName": "' + "x" * 5000 + '"}'
    response = api.generic("POST", "/qsi/gather/candidates", body, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert response["Content-Type"] == "application/problem+json"


def test_it_answers_an_unknown_path_with_a_problem(api):
    response = api.get("/qsi/gather/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["requestId"]


def test_it_caps_the_page_size_with_a_clear_error(api):
    response = api.get("/qsi/gather/candidates", {"pageSize": 101})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "pageSize"


@pytest.mark.parametrize("page", ["0", "1"])
def test_it_reads_page_zero_and_one_as_the_first_page(api, page):
    response = api.get("/qsi/gather/candidates", {"page": page})
    assert response.json()["data"]["pagination"]["page"] == 1


def test_it_never_puts_the_key_in_the_audit_or_logs(api, caplog):
    from accounts.models import AuditEvent

    with caplog.at_level("DEBUG"):
        api.get("/qsi/gather/narrators")
    raw = api._credentials["HTTP_X_API_KEY"]
    assert raw not in caplog.text
    assert not AuditEvent.objects.filter(data__icontains=raw.split("_", 2)[2]).exists()


@pytest.mark.parametrize("title", [12, 1.5, True, ["a"], {"a": 1}])
def test_it_takes_only_json_strings_for_text(api, title):
    """The schema says string: a number is not turned into text (DRF's CharField would)."""
    response = api.post(
        "/qsi/gather/ai-text-questions",
        {"title": title, "questionText": "What did you build?"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["title"]


def test_it_says_in_the_schema_that_trimmed_text_needs_a_visible_character(api):
    schema = api.get("/qsi/gather/openapi.json").json()
    title = schema["components"]["schemas"]["AITextQuestionCreateRequest"]["properties"]["title"]
    assert title["minLength"] == 1
    assert title["pattern"] == r"[^\s\x1c-\x1f\x85]"
    # What DRF trims, the pattern refuses: plain spaces, and the controls Python calls space.
    for blank in ("   ", "\x85", "\x1c "):
        assert not re.search(title["pattern"], blank)
        response = api.post(
            "/qsi/gather/ai-text-questions",
            {"title": blank, "questionText": "What did you build?"},
            content_type="application/json",
        )
        assert response.status_code == 400
