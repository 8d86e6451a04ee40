"""AI voice-interview turns, history and finalize (seed 003), by API key or agent secret."""

import pytest
from rest_framework.test import APIClient

from candidates.models import CandidateInterview
from candidates.services.candidates import candidate_create
from candidates.services.invites import invite_create
from interviews.services.interviews import interview_agent_secret_rotate
from tests.factories import InterviewFactory

pytestmark = pytest.mark.django_db
INVITES = "/qsi/gather/candidate-interviews"


@pytest.fixture
def invite(team, owner):
    candidate = candidate_create(team=team, by=owner, first_name="Ann", email="ann@example.com")
    interview = InterviewFactory(team=team, interview_type="ai")
    invite, _token = invite_create(team=team, by=owner, candidate=candidate, interview=interview)
    return invite


@pytest.fixture
def agent(invite):
    client = APIClient()
    client.credentials(
        HTTP_X_AGENT_SECRET=interview_agent_secret_rotate(interview=invite.interview)
    )
    return client


def _turn(number, role="agent", **extra):
    return {"turnNumber": number, "role": role, "content": f"Turn {number}", **extra}


def test_the_agent_records_updates_reads_and_finalizes(agent, invite):
    url = f"{INVITES}/{invite.pk}"
    response = agent.post(f"{url}/turns", _turn(1, isPendingQuestion=True), format="json")
    assert response.status_code == 201
    assert response.json()["data"]["turn"]["isPendingQuestion"] is True
    invite.refresh_from_db()
    assert invite.status == "IN_PROGRESS"
    agent.post(f"{url}/turns", _turn(2, "candidate", content=""), format="json")
    evaluation = {"scores": {"clarity": 4}, "flags": []}
    response = agent.patch(
        f"{url}/turns/2",
        {
            "content": "I build APIs.",
            "audioUrl": "https://example.com/2.mp3",
            "evaluation": evaluation,
        },
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["data"]["turn"]["evaluation"] == evaluation
    turns = agent.get(f"{url}/history").json()["data"]["turns"]
    assert [(t["turnNumber"], t["role"], t["content"]) for t in turns] == [
        (1, "agent", "Turn 1"),
        (2, "candidate", "I build APIs."),
    ]
    response = agent.post(
        f"{url}/finalize",
        {"endedAt": "2020-01-01T00:00:00Z", "audioUrl": "https://example.com/all.mp3"},
        format="json",
    )
    assert response.status_code == 400  # before the interview started
    response = agent.post(f"{url}/finalize", {"generateReport": True}, format="json")
    assert response.status_code == 200
    data = response.json()["data"]["candidateInterview"]
    assert data["status"] == "COMPLETED"
    assert [t["turnNumber"] for t in data["transcript"]] == [1, 2]


def test_finalize_moves_an_invited_interview_through_in_progress(api, invite):
    response = api.post(f"{INVITES}/{invite.pk}/finalize", {}, format="json")
    assert response.status_code == 200
    invite.refresh_from_db()
    assert invite.status == "COMPLETED"
    assert invite.started_at
    assert invite.completed_at


def test_a_completed_interview_refuses_turns(api, invite):
    api.post(f"{INVITES}/{invite.pk}/finalize", {}, format="json")
    response = api.post(f"{INVITES}/{invite.pk}/turns", _turn(1), format="json")
    assert response.status_code == 409
    assert "completed" in response.json()["detail"]
    assert api.post(f"{INVITES}/{invite.pk}/finalize", {}, format="json").status_code == 409


def test_a_duplicate_turn_number_is_a_409(api, invite):
    assert api.post(f"{INVITES}/{invite.pk}/turns", _turn(1), format="json").status_code == 201
    assert api.post(f"{INVITES}/{invite.pk}/turns", _turn(1), format="json").status_code == 409


def test_an_unknown_turn_is_a_404(api, invite):
    assert (
        api.patch(f"{INVITES}/{invite.pk}/turns/7", {"content": "x"}, format="json").status_code
        == 404
    )


def test_a_wrong_agent_secret_is_a_401(invite):
    interview_agent_secret_rotate(interview=invite.interview)
    client = APIClient()
    client.credentials(HTTP_X_AGENT_SECRET="not-the-secret")
    assert client.get(f"{INVITES}/{invite.pk}/history").status_code == 401
    assert APIClient().get(f"{INVITES}/{invite.pk}/history").status_code == 401


def test_an_agent_secret_opens_only_its_own_interview(agent, team, owner, invite):
    other = candidate_create(team=team, by=owner, first_name="Bo", email="bo@example.com")
    elsewhere, _ = invite_create(
        team=team, by=owner, candidate=other, interview=InterviewFactory(team=team)
    )
    assert agent.get(f"{INVITES}/{elsewhere.pk}/history").status_code == 401
    assert agent.get(f"{INVITES}/{invite.pk}/history").status_code == 200


def test_a_rotated_secret_stops_working(agent, invite):
    interview_agent_secret_rotate(interview=invite.interview)
    assert agent.get(f"{INVITES}/{invite.pk}/history").status_code == 401


def test_the_api_issues_the_agent_secret(api, invite):
    response = api.post(f"/qsi/gather/interviews/{invite.interview_id}/agent-secret")
    assert response.status_code == 201
    client = APIClient()
    client.credentials(HTTP_X_AGENT_SECRET=response.json()["data"]["agent"]["agentSecret"])
    assert client.get(f"{INVITES}/{invite.pk}/history").status_code == 200


def test_turns_need_interview_scopes(anonymous_api, make_key, invite):
    anonymous_api.credentials(HTTP_X_API_KEY=make_key(scopes=["interviews:read"]))
    response = anonymous_api.post(f"{INVITES}/{invite.pk}/turns", _turn(1), format="json")
    assert response.status_code == 403
    assert "interviews:write" in response.json()["detail"]


def test_another_teams_interview_turns_are_a_404(api, other_team, outsider):
    candidate = candidate_create(
        team=other_team, by=outsider, first_name="X", email="x@example.com"
    )
    foreign, _ = invite_create(
        team=other_team,
        by=outsider,
        candidate=candidate,
        interview=InterviewFactory(team=other_team),
    )
    assert api.get(f"{INVITES}/{foreign.pk}/history").status_code == 404
    assert api.post(f"{INVITES}/{foreign.pk}/turns", _turn(1), format="json").status_code == 404
    assert CandidateInterview.objects.get(pk=foreign.pk).status == "INVITED"


def test_history_reads_in_constant_queries(api, invite, django_assert_max_num_queries):
    for n in range(1, 31):
        api.post(f"{INVITES}/{invite.pk}/turns", _turn(n), format="json")
    with django_assert_max_num_queries(5):
        response = api.get(f"{INVITES}/{invite.pk}/history")
    assert len(response.json()["data"]["turns"]) == 30
