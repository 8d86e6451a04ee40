"""Interview analytics: the funnel, the median completion time, where candidates stop, and how
scores spread. Aggregate queries only (a constant number, whatever the number of invites),
plus the geometry of the bar charts that show them (``templates/components/chart_*.html``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Cast
from django.utils import timezone

from candidates.models import Answer, CandidateInterview, Evaluation, Rating
from candidates.scores import ai_score_expression

if TYPE_CHECKING:
    from interviews.models import Interview

Status = CandidateInterview.Status
SCALE = (1, 2, 3, 4, 5)


# ---------------------------------------------------------------- charts


@dataclass
class Bar:
    label: str
    value: int
    note: str = ""
    # Written after the figure, e.g. "40%".
    short_note: str = ""
    # Geometry, filled by ``Chart``: SVG user units.
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0
    # Where the label and the figure are written.
    label_x: float = 0
    label_y: float = 0
    value_x: float = 0
    value_y: float = 0
    short_label: str = ""


@dataclass
class Chart:
    """A bar chart, horizontal (a funnel, a drop-off) or vertical (a 1-5 histogram)."""

    title: str
    bars: list[Bar]
    vertical: bool = False
    unit: str = "candidates"
    summary: str = ""
    # The SVG's viewBox size.
    view_width: int = 340
    view_height: int = 0
    max_value: int = field(init=False, default=0)

    LABEL_WIDTH = 125
    ROW = 30
    BAR = 20
    PLOT_HEIGHT = 100

    def __post_init__(self) -> None:
        for bar in self.bars:
            bar.short_label = bar.label
        self.max_value = max((b.value for b in self.bars), default=0)
        scale = self.max_value or 1
        if self.vertical:
            self.view_width = 90 * len(self.bars) + 20
            self.view_height = self.PLOT_HEIGHT + 56
            for i, bar in enumerate(self.bars):
                bar.width = 56
                bar.height = self.PLOT_HEIGHT * bar.value / scale
                bar.x = 27 + 90 * i
                bar.y = 20 + self.PLOT_HEIGHT - bar.height
                bar.label_x = bar.value_x = bar.x + 28
                bar.label_y = self.view_height - 10
                bar.value_y = bar.y - 5
        else:
            self.view_height = self.ROW * len(self.bars) + 4
            plot = self.view_width - self.LABEL_WIDTH - 100
            for i, bar in enumerate(self.bars):
                bar.width = plot * bar.value / scale
                bar.height = self.BAR
                bar.x = self.LABEL_WIDTH
                bar.y = 4 + self.ROW * i
                bar.label_x = self.LABEL_WIDTH - 8
                bar.label_y = bar.value_y = bar.y + 15
                bar.value_x = bar.x + bar.width + 6
                if len(bar.label) > 17:
                    bar.short_label = bar.label[:16].rstrip() + "…"
        for bar in self.bars:
            for name in ("x", "y", "width", "height", "label_x", "label_y", "value_x", "value_y"):
                setattr(bar, name, round(getattr(bar, name), 1))

    @property
    def is_empty(self) -> bool:
        return self.max_value == 0

    @property
    def aria_label(self) -> str:
        figures = "; ".join(
            f"{b.label}: {b.value}{f' ({b.note})' if b.note else ''}" for b in self.bars
        )
        return f"{self.title}. {figures}."


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


# ---------------------------------------------------------------- the funnel


@dataclass
class Funnel:
    invited: int
    started: int
    completed: int
    advanced: int
    # Completed with both a start and a completion time (the median's population).
    timed: int = 0

    def chart(self, title: str = "Funnel") -> Chart:
        steps = [
            ("Invited", self.invited),
            ("Started", self.started),
            ("Completed", self.completed),
            ("Advanced", self.advanced),
        ]
        return Chart(
            title=title,
            bars=[
                Bar(
                    label=label,
                    value=n,
                    note=f"{_percent(n, self.invited)} of invited",
                    short_note=_percent(n, self.invited),
                )
                for label, n in steps
            ],
        )


_TIMED = Q(status=Status.COMPLETED, started_at__isnull=False, completed_at__isnull=False)


# What each step of the funnel counts (drafts were never invited).
_FUNNEL_STEPS = {
    "invited": ~Q(status=Status.DRAFT),
    "started": Q(started_at__isnull=False) & ~Q(status=Status.DRAFT),
    "completed": Q(status=Status.COMPLETED),
    "advanced": Q(decision=CandidateInterview.Decision.ADVANCE) & ~Q(status=Status.DRAFT),
    "timed": _TIMED,
}


def funnel(invites: QuerySet[CandidateInterview]) -> Funnel:
    """How many of ``invites`` were invited (drafts are not), started, completed and advanced.
    One query."""
    counts = invites.aggregate(
        **{step: Count("pk", filter=when) for step, when in _FUNNEL_STEPS.items()}
    )
    return Funnel(**counts)


def team_funnel(invites: QuerySet[CandidateInterview], *, days: int) -> Funnel:
    """The funnel of ``invites`` sent in the last ``days`` days."""
    return team_funnels(invites, periods=(days,))[0].funnel


@dataclass
class PeriodFunnel:
    days: int
    funnel: Funnel

    @property
    def chart(self) -> Chart:
        return self.funnel.chart(title=f"Last {self.days} days")


def team_funnels(
    invites: QuerySet[CandidateInterview], periods: tuple[int, ...] = (30, 90)
) -> list[PeriodFunnel]:
    """The funnel of ``invites`` (a team's, as its member may see them) over each period. One
    query for every period: a big team's invites are read once, not once per period."""
    now = timezone.now()
    since = {days: now - timedelta(days=days) for days in periods}
    counts = invites.filter(invited_at__gte=min(since.values())).aggregate(
        **{
            f"{step}_{days}": Count("pk", filter=Q(invited_at__gte=since[days]) & when)
            for days in periods
            for step, when in _FUNNEL_STEPS.items()
        }
    )
    return [
        PeriodFunnel(
            days=days, funnel=Funnel(**{step: counts[f"{step}_{days}"] for step in _FUNNEL_STEPS})
        )
        for days in periods
    ]


# ---------------------------------------------------------------- completion time


def median_completion(
    invites: QuerySet[CandidateInterview], *, count: int | None = None
) -> timedelta | None:
    """The median time from start to completion of the completed ``invites``: the one or two
    middle durations, sorted by the database (no rows are loaded to sort in Python). One query,
    two without ``count`` (``Funnel.timed``)."""
    done = invites.filter(_TIMED)
    n = done.count() if count is None else count
    if not n:
        return None
    durations = (
        done.annotate(
            took=ExpressionWrapper(
                F("completed_at") - F("started_at"), output_field=DurationField()
            )
        )
        .order_by("took")
        .values_list("took", flat=True)
    )
    middle = list(durations[(n - 1) // 2 : n // 2 + 1])
    return sum(middle, timedelta()) / len(middle)


def duration_text(value: timedelta | None) -> str:
    if value is None:
        return "—"
    minutes = round(value.total_seconds() / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{round(hours / 24)} days"


# ---------------------------------------------------------------- drop-off


@dataclass
class DropOffStep:
    ordinal: int
    title: str
    answered: int
    # How many who reached the step before did not answer this one.
    lost: int


def drop_off(
    interview: Interview, invites: QuerySet[CandidateInterview], *, started: int | None = None
) -> list[DropOffStep]:
    """For each question of ``interview`` in order, how many of the ``invites`` that started
    submitted an answer to it, and how many of those who got that far stopped there. Two
    queries (the questions, the answer counts per question), three without ``started``
    (``Funnel.started``)."""
    began = invites.filter(started_at__isnull=False).exclude(status=Status.DRAFT)
    reached = began.count() if started is None else started
    items = list(
        interview.items.select_related(
            "audio_question", "survey_question", "ai_text_question"
        ).order_by("ordinal")
    )
    answered = dict(
        Answer.objects.filter(candidate_interview__in=began, submitted_at__isnull=False)
        .order_by()
        .values("interview_question")
        .annotate(n=Count("candidate_interview", distinct=True))
        .values_list("interview_question", "n")
    )
    steps = []
    for item in items:
        n = answered.get(item.pk, 0)
        steps.append(
            DropOffStep(
                ordinal=item.ordinal,
                title=item.question.title,
                answered=n,
                lost=max(reached - n, 0),
            )
        )
        reached = n
    return steps


def drop_off_chart(steps: list[DropOffStep], started: int) -> Chart:
    return Chart(
        title="Answers per question",
        bars=[
            Bar(
                label=f"{s.ordinal}. {s.title}",
                value=s.answered,
                note=f"{_percent(s.answered, started)} of started, {s.lost} stopped here",
                short_note=f"{s.lost} stopped" if s.lost else "",
            )
            for s in steps
        ],
    )


# ---------------------------------------------------------------- score distributions


def _buckets(field_name: str, counted: str = "pk") -> dict[str, Any]:
    """``Count`` aggregates putting ``field_name`` (a 1-5 score) into the nearest whole point."""
    edges = {1: (None, 1.5), 2: (1.5, 2.5), 3: (2.5, 3.5), 4: (3.5, 4.5), 5: (4.5, None)}
    out = {}
    for point, (low, high) in edges.items():
        cond = Q(**{f"{field_name}__isnull": False})
        if low is not None:
            cond &= Q(**{f"{field_name}__gte": low})
        if high is not None:
            cond &= Q(**{f"{field_name}__lt": high})
        out[f"s{point}"] = Count(counted, filter=cond)
    return out


def ai_score_distribution(invites: QuerySet[CandidateInterview]) -> dict[int, int]:
    """How many ``invites`` have an AI figure (candidates.scores: the whole-interview score,
    else the mean of the answers' scores) nearest to 1, 2 … 5 — the figure the table shows.

    Only invites with a current evaluation are scored (an Exists filter first), so the
    per-invite subqueries run for those alone."""
    evaluated = Evaluation.objects.filter(
        candidate_interview=OuterRef("pk"),
        is_current=True,
        status=Evaluation.Status.COMPLETED,
        overall_score__isnull=False,
    )
    scored = (
        invites.exclude(status=Status.DRAFT)
        .filter(Exists(evaluated))
        .annotate(ai_figure=ai_score_expression())
    )
    counts = scored.aggregate(**_buckets("ai_figure"))
    return {point: counts[f"s{point}"] for point in SCALE}


def human_score_distribution(invites: QuerySet[CandidateInterview]) -> dict[int, int]:
    """How many ``invites`` have a reviewers' mean rating nearest to 1, 2 … 5.

    Grouped from the ratings side, so only invites with a submitted scorecard are read (a
    correlated subquery per invite took seconds on an interview of 200,000 invites)."""
    means = (
        Rating.objects.filter(
            scorecard__candidate_interview__in=invites.exclude(status=Status.DRAFT),
            scorecard__submitted_at__isnull=False,
        )
        .order_by()
        .values("scorecard__candidate_interview")
        # The weighted mean of candidates.scores (the figure the table shows).
        .annotate(
            human=Cast(Sum(F("score") * F("criterion__weight")), FloatField())
            / Cast(Sum("criterion__weight"), FloatField())
        )
    )
    counts = means.aggregate(**_buckets("human", counted="human"))
    return {point: counts[f"s{point}"] for point in SCALE}


def distribution_chart(title: str, counts: dict[int, int]) -> Chart:
    return Chart(
        title=title,
        vertical=True,
        bars=[Bar(label=str(point), value=counts[point]) for point in SCALE],
    )


# ---------------------------------------------------------------- one interview


@dataclass
class InterviewAnalytics:
    funnel: Funnel
    median: timedelta | None
    steps: list[DropOffStep]
    ai_scores: dict[int, int]
    human_scores: dict[int, int]

    @property
    def median_text(self) -> str:
        return duration_text(self.median)

    @property
    def charts(self) -> dict[str, Chart]:
        return {
            "funnel": self.funnel.chart(),
            "drop_off": drop_off_chart(self.steps, self.funnel.started),
            "ai": distribution_chart("AI advice scores", self.ai_scores),
            "human": distribution_chart("Reviewer scores", self.human_scores),
        }


def interview_analytics(*, interview: Interview) -> InterviewAnalytics:
    """Everything the results page's analytics panel shows, in six queries."""
    invites = CandidateInterview.objects.filter(team_id=interview.team_id, interview=interview)
    counts = funnel(invites)
    return InterviewAnalytics(
        funnel=counts,
        median=median_completion(invites, count=counts.timed),
        steps=drop_off(interview, invites, started=counts.started),
        ai_scores=ai_score_distribution(invites),
        human_scores=human_score_distribution(invites),
    )


# ---------------------------------------------------------------- the panel's cache

# The panel is served from the cache; the services that change its inputs (invites created or
# moved, answers given, evaluations stored, scorecards submitted, decisions, erasure) call
# ``interview_analytics_changed``, which moves the interview to a new cache version once their
# transaction commits. The time limit only bounds how long an entry outlives an eviction of its
# version key.
ANALYTICS_CACHE_SECONDS = 15 * 60


def _version_key(interview_id: Any) -> str:
    return f"analytics:version:{interview_id}"


def interview_analytics_cached(*, interview: Interview) -> InterviewAnalytics:
    """``interview_analytics``, from the cache while none of its inputs changed."""
    from django.core.cache import cache

    version = cache.get(_version_key(interview.pk), 0)
    key = f"analytics:{interview.pk}:{version}"
    found = cache.get(key)
    if found is None:
        found = interview_analytics(interview=interview)
        cache.set(key, found, ANALYTICS_CACHE_SECONDS)
    return found


def interview_analytics_changed(*, interview_id: Any) -> None:
    """The interview's analytics inputs changed: the next read recomputes them (after the
    caller's transaction commits, so no reader caches the old figures under the new version)."""
    from django.core.cache import cache
    from django.db import transaction

    def bump() -> None:
        key = _version_key(interview_id)
        try:
            cache.incr(key)
        except ValueError:  # no version yet (or evicted): start one that never expires
            cache.set(key, 1, None)

    transaction.on_commit(bump)
