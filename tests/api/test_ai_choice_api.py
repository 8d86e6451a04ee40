"""The human-only lane in the API (issue 18, item 2): the choice shows, the AI figure does not,
and re-runs of a declined candidate are refused."""

import pytest
from django.utils import timezone

from candidates.models import CandidateInterview, EvaluationRun
from tests.factories import CandidateInterviewFactory, EvaluationFactory, InterviewFactory

pytestmark = pytest.mark.django_db
Status = CandidateInterview.Status
INVITES = "/qsi/gather/candidate-interviews"


def _declined(team):
    invite = CandidateInterviewFactory(
        interview=InterviewFactory(team=team), status=Status.COMPLETED, completed_at=timezone.now()
    )
    CandidateInterview.objects.filter(pk=invite.pk).update(ai_declined_at=timezone.now())
    return invite


def test_the_api_shows_the_choice_and_no_ai_score(api, team):
    invite = _declined(team)
    EvaluationFactory(candidate_interview=invite, overall_score=4)
    detail = api.get(f"{INVITES}/{invite.pk}").json()["data"]
    assert detail["candidateInterview"]["aiEvaluationDeclined"] is True
    assert detail["candidateInterview"]["aiEvaluationDeclinedAt"]
    assert detail["candidateInterview"]["scores"]["aiScore"] is None
    results = api.get(f"{INVITES}/{invite.pk}/results").json()["data"]
    assert results["results"]["aiEvaluationDeclined"] is True
    assert results["results"]["scores"]["aiScore"] is None
    assert results["results"]["scoreCard"]["aiScore"] is None
    listed = api.get(INVITES).json()["data"]["candidateInterviews"]
    assert [i["aiEvaluationDeclined"] for i in listed] == [True]


def test_the_api_rerun_is_a_409(api, team):
    invite = _declined(team)
    response = api.post(f"{INVITES}/{invite.pk}/evaluations/rerun", {}, format="json")
    assert response.status_code == 409, response.json()
    assert "declined AI evaluation" in response.json()["detail"]
    assert not EvaluationRun.objects.filter(candidate_interview=invite).exists()


def test_another_teams_declined_candidate_is_a_404(api, other_team):
    foreign = _declined(other_team)
    assert api.get(f"{INVITES}/{foreign.pk}/results").status_code == 404
    rerun = api.post(f"{INVITES}/{foreign.pk}/evaluations/rerun", {}, format="json")
    assert rerun.status_code == 404
