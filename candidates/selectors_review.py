"""Reads for the review page: one candidate interview with everything a reviewer looks at,
fetched in a fixed number of queries however many answers it has."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import mean
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from candidates.models import (
    Answer,
    CandidateInterview,
    Comment,
    CriterionScore,
    Evaluation,
    EvaluationRun,
    IntegrityFact,
    Rating,
    Scorecard,
    ShareRating,
    Turn,
)
from candidates.scores import (
    AI_SCORED_KINDS,
    BASIS_INTERVIEW,
    Scores,
    candidate_scores,
    score_text,
    scores_annotated,
    scores_of,
)
from candidates.selectors import invites_visible
from interviews.models import InterviewQuestion, ScorecardCriterion, ScorecardTemplate
from interviews.selectors import interview_scorecard_template

if TYPE_CHECKING:
    from datetime import datetime

    from accounts.models import Membership, User


def _latest_run(runs: QuerySet[EvaluationRun], prefix: str) -> dict[str, Subquery]:
    """The latest re-run of ``runs`` (filtered on an OuterRef) as annotations, so the page
    shows a re-run in progress, or one that failed, without another query."""
    latest = runs.order_by("-created_at")
    return {
        f"{prefix}_status": Subquery(latest.values("status")[:1]),
        f"{prefix}_error": Subquery(latest.values("error")[:1]),
        f"{prefix}_finished_at": Subquery(latest.values("finished_at")[:1]),
    }


def review_invites(*, membership: Membership) -> QuerySet[CandidateInterview]:
    """The candidate interviews the member may review, each with its answers (transcript lines,
    current AI evaluation and its scores, chosen options, comments), the whole-interview turns
    and evaluation, the scorecards with their ratings, the interview's questions, keywords and
    scorecard template."""
    scores = CriterionScore.objects.select_related("overridden_by").order_by("id")
    current = (
        Evaluation.objects.filter(is_current=True)
        .order_by("-version")
        .prefetch_related(Prefetch("scores", queryset=scores))
    )
    comments = Comment.objects.select_related("author").order_by("created_at", "id")
    answers = (
        Answer.objects.annotate(
            **_latest_run(EvaluationRun.objects.filter(answer=OuterRef("pk")), "rerun")
        )
        .order_by("attempt", "created_at")
        # One Prefetch a call: django-stubs cannot type a mix of models in one call.
        .prefetch_related("selected_options")
        .prefetch_related(Prefetch("turns", queryset=Turn.objects.order_by("turn_number")))
        .prefetch_related(Prefetch("evaluations", queryset=current, to_attr="current_evaluations"))
        .prefetch_related(
            Prefetch(
                "evaluations",
                queryset=Evaluation.objects.filter(is_current=False).order_by("-version"),
                to_attr="earlier_evaluations",
            )
        )
        .prefetch_related(Prefetch("comments", queryset=comments))
    )
    items = InterviewQuestion.objects.select_related(
        "audio_question", "survey_question", "ai_text_question"
    ).order_by("ordinal")
    templates = ScorecardTemplate.objects.prefetch_related(
        Prefetch("criteria", queryset=ScorecardCriterion.objects.order_by("ordinal"))
    )
    ratings = Rating.objects.select_related("criterion").order_by("criterion__ordinal")
    scorecards = Scorecard.objects.select_related("reviewer").prefetch_related(
        Prefetch("ratings", queryset=ratings)
    )
    general_turns = Turn.objects.filter(answer__isnull=True).order_by("turn_number")
    return (
        scores_annotated(invites_visible(membership=membership))
        .annotate(
            **_latest_run(
                EvaluationRun.objects.filter(
                    candidate_interview=OuterRef("pk"), answer__isnull=True
                ),
                "report_rerun",
            )
        )
        .select_related("candidate", "interview", "decided_by")
        .prefetch_related(Prefetch("answers", queryset=answers))
        .prefetch_related(Prefetch("turns", queryset=general_turns, to_attr="interview_turns"))
        .prefetch_related(
            Prefetch(
                "evaluations",
                queryset=current.filter(answer__isnull=True),
                to_attr="interview_evaluations",
            )
        )
        .prefetch_related(Prefetch("scorecards", queryset=scorecards))
        .prefetch_related(
            Prefetch(
                "comments",
                queryset=comments.filter(answer__isnull=True),
                to_attr="general_comments",
            )
        )
        .prefetch_related(Prefetch("interview__items", queryset=items))
        .prefetch_related(Prefetch("interview__scorecard_template", queryset=templates))
    )


def review_neighbours(
    *, membership: Membership, invite: CandidateInterview
) -> tuple[CandidateInterview | None, CandidateInterview | None]:
    """The previous and next completed candidate interviews of the same interview, in order of
    completion (``None`` at either end, or when ``invite`` itself is not completed)."""
    if invite.completed_at is None:
        return None, None
    completed = (
        invites_visible(membership=membership)
        .filter(interview_id=invite.interview_id, status=CandidateInterview.Status.COMPLETED)
        .exclude(pk=invite.pk)
        .select_related("candidate")
    )
    at = invite.completed_at
    previous = (
        completed.filter(completed_at__lt=at) | completed.filter(completed_at=at, pk__lt=invite.pk)
    ).order_by("-completed_at", "-pk")
    following = (
        completed.filter(completed_at__gt=at) | completed.filter(completed_at=at, pk__gt=invite.pk)
    ).order_by("completed_at", "pk")
    return previous.first(), following.first()


def review_queue(*, membership: Membership) -> QuerySet[CandidateInterview]:
    """ "Waiting for your scorecard": the completed candidate interviews of the member's team in
    interviews the member reviews, that the member has not yet submitted a scorecard for,
    oldest completion first. The home page's list and count and the review page's walk through
    the queue all read it."""
    rated = Scorecard.objects.filter(
        candidate_interview=OuterRef("pk"),
        reviewer_id=membership.user_id,
        submitted_at__isnull=False,
    )
    return (
        CandidateInterview.objects.for_team(membership.team)
        .filter(
            interview__reviewers=membership.user_id,
            status=CandidateInterview.Status.COMPLETED,
        )
        .exclude(Exists(rated))
        .select_related("candidate", "interview")
        .order_by("completed_at", "pk")
    )


# --- the page's view of the prefetched rows


def mark_keywords(text: str, keywords: list[str]) -> SafeString:
    """``text`` escaped, with every whole-word occurrence of a keyword in ``<mark>``."""
    words = sorted({k.strip() for k in keywords if k.strip()}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE
    )
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above


@dataclass
class Line:
    """A transcript line: the turn, its text with keywords marked, and its times for the
    player (plain decimals, whatever the locale)."""

    turn: Turn
    html: SafeString

    @property
    def start(self) -> str:
        seconds = self.turn.start_seconds
        return "" if seconds is None else f"{seconds:.2f}"

    @property
    def end(self) -> str:
        seconds = self.turn.end_seconds
        return "" if seconds is None else f"{seconds:.2f}"

    @property
    def stamp(self) -> str:
        seconds = int(self.turn.start_seconds or 0)
        return f"{seconds // 60}:{seconds % 60:02d}"


@dataclass
class QuestionRow:
    """One question of the interview and the candidate's (latest) answer to it."""

    item: InterviewQuestion
    answer: Answer | None
    lines: list[Line] = field(default_factory=list)
    text_html: SafeString | None = None
    evaluation: Evaluation | None = None
    keywords: list[dict[str, Any]] = field(default_factory=list)
    rerun: RerunState | None = None
    # Integrity facts noted while this question was on screen or about its answer.
    facts: list[IntegrityFact] = field(default_factory=list)

    @property
    def ai_rerunnable(self) -> bool:
        """Whether the AI card offers a re-run: any answer but a survey answer (scored by its
        rules) that has no evaluation."""
        return self.answer is not None and (
            self.item.kind != InterviewQuestion.Kind.SURVEY or self.evaluation is not None
        )

    @property
    def media_kind(self) -> str:
        if self.answer is None or not self.answer.media:
            return ""
        return "video" if self.answer.media_type.startswith("video") else "audio"

    @property
    def prompt(self) -> str:
        return self.item.display_text


