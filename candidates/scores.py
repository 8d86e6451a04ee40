"""A candidate's two headline figures, computed one way for every page, export and API.

* Reviewer score: the mean of every rating on the invite's submitted scorecards, each rating
  weighted by its scorecard criterion's ``weight`` (all weights 1: the plain mean).
* AI score (advice): the current, completed whole-interview evaluation's score; when there is
  none, the mean of the current, completed evaluations of the latest attempt at each question,
  with how many of the interview's AI-scored questions (audio and AI text) it rests on.
* A candidate who declined AI evaluation has no AI score (None), whatever rows exist.
* Rounding: half up to one decimal with ``Decimal`` (4.25 shows as 4.3), only when shown;
  sorting uses the unrounded value, which orders the same way.

The expressions are annotations (``scores_annotated``), so the results table sorts and filters
on them in the database; ``candidate_scores`` reads them for any batch of invites in one query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from candidates.models import Answer, CandidateInterview, Evaluation, Rating

ONE_DECIMAL = Decimal("0.1")
SCORE_FIELD = DecimalField(max_digits=8, decimal_places=4)
AI_SCORED_KINDS = ("audio", "ai_text")

BASIS_INTERVIEW = "interview"
BASIS_ANSWERS = "answers"


def round_score(value: Decimal | float | int | None) -> Decimal | None:
    """``value`` rounded half up to one decimal (``None`` stays ``None``)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def score_text(value: Decimal | float | int | None) -> str:
    """The figure as shown everywhere: one decimal, half up; "—" for none."""
    rounded = round_score(value)
    return "—" if rounded is None else f"{rounded}"


# ---------------------------------------------------------------- expressions


def human_score_subquery(ref: str = "pk") -> Subquery:
    """Weighted mean of the ratings on invite ``ref``'s submitted scorecards."""
    rows = (
        Rating.objects.filter(
            scorecard__candidate_interview=OuterRef(ref), scorecard__submitted_at__isnull=False
        )
        .order_by()
        .values("scorecard__candidate_interview")
        .annotate(
            # Floats: SQLite's NUMERIC cast would keep an integer division.
            mean=ExpressionWrapper(
                Cast(Sum(F("score") * F("criterion__weight")), FloatField())
                / Cast(Sum("criterion__weight"), FloatField()),
                output_field=FloatField(),
            )
        )
        .values("mean")
    )
    return Subquery(rows, output_field=FloatField())


def whole_ai_score_subquery(ref: str = "pk") -> Subquery:
    """The current, completed whole-interview evaluation's score of invite ``ref``."""
    rows = Evaluation.objects.filter(
        candidate_interview=OuterRef(ref),
        answer__isnull=True,
        is_current=True,
        status=Evaluation.Status.COMPLETED,
        overall_score__isnull=False,
    ).order_by("-version")
    return Subquery(rows.values("overall_score")[:1], output_field=SCORE_FIELD)


def _answer_evaluations(ref: str) -> QuerySet[Evaluation]:
    """Current, completed, scored evaluations of the latest attempt at each question."""
    later = Answer.objects.filter(
        candidate_interview=OuterRef("answer__candidate_interview"),
        interview_question=OuterRef("answer__interview_question"),
        attempt__gt=OuterRef("answer__attempt"),
    )
    return (
        Evaluation.objects.filter(
            answer__candidate_interview=OuterRef(ref),
            is_current=True,
            status=Evaluation.Status.COMPLETED,
            overall_score__isnull=False,
        )
        .exclude(Exists(later))
        .order_by()
    )


def answers_ai_score_subquery(ref: str = "pk") -> Subquery:
    rows = (
        _answer_evaluations(ref)
        .values("answer__candidate_interview")
        .annotate(mean=Cast(Avg("overall_score"), SCORE_FIELD))
        .values("mean")
    )
    return Subquery(rows, output_field=SCORE_FIELD)


def answers_ai_count_subquery(ref: str = "pk") -> Subquery:
    rows = (
        _answer_evaluations(ref)
        .values("answer__candidate_interview")
        .annotate(n=Count("answer__interview_question", distinct=True))
        .values("n")
    )
    return Subquery(rows, output_field=IntegerField())


