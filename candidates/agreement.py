"""How far AI advice agrees with reviewers: one selector for every page that shows it.

The level of a pair: reviewers rate on the scorecard, per criterion of the *interview's*
scorecard template — not per answer, and scorecard criteria are not tied to questions — while
the AI scores each answer (or the whole AI interview). The finest level at which both exist is
therefore the candidate interview (the invite). A pair is one invite's two headline figures
from ``candidates.scores`` — the AI score (advice) and the reviewer score (weighted mean of the
submitted scorecards) — each as shown, rounded half up to one decimal. Only invites with both
count; a candidate who declined AI evaluation has no AI score and never forms a pair.

Figures of a set of pairs (``AgreementFigure``):

* Spearman's rank correlation (ties get their average rank; Pearson's r on the ranks), from -1
  (opposite orders) through 0 (unrelated) to 1 (same order).
* The share of pairs whose two figures differ by ``DISAGREE_POINTS`` (2) points or more.
* Below ``MIN_PAIRS`` pairs neither figure is given: pages say "not enough pairs yet (n)".

"Over time" is the same figures per calendar month of completion (UTC). The pairs that disagree
most are listed with a link to the review page's scores.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from candidates.models import CandidateInterview
from candidates.scores import round_score, scores_annotated, scores_of
from candidates.tables.results import review_url

if TYPE_CHECKING:
    from accounts.models import Team
    from interviews.models import Interview

MIN_PAIRS = 10
DISAGREE_POINTS = Decimal(2)
TOP_DISAGREEMENTS = 10
MONTHS_SHOWN = 12


def _ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties sharing the average of the ranks they span."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        average = (i + j) / 2 + 1
        for k in range(i, j + 1):
            ranks[order[k]] = average
        i = j + 1
    return ranks


def spearman(xs: Sequence[float | Decimal], ys: Sequence[float | Decimal]) -> float | None:
    """Spearman's rho of two equally long sequences; None when it is undefined (fewer than two
    pairs, or one side all equal)."""
    if len(xs) != len(ys):
        raise ValueError("Spearman's rho needs two sequences of the same length.")
    if len(xs) < 2:
        return None
    rx, ry = _ranks([float(x) for x in xs]), _ranks([float(y) for y in ys])
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    if vx == 0 or vy == 0:
        return None
    return cov / math.sqrt(vx * vy)


@dataclass(frozen=True)
class Pair:
    """One invite's AI advice and reviewer score, both as shown (one decimal)."""

    invite_id: Any
    candidate_name: str
    interview_id: Any
    interview_title: str
    ai: Decimal
    human: Decimal
    at: dt.datetime | None

    @property
    def difference(self) -> Decimal:
        return abs(self.ai - self.human)

    @property
    def disagrees(self) -> bool:
        return self.difference >= DISAGREE_POINTS

    @property
    def review_url(self) -> str:
        # The review page's score cards: AI advice and the reviewers' score side by side.
        return f"{review_url(self.invite_id)}#human-summary"


@dataclass(frozen=True)
class AgreementFigure:
    pairs: int
    rho: float | None  # None below MIN_PAIRS or when undefined
    disagree_share: Decimal | None  # 0..1, None below MIN_PAIRS

    @property
    def enough(self) -> bool:
        return self.pairs >= MIN_PAIRS

    @property
    def rho_text(self) -> str:
        if not self.enough:
            return f"not enough pairs yet ({self.pairs})"
        return "—" if self.rho is None else f"{self.rho:.2f}"

    @property
    def disagree_text(self) -> str:
        if not self.enough or self.disagree_share is None:
            return f"not enough pairs yet ({self.pairs})"
        return f"{(self.disagree_share * 100).quantize(Decimal('1'))}%"


def agreement_figure(pairs: Sequence[Pair]) -> AgreementFigure:
    """The figures of ``pairs`` (the min-sample rule applied)."""
    n = len(pairs)
    if n < MIN_PAIRS:
        return AgreementFigure(pairs=n, rho=None, disagree_share=None)
    rho = spearman([p.ai for p in pairs], [p.human for p in pairs])
    share = (Decimal(sum(p.disagrees for p in pairs)) / Decimal(n)).quantize(Decimal("0.0001"))
    return AgreementFigure(
        pairs=n, rho=None if rho is None else round(rho, 4), disagree_share=share
    )


@dataclass(frozen=True)
class Period:
    label: str  # "2026-11"
    figure: AgreementFigure


@dataclass(frozen=True)
class InterviewAgreement:
    interview_id: Any
    title: str
    figure: AgreementFigure


@dataclass
class Agreement:
    overall: AgreementFigure
    periods: list[Period] = field(default_factory=list)  # oldest first, last MONTHS_SHOWN
    disagreements: list[Pair] = field(default_factory=list)  # most apart first
    interviews: list[InterviewAgreement] = field(default_factory=list)  # team view only


def agreement_pairs(*, invites: QuerySet[CandidateInterview]) -> list[Pair]:
    """The pairs of ``invites`` (already scoped to one team), oldest first, in one query."""
    rows = (
        scores_annotated(invites.select_related("candidate", "interview"))
        .filter(Q(human_score__isnull=False), Q(ai_score__isnull=False))
        .order_by("completed_at", "created_at", "pk")
    )
    pairs = []
    for row in rows:
        scores = scores_of(row)
        ai, human = round_score(scores.ai), round_score(scores.human)
        if ai is None or human is None:
            continue
        pairs.append(
            Pair(
                invite_id=row.pk,
                candidate_name=row.candidate.full_name,
                interview_id=row.interview_id,
                interview_title=row.interview.title,
                ai=ai,
                human=human,
                at=row.completed_at or row.created_at,
            )
        )
    return pairs


def agreement_of(pairs: Sequence[Pair], *, per_interview: bool = False) -> Agreement:
    """Overall figure, monthly figures, the most-disagreeing pairs (and, for a team, each
    interview's figure — the same ``agreement_figure`` its results page shows)."""
    months: dict[str, list[Pair]] = defaultdict(list)
    for pair in pairs:
        months[pair.at.strftime("%Y-%m") if pair.at else "—"].append(pair)
    result = Agreement(
        overall=agreement_figure(pairs),
        periods=[Period(label, agreement_figure(months[label])) for label in sorted(months)][
            -MONTHS_SHOWN:
        ],
        disagreements=sorted(
            (p for p in pairs if p.disagrees), key=lambda p: p.difference, reverse=True
        )[:TOP_DISAGREEMENTS],
    )
    if per_interview:
        by_interview: dict[Any, list[Pair]] = defaultdict(list)
        for pair in pairs:
            by_interview[pair.interview_id].append(pair)
        result.interviews = sorted(
            (
                InterviewAgreement(pk, group[0].interview_title, agreement_figure(group))
                for pk, group in by_interview.items()
            ),
            key=lambda row: row.title.lower(),
        )
    return result


def interview_agreement(*, interview: Interview) -> Agreement:
    return agreement_of(
        agreement_pairs(
            invites=CandidateInterview.objects.filter(
                team_id=interview.team_id, interview=interview
            )
        )
    )


def team_agreement(*, team: Team) -> Agreement:
    return agreement_of(
        agreement_pairs(invites=CandidateInterview.objects.for_team(team)), per_interview=True
    )
