"""Question endpoints: the seed examples, validation per survey type, tenancy, query counts."""

import pytest
from django.core.files.base import ContentFile

from interviews.models import AudioQuestion, InterviewQuestion
from tests.factories import (
    AITextQuestionFactory,
    AudioQuestionFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    NarratorFactory,
    RubricCriterionFactory,
    SurveyOptionFactory,
    SurveyQuestionFactory,
)

pytestmark = pytest.mark.django_db
BASE = "/qsi/gather"

SEED_AUDIO = {
    "title": "Tell me about yourself",
    "description": "A standard introductory question",
    "audioURL": "https://example.com/audio/question1.mp3",
    "narratorId": "narrator-uuid",
    "questionScript": "Tell me about yourself and your background.",
}
SEED_AI_TEXT = {
    "title": "Technical Assessment",
    "description": "A comprehensive technical question for candidates",
    "questionText": "Explain the difference between REST and GraphQL APIs, including their use "
    "cases and trade-offs.",
}
OWNERSHIP = {"organizationId", "teamId", "createdById", "createdAt", "updatedAt", "archivedAt"}


def fields(response):
    return {e["field"] for e in response.json()["errors"]}


# --- the seed examples ------------------------------------------------------------------


def test_it_creates_the_seed_audio_question_and_starts_text_to_speech(api, team, owner):
    narrator = NarratorFactory(team=team)
    response = api.post(
        f"{BASE}/questions", {**SEED_AUDIO, "narratorId": str(narrator.pk)}, format="json"
    )
    assert response.status_code == 201
    question = response.json()["data"]["question"]
    assert question["title"] == "Tell me about yourself"
    assert question["questionScript"] == SEED_AUDIO["questionScript"]
    assert question["narratorId"] == str(narrator.pk)
    assert question["transcriptionStatus"] == "pending"
    assert question["audioType"] == "tts"
    assert question["audioURL"] is None
    assert question["teamId"] == str(team.pk)
    assert question["organizationId"] == str(team.organization_id)
    assert question["createdById"] == str(owner.pk)
    assert set(question) >= OWNERSHIP


def test_it_refuses_a_placeholder_narrator_id(api):
    response = api.post(f"{BASE}/questions", SEED_AUDIO, format="json")
    assert response.status_code == 400
    assert fields(response) == {"narratorId"}


def test_it_keeps_an_external_audio_url_as_the_prompt_without_fetching_it(api):
    body = {"title": "Intro", "audioURL": "https://example.com/audio/question1.mp3"}
    response = api.post(f"{BASE}/questions", body, format="json")
    question = response.json()["data"]["question"]
    assert response.status_code == 201
    assert question["audioType"] == "url"
    assert question["audioURL"] == "https://example.com/audio/question1.mp3"
    assert question["transcriptionStatus"] == "completed"


def test_it_names_the_camel_case_field_of_a_service_error(api):
    response = api.post(f"{BASE}/questions", {"title": "No script"}, format="json")
    assert response.status_code == 400
    assert fields(response) == {"questionScript"}


def test_it_lists_audio_questions_like_the_seed(api, team):
    AudioQuestionFactory(team=team, title="Live")
    AudioQuestionFactory(team=team, title="Old", archived_at="2024-01-01T00:00:00Z")
    response = api.get(f"{BASE}/questions?page=0&pageSize=50&archived=false")
    data = response.json()["data"]
    assert response.status_code == 200
    assert [q["title"] for q in data["questions"]] == ["Live"]
    assert data["pagination"] == {
        "total": 1,
        "totalIsExact": True,
        "page": 1,
        "pages": 1,
        "pageSize": 50,
    }
    archived = api.get(f"{BASE}/questions", {"archived": "true"}).json()["data"]["questions"]
    assert [q["title"] for q in archived] == ["Old"]


def test_it_gets_one_audio_question(api, team):
    question = AudioQuestionFactory(team=team)
    response = api.get(f"{BASE}/questions/{question.pk}")
    assert response.status_code == 200
    assert response.json()["data"]["question"]["id"] == str(question.pk)


