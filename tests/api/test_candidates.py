"""/candidates and /candidate-interviews: quick start steps 3–5, tenancy, scopes, counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from candidates.models import Answer, CandidateInterview, Evaluation
from candidates.services.invites import invite_create
from tests.factories import AudioQuestionFactory, InterviewFactory

pytestmark = pytest.mark.django_db
CANDIDATES = "/qsi/gather/candidates"
INVITES = "/qsi/gather/candidate-interviews"
# The quick start's "+1234567890" is not a valid number (NANP needs 10 digits after +1).
PHONE = "+14155550123"


def _candidate(api, email="john.doe@example.com"):
    body = {"firstName": "John", "lastName": "Doe", "email": email, "phone": PHONE}
    return api.post(CANDIDATES, body, format="json").json()["data"]["candidate"]


def test_the_quick_start_runs_end_to_end(api, team):
    questions = [AudioQuestionFactory(team=team) for _ in range(3)]
    interview = api.post(
        "/qsi/gather/interviews",
        {
            "title": "Software Engineer Interview",
            "displayName": "Software Engineer Interview",
            "interviewType": "standard",
            "questionIds": [str(q.pk) for q in questions],
        },
        format="json",
    ).json()["data"]["interview"]
    candidate = _candidate(api)
    assert candidate["phone"] == PHONE
    response = api.post(
        INVITES,
        {
            "candidateId": candidate["id"],
            "interviewId": interview["id"],
            "sendInvite": True,
            "deliveryTypes": ["email"],
        },
        format="json",
    )
    assert response.status_code == 201
    data = response.json()["data"]["candidateInterview"]
    assert data["status"] == "INVITED"
    assert data["invitedAt"]
    assert data["deliveryTypes"] == ["email"]
    assert "token" not in response.content.decode().lower()


def test_it_refuses_a_phone_that_is_not_e164(api):
    body = {"firstName": "John", "email": "j@example.com", "phone": "+1234567890"}
    response = api.post(CANDIDATES, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "phone"


def test_a_duplicate_email_is_a_409_naming_the_existing_candidate(api):
    first = _candidate(api)
    body = {"firstName": "Johnny", "email": "JOHN.DOE@example.com"}
    response = api.post(CANDIDATES, body, format="json")
    assert response.status_code == 409
    assert response.json()["existingCandidateId"] == first["id"]


def test_it_gets_lists_and_updates_candidates(api):
    candidate = _candidate(api)
    _candidate(api, email="ann@example.com")
    assert api.get(f"{CANDIDATES}/{candidate['id']}").json()["data"]["candidate"]["email"] == (
        "john.doe@example.com"
    )
    found = api.get(CANDIDATES, {"search": "ann@"}).json()["data"]["candidates"]
    assert [c["email"] for c in found] == ["ann@example.com"]
    response = api.patch(f"{CANDIDATES}/{candidate['id']}", {"lastName": "Roe"}, format="json")
    assert response.json()["data"]["candidate"]["lastName"] == "Roe"


def test_candidates_list_in_constant_queries(api, django_assert_max_num_queries):
    for n in range(30):
        _candidate(api, email=f"c{n}@example.com")
    with django_assert_max_num_queries(6):
        response = api.get(CANDIDATES, {"pageSize": 50})
    assert len(response.json()["data"]["candidates"]) == 30


def test_candidates_need_candidate_scopes(anonymous_api, make_key):
    anonymous_api.credentials(HTTP_X_API_KEY=make_key(scopes=["interviews:read"]))
    response = anonymous_api.get(CANDIDATES)
    assert response.status_code == 403
    assert "candidates:read" in response.json()["detail"]


def _invite(team, owner, *, email="a@example.com", send=True):
    from candidates.services.candidates import candidate_create

    candidate = candidate_create(team=team, by=owner, first_name="Ann", email=email)
    interview = InterviewFactory(team=team)
    invite, _token = invite_create(
        team=team, by=owner, candidate=candidate, interview=interview, send=send
    )
    return invite


def test_it_shows_answers_and_the_current_evaluation(api, team, owner):
    invite = _invite(team, owner)
    Answer.objects.create(candidate_interview=invite, text="Hello", submitted_at=timezone.now())
    Evaluation.objects.create(candidate_interview=invite, provider="x", is_current=False)
    current = Evaluation.objects.create(
        candidate_interview=invite, provider="x", version=2, overall_score=4
    )
    data = api.get(f"{INVITES}/{invite.pk}").json()["data"]["candidateInterview"]
    assert data["answers"][0]["text"] == "Hello"
    assert data["answers"][0]["mediaUrl"] is None
    assert data["evaluation"]["id"] == str(current.pk)
    assert data["evaluation"]["overallScore"] == 4.0
    assert data["transcript"] == []
    assert data["scorecards"] == []


def test_it_filters_and_pages_invites_in_constant_queries(
    api, team, owner, django_assert_max_num_queries
):
    invites = [_invite(team, owner, email=f"i{n}@example.com") for n in range(30)]
    with django_assert_max_num_queries(6):
        response = api.get(INVITES, {"pageSize": 50})
    assert len(response.json()["data"]["candidateInterviews"]) == 30
    filtered = api.get(INVITES, {"interviewId": str(invites[0].interview_id), "status": "INVITED"})
    assert [i["id"] for i in filtered.json()["data"]["candidateInterviews"]] == [str(invites[0].pk)]


def test_it_extends_resends_and_cancels(api, team, owner):
    invite = _invite(team, owner)
    until = (timezone.now() + timedelta(days=30)).isoformat()
    response = api.patch(f"{INVITES}/{invite.pk}", {"expiresAt": until}, format="json")
    assert response.status_code == 200
    assert api.post(f"{INVITES}/{invite.pk}/resend").status_code == 200
    response = api.post(f"{INVITES}/{invite.pk}/cancel")
    assert response.json()["data"]["candidateInterview"]["status"] == "CANCELLED"
    assert api.post(f"{INVITES}/{invite.pk}/resend").status_code == 409


def test_another_teams_invite_candidate_or_interview_is_a_404(api, owner, other_team, outsider):
    foreign = _invite(other_team, outsider)
    assert api.get(f"{INVITES}/{foreign.pk}").status_code == 404
    assert api.post(f"{INVITES}/{foreign.pk}/cancel").status_code == 404
    assert api.get(f"{CANDIDATES}/{foreign.candidate_id}").status_code == 404
    response = api.post(
        INVITES,
        {"candidateId": str(foreign.candidate_id), "interviewId": str(foreign.interview_id)},
        format="json",
    )
    assert response.status_code == 404
    assert CandidateInterview.objects.count() == 1


def test_invites_need_interview_scopes(anonymous_api, make_key):
    anonymous_api.credentials(HTTP_X_API_KEY=make_key(scopes=["candidates:write"]))
    response = anonymous_api.post(INVITES, {}, format="json")
    assert response.status_code == 403
    assert "interviews:write" in response.json()["detail"]


def test_an_abstained_evaluation_says_why_and_has_no_score(api, team, owner):
    invite = _invite(team, owner)
    Evaluation.objects.create(
        candidate_interview=invite,
        provider="offline",
        model_name="multilingual-e5-small-q4",
        prompt_version="offline-2",
        status=Evaluation.Status.ABSTAINED,
        error="Not enough evidence to advise: the answer has 7 words.",
    )
    data = api.get(f"{INVITES}/{invite.pk}").json()["data"]["candidateInterview"]
    evaluation = data["evaluation"]
    assert evaluation["status"] == "abstained"
    assert evaluation["reason"].startswith("Not enough evidence to advise")
    assert evaluation["promptVersion"] == "offline-2"
    assert evaluation["overallScore"] is None
    assert data["scores"]["aiScore"] is None
