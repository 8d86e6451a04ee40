"""/interviews: the seed's examples, copy semantics, tenancy, scopes, query counts."""

import pytest

from accounts.models import Role
from interviews.models import Interview, InterviewQuestion, Keyword
from tests.factories import (
    AudioQuestionFactory,
    InterviewFactory,
    MembershipFactory,
    SurveyQuestionFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db
URL = "/qsi/gather/interviews"


def _seed_create_body(team):
    q1, q2 = AudioQuestionFactory(team=team), AudioQuestionFactory(team=team)
    survey = SurveyQuestionFactory(team=team)
    return {
        "title": "Software Engineer Interview",
        "displayName": "Software Engineer Interview",
        "interviewType": "standard",
        "description": "Technical interview for software engineering role",
        "language": "en",
        "questionIds": [str(q1.pk), str(q2.pk)],
        "surveyQuestions": [{"id": str(survey.pk), "knockout": False}],
        "keywords": ["javascript", "react"],
    }, (q1, q2, survey)


def test_it_creates_the_seed_interview(api, team):
    body, (q1, q2, survey) = _seed_create_body(team)
    response = api.post(URL, body, format="json")
    assert response.status_code == 201
    data = response.json()["data"]["interview"]
    assert data["title"] == "Software Engineer Interview"
    assert data["status"] == 0
    assert data["teamId"] == str(team.pk)
    assert data["organizationId"] == str(team.organization_id)
    assert data["questionCount"] == 3
    assert [q["questionId"] for q in data["questions"]] == [str(q1.pk), str(q2.pk), str(survey.pk)]
    assert data["keywords"] == ["javascript", "react"]


def test_it_refuses_questionnaire_interviews(api):
    response = api.post(URL, {"title": "Q", "interviewType": "questionnaire"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "interviewType"
    assert "dashboard" in response.json()["detail"]


def test_it_gets_an_interview_with_the_seed_fields(api, team):
    interview = InterviewFactory(team=team)
    data = api.get(f"{URL}/{interview.pk}").json()["data"]["interview"]
    expected = {
        "id", "title", "displayName", "interviewType", "status", "description",
        "descriptionUrl", "language", "resume", "webOnly", "messageGroupId", "narratorId",
        "organizationId", "teamId", "createdById", "createdAt", "updatedAt",
    }  # fmt: skip
    assert expected <= set(data)


def test_it_lists_with_paging_search_and_archived(api, team):
    InterviewFactory(team=team, title="Backend engineer")
    InterviewFactory(team=team, title="Designer")
    InterviewFactory(team=team, title="Old", status=3)
    body = api.get(URL, {"page": 1, "pageSize": 10}).json()["data"]
    assert body["pagination"] == {
        "total": 2,
        "totalIsExact": True,
        "page": 1,
        "pages": 1,
        "pageSize": 10,
    }
    assert [
        i["title"] for i in api.get(URL, {"search": "backend"}).json()["data"]["interviews"]
    ] == ["Backend engineer"]
    assert api.get(URL, {"archived": "true"}).json()["data"]["pagination"]["total"] == 3


def test_it_lists_in_constant_queries(api, team, django_assert_max_num_queries):
    for _ in range(30):
        InterviewFactory(team=team)
    with django_assert_max_num_queries(8):
        response = api.get(URL, {"pageSize": 50})
    assert len(response.json()["data"]["interviews"]) == 30


def test_it_applies_the_seed_patch(api, team):
    body, (q1, q2, survey) = _seed_create_body(team)
    interview_id = api.post(URL, body, format="json").json()["data"]["interview"]["id"]
    Keyword.objects.create(interview_id=interview_id, text="php")
    q3 = AudioQuestionFactory(team=team)
    patch = {
        "title": "Updated Interview Title",
        "questionIds": [str(q2.pk), str(q1.pk), str(q3.pk)],
        "surveyQuestions": [{"id": str(survey.pk), "knockout": True}],
        "keywords": ["python", "django"],
        "removedKeywords": ["php"],
    }
    response = api.patch(f"{URL}/{interview_id}", patch, format="json")
    assert response.status_code == 200
    data = response.json()["data"]["interview"]
    assert data["title"] == "Updated Interview Title"
    audio = [q["questionId"] for q in data["questions"] if q["kind"] == "audio"]
    assert audio == [str(q2.pk), str(q1.pk), str(q3.pk)]
    assert [q["knockout"] for q in data["questions"] if q["kind"] == "survey"] == [True]
    assert data["keywords"] == ["django", "javascript", "python", "react"]


def test_it_replaces_the_audio_questions(api, team):
    q1, q2 = AudioQuestionFactory(team=team), AudioQuestionFactory(team=team)
    created = api.post(URL, {"title": "T", "questionIds": [str(q1.pk)]}, format="json")
    interview_id = created.json()["data"]["interview"]["id"]
    api.patch(f"{URL}/{interview_id}", {"questionIds": [str(q2.pk)]}, format="json")
    assert list(
        InterviewQuestion.objects.filter(interview_id=interview_id).values_list(
            "audio_question_id", flat=True
        )
    ) == [q2.pk]


def test_it_archives_on_delete(api, team):
    interview = InterviewFactory(team=team)
    response = api.delete(f"{URL}/{interview.pk}")
    data = response.json()["data"]["interview"]
    assert response.status_code == 200
    assert data["status"] == 3
    assert data["archivedAt"]


def test_it_bulk_updates_status(api, team, other_team):
    mine = [InterviewFactory(team=team), InterviewFactory(team=team)]
    response = api.patch(
        f"{URL}/bulk", {"interviewIds": [str(i.pk) for i in mine], "status": 2}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["data"]["result"]["updatedCount"] == 2
    assert set(Interview.objects.values_list("status", flat=True)) == {2}
    foreign = InterviewFactory(team=other_team)
    response = api.patch(
        f"{URL}/bulk",
        {"interviewIds": [str(mine[0].pk), str(foreign.pk)], "status": 0},
        format="json",
    )
    assert response.status_code == 404
    assert Interview.objects.get(pk=mine[0].pk).status == 2


def test_it_copies_within_the_team_with_a_copy_suffix(api, team):
    body, (q1, _q2, _s) = _seed_create_body(team)
    source = api.post(URL, body, format="json").json()["data"]["interview"]
    response = api.post(f"{URL}/{source['id']}/copy", {"copyKeywords": False}, format="json")
    assert response.status_code == 201
    copy = response.json()["data"]["interview"]
    assert copy["title"] == "Software Engineer Interview (copy)"
    assert copy["questions"][0]["questionId"] == str(q1.pk)
    assert copy["keywords"] == []


def test_it_copies_to_another_team_of_the_organization(anonymous_api, make_key, team, owner):
    sibling = TeamFactory(organization=team.organization)
    MembershipFactory(team=sibling, user=owner, role=Role.OWNER)  # an organization owner's key
    anonymous_api.credentials(HTTP_X_API_KEY=make_key(team_level=False, default_team=team))
    body, (q1, _q2, _s) = _seed_create_body(team)
    source = anonymous_api.post(URL, body, format="json").json()["data"]["interview"]
    response = anonymous_api.post(
        f"{URL}/{source['id']}/copy",
        {"teamId": str(sibling.pk), "copyKeywords": True, "messageGroupId": "message-group-uuid"},
        format="json",
    )
    assert response.status_code == 201
    copy = response.json()["data"]["interview"]
    assert copy["title"] == "Software Engineer Interview"
    assert copy["teamId"] == str(sibling.pk)
    assert copy["questionCount"] == 3
    assert copy["questions"][0]["questionId"] != str(q1.pk)
    assert copy["keywords"] == ["javascript", "react"]


def test_a_team_key_cannot_copy_to_another_team(api, team):
    sibling = TeamFactory(organization=team.organization)
    interview = InterviewFactory(team=team)
    response = api.post(f"{URL}/{interview.pk}/copy", {"teamId": str(sibling.pk)}, format="json")
    assert response.status_code == 404


def test_another_teams_interview_is_a_404(api, other_team):
    interview = InterviewFactory(team=other_team)
    assert api.get(f"{URL}/{interview.pk}").status_code == 404
    assert api.patch(f"{URL}/{interview.pk}", {"title": "x"}, format="json").status_code == 404
    assert api.delete(f"{URL}/{interview.pk}").status_code == 404
    assert api.post(f"{URL}/{interview.pk}/copy", {}, format="json").status_code == 404
    assert api.get(f"{URL}/not-a-uuid").status_code == 404


def test_another_teams_question_is_a_404(api, other_team):
    foreign = AudioQuestionFactory(team=other_team)
    response = api.post(URL, {"title": "T", "questionIds": [str(foreign.pk)]}, format="json")
    assert response.status_code == 404


def test_it_names_the_missing_scope(anonymous_api, make_key, team):
    anonymous_api.credentials(HTTP_X_API_KEY=make_key(scopes=["interviews:read"]))
    response = anonymous_api.post(URL, {"title": "T"}, format="json")
    assert response.status_code == 403
    assert "interviews:write" in response.json()["detail"]
    anonymous_api.credentials(HTTP_X_API_KEY=make_key(scopes=["candidates:read"]))
    response = anonymous_api.get(URL)
    assert response.status_code == 403
    assert "interviews:read" in response.json()["detail"]