def test_it_creates_the_seed_ai_text_question_with_a_default_rubric(api, team):
    response = api.post(f"{BASE}/ai-text-questions", SEED_AI_TEXT, format="json")
    assert response.status_code == 201
    question = response.json()["data"]["aiTextQuestion"]
    assert {
        "id",
        "title",
        "description",
        "questionText",
        *OWNERSHIP,
    } <= set(question)
    assert question["questionText"] == SEED_AI_TEXT["questionText"]
    assert question["archivedAt"] is None
    assert [c["name"] for c in question["rubric"]] == ["Answer quality"]


def test_it_creates_an_ai_text_question_with_the_rubric_given(api):
    rubric = [
        {"name": "Accuracy", "strongAnswer": "Gets the facts right.", "weight": 3},
        {"name": "Trade-offs", "strongAnswer": "Weighs both.", "idealAnswer": "Caching…"},
    ]
    body = {**SEED_AI_TEXT, "rubric": rubric, "maxAnswerLength": 800}
    question = api.post(f"{BASE}/ai-text-questions", body, format="json").json()["data"][
        "aiTextQuestion"
    ]
    assert [(c["name"], c["weight"]) for c in question["rubric"]] == [
        ("Accuracy", 3),
        ("Trade-offs", 1),
    ]
    assert question["maxAnswerLength"] == 800


def test_it_names_the_rubric_field_of_a_broken_criterion(api):
    body = {**SEED_AI_TEXT, "rubric": [{"name": "", "strongAnswer": "x", "weight": 11}]}
    response = api.post(f"{BASE}/ai-text-questions", body, format="json")
    assert response.status_code == 400
    assert fields(response) == {"rubric[0].name", "rubric[0].weight"}


def test_it_lists_and_gets_ai_text_questions(api, team):
    question = AITextQuestionFactory(team=team)
    listed = api.get(f"{BASE}/ai-text-questions?page=0&pageSize=50").json()["data"]
    assert [q["id"] for q in listed["aiTextQuestions"]] == [str(question.pk)]
    one = api.get(f"{BASE}/ai-text-questions/{question.pk}")
    assert one.json()["data"]["aiTextQuestion"]["title"] == question.title


def test_it_ignores_unknown_body_fields(api):
    response = api.post(
        f"{BASE}/ai-text-questions", {**SEED_AI_TEXT, "favouriteColour": "teal"}, format="json"
    )
    assert response.status_code == 201


# --- survey questions, type by type -------------------------------------------------------

SURVEY_OK: list[dict] = [
    {"type": "FREE_TEXT", "maxCharacterLength": 500},
    {"type": "YES_NO", "preferredOption": "YES"},
    {"type": "THUMBS_UP_DOWN", "options": [{"text": "Up", "preferred": True}, {"text": "Down"}]},
    {"type": "MULTIPLE_CHOICE", "options": [{"text": "A"}, {"text": "B", "preferred": True}]},
    {
        "type": "MULTIPLE_CHOICE_WEIGHTED",
        "options": [{"text": "A", "weight": 2.5}, {"text": "B", "weight": -1}],
    },
    {
        "type": "MULTIPLE_CHOICE_MULTIPLE_ANSWER",
        "options": [{"text": "A", "preferred": True}, {"text": "B"}],
        "selectAllForFullScore": True,
    },
]
SURVEY_BROKEN = [
    ({"type": "FREE_TEXT", "maxCharacterLength": 0}, {"maxCharacterLength"}),
    ({"type": "YES_NO", "options": [{"text": "Yes"}, {"text": "No"}]}, {"options"}),
    ({"type": "THUMBS_UP_DOWN", "options": [{"text": "Up"}]}, {"options"}),
    ({"type": "MULTIPLE_CHOICE", "options": [{"text": "A"}, {"text": "a"}]}, {"options[1].text"}),
    (
        {
            "type": "MULTIPLE_CHOICE_WEIGHTED",
            "options": [{"text": "A", "weight": 1}, {"text": "B"}],
        },
        {"options[1].weight"},
    ),
    (
        {"type": "MULTIPLE_CHOICE_MULTIPLE_ANSWER", "options": [{"text": "A"}, {"text": "B"}]},
        {"options"},
    ),
    (
        {
            "type": "MULTIPLE_CHOICE",
            "selectAllForFullScore": True,
            "options": [{"text": "A"}, {"text": "B"}],
        },
        {"selectAllForFullScore"},
    ),
    ({"type": "FREE_TEXT", "preferredOption": "YES"}, {"preferredOption"}),
    ({"type": "SOMETHING"}, {"type"}),
]


