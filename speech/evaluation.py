"""Answer evaluation behind one small interface, with two real providers.

``get_evaluator().evaluate(request)`` scores one answer against a rubric and returns an
:class:`EvaluationResult`: a 1-5 score per criterion with the verbatim evidence it rests on. The
``offline`` evaluator (the default) is a heuristic: sentence-embedding similarity between the
answer's sentences and each criterion, plus keyword coverage, on an ONNX model installed by pip.
The ``llm`` evaluator asks any OpenAI-compatible chat endpoint (OpenAI, Azure, Ollama, vLLM).

Scores are advice for a human reviewer, never a decision. Nothing here touches the database:
``candidates.services.evaluations`` builds the request and stores the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

RubricSource = Literal["question", "scorecard", "relevance"]

# The fewest words an answer needs before anyone can fairly judge it.
MIN_ANSWER_WORDS = 5


class EvaluationError(Exception):
    """The evaluation could not be made (a provider failure, a malformed reply after retries)."""


class EvaluationRefused(EvaluationError):
    """The answer cannot be judged (empty or near-empty); the message says why, for reviewers."""


class EvaluationAbstained(EvaluationError):
    """The evaluator read the answer but cannot advise on it (too little to go on, a language
    it does not read, signals that disagree). Not a low score: no figure is stored or counted,
    and the message, shown to reviewers, says why."""


class TransientEvaluationError(EvaluationError):
    """Worth retrying later: a timeout, a refused connection, a 429 or 5xx answer."""


@dataclass(frozen=True)
class Criterion:
    """One rubric criterion. ``key`` is stable (the criterion's id) and comes back in results."""

    key: str
    name: str
    description: str  # what a strong answer shows
    ideal_answer: str = ""
    weight: int = 1
    anchors: dict[str, str] = field(default_factory=dict)  # "1".."5" → what that score means


@dataclass(frozen=True)
class EvaluationRequest:
    question: str
    answer: str
    criteria: tuple[Criterion, ...]
    keywords: tuple[str, ...] = ()
    language: str = "en"
    # Where the criteria come from: "question" (the question's own rubric), "scorecard" (the
    # interview's scorecard, generic to every question) or "relevance" (built from the question).
    rubric_source: RubricSource = "question"


@dataclass(frozen=True)
class CriterionResult:
    key: str
    name: str
    score: int  # 1..5
    evidence: str  # a verbatim quote from the answer ("" when nothing in it bears on the criterion)
    rationale: str


@dataclass(frozen=True)
class EvaluationResult:
    scores: tuple[CriterionResult, ...]
    summary: str
    provider: str
    model: str
    prompt_version: str


class Evaluator(Protocol):
    name: str  # "offline" or "llm"
    label: str  # shown to reviewers, e.g. "Built-in multilingual similarity (offline)"
    is_heuristic: bool

    def evaluate(self, request: EvaluationRequest) -> EvaluationResult:
        """Score the answer on every criterion, or raise EvaluationRefused / EvaluationError."""
        ...


def check_answerable(answer: str) -> None:
    """Refuse an empty or near-empty answer, saying why (shared by every provider)."""
    words = answer.split()
    if not words:
        raise EvaluationRefused("There is no answer to evaluate: the transcript or text is empty.")
    if len(words) < MIN_ANSWER_WORDS:
        raise EvaluationRefused(
            f"The answer has {len(words)} word{'s' if len(words) != 1 else ''}; at least "
            f"{MIN_ANSWER_WORDS} are needed for a fair evaluation. A reviewer should listen to "
            "or read it."
        )


def get_evaluator(name: str | None = None) -> Evaluator:
    """The evaluator called ``name``, or the configured one (``EVALUATOR``).

    Raises ``speech.evaluators.EvaluatorUnavailable`` for an unknown name, or for ``llm`` when
    LLM_BASE_URL is not set. The models load on first use, not here.
    """
    from django.conf import settings

    from speech import evaluators, llm

    name = name or settings.EVALUATOR
    factory = evaluators.EVALUATORS.get(name)
    if factory is None:
        raise evaluators.EvaluatorUnavailable(
            f"There is no evaluator called “{name}”: use “offline” or “llm”."
        )
    if name == "llm" and not llm.llm_configured():
        raise evaluators.EvaluatorUnavailable(
            "The llm evaluator needs LLM_BASE_URL, an OpenAI-compatible endpoint such as "
            "http://127.0.0.1:11434/v1 (Ollama) or https://api.openai.com/v1, or LLM_GGUF_PATH, "
            "a GGUF model file run in the worker; or set EVALUATOR=offline."
        )
    return factory()