def ai_questions_subquery(ref: str = "interview_id") -> Subquery:
    """How many questions of the invite's interview the AI scores (audio and AI text)."""
    from interviews.models import InterviewQuestion

    rows = (
        InterviewQuestion.objects.filter(interview=OuterRef(ref), kind__in=AI_SCORED_KINDS)
        .order_by()
        .values("interview")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(rows, output_field=IntegerField())


def ai_score_expression(ref: str = "pk") -> Case:
    """The AI figure of invite ``ref``: its whole-interview evaluation's score, else the mean of
    its current answer evaluations (the rule every page, export, chart and API response uses);
    None for a candidate who declined AI evaluation (candidates.services.ai_choice), whatever
    rows exist. Annotates a CandidateInterview queryset."""
    return Case(
        When(ai_declined_at__isnull=False, then=Value(None, output_field=SCORE_FIELD)),
        default=Coalesce(whole_ai_score_subquery(ref), answers_ai_score_subquery(ref)),
        output_field=SCORE_FIELD,
    )


def scores_annotated(invites: QuerySet[CandidateInterview]) -> QuerySet[CandidateInterview]:
    """``invites`` with ``human_score``, ``ai_whole_score``, ``ai_score`` (whole-interview,
    else from answers), ``ai_answer_count`` and ``ai_question_count`` annotated."""
    return invites.annotate(
        human_score=human_score_subquery(),
        ai_whole_score=whole_ai_score_subquery(),
        ai_score=ai_score_expression(),
        ai_answer_count=Coalesce(answers_ai_count_subquery(), 0),
        ai_question_count=Coalesce(ai_questions_subquery(), 0),
    )


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class Scores:
    """One invite's figures, unrounded (``human``, ``ai``) and as shown (``*_text``)."""

    human: Decimal | None
    ai: Decimal | None
    ai_basis: str  # BASIS_INTERVIEW, BASIS_ANSWERS or "" (no AI score)
    ai_answers: int  # answers the AI score rests on (basis "answers")
    ai_questions: int  # AI-scored questions in the interview
    ai_declined: bool = False  # the candidate declined AI evaluation: no AI figure, ever

    @property
    def human_text(self) -> str:
        return score_text(self.human)

    @property
    def ai_text(self) -> str:
        return score_text(self.ai)

    @property
    def human_rounded(self) -> Decimal | None:
        return round_score(self.human)

    @property
    def ai_rounded(self) -> Decimal | None:
        return round_score(self.ai)

    @property
    def ai_partial(self) -> bool:
        """True when the AI score rests on fewer answers than the interview has questions:
        it must not read as the candidate's score."""
        return self.ai_basis == BASIS_ANSWERS and self.ai_answers < self.ai_questions

    @property
    def ai_basis_text(self) -> str:
        """What the AI figure rests on, e.g. "from 3 of 5 answers"."""
        if self.ai_declined:
            return _("AI advice declined by the candidate")
        if self.ai_basis == BASIS_INTERVIEW:
            return _("full report")
        if self.ai_basis == BASIS_ANSWERS:
            return ngettext(
                "from %(n)d of %(total)d answer",
                "from %(n)d of %(total)d answers",
                self.ai_questions,
            ) % {"n": self.ai_answers, "total": max(self.ai_questions, self.ai_answers)}
        return ""


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def scores_of(invite: Any) -> Scores:
    """The ``Scores`` of an invite annotated by ``scores_annotated``."""
    ai = _decimal(getattr(invite, "ai_score", None))
    whole = getattr(invite, "ai_whole_score", None)
    basis = "" if ai is None else (BASIS_INTERVIEW if whole is not None else BASIS_ANSWERS)
    return Scores(
        human=_decimal(getattr(invite, "human_score", None)),
        ai=ai,
        ai_basis=basis,
        ai_answers=getattr(invite, "ai_answer_count", 0) or 0,
        ai_questions=getattr(invite, "ai_question_count", 0) or 0,
        ai_declined=getattr(invite, "ai_declined_at", None) is not None,
    )


def candidate_scores(invites: Iterable[CandidateInterview | Any]) -> dict[Any, Scores]:
    """``{invite id: Scores}`` for a batch of invites (or ids), in one query."""
    ids: list[Any] = [getattr(i, "pk", i) for i in invites]
    rows = scores_annotated(CandidateInterview.objects.filter(pk__in=ids))
    return {row.pk: scores_of(row) for row in rows}
