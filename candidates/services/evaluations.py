"""AI evaluations: one answer against its rubric, and the report on a whole candidate interview.

Every run stores a new :class:`Evaluation` version and retires the previous one
(``is_current=False``), so the history stays. A completed evaluation has one
:class:`CriterionScore` per criterion; a refused one (an empty or near-empty answer) and a failed
one (the provider broke, or its reply was unusable) have none, only the reason in ``error``.
Transient provider failures are not stored: they propagate so the Celery task retries.

The evaluator call runs outside any transaction (it may take a minute with an LLM); only
storing the result is atomic, under a lock on the invite so versions never collide.
Scores are advice for reviewers, never a decision.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Prefetch
from django.utils import timezone

from accounts.audit import audit_record
from candidates.analytics import interview_analytics_changed
from candidates.models import (
    Answer,
    CandidateInterview,
    CriterionScore,
    Evaluation,
    EvaluationRun,
    Turn,
)
from candidates.services.ai_choice import ai_evaluation_refuse
from interviews.models import (
    Interview,
    InterviewQuestion,
    Keyword,
    RubricCriterion,
    ScorecardTemplate,
)
from interviews.selectors import interview_scorecard_template
from kit import limits
from kit.limits import clip
from speech.evaluation import (
    Criterion,
    EvaluationAbstained,
    EvaluationError,
    EvaluationRefused,
    EvaluationRequest,
    EvaluationResult,
    RubricSource,
    TransientEvaluationError,
)
from webhooks.models import EventType
from webhooks.services import event_record

if TYPE_CHECKING:
    from collections.abc import Sequence

    from django.db.models import QuerySet

    from accounts.models import User

logger = logging.getLogger(__name__)

# The version of the report this module writes from answer evaluations (no prompt involved).
SUMMARY_PROMPT_VERSION = "summary-1"
SUMMARY_PROVIDER = "summary"

Status = Evaluation.Status
# A current evaluation in one of these states stands until someone asks for a re-run.
SETTLED = (Status.COMPLETED, Status.REFUSED, Status.ABSTAINED)


@dataclass(frozen=True)
class _Outcome:
    """What an evaluator run produced, ready to store."""

    status: str
    provider: str
    model: str
    prompt_version: str
    result: EvaluationResult | None = None
    error: str = ""


# ---------------------------------------------------------------- building the request


def _keywords(interview: Interview) -> tuple[str, ...]:
    return tuple(Keyword.objects.filter(interview=interview).values_list("text", flat=True))


def _template(interview: Interview) -> ScorecardTemplate | None:
    return interview_scorecard_template(interview)


def _scorecard_criteria(template: ScorecardTemplate) -> tuple[Criterion, ...]:
    return tuple(
        Criterion(
            key=str(c.pk),
            name=c.name,
            description=c.description or c.name,
            weight=c.weight,
            anchors={str(k): str(v) for k, v in (c.anchors or {}).items()},
        )
        for c in template.criteria.all()
    )


def _rubric_criteria(criteria: Sequence[RubricCriterion]) -> tuple[Criterion, ...]:
    return tuple(
        Criterion(
            key=str(c.pk),
            name=c.name,
            description=c.strong_answer,
            ideal_answer=c.ideal_answer,
            weight=c.weight,
        )
        for c in criteria
    )


def _relevance(question: str) -> tuple[Criterion, ...]:
    return (
        Criterion(
            key="relevance",
            name="Relevance",
            description=f"Answers the question asked, with specifics: {question}".strip(),
        ),
    )


def _question_text(item: InterviewQuestion | None) -> str:
    return item.display_text if item is not None else ""


def answer_request(*, answer: Answer) -> EvaluationRequest:
    """What the evaluator is asked about ``answer``: its question, its words and its criteria.

    An AI text question brings its own rubric; a recorded answer is judged on the interview's
    scorecard template when it has one, else on one "Relevance" criterion built from the
    question's script.
    """
    invite = answer.candidate_interview
    item = answer.interview_question
    question = _question_text(item)
    criteria: tuple[Criterion, ...] = ()
    source: RubricSource = "question"
    if item is not None and item.kind == InterviewQuestion.Kind.AI_TEXT:
        assert item.ai_text_question is not None
        rubric = list(RubricCriterion.objects.filter(question=item.ai_text_question))
        criteria = _rubric_criteria(rubric)
    elif item is not None and item.kind == InterviewQuestion.Kind.AUDIO:
        template = _template(invite.interview)
        if template is not None:
            criteria, source = _scorecard_criteria(template), "scorecard"
    if not criteria:
        criteria, source = _relevance(question), "relevance"
    words = answer.transcript if answer.media else answer.text
    return EvaluationRequest(
        question=question,
        answer=words.strip(),
        criteria=criteria,
        keywords=_keywords(invite.interview),
        language=invite.base_language,
        rubric_source=source,
    )


def _run(request: EvaluationRequest) -> _Outcome:
    """Ask the configured evaluator; transient failures propagate (the task retries)."""
    from django.conf import settings

    from speech.evaluation import get_evaluator

    try:
        evaluator = get_evaluator()
    except EvaluationError as exc:  # not configured: nothing to retry until someone fixes it
        return _Outcome(Status.FAILED, str(settings.EVALUATOR), "", "", error=str(exc))
    provider = str(evaluator.name)
    model = str(getattr(evaluator, "model", "") or "")
    prompt_version = str(getattr(evaluator, "prompt_version", "") or "")
    try:
        result: EvaluationResult = evaluator.evaluate(request)
    except TransientEvaluationError:
        raise
    except EvaluationRefused as exc:
        return _Outcome(Status.REFUSED, provider, model, prompt_version, error=str(exc))
    except EvaluationAbstained as exc:
        return _Outcome(Status.ABSTAINED, provider, model, prompt_version, error=str(exc))
    except EvaluationError as exc:
        return _Outcome(Status.FAILED, provider, model, prompt_version, error=str(exc))
    return _Outcome(
        Status.COMPLETED, result.provider, result.model, result.prompt_version, result=result
    )


# ---------------------------------------------------------------- storing


def _overall(scores: Sequence[tuple[int, int]]) -> Decimal | None:
    """Weighted mean of (score, weight) pairs, two decimals, or None without scores."""
    total = sum(weight for _score, weight in scores)
    if not total:
        return None
    mean = Decimal(sum(score * weight for score, weight in scores)) / Decimal(total)
    return mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _payload(evaluation: Evaluation, scores: Sequence[CriterionScore]) -> dict[str, Any]:
    invite = evaluation.candidate_interview
    return {
        "id": str(evaluation.pk),
        "candidateInterviewId": str(invite.pk),
        "candidateId": str(invite.candidate_id),
        "interviewId": str(invite.interview_id),
        "teamId": str(invite.team_id),
        "answerId": str(evaluation.answer_id) if evaluation.answer_id else None,
        "status": evaluation.status,
        "version": evaluation.version,
        "provider": evaluation.provider,
        "model": evaluation.model_name,
        "promptVersion": evaluation.prompt_version,
        "overallScore": (
            float(evaluation.overall_score) if evaluation.overall_score is not None else None
        ),
        "summary": evaluation.summary,
        "completedAt": evaluation.completed_at.isoformat() if evaluation.completed_at else None,
        "scores": [
            {
                "criterionId": str(s.criterion_id) if s.criterion_id else None,
                "criterionName": s.criterion_name,
                "score": s.score,
            }
            for s in scores
        ],
    }


@dataclass(frozen=True)
class _Score:
    criterion: RubricCriterion | None
    name: str
    score: int
    weight: int
    evidence: str = ""
    rationale: str = ""


@transaction.atomic
def _store(
    *,
    invite: CandidateInterview,
    answer: Answer | None,
    outcome: _Outcome,
    scores: Sequence[_Score] = (),
    summary: str = "",
    overall: Decimal | None = None,
    by: User | None = None,
) -> Evaluation:
    """A new current version for ``answer`` (None: the invite's report), the old one retired."""
    locked = CandidateInterview.objects.select_for_update().get(pk=invite.pk)
    interview_analytics_changed(interview_id=locked.interview_id)
    history = Evaluation.objects.filter(candidate_interview=locked, answer=answer)
    version = (history.aggregate(top=Max("version"))["top"] or 0) + 1
    history.filter(is_current=True).update(is_current=False)
    completed = outcome.status == Status.COMPLETED
    now = timezone.now()
    evaluation = Evaluation.objects.create(
        candidate_interview=locked,
        answer=answer,
        status=outcome.status,
        provider=outcome.provider[:50],
        model_name=outcome.model[:100],
        prompt_version=outcome.prompt_version[:20],
        version=version,
        is_current=True,
        overall_score=(
            (overall or _overall([(s.score, s.weight) for s in scores])) if completed else None
        ),
        summary=clip(summary, limits.EVALUATION_TEXT) if completed else "",
        error=clip(outcome.error, limits.REASON),
        completed_at=now,
    )
    stored: list[CriterionScore] = []
    if completed:
        stored = CriterionScore.objects.bulk_create(
            [
                CriterionScore(
                    evaluation=evaluation,
                    criterion=s.criterion,
                    criterion_name=s.name[:120],
                    score=s.score,
                    evidence=clip(s.evidence, limits.EVALUATION_TEXT),
                    rationale=clip(s.rationale, limits.EVALUATION_TEXT),
                )
                for s in scores
            ]
        )
        event_record(
            team=locked.team,
            type=EventType.EVALUATION_COMPLETED,
            payload=_payload(evaluation, stored),
        )

    def audit(*, action: str) -> None:
        audit_record(
            action=action,
            actor=by,
            team=locked.team,
            obj=evaluation,
            data={
                "candidate_interview": str(locked.pk),
                "answer": str(answer.pk) if answer else None,
                "version": version,
                "error": outcome.error,
            },
            actor_label="" if by else "AI evaluation",
        )

    if completed:
        audit(action="evaluation.completed")
    elif outcome.status == Status.REFUSED:
        audit(action="evaluation.refused")
    elif outcome.status == Status.ABSTAINED:
        audit(action="evaluation.abstained")
    else:
        audit(action="evaluation.failed")
    return evaluation


def _scores_from(
    result: EvaluationResult, criteria: Sequence[Criterion], rubric: dict[str, RubricCriterion]
) -> list[_Score]:
    """The result's scores in the criteria's order, each with its weight and rubric row.

    A result missing a criterion, or scoring outside 1-5, is a malformed reply.
    """
    by_key = {s.key: s for s in result.scores}
    scores = []
    for criterion in criteria:
        found = by_key.get(criterion.key)
        if found is None or not 1 <= int(found.score) <= 5:
            raise EvaluationError(f"The evaluation gave no valid score for {criterion.name}.")
        scores.append(
            _Score(
                criterion=rubric.get(criterion.key),
                name=criterion.name,
                score=int(found.score),
                weight=criterion.weight,
                evidence=found.evidence,
                rationale=found.rationale,
            )
        )
    return scores


def _evaluate_and_store(
    *,
    invite: CandidateInterview,
    answer: Answer | None,
    request: EvaluationRequest,
    by: User | None,
    rubric: dict[str, RubricCriterion],
) -> Evaluation:
    outcome = _run(request)
    scores: list[_Score] = []
    summary = ""
    if outcome.result is not None:
        try:
            scores = _scores_from(outcome.result, request.criteria, rubric)
        except EvaluationError as exc:
            outcome = _Outcome(
                Status.FAILED,
                outcome.provider,
                outcome.model,
                outcome.prompt_version,
                None,
                str(exc),
            )
        summary = outcome.result.summary if outcome.result else ""
    return _store(
        invite=invite, answer=answer, outcome=outcome, scores=scores, summary=summary, by=by
    )


def answer_current_evaluation(*, answer: Answer) -> Evaluation | None:
    return (
        Evaluation.objects.filter(answer=answer, is_current=True).prefetch_related("scores").first()
    )


def answer_evaluate(*, answer: Answer, rerun: bool = False, by: User | None = None) -> Evaluation:
    """Evaluate ``answer`` (an AI text answer, or a recorded answer's transcript).

    Idempotent unless ``rerun``: a current completed, refused or abstained evaluation is
    returned as it is. Raises ValidationError when the candidate declined AI evaluation.
    Raises TransientEvaluationError (nothing stored) when the provider is worth retrying.
    """
    if not rerun:
        current = answer_current_evaluation(answer=answer)
        if current is not None and current.status in SETTLED:
            return current
    answer = Answer.objects.select_related(
        "candidate_interview__interview",
        "candidate_interview__team",
        "interview_question__audio_question",
        "interview_question__survey_question",
        "interview_question__ai_text_question",
    ).get(pk=answer.pk)
    ai_evaluation_refuse(answer.candidate_interview)
    request = answer_request(answer=answer)
    rubric = {
        str(c.pk): c for c in RubricCriterion.objects.filter(pk__in=_uuid_keys(request.criteria))
    }
    return _evaluate_and_store(
        invite=answer.candidate_interview, answer=answer, request=request, by=by, rubric=rubric
    )


def _uuid_keys(criteria: Sequence[Criterion]) -> list[str]:
    import uuid

    keys = []
    for criterion in criteria:
        try:
            keys.append(str(uuid.UUID(criterion.key)))
        except ValueError:
            continue
    return keys


# ---------------------------------------------------------------- the whole interview


def _report_request(invite: CandidateInterview) -> tuple[EvaluationRequest, dict[str, Any]]:
    """An AI voice interview judged as one answer: the candidate's turns against the
    scorecard template, else the rubrics of the interview's AI text questions."""
    interview = invite.interview
    turns = list(Turn.objects.filter(candidate_interview=invite).order_by("turn_number"))
    spoken = "\n".join(t.content.strip() for t in turns if t.role == Turn.Role.CANDIDATE)
    asked = " ".join(t.content.strip() for t in turns if t.role == Turn.Role.AGENT)
    criteria: tuple[Criterion, ...] = ()
    rubric: dict[str, Any] = {}
    template = _template(interview)
    if template is not None:
        criteria = _scorecard_criteria(template)
    if not criteria:
        rows = list(
            RubricCriterion.objects.filter(
                question__usages__interview=interview,
                question__usages__kind=InterviewQuestion.Kind.AI_TEXT,
            ).order_by("question__usages__ordinal", "ordinal")
        )
        criteria = _rubric_criteria(rows)
        rubric = {str(c.pk): c for c in rows}
    question = asked or interview.description or interview.title
    return (
        EvaluationRequest(
            question=question,
            answer=spoken.strip(),
            criteria=criteria or _relevance(interview.title),
            keywords=_keywords(interview),
            language=invite.base_language,
        ),
        rubric,
    )


def _transcript_report(invite: CandidateInterview, by: User | None) -> Evaluation:
    request, rubric = _report_request(invite)
    if not request.answer.split():
        outcome = _Outcome(
            Status.REFUSED,
            provider="report",
            model="",
            prompt_version="",
            error="There is no report to make: the candidate said nothing in this interview.",
        )
        return _store(invite=invite, answer=None, outcome=outcome, by=by)
    return _evaluate_and_store(invite=invite, answer=None, request=request, by=by, rubric=rubric)


def _answer_weight(evaluation: Evaluation) -> int:
    """An answer counts in the report by the sum of its criteria's weights (1 each without a
    rubric row)."""
    return sum(s.criterion.weight if s.criterion else 1 for s in evaluation.scores.all()) or 1


# Three sentences: about 100 tokens in English, more in French or Spanish.
SUMMARY_MAX_TOKENS = 300


def _llm_summary(lines: list[str]) -> str | None:
    """Three sentences about the evaluations (not the person) from the LLM, or None."""
    from speech import llm

    if not llm.llm_configured():
        return None
    try:
        reply = llm.chat(
            [
                {
                    "role": "system",
                    "content": "You summarise AI evaluations of interview answers for a human "
                    "reviewer. Write exactly three plain sentences about what the evaluations "
                    "found: strengths, weaknesses, and what a reviewer should check. Describe "
                    "the answers, never the person, and recommend no hiring decision.",
                },
                {"role": "user", "content": "\n".join(lines)},
            ],
            max_tokens=SUMMARY_MAX_TOKENS,
        )
    except EvaluationError as exc:
        logger.warning("The LLM summary failed; keeping the computed one: %s", exc)
        return None
    return reply.strip() or None


def _answers_report(invite: CandidateInterview, by: User | None) -> Evaluation:
    evaluations = list(
        Evaluation.objects.filter(
            candidate_interview=invite,
            answer__isnull=False,
            is_current=True,
            status=Status.COMPLETED,
            overall_score__isnull=False,
        )
        .select_related(
            "answer__interview_question__audio_question",
            "answer__interview_question__ai_text_question",
            "answer__interview_question__survey_question",
        )
        .prefetch_related(
            Prefetch("scores", queryset=CriterionScore.objects.select_related("criterion"))
        )
        .order_by("answer__interview_question__ordinal", "answer__created_at")
    )
    if not evaluations:
        outcome = _Outcome(
            Status.REFUSED,
            SUMMARY_PROVIDER,
            "",
            SUMMARY_PROMPT_VERSION,
            error="There is no report to make: no answer of this interview has a completed "
            "evaluation.",
        )
        return _store(invite=invite, answer=None, outcome=outcome, by=by)
    scores: list[_Score] = []
    lines: list[str] = []
    for evaluation in evaluations:
        answer = evaluation.answer
        assert answer is not None
        assert evaluation.overall_score is not None
        item = answer.interview_question
        title = item.question.title if item is not None else "Removed question"
        mean = float(evaluation.overall_score)
        scores.append(
            _Score(
                criterion=None,
                name=title,
                score=max(1, min(5, round(mean))),
                weight=_answer_weight(evaluation),
                rationale=evaluation.summary,
            )
        )
        lines.append(f"{title}: {mean:.1f}/5. {evaluation.summary}".strip())
    ranked = sorted(
        zip(evaluations, scores, strict=True), key=lambda pair: pair[0].overall_score or Decimal(0)
    )
    weakest, strongest = ranked[0], ranked[-1]
    summary = (
        f"{len(evaluations)} answer{'s' if len(evaluations) != 1 else ''} evaluated. "
        f"Strongest: {strongest[1].name} ({float(strongest[0].overall_score or 0):.1f}/5)."
    )
    if len(ranked) > 1:
        summary += f" Weakest: {weakest[1].name} ({float(weakest[0].overall_score or 0):.1f}/5)."
    provider, model = SUMMARY_PROVIDER, ""
    written = _llm_summary(lines)
    if written:
        from speech import llm

        summary, provider, model = f"{summary}\n\n{written}", "llm", llm.model_name()
    outcome = _Outcome(Status.COMPLETED, provider, model, SUMMARY_PROMPT_VERSION)
    # The overall score is the answers' weighted mean, not the mean of the rounded scores.
    return _store(
        invite=invite,
        answer=None,
        outcome=outcome,
        scores=scores,
        summary=summary,
        overall=_overall_exact(evaluations),
        by=by,
    )


def _overall_exact(evaluations: Sequence[Evaluation]) -> Decimal | None:
    pairs = [(e.overall_score or Decimal(0), _answer_weight(e)) for e in evaluations]
    total = sum(weight for _score, weight in pairs)
    if not total:
        return None
    mean = sum((score * weight for score, weight in pairs), Decimal(0)) / total
    return mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def candidate_interview_summarize(
    *, invite: CandidateInterview, by: User | None = None, rerun: bool = False
) -> Evaluation:
    """The invite's report (an evaluation with ``answer=None``).

    An AI voice interview is judged on its transcript (the candidate's turns as one answer).
    Any other interview gets the weighted mean of its current completed answer evaluations
    (failed, refused and abstained ones are left out: an abstention is not a low score), one
    score per question, and a summary naming the strongest and weakest answers (plus three
    sentences from the LLM when one is configured;
    if it fails the computed summary stays). Idempotent unless ``rerun``.
    """
    invite = CandidateInterview.objects.select_related("interview", "team").get(pk=invite.pk)
    ai_evaluation_refuse(invite)
    if not rerun:
        current = (
            Evaluation.objects.filter(candidate_interview=invite, answer=None, is_current=True)
            .prefetch_related("scores")
            .first()
        )
        if current is not None and current.status in SETTLED:
            return current
    if invite.interview.interview_type == Interview.InterviewType.AI:
        return _transcript_report(invite, by)
    return _answers_report(invite, by)


def _rerun(*, answer_or_invite: Answer | CandidateInterview, by: User | None) -> Evaluation:
    """Evaluate again and audit it; TransientEvaluationError propagates (nothing stored)."""
    if isinstance(answer_or_invite, Answer):
        invite = answer_or_invite.candidate_interview
        evaluation = answer_evaluate(answer=answer_or_invite, rerun=True, by=by)
    else:
        invite = answer_or_invite
        evaluation = candidate_interview_summarize(invite=invite, by=by, rerun=True)
    audit_record(
        action="evaluation.rerun",
        actor=by,
        team=invite.team,
        obj=evaluation,
        data={"version": evaluation.version, "status": evaluation.status},
    )
    return evaluation


def evaluation_rerun(
    *, answer_or_invite: Answer | CandidateInterview, by: User | None
) -> Evaluation:
    """Evaluate again, now: a new version, the earlier ones kept in the history. Pages and the
    API ask for a re-run with :func:`evaluation_rerun_request` instead, which runs this in a
    task.

    Raises ValidationError (nothing stored) when the provider is unreachable right now.
    """
    try:
        return _rerun(answer_or_invite=answer_or_invite, by=by)
    except TransientEvaluationError as exc:
        raise ValidationError(
            f"The evaluator cannot be reached right now; try again in a few minutes. ({exc})"
        ) from exc


# ---------------------------------------------------------------- re-runs in the background

# A run still queued or running this long after it was asked for is taken as lost (its task
# gave up without a word, or the broker lost it): the next request replaces it. Longer than
# every try of the task within its time limits and backoff.
RUN_STALE_AFTER = timedelta(hours=2)
RunStatus = EvaluationRun.Status


def _may_rerun(*, by: User, invite: CandidateInterview) -> bool:
    from accounts.models import Membership
    from accounts.permissions import Perm

    membership = Membership.objects.filter(user=by, team_id=invite.team_id).first()
    return membership is not None and membership.can(Perm.AUTHOR)


def evaluation_rerun_request(
    *, answer_or_invite: Answer | CandidateInterview, by: User | None, ip: str | None = None
) -> EvaluationRun:
    """Ask for a re-run of an answer's evaluation (or of the invite's report): the run is
    queued, audited, and a task runs it once this transaction commits. The dashboard and the
    API both call this; the page and ``GET /evaluation-runs/{id}`` follow the run.

    Idempotent while a run of the same target is queued or running: that run is returned and
    nothing new is queued. Only recruiters and up re-run evaluations (PermissionDenied);
    ``by=None`` is the system.
    """
    from candidates.tasks import evaluation_run_task

    if isinstance(answer_or_invite, Answer):
        answer: Answer | None = answer_or_invite
        invite = answer_or_invite.candidate_interview
    else:
        answer, invite = None, answer_or_invite
    if by is not None and not _may_rerun(by=by, invite=invite):
        raise PermissionDenied("Only recruiters and admins re-run evaluations.")
    with transaction.atomic():
        # The invite's lock orders concurrent requests; the constraint backs it.
        locked = CandidateInterview.objects.select_for_update().get(pk=invite.pk)
        ai_evaluation_refuse(locked)
        runs = EvaluationRun.objects.filter(candidate_interview=locked, answer=answer)
        pending = runs.filter(status__in=EvaluationRun.PENDING).first()
        if pending is not None and timezone.now() - pending.created_at < RUN_STALE_AFTER:
            return pending
        if pending is not None:
            _finish(pending.pk, error="This re-run never finished; it was asked for again.")
        try:
            with transaction.atomic():
                run = EvaluationRun.objects.create(
                    candidate_interview=locked, answer=answer, requested_by=by
                )
        except IntegrityError:
            # Another process's request won the race between our look-up and insert.
            return runs.get(status__in=EvaluationRun.PENDING)
        audit_record(
            action="evaluation.rerun_requested",
            actor=by,
            team=locked.team,
            obj=run,
            ip=ip,
            data={
                "candidate_interview": str(locked.pk),
                "answer": str(answer.pk) if answer else None,
            },
        )
        run_id = str(run.pk)
        transaction.on_commit(lambda: evaluation_run_task.delay(run_id))
    return run


def _finish(run_id: Any, *, evaluation: Evaluation | None = None, error: str = "") -> int:
    """Finish a pending run (completed with ``evaluation``, else failed with ``error``);
    a finished run is left as it is. Returns the number of rows changed (0 or 1)."""
    return EvaluationRun.objects.filter(pk=run_id, status__in=EvaluationRun.PENDING).update(
        status=RunStatus.COMPLETED if evaluation is not None else RunStatus.FAILED,
        evaluation=evaluation,
        error=clip(error, limits.REASON),
        finished_at=timezone.now(),
    )


def evaluation_run_execute(*, run_id: Any) -> EvaluationRun | None:
    """Run a queued re-run (the task's one call): the new evaluation version is stored on the
    run. Idempotent: a finished run is returned unchanged, a missing one is None. A provider
    that cannot be reached raises TransientEvaluationError with the run left running, for the
    task to retry; the evaluation's own outcome (completed, refused, abstained or failed, each
    with its reason) is the run's result."""
    run = (
        EvaluationRun.objects.select_related(
            "candidate_interview__team", "answer__candidate_interview__team", "requested_by"
        )
        .filter(pk=run_id)
        .first()
    )
    if run is None or not run.is_pending:
        return run
    EvaluationRun.objects.filter(pk=run.pk, status__in=EvaluationRun.PENDING).update(
        status=RunStatus.RUNNING, started_at=run.started_at or timezone.now()
    )
    try:
        evaluation = _rerun(
            answer_or_invite=run.answer or run.candidate_interview, by=run.requested_by
        )
    except ValidationError as exc:  # the candidate declined AI evaluation since the request
        _finish(run.pk, error=" ".join(exc.messages))
        run.refresh_from_db()
        return run
    _finish(run.pk, evaluation=evaluation)
    run.refresh_from_db()
    return run


def evaluation_run_fail(*, run_id: Any, error: str) -> EvaluationRun | None:
    """Give a pending run up with ``error`` (what a reviewer reads on the page)."""
    _finish(run_id, error=error)
    return EvaluationRun.objects.filter(pk=run_id).first()


def evaluation_history(
    *, invite: CandidateInterview, answer: Answer | None = None
) -> QuerySet[Evaluation]:
    """Every version of an answer's evaluation (None: the invite's report), newest first."""
    return (
        Evaluation.objects.filter(candidate_interview=invite, answer=answer)
        .prefetch_related(
            Prefetch("scores", queryset=CriterionScore.objects.select_related("criterion"))
        )
        .order_by("-version")
    )
