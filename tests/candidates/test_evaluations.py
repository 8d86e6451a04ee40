"""AI evaluations of answers and the report on a whole interview: versions, refusals, failures,
the ``evaluation.completed`` webhook event and the audit trail."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import AuditEvent
from candidates.models import Answer, CriterionScore, Evaluation
from candidates.services.evaluations import (
    answer_evaluate,
    answer_request,
    candidate_interview_summarize,
    evaluation_history,
    evaluation_rerun,
)
from candidates.services.processing import answer_process
from candidates.tasks import answer_process_task
from interviews.models import InterviewQuestion
from speech.evaluation import TransientEvaluationError
from tests.factories import (
    AITextQuestionFactory,
    AnswerFactory,
    CandidateInterviewFactory,
    InterviewQuestionFactory,
    RubricCriterionFactory,
    ScorecardCriterionFactory,
    ScorecardTemplateFactory,
)
from tests.speech.openai_server import CHAT, openai_server  # noqa: F401
from webhooks.models import Event
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db

GOOD = (
    "REST exposes resources at fixed URLs and uses HTTP caching well. GraphQL lets the client "
    "ask for exactly the fields it needs in one request, which avoids over-fetching on mobile. "
    "I would choose REST for a public API with heavy caching and GraphQL for a product app."
)


@pytest.fixture
def invite():
    return CandidateInterviewFactory()


def _ai_text(invite, *, criteria=(("Trade-offs", 2), ("Examples", 1))):
    question = AITextQuestionFactory(team=invite.team)
    rows = [
        RubricCriterionFactory(
            question=question,
            name=name,
            weight=weight,
            strong_answer=f"Explains {name.lower()} of REST and GraphQL with caching and fields.",
        )
        for name, weight in criteria
    ]
    item = InterviewQuestionFactory(
        interview=invite.interview,
        kind=InterviewQuestion.Kind.AI_TEXT,
        audio_question=None,
        ai_text_question=question,
    )
    return item, rows


def _answer(invite, item, text=GOOD):
    return AnswerFactory(candidate_interview=invite, interview_question=item, text=text)


def test_an_ai_text_answer_gets_scores_with_verbatim_evidence(invite):
    item, rows = _ai_text(invite)
    answer = _answer(invite, item)
    evaluation = answer_evaluate(answer=answer)
    assert evaluation.status == Evaluation.Status.COMPLETED
    assert (evaluation.provider, evaluation.version, evaluation.is_current) == ("offline", 1, True)
    assert evaluation.model_name
    assert evaluation.prompt_version
    assert evaluation.completed_at
    scores = list(evaluation.scores.order_by("id"))
    assert [(s.criterion, s.criterion_name) for s in scores] == [(r, r.name) for r in rows]
    assert all(1 <= s.score <= 5 for s in scores)
    assert all(s.evidence and s.evidence in GOOD for s in scores)
    weighted = Decimal(scores[0].score * 2 + scores[1].score) / 3
    assert evaluation.overall_score == weighted.quantize(Decimal("0.01"))


def test_it_keeps_the_current_evaluation_unless_asked_to_rerun(invite, owner):
    item, _rows = _ai_text(invite)
    answer = _answer(invite, item)
    first = answer_evaluate(answer=answer)
    assert answer_evaluate(answer=answer) == first
    second = evaluation_rerun(answer_or_invite=answer, by=owner)
    first.refresh_from_db()
    assert (second.version, second.is_current) == (2, True)
    assert (first.version, first.is_current) == (1, False)
    assert first.scores.count() == 2  # history keeps its scores
    assert [e.version for e in evaluation_history(invite=invite, answer=answer)] == [2, 1]
    rerun = AuditEvent.objects.get(action="evaluation.rerun")
    assert rerun.actor == owner
    assert rerun.object_id == str(second.pk)


def test_a_near_empty_answer_is_refused_with_the_reason(invite):
    item, _rows = _ai_text(invite)
    evaluation = answer_evaluate(answer=_answer(invite, item, "It depends."))
    assert evaluation.status == Evaluation.Status.REFUSED
    assert "2 words" in evaluation.error
    assert evaluation.overall_score is None
    assert not evaluation.scores.exists()


def test_a_malformed_llm_reply_fails_the_evaluation_and_stores_no_score(
    invite,
    settings,
    openai_server,  # noqa: F811
):
    settings.EVALUATOR = "llm"
    settings.LLM_MAX_ATTEMPTS = 2
    openai_server.chat_reply("this is not JSON at all", times=2)
    item, _rows = _ai_text(invite)
    answer = _answer(invite, item)
    processed = answer_process(answer_id=answer.pk)
    evaluation = Evaluation.objects.get(answer=answer)
    assert evaluation.status == Evaluation.Status.FAILED
    assert (evaluation.provider, evaluation.model_name) == ("llm", "test-model")
    assert "2 attempts" in evaluation.error
    assert not CriterionScore.objects.filter(evaluation__answer=answer).exists()
    assert processed.status == Answer.Status.FAILED
    assert processed.processing["evaluate"]["status"] == "failed"
    assert len(openai_server.requests_to(CHAT)) == 2


def test_an_llm_evaluation_quotes_the_answer(invite, settings, openai_server):  # noqa: F811
    settings.EVALUATOR = "llm"
    item, rows = _ai_text(invite)
    answer = _answer(invite, item)
    reply = {
        "criteria": [
            {
                "key": str(rows[0].pk),
                "score": 5,
                "evidence": "avoids over-fetching on mobile",
                "rationale": "Names a trade-off.",
            },
            {
                "key": str(rows[1].pk),
                "score": 3,
                "evidence": "",
                "rationale": "No concrete example.",
            },
        ],
        "summary": "Clear on trade-offs.",
    }
    openai_server.chat_reply(json.dumps(reply))
    evaluation = answer_evaluate(answer=answer)
    assert evaluation.status == Evaluation.Status.COMPLETED
    assert [(s.score, s.evidence) for s in evaluation.scores.order_by("id")] == [
        (5, "avoids over-fetching on mobile"),
        (3, ""),
    ]
    assert evaluation.overall_score == Decimal("4.33")
    assert evaluation.summary == "Clear on trade-offs."


def test_a_server_that_is_down_is_retried_and_then_fails_the_answer(
    invite,
    settings,
    openai_server,  # noqa: F811
):
    settings.EVALUATOR = "llm"
    openai_server.reply(CHAT, status=503, json={"error": {"message": "busy"}}, times=20)
    item, _rows = _ai_text(invite)
    answer = _answer(invite, item)
    with pytest.raises(TransientEvaluationError):
        answer_evaluate(answer=answer)
    with pytest.raises(ValidationError, match="cannot be reached"):
        evaluation_rerun(answer_or_invite=answer, by=None)
    assert not Evaluation.objects.filter(answer=answer).exists()  # nothing stored
    answer_process_task.delay(str(answer.pk))
    answer.refresh_from_db()
    assert answer.status == Answer.Status.FAILED
    assert "gave up" in answer.processing["evaluate"]["error"]
    assert len(openai_server.requests_to(CHAT)) > 2


def test_a_completed_evaluation_records_the_webhook_event_in_its_transaction(invite, public_dns):
    endpoint_create(
        team=invite.team, url="https://example.com/hook", event_types=["evaluation.completed"]
    )
    item, _rows = _ai_text(invite)
    answer = _answer(invite, item)

    class Undo(Exception):
        pass

    def evaluate_then_roll_back():
        with transaction.atomic():
            answer_evaluate(answer=answer)
            assert Event.objects.filter(type="evaluation.completed").count() == 1
            raise Undo

    with pytest.raises(Undo):
        evaluate_then_roll_back()
    assert not Event.objects.exists()
    assert not Evaluation.objects.exists()

    evaluation = answer_evaluate(answer=answer)
    event = Event.objects.get(type="evaluation.completed")
    assert event.team == invite.team
    assert event.payload["id"] == str(evaluation.pk)
    assert event.payload["answerId"] == str(answer.pk)
    assert event.payload["overallScore"] == float(evaluation.overall_score)
    assert len(event.payload["scores"]) == 2
    assert AuditEvent.objects.filter(
        action="evaluation.completed", object_id=str(evaluation.pk)
    ).exists()


def test_a_refused_evaluation_sends_no_event(invite, public_dns):
    endpoint_create(
        team=invite.team, url="https://example.com/hook", event_types=["evaluation.completed"]
    )
    item, _rows = _ai_text(invite)
    answer_evaluate(answer=_answer(invite, item, "No."))
    assert not Event.objects.exists()


def _recorded_on_a_scorecard(invite):
    template = ScorecardTemplateFactory(interview=invite.interview)
    criteria = [
        ScorecardCriterionFactory(
            template=template, name="Delivery", description="Ships software with tests and CI."
        ),
        ScorecardCriterionFactory(
            template=template, name="Tooling", description="Uses containers and automation."
        ),
    ]
    answer = AnswerFactory(candidate_interview=invite, text="")
    answer.media.name = "answers/x.webm"  # the transcript is what gets judged
    answer.transcript = (
        "I ship with Docker containers, automated tests in CI and code review on every change, "
        "and I automate the deploys."
    )
    answer.save()
    return answer, criteria


def test_a_recorded_answer_is_judged_on_the_scorecard_template(invite, settings, openai_server):  # noqa: F811
    answer, criteria = _recorded_on_a_scorecard(invite)
    request = answer_request(answer=answer)
    assert [c.name for c in request.criteria] == ["Delivery", "Tooling"]
    assert request.rubric_source == "scorecard"

    settings.EVALUATOR = "llm"
    reply = {
        "criteria": [
            {"key": str(c.pk), "score": 4, "evidence": "", "rationale": "Fine."} for c in criteria
        ],
        "summary": "Solid.",
    }
    openai_server.chat_reply(json.dumps(reply))
    evaluation = answer_evaluate(answer=answer)
    assert evaluation.status == Evaluation.Status.COMPLETED
    names = [s.criterion_name for s in evaluation.scores.order_by("id")]
    assert names == [c.name for c in criteria]


def test_the_offline_evaluator_gives_no_advice_on_a_generic_scorecard(invite):
    answer, _criteria = _recorded_on_a_scorecard(invite)
    evaluation = answer_evaluate(answer=answer)
    assert evaluation.status == Evaluation.Status.ABSTAINED
    assert "judged on the interview's generic scorecard" in evaluation.error
    assert evaluation.overall_score is None


# ---------------------------------------------------------------- the report


def _evaluated(invite, overall_scores):
    """Answers with completed evaluations of the given overall scores (one criterion each)."""
    answers = []
    for score in overall_scores:
        item, (row,) = _ai_text(invite, criteria=(("Depth", 1),))
        answer = _answer(invite, item)
        answer.status = Answer.Status.PROCESSED
        answer.save()
        evaluation = Evaluation.objects.create(
            candidate_interview=invite,
            answer=answer,
            provider="offline",
            status="completed",
            overall_score=Decimal(score),
            summary=f"Scored {score}.",
        )
        CriterionScore.objects.create(
            evaluation=evaluation, criterion=row, criterion_name="Depth", score=score
        )
        answers.append(answer)
    return answers


def test_the_report_averages_the_answers_and_names_the_strongest_and_weakest(invite):
    _evaluated(invite, [2, 5, 4])
    report = candidate_interview_summarize(invite=invite)
    assert report.answer is None
    assert report.status == Evaluation.Status.COMPLETED
    assert report.overall_score == Decimal("3.67")
    assert report.provider == "summary"
    titles = [s.criterion_name for s in report.scores.order_by("id")]
    assert len(titles) == 3
    assert f"Strongest: {titles[1]} (5.0/5)" in report.summary
    assert f"Weakest: {titles[0]} (2.0/5)" in report.summary
    assert candidate_interview_summarize(invite=invite) == report  # idempotent


def test_the_report_asks_the_llm_for_three_sentences(invite, openai_server):  # noqa: F811
    _evaluated(invite, [3, 4])
    openai_server.chat_reply("One. Two. Three.")
    report = candidate_interview_summarize(invite=invite)
    assert report.summary.endswith("One. Two. Three.")
    assert "Strongest:" in report.summary
    assert (report.provider, report.model_name) == ("llm", "test-model")
    sent = openai_server.requests_to(CHAT)[0].json["messages"]
    assert "never the person" in sent[0]["content"]


def test_the_report_keeps_its_own_summary_when_the_llm_fails(invite, openai_server):  # noqa: F811
    _evaluated(invite, [3, 4])
    openai_server.reply(CHAT, status=500, json={"error": {"message": "down"}})
    report = candidate_interview_summarize(invite=invite)
    assert report.status == Evaluation.Status.COMPLETED
    assert report.summary.startswith("2 answers evaluated.")
    assert report.provider == "summary"


def test_the_report_is_refused_without_evaluated_answers(invite, owner):
    report = candidate_interview_summarize(invite=invite)
    assert report.status == Evaluation.Status.REFUSED
    assert "no answer" in report.error
    _evaluated(invite, [4])
    rerun = evaluation_rerun(answer_or_invite=invite, by=owner)
    report.refresh_from_db()
    assert (rerun.version, rerun.status, rerun.overall_score) == (2, "completed", Decimal(4))
    assert not report.is_current


# --- abstention


def test_too_short_an_answer_gets_no_advice_and_never_counts_as_a_low_score(invite):
    from candidates.scores import candidate_scores

    _evaluated(invite, [4])
    item, _rows = _ai_text(invite)
    short = answer_evaluate(answer=_answer(invite, item, "I would use REST for this one."))

    assert short.status == Evaluation.Status.ABSTAINED
    assert short.error.startswith("Not enough evidence to advise")
    assert short.overall_score is None
    assert not short.scores.exists()
    assert AuditEvent.objects.filter(action="evaluation.abstained", object_id=str(short.pk))
    assert not Event.objects.filter(type="evaluation.completed", payload__id=str(short.pk))
    # The figure rests on the one answer that was evaluated: 4, not (4 + 1) / 2.
    scores = candidate_scores([invite])[invite.pk]
    assert (scores.ai, scores.ai_answers) == (Decimal(4), 1)
    assert candidate_interview_summarize(invite=invite).overall_score == Decimal(4)
    assert answer_evaluate(answer=short.answer) == short  # settled until a re-run


def test_a_french_answer_is_evaluated_in_french_not_scored_one(invite):
    item, _rows = _ai_text(invite)
    french = (
        "REST expose des ressources à des adresses fixes et profite bien du cache HTTP. GraphQL "
        "permet au client de demander exactement les champs dont il a besoin en une seule "
        "requête, ce qui évite de trop charger sur mobile. Je choisirais REST pour une API "
        "publique avec beaucoup de cache et GraphQL pour une application produit."
    )
    evaluation = answer_evaluate(answer=_answer(invite, item, french))
    assert evaluation.status == Evaluation.Status.COMPLETED
    assert evaluation.overall_score is not None
    assert evaluation.overall_score >= 3
