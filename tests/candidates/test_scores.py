"""One truth about a candidate: the reviewer and AI figures of ``candidates.scores`` are the
same on Review, Results, Compare, the printable scorecards, the CSV export and the API."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.keys import SCOPES, api_key_create
from candidates.models import CandidateInterview, Evaluation
from candidates.scores import candidate_scores, round_score, score_text
from interviews.models import InterviewQuestion
from tests.factories import (
    AITextQuestionFactory,
    AnswerFactory,
    CandidateFactory,
    CandidateInterviewFactory,
    EvaluationFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    RatingFactory,
    ScorecardCriterionFactory,
    ScorecardFactory,
    ScorecardTemplateFactory,
    SurveyQuestionFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def test_it_rounds_half_up_to_one_decimal():
    assert round_score(Decimal("4.25")) == Decimal("4.3")
    assert round_score(4.25) == Decimal("4.3")  # not float banker's rounding (4.2)
    assert round_score(Decimal("4.249")) == Decimal("4.2")
    assert score_text(None) == "—"
    assert score_text(Decimal("4")) == "4.0"


@pytest.fixture
def amara(team, recruiter):
    """Amara: criteria weighted 3 and 1 rated 4 and 5 (weighted 4.25 → 4.3, plain mean 4.5);
    five AI-scored questions (3 audio, 2 written) and a survey, no whole-interview report,
    three answers evaluated 4, 4.5 and 4.25 (mean 4.25 → 4.3), one of them a retake whose
    earlier attempt (1.0) no longer counts."""
    interview = InterviewFactory(team=team, title="Backend Engineer")
    items = [InterviewQuestionFactory(interview=interview) for _ in range(3)]
    items += [
        InterviewQuestionFactory(
            interview=interview,
            kind=InterviewQuestion.Kind.AI_TEXT,
            audio_question=None,
            ai_text_question=AITextQuestionFactory(team=team),
        )
        for _ in range(2)
    ]
    InterviewQuestionFactory(
        interview=interview,
        kind=InterviewQuestion.Kind.SURVEY,
        audio_question=None,
        survey_question=SurveyQuestionFactory(team=team),
    )
    template = ScorecardTemplateFactory(interview=interview)
    communication = ScorecardCriterionFactory(template=template, name="Communication", weight=3)
    depth = ScorecardCriterionFactory(template=template, name="Depth", weight=1)
    candidate = CandidateFactory(team=team, first_name="Amara", last_name="Okafor")
    invite = CandidateInterviewFactory(
        interview=interview,
        candidate=candidate,
        status=CandidateInterview.Status.COMPLETED,
        started_at=NOW,
        completed_at=NOW,
    )
    card = ScorecardFactory(candidate_interview=invite, reviewer=recruiter, submitted_at=NOW)
    RatingFactory(scorecard=card, criterion=communication, score=4)
    RatingFactory(scorecard=card, criterion=depth, score=5)
    old = AnswerFactory(candidate_interview=invite, interview_question=items[0], attempt=1)
    EvaluationFactory(candidate_interview=invite, answer=old, overall_score=Decimal("1.00"))
    for item, score, attempt in zip(items[:3], ["4.00", "4.50", "4.25"], [2, 1, 1], strict=True):
        answer = AnswerFactory(candidate_interview=invite, interview_question=item, attempt=attempt)
        EvaluationFactory(candidate_interview=invite, answer=answer, overall_score=Decimal(score))
    # A failed whole-interview evaluation does not count.
    EvaluationFactory(
        candidate_interview=invite, overall_score=Decimal("2.00"), status=Evaluation.Status.FAILED
    )
    return invite


def test_the_selector_weights_and_falls_back_to_answers(amara):
    scores = candidate_scores([amara])[amara.pk]
    assert scores.human == Decimal("4.25")
    assert scores.human_text == "4.3"
    assert scores.ai_text == "4.3"
    assert (scores.ai_basis, scores.ai_answers, scores.ai_questions) == ("answers", 3, 5)
    assert scores.ai_partial
    assert scores.ai_basis_text == "from 3 of 5 answers"


def test_a_whole_interview_report_wins(amara):
    EvaluationFactory(candidate_interview=amara, overall_score=Decimal("3.65"))
    scores = candidate_scores([amara])[amara.pk]
    assert (scores.ai_text, scores.ai_basis, scores.ai_partial) == ("3.7", "interview", False)


def _text(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _testid(page, testid):
    found = re.findall(rf'data-testid="{testid}"[^>]*>(.*?)</', page, re.S)
    assert found, f"no {testid} on the page"
    return [_text(f) for f in found]


def test_every_page_export_and_the_api_show_the_same_figures(
    client, login, recruiter, owner, team, amara
):
    login(recruiter)
    interview = amara.interview
    review = client.get(reverse("candidates:invite_review", args=[amara.pk])).text
    assert _testid(review, "ai-overall")[0].startswith("4.3")
    assert _testid(review, "human-overall")[0].startswith("4.3")
    assert "from 3 of 5 answers" in _testid(review, "ai-basis")[0].lower()

    results = client.get(reverse("candidates:interview_results", args=[interview.pk])).text
    assert _testid(results, "ai-score") == ["4.3"]
    assert _testid(results, "human-score") == ["4.3"]
    assert _testid(results, "ai-basis") == ["from 3 of 5 answers"]

    other = CandidateInterviewFactory(
        interview=interview, status=CandidateInterview.Status.COMPLETED, completed_at=NOW
    )
    compare = client.get(
        reverse("candidates:interview_compare", args=[interview.pk]),
        {"ids": [amara.pk, other.pk]},
    ).text
    assert _testid(compare, "compare-ai-score") == ["4.3"]
    assert _testid(compare, "compare-human")[0].startswith("4.3")

    sheets = client.get(reverse("candidates:interview_results_scorecards", args=[interview.pk]))
    assert _testid(sheets.text, "sheet-human") == ["4.3"]
    assert _testid(sheets.text, "sheet-ai") == ["4.3"]
    assert _testid(sheets.text, "sheet-ai-basis") == ["(from 3 of 5 answers)"]

    response = client.get(reverse("candidates:interview_results_export", args=[interview.pk]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    amara_row = next(r for r in rows if r["Candidate"] == "Amara Okafor")
    assert amara_row["AI score (advice)"] == "4.3"
    assert amara_row["AI score based on"] == "from 3 of 5 answers"
    assert amara_row["Reviewer score"] == "4.3"

    _key, raw = api_key_create(
        organization=team.organization,
        name="Scores",
        scopes=list(SCOPES),
        team=team,
        default_team=None,
        by=owner,
    )
    api = APIClient()
    api.credentials(HTTP_X_API_KEY=raw)
    body = api.get(f"/qsi/gather/candidate-interviews/{amara.pk}").json()
    assert body["data"]["candidateInterview"]["scores"] == {
        "reviewerScore": "4.3",
        "aiScore": "4.3",
        "aiBasis": "answers",
        "aiAnswers": 3,
        "aiQuestions": 5,
    }


def test_results_sort_and_count_the_ai_figure_from_answers(client, login, recruiter, amara):
    """Sorting by AI advice uses the figure from answers (candidates without one last)."""
    interview = amara.interview
    low = CandidateInterviewFactory(
        interview=interview, status=CandidateInterview.Status.COMPLETED, completed_at=NOW
    )
    EvaluationFactory(candidate_interview=low, overall_score=Decimal("2.00"))
    none = CandidateInterviewFactory(
        interview=interview, status=CandidateInterview.Status.COMPLETED, completed_at=NOW
    )
    login(recruiter)
    url = reverse("candidates:interview_results", args=[interview.pk])
    for sort, expected in [("ai_score", [low, amara, none]), ("-ai_score", [amara, low, none])]:
        table = client.get(url, {"sort": sort}).context["table"]
        assert [row.record.pk for row in table.page.object_list] == [i.pk for i in expected]
