"""Reads for an interview's results: the results table, the side-by-side comparison and the
printable scorecards. Every score is annotated in the one query that lists the invites."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from candidates.models import Answer, CandidateInterview, Evaluation, Rating, Scorecard
from candidates.scores import scores_annotated

if TYPE_CHECKING:
    from interviews.models import Interview, InterviewQuestion

Status = CandidateInterview.Status

# Sort keys (the results table's column names, "-" for descending), each with nulls last.
SORTS = {
    "completed_at": (F("completed_at").asc(nulls_last=True),),
    "-completed_at": (F("completed_at").desc(nulls_last=True),),
    "ai_score": (F("ai_score").asc(nulls_last=True),),
    "-ai_score": (F("ai_score").desc(nulls_last=True),),
    "human_score": (F("human_score").asc(nulls_last=True),),
    "-human_score": (F("human_score").desc(nulls_last=True),),
    "candidate": (F("candidate__last_name").asc(), F("candidate__first_name").asc()),
    "-candidate": (F("candidate__last_name").desc(), F("candidate__first_name").desc()),
}
DEFAULT_SORT = "-completed_at"


def result_sorted(
    invites: QuerySet[CandidateInterview], sort: str | None
) -> QuerySet[CandidateInterview]:
    """``invites`` ordered by a key of ``SORTS`` (an unknown key: the default), ties by age."""
    return invites.order_by(*SORTS.get(sort or "", SORTS[DEFAULT_SORT]), "-created_at", "pk")


def _count(queryset: QuerySet[Any], group: str, counted: str = "pk") -> Subquery:
    """A correlated ``COUNT`` of ``queryset`` (already filtered on ``OuterRef``)."""
    rows = queryset.order_by().values(group).annotate(n=Count(counted, distinct=True)).values("n")
    return Subquery(rows, output_field=IntegerField())


def results_annotated(invites: QuerySet[CandidateInterview]) -> QuerySet[CandidateInterview]:
    """``invites`` with the scores of ``candidates.scores.scores_annotated`` (``ai_score``,
    ``human_score``, ...), ``scorecard_count`` and ``knockout_count`` annotated, and their
    candidates joined."""
    submitted = Scorecard.objects.filter(
        candidate_interview=OuterRef("pk"), submitted_at__isnull=False
    )
    flagged = Answer.objects.filter(candidate_interview=OuterRef("pk"), knockout_flagged=True)
    return scores_annotated(invites.select_related("candidate")).annotate(
        scorecard_count=Coalesce(_count(submitted, "candidate_interview"), 0),
        knockout_count=Coalesce(_count(flagged, "candidate_interview", "interview_question"), 0),
    )


def result_list(
    *, interview: Interview, filters: dict[str, Any] | None = None
) -> QuerySet[CandidateInterview]:
    """The interview's invites (drafts left out) for the results table, newest completion
    first, annotated as ``results_annotated`` says.

    ``filters``: ``status``, ``decision`` (a decision or ``"none"``), ``knockout``
    (``"yes"``: at least one flagged answer, ``"no"``: none), ``q`` (every word in the
    candidate's name or email), ``sort`` (a key of ``SORTS``).
    """
    filters = filters or {}
    invites = results_annotated(
        CandidateInterview.objects.filter(team_id=interview.team_id, interview=interview).exclude(
            status=Status.DRAFT
        )
    )
    if status := filters.get("status"):
        invites = invites.filter(status=status)
    if decision := filters.get("decision"):
        invites = invites.filter(decision="" if decision == "none" else decision)
    if knockout := filters.get("knockout"):
        # Q(): the annotation is beyond what the type stubs can see.
        invites = invites.filter(
            Q(knockout_count__gt=0) if knockout == "yes" else Q(knockout_count=0)
        )
    for word in (filters.get("q") or "").split()[:5]:
        invites = invites.filter(
            Q(candidate__first_name__icontains=word)
            | Q(candidate__last_name__icontains=word)
            | Q(candidate__email__icontains=word)
        )
    return result_sorted(invites, filters.get("sort"))


# ---------------------------------------------------------------- compare


@dataclass
class CompareCell:
    answer: Answer | None
    excerpt: str = ""
    choices: list[str] = field(default_factory=list)
    ai_score: Decimal | None = None


@dataclass
class CompareRow:
    item: InterviewQuestion
    cells: list[CompareCell]


EXCERPT_CHARS = 400


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"


def compare_rows(*, interview: Interview, invites: list[CandidateInterview]) -> list[CompareRow]:
    """One row per question of the interview (in order), one cell per invite: the latest
    attempt's answer (transcript or text excerpt, survey choices and score, knockout flag) and
    its current AI score. Four queries whatever the number of invites or questions."""
    items = list(
        interview.items.select_related(
            "audio_question", "survey_question", "ai_text_question"
        ).order_by("ordinal")
    )
    per_answer = Evaluation.objects.filter(
        answer__isnull=False, is_current=True, status=Evaluation.Status.COMPLETED
    ).order_by("-version")
    answers = (
        Answer.objects.filter(candidate_interview__in=[i.pk for i in invites])
        .order_by("attempt", "created_at")
        .prefetch_related(
            "selected_options", Prefetch("evaluations", per_answer, to_attr="current_evals")
        )
    )
    latest: dict[tuple[Any, Any], Answer] = {}
    for row in answers:
        # Ordered by attempt: the last one seen is the latest attempt.
        latest[(row.candidate_interview_id, row.interview_question_id)] = row
    rows = []
    for item in items:
        cells = []
        for invite in invites:
            answer = latest.get((invite.pk, item.pk))
            if answer is None:
                cells.append(CompareCell(answer=None))
                continue
            evals = getattr(answer, "current_evals", [])
            cells.append(
                CompareCell(
                    answer=answer,
                    excerpt=_excerpt(answer.transcript or answer.text),
                    choices=[o.text for o in answer.selected_options.all()],
                    ai_score=evals[0].overall_score if evals else None,
                )
            )
        rows.append(CompareRow(item=item, cells=cells))
    return rows


# ---------------------------------------------------------------- printable scorecards


def scorecards_for_print(invites: QuerySet[CandidateInterview]) -> QuerySet[CandidateInterview]:
    """``invites`` that have a submitted scorecard, each with ``submitted_scorecards``
    (reviewer and ratings with their criteria) prefetched."""
    submitted = (
        Scorecard.objects.filter(submitted_at__isnull=False)
        .select_related("reviewer")
        .prefetch_related(
            Prefetch(
                "ratings",
                Rating.objects.select_related("criterion").order_by("criterion__ordinal"),
            )
        )
        .order_by("submitted_at")
    )
    return invites.filter(Q(scorecard_count__gt=0)).prefetch_related(
        Prefetch("scorecards", submitted, to_attr="submitted_scorecards")
    )
