"""Integrity facts through the API: an integrator turns them on per interview (create, update,
bulk), reads what was noted for one candidate interview (read-only, in plain words), and
another team's candidate interview is a 404."""

import pytest
from django.utils import timezone

from candidates.models import IntegrityFact
from tests.factories import (
    AnswerFactory,
    CandidateInterviewFactory,
    IntegrityFactFactory,
    InterviewFactory,
)

pytestmark = pytest.mark.django_db
BASE = "/qsi/gather"


def test_an_interview_is_created_without_it_and_turned_on_and_off(api, team):
    created = api.post(f"{BASE}/interviews", {"title": "Support"}, format="json")
    assert created.status_code == 201
    data = created.json()["data"]["interview"]
    assert data["integrityFacts"] is False
    url = f"{BASE}/interviews/{data['id']}"
    on = api.patch(url, {"integrityFacts": True}, format="json").json()["data"]["interview"]
    assert on["integrityFacts"] is True
    assert api.get(url).json()["data"]["interview"]["integrityFacts"] is True
    bad = api.patch(url, {"integrityFacts": "sometimes"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "integrityFacts"
    bulk = api.patch(
        f"{BASE}/interviews/bulk-update",
        {"interviewIds": [data["id"]], "integrityFacts": False},
        format="json",
    )
    assert bulk.status_code == 200, bulk.content
    assert api.get(url).json()["data"]["interview"]["integrityFacts"] is False


def test_it_is_set_at_creation(api):
    body = {"title": "Support", "integrityFacts": True}
    data = api.post(f"{BASE}/interviews", body, format="json").json()["data"]["interview"]
    assert data["integrityFacts"] is True


def test_it_lists_a_candidate_interviews_facts_in_plain_words(api, team):
    invite = CandidateInterviewFactory(
        interview=InterviewFactory(team=team, integrity_facts=True),
        integrity_told_at=timezone.now(),
    )
    IntegrityFactFactory(candidate_interview=invite, seconds=75)
    mine = AnswerFactory(candidate_interview=invite)
    theirs = AnswerFactory(
        candidate_interview=CandidateInterviewFactory(interview=invite.interview),
        interview_question=mine.interview_question,
    )
    IntegrityFactFactory(
        candidate_interview=invite,
        kind=IntegrityFact.Kind.NEAR_DUPLICATE,
        seconds=None,
        answer=mine,
        similar_answer=theirs,
        similarity="0.972",
        interview_question=mine.interview_question,
    )
    response = api.get(f"{BASE}/candidate-interviews/{invite.pk}/integrity-facts")
    assert response.status_code == 200
    body = response.json()["data"]["integrityFacts"]
    assert body["noted"] is True
    hidden, near = body["facts"]
    assert (hidden["kind"], hidden["seconds"], hidden["characters"]) == ("page_hidden", 75, None)
    assert hidden["text"] == "The page was hidden for 75 s while this question was on screen."
    assert near["kind"] == "near_duplicate"
    assert near["similarity"] == 0.972
    assert near["answerId"] == str(mine.pk)
    assert near["similarAnswerId"] == str(theirs.pk)
    assert near["similarCandidateInterviewId"] == str(theirs.candidate_interview_id)
    assert near["questionId"] == str(mine.interview_question_id)


def test_a_candidate_who_was_not_told_has_none(api, team):
    invite = CandidateInterviewFactory(interview=InterviewFactory(team=team))
    body = api.get(f"{BASE}/candidate-interviews/{invite.pk}/integrity-facts").json()["data"]
    assert body["integrityFacts"] == {"noted": False, "facts": []}


def test_another_teams_candidate_interview_is_a_404(api, other_team):
    invite = CandidateInterviewFactory(interview=InterviewFactory(team=other_team))
    IntegrityFactFactory(candidate_interview=invite)
    response = api.get(f"{BASE}/candidate-interviews/{invite.pk}/integrity-facts")
    assert response.status_code == 404
    assert "candidate interview" in response.json()["detail"]


@pytest.mark.parametrize("facts", [2, 20])
def test_it_reads_the_facts_in_a_constant_number_of_queries(
    api, team, facts, django_assert_max_num_queries
):
    invite = CandidateInterviewFactory(
        interview=InterviewFactory(team=team, integrity_facts=True),
        integrity_told_at=timezone.now(),
    )
    mine = AnswerFactory(candidate_interview=invite)
    for _ in range(facts):
        other = AnswerFactory(
            candidate_interview=CandidateInterviewFactory(interview=invite.interview),
            interview_question=mine.interview_question,
        )
        IntegrityFactFactory(
            candidate_interview=invite,
            kind=IntegrityFact.Kind.NEAR_DUPLICATE,
            seconds=None,
            answer=mine,
            similar_answer=other,
            similarity="0.960",
        )
    with django_assert_max_num_queries(8):
        response = api.get(f"{BASE}/candidate-interviews/{invite.pk}/integrity-facts")
    assert len(response.json()["data"]["integrityFacts"]["facts"]) == facts