@pytest.mark.parametrize("extra", SURVEY_OK, ids=lambda e: e["type"])
def test_it_creates_every_survey_type(api, team, extra):
    body = {"title": "Screening", "questionText": "Well?", **extra}
    response = api.post(f"{BASE}/survey-questions", body, format="json")
    assert response.status_code == 201, response.json()
    question = response.json()["data"]["surveyQuestion"]
    assert question["type"] == extra["type"]
    assert len(question["options"]) == len(extra.get("options", []))
    assert set(question) >= OWNERSHIP


def test_it_renders_survey_options_with_weight_and_preferred(api):
    body = {"title": "Screening", "questionText": "Well?", **SURVEY_OK[4]}
    question = api.post(f"{BASE}/survey-questions", body, format="json").json()["data"][
        "surveyQuestion"
    ]
    assert [(o["text"], o["weight"], o["preferred"]) for o in question["options"]] == [
        ("A", 2.5, False),
        ("B", -1.0, False),
    ]
    assert question["preferredOption"] is None


@pytest.mark.parametrize(("extra", "expected"), SURVEY_BROKEN, ids=lambda v: str(v)[:40])
def test_it_names_the_broken_survey_rule(api, extra, expected):
    body = {"title": "Screening", "questionText": "Well?", **extra}
    response = api.post(f"{BASE}/survey-questions", body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert fields(response) == expected


def test_it_lists_and_gets_survey_questions(api, team):
    question = SurveyQuestionFactory(team=team)
    listed = api.get(f"{BASE}/survey-questions?page=0&pageSize=50").json()["data"]
    assert [q["id"] for q in listed["surveyQuestions"]] == [str(question.pk)]
    one = api.get(f"{BASE}/survey-questions/{question.pk}").json()["data"]["surveyQuestion"]
    assert one["preferredOption"] == "YES"


# --- an interview's questions and the MP3 ------------------------------------------------


def test_it_lists_an_interviews_questions_by_ordinal(api, team):
    interview = InterviewFactory(team=team)
    audio = AudioQuestionFactory(team=team, audio_type="tts")
    audio.audio_file.save("q.mp3", ContentFile(b"ID3fake"), save=True)
    survey = SurveyOptionFactory(question__team=team).question
    ai_text = AITextQuestionFactory(team=team)
    InterviewQuestionFactory(
        interview=interview, kind="ai_text", audio_question=None, ai_text_question=ai_text
    )
    InterviewQuestionFactory(interview=interview, audio_question=audio)
    InterviewQuestionFactory(
        interview=interview, kind="survey", audio_question=None, survey_question=survey
    )
    response = api.get(f"{BASE}/questions/interview/{interview.pk}")
    questions = response.json()["data"]["questions"]
    assert response.status_code == 200
    assert [q["questionType"] for q in questions] == ["AI_TEXT", "AUDIO", "SURVEY"]
    assert [q["ordinal"] for q in questions] == [1, 2, 3]
    assert questions[0]["audioType"] is None
    assert questions[0]["audioURL"] is None
    assert questions[2]["audioURL"] is None
    assert len(questions[2]["options"]) == 1
    url = questions[1]["audioURL"]
    assert url.startswith(f"http://testserver{BASE}/media/")  # a signed link (api.media)
    mp3 = api.get(url)
    assert mp3.status_code == 200
    assert mp3["Content-Type"] == "audio/mpeg"
    assert b"".join(mp3.streaming_content) == b"ID3fake"


def test_it_answers_404_for_audio_not_made_yet(api, team):
    question = AudioQuestionFactory(team=team, transcription_status="pending")
    response = api.get(f"{BASE}/questions/{question.pk}/audio.mp3")
    assert response.status_code == 404
    assert "pending" in response.json()["detail"]


# --- tenancy, scopes, query counts --------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/questions/{audio}",
        "/questions/{audio}/audio.mp3",
        "/questions/interview/{interview}",
        "/survey-questions/{survey}",
        "/ai-text-questions/{ai_text}",
        "/questions/not-a-uuid",
    ],
)
def test_it_hides_another_teams_questions(api, other_team, url):
    ids = {
        "audio": AudioQuestionFactory(team=other_team).pk,
        "interview": InterviewFactory(team=other_team).pk,
        "survey": SurveyQuestionFactory(team=other_team).pk,
        "ai_text": AITextQuestionFactory(team=other_team).pk,
    }
    response = api.get(BASE + url.format(**ids))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_it_refuses_another_organizations_team_id(api, other_team):
    response = api.get(f"{BASE}/questions", {"teamId": str(other_team.pk)})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "url", "scope"),
    [
        ("get", "/questions", "questions:read"),
        ("post", "/questions", "questions:write"),
        ("post", "/survey-questions", "questions:write"),
        ("get", "/ai-text-questions", "questions:read"),
    ],
)
def test_it_names_the_missing_scope(anonymous_api, make_key, method, url, scope):
    other = "questions:read" if scope == "questions:write" else "interviews:read"
    anonymous_api.credentials(HTTP_X_API_KEY=make_key(scopes=[other]))
    response = getattr(anonymous_api, method)(BASE + url, {}, format="json")
    assert response.status_code == 403
    assert scope in response.json()["detail"]


