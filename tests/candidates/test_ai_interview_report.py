"""The AI report an AI voice interview gets when the agent finalizes it (seed 003)."""

import pytest
from rest_framework.test import APIClient

from api.keys import SCOPES, api_key_create
from candidates.models import Evaluation
from candidates.services.candidates import candidate_create
from candidates.services.invites import invite_create
from candidates.services.turns import candidate_interview_finalize, turn_create
from interviews.models import InterviewQuestion
from interviews.services.interviews import interview_agent_secret_rotate
from tests.factories import (
    AITextQuestionFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    RubricCriterionFactory,
    ScorecardCriterionFactory,
    ScorecardTemplateFactory,
)

pytestmark = pytest.mark.django_db
INVITES = "/qsi/gather/candidate-interviews"

CONVERSATION = [
    ("agent", "Tell me about a system you designed."),
    ("candidate", "I designed a payment service in Django with PostgreSQL and a Celery queue."),
    ("agent", "How did you test it?"),
    ("candidate", "We wrote integration tests against a real database and ran them in CI."),
]


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


def _converse(agent, invite, lines=CONVERSATION):
    url = f"{INVITES}/{invite.pk}/turns"
    for number, (role, content) in enumerate(lines, start=1):
        body = {"turnNumber": number, "role": role, "content": content}
        if role == "candidate":
            body["evaluation"] = {"scores": {"clarity": 4}, "flags": []}
        assert agent.post(url, body, format="json").status_code == 201


def _finalize(agent, invite, capture, body=None):
    with capture(execute=True):
        response = agent.post(f"{INVITES}/{invite.pk}/finalize", body or {}, format="json")
    assert response.status_code == 200, response.json()
    return response


def test_finalize_makes_a_report_on_the_scorecard_template(
    agent, invite, django_capture_on_commit_callbacks
):
    template = ScorecardTemplateFactory(interview=invite.interview)
    criteria = [
        ScorecardCriterionFactory(
            template=template, name="System design", description="Designs services and queues."
        ),
        ScorecardCriterionFactory(
            template=template, name="Testing", description="Tests against real databases in CI."
        ),
    ]
    _converse(agent, invite)
    _finalize(agent, invite, django_capture_on_commit_callbacks, {"generateReport": True})

    report = Evaluation.objects.get(candidate_interview=invite, answer=None)
    assert report.status == Evaluation.Status.COMPLETED
    assert report.overall_score is not None
    scores = list(report.scores.order_by("id"))
    assert [s.criterion_name for s in scores] == [c.name for c in criteria]
    spoken = " ".join(content for role, content in CONVERSATION if role == "candidate")
    assert all(s.evidence and s.evidence in spoken for s in scores)
    assert not any("Tell me about" in s.evidence for s in scores)  # the agent's words never count

    client = APIClient()
    _key, raw = api_key_create(
        organization=invite.team.organization,
        name="ATS",
        scopes=list(SCOPES),
        team=invite.team,
        by=invite.team.memberships.get(role="owner").user,
    )
    client.credentials(HTTP_X_API_KEY=raw)
    evaluation = client.get(f"{INVITES}/{invite.pk}").json()["data"]["candidateInterview"][
        "evaluation"
    ]
    assert evaluation["id"] == str(report.pk)
    assert [s["criterionName"] for s in evaluation["scores"]] == [c.name for c in criteria]


def test_without_a_template_the_ai_text_rubrics_are_the_criteria(
    agent, invite, django_capture_on_commit_callbacks
):
    question = AITextQuestionFactory(team=invite.team)
    rubric = RubricCriterionFactory(
        question=question, name="Testing", strong_answer="Integration tests in CI."
    )
    InterviewQuestionFactory(
        interview=invite.interview,
        kind=InterviewQuestion.Kind.AI_TEXT,
        audio_question=None,
        ai_text_question=question,
    )
    _converse(agent, invite)
    _finalize(agent, invite, django_capture_on_commit_callbacks)
    report = Evaluation.objects.get(candidate_interview=invite, answer=None)
    assert [(s.criterion, s.criterion_name) for s in report.scores.all()] == [(rubric, "Testing")]


def test_an_empty_transcript_gets_a_refused_report_and_finalize_still_succeeds(
    agent, invite, django_capture_on_commit_callbacks
):
    _converse(agent, invite, [("agent", "Hello, can you hear me?"), ("candidate", "")])
    _finalize(agent, invite, django_capture_on_commit_callbacks)
    invite.refresh_from_db()
    assert invite.status == "COMPLETED"
    report = Evaluation.objects.get(candidate_interview=invite, answer=None)
    assert report.status == Evaluation.Status.REFUSED
    assert "said nothing" in report.error
    assert not report.scores.exists()


def test_no_report_unless_asked(invite, django_capture_on_commit_callbacks):
    turn_create(invite=invite, turn_number=1, role="candidate", content=CONVERSATION[1][1])
    with django_capture_on_commit_callbacks(execute=True):
        candidate_interview_finalize(invite=invite, generate_report=False)
    invite.refresh_from_db()
    assert invite.status == "COMPLETED"
    assert not Evaluation.objects.filter(candidate_interview=invite).exists()
