"""personalNote on an invite through the API (issue 18, item 4): stored, returned, bounded."""

import pytest

from candidates.models import CandidateInterview
from candidates.services.candidates import candidate_create
from kit import limits
from tests.factories import InterviewFactory

pytestmark = pytest.mark.django_db


def test_the_api_takes_and_returns_the_note(api, team, owner):
    candidate = candidate_create(team=team, by=owner, first_name="Bo", email="bo@example.com")
    interview = InterviewFactory(team=team)
    body = {"candidateId": str(candidate.pk), "interviewId": str(interview.pk)}
    response = api.post(
        "/qsi/gather/candidate-interviews", {**body, "personalNote": "Hi Bo"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["data"]["candidateInterview"]["personalNote"] == "Hi Bo"
    assert CandidateInterview.objects.get().personal_note == "Hi Bo"


def test_the_api_refuses_a_note_too_long_naming_the_field(api, team, owner):
    candidate = candidate_create(team=team, by=owner, first_name="Bo", email="bo@example.com")
    interview = InterviewFactory(team=team)
    response = api.post(
        "/qsi/gather/candidate-interviews",
        {
            "candidateId": str(candidate.pk),
            "interviewId": str(interview.pk),
            "personalNote": "x" * (limits.PERSONAL_NOTE + 1),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "personalNote" in response.content.decode()
    assert not CandidateInterview.objects.exists()