def test_it_lists_audio_questions_in_constant_queries(api, team, django_assert_max_num_queries):
    narrator = NarratorFactory(team=team)
    AudioQuestionFactory.create_batch(35, team=team, narrator=narrator)
    with django_assert_max_num_queries(5):
        response = api.get(f"{BASE}/questions", {"pageSize": 100})
    assert len(response.json()["data"]["questions"]) == 35


def test_it_lists_survey_questions_in_constant_queries(api, team, django_assert_max_num_queries):
    for _ in range(32):
        SurveyOptionFactory.create_batch(2, question=SurveyQuestionFactory(team=team))
    with django_assert_max_num_queries(6):
        response = api.get(f"{BASE}/survey-questions", {"pageSize": 100})
    assert len(response.json()["data"]["surveyQuestions"]) == 32


def test_it_lists_ai_text_questions_in_constant_queries(api, team, django_assert_max_num_queries):
    for _ in range(31):
        RubricCriterionFactory(question=AITextQuestionFactory(team=team))
    with django_assert_max_num_queries(6):
        response = api.get(f"{BASE}/ai-text-questions", {"pageSize": 100})
    assert len(response.json()["data"]["aiTextQuestions"]) == 31


def test_it_lists_an_interviews_questions_in_constant_queries(
    api, team, django_assert_max_num_queries
):
    interview = InterviewFactory(team=team)
    for _ in range(12):
        InterviewQuestionFactory(interview=interview)
    for _ in range(12):
        survey = SurveyOptionFactory(question__team=team).question
        InterviewQuestionFactory(
            interview=interview, kind="survey", audio_question=None, survey_question=survey
        )
    for _ in range(12):
        InterviewQuestionFactory(
            interview=interview,
            kind="ai_text",
            audio_question=None,
            ai_text_question=AITextQuestionFactory(team=team),
        )
    with django_assert_max_num_queries(8):
        response = api.get(f"{BASE}/questions/interview/{interview.pk}")
    assert len(response.json()["data"]["questions"]) == 36
    assert InterviewQuestion.objects.count() == 36
    assert AudioQuestion.objects.count() == 12
