"""Score an evaluator on the graded cases and print how far it agrees with the human grades.

    .venv/bin/python -m bench.ai_quality [--evaluator offline] [--split dev|held-out] [--show]
                                          [--rubric own|without-ideal|default-scorecard]

For every case the evaluator scores the answer against its question's rubric; the case's
figure is the mean of its criterion scores, compared with the mean of the human grades. Printed:

- Spearman's rank correlation and the mean absolute error over the cases the evaluator scored,
  and how many it scored (an abstention or a refusal is not a score);
- the same correlation with every abstention counted as the midpoint (3): an evaluator cannot
  look good by abstaining on the hard cases;
- per family: the mean and the highest score, and the abstentions;
- the targets of issue 14: Spearman >= 0.7; no adversarial answer above the midpoint; an
  excellent plain-words answer never below it;
- the time per answer (median and slowest), models loaded beforehand.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import bench.common  # noqa: F401 - sets up Django
from bench.ai_quality.cases import ADVERSARIAL, FAMILIES, Case, cases

if TYPE_CHECKING:
    from speech.evaluation import EvaluationRequest, Evaluator, RubricSource

MIDPOINT = 3.0
TARGET_SPEARMAN = 0.7


@dataclass(frozen=True)
class Outcome:
    case: Case
    score: float | None  # None: no score (abstained or refused)
    state: str  # "scored", "abstained", "refused", "failed"
    seconds: float
    detail: str


RUBRICS = ("own", "without-ideal", "default-scorecard", "relevance")
SOURCES: dict[str, RubricSource] = {"default-scorecard": "scorecard", "relevance": "relevance"}


def request_for(case: Case, *, rubric: str = "own") -> EvaluationRequest:
    """The evaluation request for ``case``: with the question's own rubric, the same without its
    ideal answers, or the default scorecard every new interview gets (generic criteria that a
    recorded answer is judged on; the case's grade stays the mean of its own criteria)."""
    from interviews.services.scorecards import DEFAULT_CRITERIA
    from speech.evaluation import Criterion, EvaluationRequest

    question = case.question
    criteria: tuple[Criterion, ...]
    if rubric == "relevance":
        criteria = (
            Criterion(
                "relevance",
                "Relevance",
                f"Answers the question asked, with specifics: {question.text}",
            ),
        )
    elif rubric == "default-scorecard":
        criteria = tuple(
            Criterion(f"c{index}", name, description)
            for index, (name, description) in enumerate(DEFAULT_CRITERIA)
        )
    else:
        criteria = tuple(
            Criterion(
                c.key, c.name, c.description, ideal_answer=c.ideal_answer if rubric == "own" else ""
            )
            for c in question.criteria
        )
    return EvaluationRequest(
        question=question.text,
        answer=case.answer.text,
        criteria=criteria,
        rubric_source=SOURCES.get(rubric, "question"),
        keywords=question.keywords,
        language=case.answer.language,
    )


def evaluate(evaluator: Evaluator, case: Case, *, rubric: str = "own") -> Outcome:
    from speech.evaluation import EvaluationAbstained, EvaluationError, EvaluationRefused

    began = time.perf_counter()
    try:
        result = evaluator.evaluate(request_for(case, rubric=rubric))
    except EvaluationAbstained as exc:
        return Outcome(case, None, "abstained", time.perf_counter() - began, str(exc))
    except EvaluationRefused as exc:
        return Outcome(case, None, "refused", time.perf_counter() - began, str(exc))
    except EvaluationError as exc:
        return Outcome(case, None, "failed", time.perf_counter() - began, str(exc))
    seconds = time.perf_counter() - began
    scores = [s.score for s in result.scores]
    return Outcome(case, sum(scores) / len(scores), "scored", seconds, result.summary)


def ranks(values: list[float]) -> list[float]:
    """1-based ranks, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    result = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            result[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return result


def spearman(xs: list[float], ys: list[float]) -> float:
    """Spearman's rho: Pearson's correlation of the ranks (NaN when either side is constant)."""
    if len(xs) < 3:
        return float("nan")
    rx, ry = ranks(xs), ranks(ys)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    return cov / (vx * vy) ** 0.5 if vx and vy else float("nan")


@dataclass(frozen=True)
class Report:
    outcomes: list[Outcome]

    @property
    def scored(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.score is not None]

    @property
    def spearman(self) -> float:
        scored = self.scored
        return spearman([o.case.grade for o in scored], [o.score or 0 for o in scored])

    @property
    def spearman_abstain_as_midpoint(self) -> float:
        return spearman(
            [o.case.grade for o in self.outcomes],
            [MIDPOINT if o.score is None else o.score for o in self.outcomes],
        )

    @property
    def mae(self) -> float:
        scored = self.scored
        if not scored:
            return float("nan")
        return statistics.fmean(abs((o.score or 0) - o.case.grade) for o in scored)

    def family(self, name: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.case.answer.family == name]

    @property
    def adversarial_above_midpoint(self) -> list[Outcome]:
        return [
            o
            for o in self.outcomes
            if o.case.answer.family in ADVERSARIAL and o.score is not None and o.score > MIDPOINT
        ]

    @property
    def plain_words_below_midpoint(self) -> list[Outcome]:
        return [o for o in self.family("plain_words") if o.score is not None and o.score < MIDPOINT]

    @property
    def meets_targets(self) -> bool:
        return (
            self.spearman >= TARGET_SPEARMAN
            and not self.adversarial_above_midpoint
            and not self.plain_words_below_midpoint
        )


def run(evaluator: Evaluator, selected: list[Case], *, rubric: str = "own") -> Report:
    return Report([evaluate(evaluator, case, rubric=rubric) for case in selected])


def _figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def print_report(report: Report, *, show: bool) -> None:
    outcomes = report.outcomes
    states: defaultdict[str, int] = defaultdict(int)
    for outcome in outcomes:
        states[outcome.state] += 1
    print(
        f"cases {len(outcomes)}: scored {states['scored']}, abstained {states['abstained']}, "
        f"refused {states['refused']}, failed {states['failed']}"
    )
    print(
        f"Spearman (scored cases) {report.spearman:.3f}; with abstentions as {MIDPOINT:g}: "
        f"{report.spearman_abstain_as_midpoint:.3f}; mean absolute error {report.mae:.2f}"
    )
    for split in ("dev", "held-out"):
        part = Report([o for o in outcomes if o.case.question.split == split])
        print(
            f"  {split:8} {len(part.outcomes):3} cases: Spearman {part.spearman:.3f} "
            f"(abstentions as {MIDPOINT:g}: {part.spearman_abstain_as_midpoint:.3f}), "
            f"MAE {part.mae:.2f}, scored {len(part.scored)}"
        )
    print(
        f"\n{'family':17} {'n':>3} {'human':>6} {'mean':>6} {'max':>6} {'min':>6} {'no score':>8}"
    )
    for name in FAMILIES:
        rows = report.family(name)
        scores = [o.score for o in rows if o.score is not None]
        print(
            f"{name:17} {len(rows):3} {statistics.fmean(o.case.grade for o in rows):6.2f} "
            f"{_figure(statistics.fmean(scores) if scores else None):>6} "
            f"{_figure(max(scores) if scores else None):>6} "
            f"{_figure(min(scores) if scores else None):>6} "
            f"{sum(o.state != 'scored' for o in rows):8}"
        )
    seconds = sorted(o.seconds for o in outcomes)
    print(
        f"\ntime per answer: median {statistics.median(seconds) * 1000:.0f} ms, slowest "
        f"{seconds[-1] * 1000:.0f} ms"
    )
    above = report.adversarial_above_midpoint
    below = report.plain_words_below_midpoint
    print(
        f"targets: Spearman >= {TARGET_SPEARMAN}: "
        f"{'met' if report.spearman >= TARGET_SPEARMAN else 'MISSED'}; adversarial above "
        f"{MIDPOINT:g}: {len(above)} {[o.case.label for o in above]}; plain words below "
        f"{MIDPOINT:g}: {len(below)} {[o.case.label for o in below]}"
    )
    if show:
        print()
        for outcome in outcomes:
            print(
                f"{outcome.case.label:22} human {outcome.case.grade:.1f}  "
                f"{outcome.state:9} {_figure(outcome.score):>5}  {outcome.detail[:110]}"
            )


def main(argv: list[str] | None = None) -> Report:
    from speech.evaluation import get_evaluator

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--evaluator", default="offline", help="offline (default) or llm")
    parser.add_argument("--split", choices=("dev", "held-out"), default=None)
    parser.add_argument("--show", action="store_true", help="print every case's outcome")
    parser.add_argument(
        "--limit", type=int, default=0, help="only the first N cases (for a slow evaluator)"
    )
    parser.add_argument(
        "--rubric",
        choices=RUBRICS,
        default="own",
        help="own (default); without-ideal: only what a strong answer shows; default-scorecard: "
        "the generic criteria a new interview's recorded answers are judged on",
    )
    args = parser.parse_args(argv)
    evaluator = get_evaluator(args.evaluator)
    selected = cases(args.split)
    if args.limit > 0:
        selected = selected[: args.limit]
    began = time.perf_counter()
    evaluate(evaluator, selected[0])  # loads the models
    print(
        f"evaluator {evaluator.name} ({evaluator.label}; model {getattr(evaluator, 'model', '?')}"
        f", prompt {getattr(evaluator, 'prompt_version', '?')}); loaded in "
        f"{time.perf_counter() - began:.2f} s"
    )
    report = run(evaluator, selected, rubric=args.rubric)
    print_report(report, show=args.show)
    return report


if __name__ == "__main__":
    sys.exit(0 if main().meets_targets else 1)