@dataclass
class CriterionAggregate:
    criterion: ScorecardCriterion
    mean: float | None
    count: int


@dataclass
class ScorecardSummary:
    """What the viewer may see of the scorecards: their own always; the others' and the
    aggregate only once they have submitted their own (blind review)."""

    own: Scorecard | None
    criteria: list[ScorecardCriterion]
    submitted_count: int
    others_submitted: int
    unlocked: bool
    others: list[Scorecard]
    aggregate: list[CriterionAggregate]
    recommendations: list[tuple[str, str, int]]
    overall: Decimal | None

    @property
    def overall_text(self) -> str:
        return score_text(self.overall)


def _evaluation_of(answer: Answer) -> Evaluation | None:
    evaluations: list[Evaluation] = getattr(answer, "current_evaluations", [])
    return evaluations[0] if evaluations else None


def question_rows(invite: CandidateInterview) -> list[QuestionRow]:
    """The interview's questions in the candidate's order, each with the latest answer."""
    items = list(invite.interview.items.all())
    if invite.question_order:
        position = {str(pk): n for n, pk in enumerate(invite.question_order)}
        items.sort(key=lambda item: (position.get(str(item.pk), len(position)), item.ordinal))
    latest: dict[Any, Answer] = {}
    for attempt in invite.answers.all():  # ordered by attempt: the last one wins
        latest[attempt.interview_question_id] = attempt
    rows = []
    for item in items:
        answer = latest.get(item.pk)
        row = QuestionRow(item=item, answer=answer)
        if answer is not None:
            keywords = [str(hit.get("keyword", "")) for hit in answer.keyword_hits or []]
            row.keywords = [h for h in answer.keyword_hits or [] if h.get("count")]
            row.lines = [
                Line(turn=turn, html=mark_keywords(turn.content, keywords))
                for turn in answer.turns.all()
            ]
            if answer.text:
                row.text_html = mark_keywords(answer.text, keywords)
            row.evaluation = _evaluation_of(answer)
            row.rerun = _rerun_of(answer, "rerun", answer.pk, row.evaluation)
        rows.append(row)
    return rows


def scorecard_template_of(invite: CandidateInterview) -> ScorecardTemplate | None:
    return interview_scorecard_template(invite.interview)


def scorecard_summary(invite: CandidateInterview, *, viewer: User) -> ScorecardSummary:
    template = scorecard_template_of(invite)
    criteria = list(template.criteria.all()) if template else []
    cards = list(invite.scorecards.all())
    own = next((c for c in cards if c.reviewer_id == viewer.pk), None)
    submitted = [c for c in cards if c.submitted_at is not None]
    unlocked = own is not None and own.submitted_at is not None
    others = [c for c in submitted if c.reviewer_id != viewer.pk]
    aggregate = []
    recommendations: list[tuple[str, str, int]] = []
    overall = None
    if unlocked:
        by_criterion: dict[Any, list[int]] = {}
        for card in submitted:
            for rating in card.ratings.all():
                by_criterion.setdefault(rating.criterion_id, []).append(rating.score)
        for criterion in criteria:
            scores = by_criterion.get(criterion.pk, [])
            aggregate.append(
                CriterionAggregate(criterion, mean(scores) if scores else None, len(scores))
            )
        recommendations = [
            (value, label, sum(1 for c in submitted if c.recommendation == value))
            for value, label in Scorecard.Recommendation.choices
        ]
        # The one reviewer figure of candidates.scores (weighted, unrounded).
        overall = _scores_for(invite).human
    return ScorecardSummary(
        own=own,
        criteria=criteria,
        submitted_count=len(submitted),
        others_submitted=len([c for c in submitted if c.reviewer_id != viewer.pk]),
        unlocked=unlocked,
        others=others,
        aggregate=aggregate,
        recommendations=recommendations,
        overall=overall,
    )


def _scores_for(invite: CandidateInterview) -> Scores:
    """The invite's ``Scores``, read once per invite object (one query)."""
    cached: Scores | None = getattr(invite, "_candidate_scores", None)
    if cached is None and hasattr(invite, "ai_question_count"):
        cached = scores_of(invite)  # annotated by review_invites
    if cached is None:
        cached = candidate_scores([invite])[invite.pk]
        invite._candidate_scores = cached  # type: ignore[attr-defined]
    return cached


def ai_overall(invite: CandidateInterview, rows: list[QuestionRow]) -> dict[str, Any] | None:
    """The AI's overall advice as ``candidates.scores`` computes it (the whole-interview
    evaluation, or else the mean of the answers' current evaluations): ``scores`` (the
    ``Scores``), ``score`` and ``evaluation`` (the one shown with provider and model).
    ``None`` when there is no completed evaluation."""
    scores = _scores_for(invite)
    if scores.ai is None:
        return None
    whole: list[Evaluation] = getattr(invite, "interview_evaluations", [])
    done = [e for e in whole if e.status == Evaluation.Status.COMPLETED]
    evaluation = done[0] if done and scores.ai_basis == BASIS_INTERVIEW else None
    if evaluation is None:
        evaluation = next(
            (
                r.evaluation
                for r in rows
                if r.evaluation is not None and r.evaluation.status == Evaluation.Status.COMPLETED
            ),
            None,
        )
    return {
        "score": scores.ai,
        "scores": scores,
        "evaluation": evaluation,
        "count": scores.ai_answers if scores.ai_basis != BASIS_INTERVIEW else 1,
    }


@dataclass(frozen=True)
class AIBasis:
    """What the AI figure rests on, counted over the interview's AI-scored questions (the
    latest answer to each and its current evaluation): shown on the AI advice card."""

    questions: int
    evaluated: int  # completed: these carry the figure
    abstained: int  # read, but no advice (not a low score)
    refused: int  # nothing to judge (an empty or near-empty answer)
    failed: int
    versions: tuple[str, ...]  # "provider · model · prompt" of the completed ones

    @property
    def partial(self) -> bool:
        """Some AI-scored answers carry no score: the figure must not read as the candidate's."""
        return 0 < self.evaluated < self.questions

    @property
    def waiting(self) -> int:
        """Questions with no settled evaluation yet (unanswered, or still being processed)."""
        return self.questions - self.evaluated - self.abstained - self.refused - self.failed


def ai_basis(rows: list[QuestionRow]) -> AIBasis:
    counts = dict.fromkeys(Evaluation.Status.values, 0)
    versions: dict[str, None] = {}
    scored = [r for r in rows if r.item.kind in AI_SCORED_KINDS]
    for row in scored:
        evaluation = row.evaluation
        if evaluation is None:
            continue
        counts[evaluation.status] += 1
        if evaluation.status == Evaluation.Status.COMPLETED:
            label = " · ".join(
                part
                for part in (
                    evaluation.provider,
                    evaluation.model_name,
                    f"prompt {evaluation.prompt_version}" if evaluation.prompt_version else "",
                )
                if part
            )
            versions[label] = None
    return AIBasis(
        questions=len(scored),
        evaluated=counts[Evaluation.Status.COMPLETED],
        abstained=counts[Evaluation.Status.ABSTAINED],
        refused=counts[Evaluation.Status.REFUSED],
        failed=counts[Evaluation.Status.FAILED],
        versions=tuple(versions),
    )


def outside_ratings(invite: CandidateInterview) -> list[ShareRating]:
    """Ratings left by outside reviewers through share links, newest first (not part of the
    team's score)."""
    return list(
        ShareRating.objects.filter(candidate_interview=invite)
        .select_related("share_link")
        .order_by("-updated_at")
    )


# --- re-runs of the AI evaluation


@dataclass(frozen=True)
class RerunState:
    """The latest re-run of one answer's evaluation (``answer_pk`` None: the invite's report),
    as the AI card shows it: in progress (polled), failed (until a newer evaluation), or
    nothing to say."""

    answer_pk: Any = None
    status: str = ""  # "" when never re-run
    error: str = ""
    # Set by the progress view on the answer that saw the run finish.
    finished: bool = False
    evaluation: Evaluation | None = None  # what a completed run made

    @property
    def dom_id(self) -> str:
        return f"rerun-{self.answer_pk}" if self.answer_pk else "rerun-report"

    @property
    def pending(self) -> bool:
        return self.status in EvaluationRun.PENDING

    @property
    def failed(self) -> bool:
        return self.status == EvaluationRun.Status.FAILED

    @property
    def status_label(self) -> str:
        return str(EvaluationRun.Status(self.status).label) if self.status else ""


def _rerun_of(
    row: Any, prefix: str, answer_pk: Any, current: Evaluation | None
) -> RerunState | None:
    status = getattr(row, f"{prefix}_status", None) or ""
    if not status:
        return None
    finished_at: datetime | None = getattr(row, f"{prefix}_finished_at", None)
    if status == EvaluationRun.Status.COMPLETED:
        return None  # its evaluation is the current one: the card shows it
    if status == EvaluationRun.Status.FAILED and (
        current is not None and finished_at is not None and current.created_at > finished_at
    ):
        return None  # a newer evaluation came since
    return RerunState(answer_pk=answer_pk, status=status, error=getattr(row, f"{prefix}_error", ""))


def report_rerun(invite: CandidateInterview) -> RerunState | None:
    """The invite report's latest re-run, from ``review_invites``' annotations."""
    whole: list[Evaluation] = getattr(invite, "interview_evaluations", [])
    return _rerun_of(invite, "report_rerun", None, whole[0] if whole else None)


def rerun_latest(*, invite: CandidateInterview, answer: Answer | None) -> EvaluationRun | None:
    """The latest re-run of ``answer``'s evaluation (None: the invite's report)."""
    return (
        EvaluationRun.objects.filter(candidate_interview=invite, answer=answer)
        .select_related("evaluation")
        .order_by("-created_at")
        .first()
    )


def rerun_state(run: EvaluationRun | None, *, finished: bool = False) -> RerunState | None:
    if run is None:
        return None
    return RerunState(
        answer_pk=run.answer_id,
        status=run.status,
        error=run.error,
        finished=finished and not run.is_pending,
        evaluation=run.evaluation,
    )
